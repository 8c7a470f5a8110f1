"""Atomic output: write to temporary files beside the targets, rename on success.

A failed or interrupted build therefore never leaves a half-written file and never
replaces a good output with a broken one. Temporary files carry the PID of the run that
made them (``.NAME.exporter-PID-XXXX.part``), so the next run can tell a killed run's
leftovers from a concurrent run's work in progress, and remove only the former.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import OutputError

# Errors that mean "this output cannot be written here" (exit 5), not a bug.
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EFBIG})
_STAGING = re.compile(r"^\..+\.exporter-(\d+)-[^.]+\.(part|old)$")
# The run that owns staged files; set by the driver before it forks workers, so files
# staged by a worker are claimed by the run (whose PID outlives the worker).
_run_pid: int | None = None


def claim_run(pid: int | None = None) -> None:
    """Mark the run (this process, or ``pid``) as owner of every file staged from now on.

    Forked workers inherit the mark; a worker started another way (another executor) calls
    this with the driver's PID, so the driver can sweep its files after an interrupt.
    """
    global _run_pid
    _run_pid = pid or os.getpid()


def _owner() -> int:
    return _run_pid or os.getpid()


def describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def output_error(what: Path | str, exc: OSError) -> OutputError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = "free some space or choose another --out"
    else:
        hint = "choose another --out or fix permissions"
    return OutputError(f"cannot write {what}: {describe(exc)}; {hint}")


def ensure_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create output folder {folder}: {describe(exc)}; choose another --out"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {folder} is not writable; choose another --out")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def remove_leftovers(folders: Iterable[Path], *, pid: int | None = None) -> int:
    """Remove staged files of dead runs (or, with ``pid``, of that run) from ``folders``.

    Only names of our own pattern are touched; a live run's files are left alone, so
    concurrent builds into one folder do not delete each other's work in progress.
    """
    removed = 0
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            match = _STAGING.match(entry.name)
            if match is None or not entry.is_file(follow_symlinks=False):
                continue
            owner = int(match.group(1))
            if pid is not None:
                stale = owner == pid
            else:
                stale = owner != os.getpid() and not pid_alive(owner)
            if stale:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


_deferring = threading.local()


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block is done, then raise KeyboardInterrupt.

    Used around a commit, so an interrupt never lands between two renames (or between a
    commit and the printing of its paths). Re-entrant: an inner block defers to the outer
    one. Outside the main thread signals cannot be handled here, and the block simply runs.
    """
    if threading.current_thread() is not threading.main_thread() or getattr(
        _deferring, "active", False
    ):
        yield
        return
    received: list[int] = []
    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda s, _f: received.append(s)) for sig in wanted}
    _deferring.active = True
    try:
        yield
    finally:
        _deferring.active = False
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt


class StagedOutputs:
    """Outputs committed together or not at all.

    Each file is written to a temporary path first; ``commit`` renames them into
    place only after every writer has succeeded (and, with --strict, only when no
    warning was raised), so a failure never leaves a mix of new and old files.
    A StagedOutputs can be pickled: a worker process stages, the driver commits.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []

    def stage(self, target: Path) -> Path:
        ensure_dir(target.parent)
        try:
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.exporter-{_owner()}-", suffix=".part", dir=target.parent
            )
        except OSError as exc:
            raise output_error(target.parent, exc) from None
        os.close(fd)
        self.pending.append((Path(tmp_name), target))
        return Path(tmp_name)

    def _check_targets(self) -> None:
        for _tmp, target in self.pending:
            if target.is_dir() and not target.is_symlink():
                raise OutputError(f"cannot write {target}: a folder is in the way; remove it")
            if not os.access(target.parent, os.W_OK | os.X_OK):
                raise OutputError(f"cannot write {target}: its folder is not writable")

    def commit(self) -> list[Path]:
        """Rename every staged file over its target, or none: a failure restores the old files."""
        try:
            self._check_targets()
        except OutputError:
            self.discard()
            raise
        # mkstemp creates 0600 files; give outputs the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        done: list[tuple[Path, Path | None]] = []  # (target, backup of the old file or None)
        try:
            with deferred_signals():
                for tmp, target in self.pending:
                    os.chmod(tmp, 0o666 & ~umask)
                    done.append((target, self._backup(target)))
                    os.replace(tmp, target)
        except OSError as exc:
            failed = done[-1][0] if done else self.pending[0][1]
            self._roll_back(done)
            self.discard()
            raise output_error(failed, exc) from None
        except BaseException:
            self._roll_back(done)
            self.discard()
            raise
        for _target, backup in done:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()
        written = [target for _tmp, target in self.pending]
        self.pending = []
        return written

    @staticmethod
    def _backup(target: Path) -> Path | None:
        """A hard link to the current target, to restore it if a later rename fails."""
        if not target.is_file():
            return None
        backup = target.with_name(f".{target.name}.exporter-{_owner()}-bak.old")
        with contextlib.suppress(FileNotFoundError):
            backup.unlink()
        try:
            os.link(target, backup)
        except OSError:  # no hard links here (FAT, some network shares): copy instead
            shutil.copy2(target, backup)
        return backup

    @staticmethod
    def _roll_back(done: list[tuple[Path, Path | None]]) -> None:
        for target, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink()

    def discard(self) -> None:
        for tmp, _ in self.pending:
            with contextlib.suppress(OSError):
                # Truncate first: a writer that failed may still hold the file open, and an
                # unlinked open file keeps its blocks (a full disk would stay full).
                os.truncate(tmp, 0)
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self.pending = []


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
