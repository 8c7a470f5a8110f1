"""Write one document's formats side by side: one format in a forked child, the rest here.

A one-document build leaves every core but one idle, and its DOCX (python-docx's import and
the document) and PDF (reportlab's import, font registration, layout, subsetting) need
nothing from each other. Two ways to use the idle core:

* :func:`preheated_writer` forks a child as the build starts, before the source is even
  read. It imports the heaviest requested format's library (the PDF's, else the DOCX's) and
  registers the style's faces while this process reads, cleans and converts; then
  :func:`write_all` sends it that format's jobs (pickled) and writes the others here. A cold
  seed build's PDF path no longer waits for reportlab's import.
* Without such a child, :func:`write_all` forks one when the document is ready and gives it
  the DOCX jobs.

CPU time is unchanged. Batches do not use this: their documents already fill the cores.

What must not change does not: each writer writes its own staged file, which only the
parent renames into place; the child's warnings are replayed in the parent (so --strict and
the warning count see them) and its error is raised in the parent; an interrupt or an error
in the parent kills the child before the staged files are discarded. A preheated child that
is never used (a bad input, an interrupt) is killed when the build ends; it wrote nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ExporterError

_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}

log = logging.getLogger("exporter")


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


@dataclass
class _Preheated:
    """A child forked as the build started, preparing to write ``format``: it waits for its
    jobs on ``jobs_fd`` and reports on ``result_fd``."""

    format: str
    pid: int
    jobs_fd: int
    result_fd: int

    def close(self) -> None:
        """Stop the child (it wrote nothing) and release its pipes."""
        if self.pid:
            _kill(self.pid)
            self.pid = 0
        for fd in (self.jobs_fd, self.result_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.jobs_fd = self.result_fd = -1


_preheated: _Preheated | None = None


@contextlib.contextmanager
def preheated_writer(fmt: str, prepare: Callable[[], None]) -> Iterator[None]:
    """Within: a child forked now runs ``prepare()`` (imports, fonts) and then writes the
    ``fmt`` jobs :func:`write_all` sends it. Nothing happens where forking cannot help."""
    global _preheated
    if _preheated is not None or not can_fork():
        yield
        return
    jobs_r, jobs_w = os.pipe()
    result_r, result_w = os.pipe()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)  # see write_all
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for fd in (jobs_r, jobs_w, result_r, result_w):
            os.close(fd)
        raise
    if pid == 0:  # the child: never returns
        os.close(jobs_w)
        os.close(result_r)
        _preheated_child(prepare, jobs_r, result_w, held)
    os.close(jobs_r)
    os.close(result_w)
    child = _preheated = _Preheated(fmt, pid, jobs_w, result_r)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        yield
    finally:
        _preheated = None
        child.close()


def _take_preheated(
    jobs: Sequence[WriteJob],
) -> tuple[_Preheated, list[WriteJob], bytes] | None:
    """The waiting child, the jobs of its format and those pickled, if it is there for one
    of ``jobs``' formats."""
    global _preheated
    child, _preheated = _preheated, None
    if child is None:
        return None
    mine = [job for job in jobs if job.format == child.format]
    try:
        data = pickle.dumps(mine) if mine else b""
    except Exception:  # noqa: BLE001 - a job that does not pickle (a closure): write it here
        data = b""
    if not data:
        child.close()
        return None
    return child, mine, data


def write_all(jobs: Sequence[WriteJob], *, fork: bool) -> None:
    """Run every job; with ``fork``, one format's jobs in a child while this process does the
    rest: the preheated child's format if there is one, else the DOCX."""
    preheated = _take_preheated(jobs) if fork else None
    if preheated is not None:
        child, mine, data = preheated
        try:
            try:
                _write_fd(child.jobs_fd, data)
                os.close(child.jobs_fd)
                child.jobs_fd = -1
            except OSError:  # the child died preparing (it wrote nothing): all of it here
                for job in jobs:
                    job.write()
                return
            # _run_beside reaps the child, or kills it on an error here: after that its PID
            # may belong to any process, so close() must not signal it again.
            pid, child.pid = child.pid, 0
            _run_beside(pid, child.result_fd, [j for j in jobs if j.format != child.format], mine)
        finally:
            child.close()
        return
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
        _child(child_jobs, writer, _child_setup(held))
    os.close(writer)
    try:
        _run_beside(pid, reader, own_jobs, child_jobs, held)
    finally:
        os.close(reader)


def _run_beside(
    pid: int,
    result_fd: int,
    own_jobs: Sequence[WriteJob],
    child_jobs: Sequence[WriteJob],
    held: Any = None,
) -> None:
    """Write ``own_jobs`` here while child ``pid`` writes ``child_jobs``; then take its
    report. ``held``: the signal mask to restore first (an interrupt held over the fork is
    raised then, and kills the child like any other)."""
    try:
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for job in own_jobs:
            job.write()
        payload = _read_all(result_fd)
        _, status = os.waitpid(pid, 0)
        pid = 0
    except BaseException:
        if pid:
            _kill(pid)
        raise
    if not payload:  # killed (the OOM killer, a user) before it could report: redo its work
        log.warning(
            "the %s writer process was %s; its files are written by this process",
            "/".join(sorted({job.format.upper() for job in child_jobs})), _how_it_ended(status),
        )  # fmt: skip
        for job in child_jobs:
            job.write()
        return
    _finish(payload, status)


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "an unknown signal"
        return f"killed by signal {number} ({name})"
    return f"ended with exit status {os.waitstatus_to_exitcode(status)} and no result"


def _child_setup(held: Any) -> list[logging.LogRecord]:
    """Signals and logging of a writer child; the list receives its log records."""
    # The parent handles Ctrl-C and SIGTERM and kills this process; the child must not
    # run the parent's handlers (they raise KeyboardInterrupt and clean up the parent's state).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)
    records: list[logging.LogRecord] = []
    logging.getLogger("exporter").handlers[:] = [_Capture(records)]
    return records


def _preheated_child(prepare: Callable[[], None], jobs_fd: int, result_fd: int, held: Any) -> None:
    records = _child_setup(held)
    with contextlib.suppress(BaseException):  # a head start only: the jobs meet any problem
        prepare()
    # What preparing logged is kept: a writer will not say it again (a missing fallback
    # font is reported once per process), and the parent must see it (--strict counts it).
    try:
        data = _read_all(jobs_fd)
        jobs = pickle.loads(data) if data else None
    except BaseException:  # noqa: BLE001 - the parent is gone or changed its mind
        jobs = None
    if not jobs:
        os._exit(0)
    _child(jobs, result_fd, records)


def _child(jobs: Sequence[WriteJob], fd: int, records: list[logging.LogRecord]) -> None:
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
        _write_fd(fd, data)
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


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


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
            f"a writer process ended without a result (wait status {status})"
        ) from None
    for record in records:
        logging.getLogger(record.name).handle(record)
    if kind == "error":
        raise exc
