"""Atomic output: write to temporary files beside the targets, rename on success.

A failed or interrupted build therefore never leaves a half-written file and never
replaces a good output with a broken one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import OutputError


def ensure_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create output folder {folder}: {exc.strerror}; choose another --out"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {folder} is not writable; choose another --out")


class StagedOutputs:
    """Outputs committed together or not at all.

    Each file is written to a temporary path first; ``commit`` renames them into
    place only after every writer has succeeded (and, with --strict, only when no
    warning was raised), so a failure never leaves a mix of new and old files.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def stage(self, target: Path) -> Path:
        ensure_dir(target.parent)
        try:
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".part", dir=target.parent
            )
        except OSError as exc:
            raise OutputError(f"cannot write in {target.parent}: {exc.strerror}") from None
        os.close(fd)
        self._pending.append((Path(tmp_name), target))
        return Path(tmp_name)

    def commit(self) -> list[Path]:
        # mkstemp creates 0600 files; give outputs the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        written = []
        for tmp, target in self._pending:
            try:
                os.chmod(tmp, 0o666 & ~umask)
                os.replace(tmp, target)
            except OSError as exc:
                self.discard()
                raise OutputError(f"cannot write {target}: {exc.strerror}") from None
            written.append(target)
        self._pending = []
        return written

    def discard(self) -> None:
        for tmp, _ in self._pending:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self._pending = []


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it over target on success."""
    staged = StagedOutputs()
    tmp = staged.stage(target)
    try:
        yield tmp
        staged.commit()
    finally:
        staged.discard()


def write_atomically(target: Path, produce: Callable[[Path], None]) -> Path:
    with atomic_path(target) as tmp:
        produce(tmp)
    return target


def write_text_atomically(target: Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
