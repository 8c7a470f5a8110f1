"""Read a source file's bytes safely: regular files only, bounded, read once."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

# The largest source one build accepts. Chosen from measurement, not taste: a source this big
# builds (PDF + DOCX, one edition) in under a minute on a 2-core machine (README, Limits:
# 8 MiB took 36 s for zh-CN and 38 s for zh-HK, 10 MiB 41 s). Layout is linear now, so the
# limit keeps a margin for a busier machine. Larger inputs are refused before they are read.
MAX_INPUT_BYTES = 8 * 1024 * 1024
# Word files and saved pages carry markup, images and scripts around the text; their own
# limits stay what they were measured for (a 3 MiB text), not a multiple of the text limit.
TEXT_BUDGET_BYTES = 3 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True)
class SourceBytes:
    data: bytes
    sha256: str


def _limit_error(path: Path, size: str, limit: int) -> InputError:
    return InputError(
        f"{path}: {size} is larger than the {limit / 2**20:g} MiB limit for one source; "
        "split it into several files"
    )


def _check_regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a file")
        raise InputError(f"{path}: is {kind}, not a regular file; give a text file")


def read_source(path: Path, limit: int = MAX_INPUT_BYTES) -> SourceBytes:
    """The bytes of a regular file of at most ``limit`` bytes, and their SHA-256.

    Opened once without blocking (a FIFO would otherwise hang), checked to be a regular
    file (a symlink to /dev/zero would otherwise never end), read to at most limit+1 bytes
    (a file growing while read is caught), and hashed from the very bytes that are built.
    """
    try:
        # stat first: a socket cannot even be opened, and its error would say nothing useful.
        _check_regular(path, os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        _check_regular(path, info.st_mode)  # swapped since the stat above
        if info.st_size > limit:
            raise _limit_error(path, f"{info.st_size / 2**20:.1f} MiB", limit)
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _limit_error(path, "the file (still growing?)", limit)
    return SourceBytes(data, hashlib.sha256(data).hexdigest())
