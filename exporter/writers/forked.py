"""Write one document's formats side by side: the DOCX in a forked child, the PDF here.

A one-document build leaves every core but one idle, and its DOCX (python-docx's import and
the document) and PDF (reportlab's import, layout, subsetting) need nothing from each other.
Writing them at once takes the DOCX's ~0.13 s off a ~0.5 s cold build on two cores; CPU
time is unchanged. Batches do not use this: their documents already fill the cores.

What must not change does not: each writer writes its own staged file, which only the
parent renames into place; the child's warnings are replayed in the parent (so --strict and
the warning count see them) and its error is raised in the parent; an interrupt or an error
in the parent kills the child before the staged files are discarded.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ExporterError

_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


@dataclass(frozen=True)
class WriteJob:
    """One output: ``write()`` writes it to its staged path."""

    format: str
    write: Callable[[], None]


def can_fork() -> bool:
    """Whether writing in a child can save time here: fork exists, a second core is free
    to this process, and no other thread runs (forking a threaded process is unsafe)."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return cores > 1


def write_all(jobs: Sequence[WriteJob], *, fork: bool) -> None:
    """Run every job; with ``fork``, the DOCX jobs in a child while this process does the rest."""
    child_jobs = [job for job in jobs if job.format == "docx"]
    own_jobs = [job for job in jobs if job.format != "docx"]
    if not (fork and child_jobs and own_jobs and can_fork()):
        for job in jobs:
            job.write()
        return
    reader, writer = os.pipe()
    # Ctrl-C or SIGTERM arriving during the fork would be raised inside fork's own handlers,
    # where it is printed and lost: hold them until each side can act on them.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(reader)
        os.close(writer)
        raise
    if pid == 0:  # the child: never returns
        os.close(reader)
        _child(child_jobs, writer, held)
    os.close(writer)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a held interrupt is raised here
        for job in own_jobs:
            job.write()
        payload = _read_all(reader)
        _, status = os.waitpid(pid, 0)
        pid = 0
    except BaseException:
        if pid:
            _kill(pid)
        raise
    finally:
        os.close(reader)
    _finish(payload, status)


def _child(jobs: Sequence[WriteJob], fd: int, held: Any) -> None:
    # The parent handles Ctrl-C and SIGTERM and kills this process; the child must not
    # run the parent's handlers (they raise KeyboardInterrupt and clean up the parent's state).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)
    records: list[logging.LogRecord] = []
    capture = _Capture(records)
    logger = logging.getLogger("exporter")
    logger.handlers[:] = [capture]
    code = 0
    try:
        for job in jobs:
            job.write()
        outcome: tuple[str, Any] = ("ok", None)
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        outcome = ("error", exc)
    try:
        try:
            data = pickle.dumps((outcome, records))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            error = outcome[1]
            plain = RuntimeError(f"{type(error).__name__}: {error}") if error else None
            data = pickle.dumps(((outcome[0], plain), [_plain(r) for r in records]))
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:  # noqa: BLE001 - the parent sees a missing result
        code = 1
    finally:
        os._exit(code)  # no atexit, no teardown: this process only wrote a file


class _Capture(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(level=logging.NOTSET)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(_plain(record))


def _plain(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message formatted, so it pickles whatever its arguments were."""
    copy = logging.makeLogRecord(record.__dict__)
    copy.msg, copy.args, copy.exc_info, copy.exc_text = record.getMessage(), None, None, None
    return copy


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _finish(payload: bytes, status: int) -> None:
    """Replay the child's log records here and raise its error, if any."""
    try:
        (kind, exc), records = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - the child died before it could report
        raise ExporterError(
            f"the DOCX writer process ended without a result (wait status {status})"
        ) from None
    for record in records:
        logging.getLogger(record.name).handle(record)
    if kind == "error":
        raise exc
