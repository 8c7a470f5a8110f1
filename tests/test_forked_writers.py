"""A one-document build writes its DOCX in a forked child (exporter/writers/forked.py): the
child's warnings, errors and files must reach the parent as if it had written them itself."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import time
from pathlib import Path

import pytest

from exporter.errors import InputError, OutputError
from exporter.writers.forked import WriteJob, can_fork, preheated_writer, write_all

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork and a second core")


def _writes(path: Path, text: str) -> WriteJob:
    fmt = path.suffix.lstrip(".")
    return WriteJob(fmt, lambda: path.write_text(text, encoding="utf-8"))


def test_both_formats_are_written_and_the_docx_by_a_child(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()

    def job(fmt: str) -> WriteJob:
        return WriteJob(fmt, lambda: (pids / fmt).write_text(str(os.getpid())))

    write_all([job("pdf"), job("docx")], fork=True)
    assert (pids / "pdf").read_text() == str(os.getpid())
    assert (pids / "docx").read_text() != str(os.getpid())


def test_without_fork_everything_is_written_here(tmp_path: Path) -> None:
    write_all([_writes(tmp_path / "a.docx", "x"), _writes(tmp_path / "a.pdf", "y")], fork=False)
    assert (tmp_path / "a.docx").read_text() == "x"
    assert (tmp_path / "a.pdf").read_text() == "y"


def test_a_child_error_is_raised_in_the_parent_with_its_type(tmp_path: Path) -> None:
    def bad() -> None:
        raise OutputError("cannot write x.docx: No space left on device")

    with pytest.raises(OutputError, match="No space left"):
        write_all([_writes(tmp_path / "a.pdf", "y"), WriteJob("docx", bad)], fork=True)


def test_an_unpicklable_child_error_still_arrives(tmp_path: Path) -> None:
    class Odd(Exception):
        def __init__(self, a: int, b: int) -> None:  # pickles, but cannot be unpickled
            super().__init__(f"{a}/{b}")

    def bad() -> None:
        raise Odd(1, 2)

    with pytest.raises(Exception, match="1/2"):
        write_all([_writes(tmp_path / "a.pdf", "y"), WriteJob("docx", bad)], fork=True)


def test_child_warnings_are_replayed_in_the_parent(tmp_path: Path) -> None:
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    def warns() -> None:
        logging.getLogger("exporter.docx").warning("no font draws %s", "\U000f0000")
        (tmp_path / "a.docx").write_text("x")

    logger = logging.getLogger("exporter")
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        write_all([_writes(tmp_path / "a.pdf", "y"), WriteJob("docx", warns)], fork=True)
    finally:
        logger.removeHandler(handler)
    assert seen == ["no font draws \U000f0000"]


def test_an_interrupt_in_the_parent_kills_the_child(tmp_path: Path) -> None:
    marker = tmp_path / "child-finished"

    def slow_child() -> None:
        time.sleep(5)
        marker.write_text("x")

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_all([WriteJob("pdf", interrupted), WriteJob("docx", slow_child)], fork=True)
    time.sleep(0.2)
    assert not marker.exists()
    with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
        os.waitpid(-1, os.WNOHANG)


def test_a_parent_error_wins_and_leaves_no_child(tmp_path: Path) -> None:
    def bad() -> None:
        raise InputError("broken")

    with pytest.raises(InputError):
        write_all([WriteJob("pdf", bad), _writes(tmp_path / "a.docx", "x")], fork=True)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


_SIGNAL_AT_FORK: list[bool] = []


def _signal_during_fork() -> None:
    if _SIGNAL_AT_FORK:
        _SIGNAL_AT_FORK.clear()
        os.kill(os.getpid(), signal.SIGTERM)


def test_a_signal_arriving_during_the_fork_is_not_lost(tmp_path: Path) -> None:
    """SIGTERM/Ctrl-C landing while the process forks used to be raised inside fork's own
    handlers, printed as "Exception ignored" and lost: the build went on and exited 0."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    os.register_at_fork(before=_signal_during_fork)  # once per session; armed per test
    _SIGNAL_AT_FORK.append(True)
    try:
        with pytest.raises(KeyboardInterrupt):
            write_all(
                [_writes(tmp_path / "a.pdf", "y"), _writes(tmp_path / "a.docx", "x")], fork=True
            )
    finally:
        _SIGNAL_AT_FORK.clear()
        signal.signal(signal.SIGTERM, previous)
    with pytest.raises(ChildProcessError):  # the child was reaped
        os.waitpid(-1, os.WNOHANG)


# --- A writer process started before the document is ready (preheated_writer) ----------------


def _record_pid(path: Path) -> None:
    """A job that pickles (a module-level function): the preheated child must receive it."""
    path.write_text(str(os.getpid()))


def _job(fmt: str, path: Path) -> WriteJob:
    return WriteJob(fmt, functools.partial(_record_pid, path))


def _no_child_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_preheated_child_prepares_then_writes_its_format(tmp_path: Path) -> None:
    prepared = tmp_path / "prepared"
    with preheated_writer("pdf", functools.partial(_record_pid, prepared)):
        write_all([_job("pdf", tmp_path / "pdf"), _job("docx", tmp_path / "docx")], fork=True)
    child = prepared.read_text()
    assert child != str(os.getpid())
    assert (tmp_path / "pdf").read_text() == child  # the process that prepared wrote it
    assert (tmp_path / "docx").read_text() == str(os.getpid())
    assert _no_child_left()


def test_a_format_alone_is_written_by_the_preheated_child(tmp_path: Path) -> None:
    prepared = tmp_path / "prepared"
    with preheated_writer("pdf", functools.partial(_record_pid, prepared)):
        write_all([_job("pdf", tmp_path / "a"), _job("pdf", tmp_path / "b")], fork=True)
    assert (tmp_path / "a").read_text() == (tmp_path / "b").read_text() == prepared.read_text()
    assert _no_child_left()


def test_an_unused_preheated_child_is_stopped(tmp_path: Path) -> None:
    with pytest.raises(InputError), preheated_writer("pdf", lambda: time.sleep(5)):
        raise InputError("the source is binary")  # the build failed before writing
    assert _no_child_left()


def test_jobs_that_do_not_pickle_go_the_old_way(tmp_path: Path) -> None:
    """A closure cannot be sent to the child: it is stopped, and the DOCX is forked as before."""
    pids = tmp_path / "pids"
    pids.mkdir()

    def job(fmt: str) -> WriteJob:
        return WriteJob(fmt, lambda: (pids / fmt).write_text(str(os.getpid())))

    with preheated_writer("pdf", lambda: None):
        write_all([job("pdf"), job("docx")], fork=True)
    assert (pids / "pdf").read_text() == str(os.getpid())
    assert (pids / "docx").read_text() != str(os.getpid())
    assert _no_child_left()


def test_a_preheated_child_that_died_leaves_its_jobs_to_this_process(tmp_path: Path) -> None:
    with preheated_writer("pdf", lambda: os._exit(7)):
        time.sleep(0.3)  # it is gone before the document is ready
        write_all([_job("pdf", tmp_path / "pdf"), _job("docx", tmp_path / "docx")], fork=True)
    assert (tmp_path / "pdf").read_text() == (tmp_path / "docx").read_text() == str(os.getpid())
    assert _no_child_left()


def _fail_full_disk() -> None:
    raise OutputError("cannot write a.pdf: No space left on device")


def test_a_preheated_child_s_error_is_raised_here(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="No space left"), preheated_writer("pdf", lambda: None):
        write_all([WriteJob("pdf", _fail_full_disk), _job("docx", tmp_path / "d")], fork=True)
    assert _no_child_left()


def test_a_preheated_child_is_stopped_by_an_interrupt_here(tmp_path: Path) -> None:
    marker = tmp_path / "late"

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), preheated_writer("pdf", lambda: None):
        write_all(
            [WriteJob("pdf", functools.partial(_sleep_then_write, marker)),
             WriteJob("docx", interrupted)],
            fork=True,
        )  # fmt: skip
    time.sleep(0.5)
    assert not marker.exists() and _no_child_left()


def _sleep_then_write(path: Path) -> None:
    time.sleep(2)
    path.write_text("written after the interrupt")


def _warn_once() -> None:
    logging.getLogger("exporter.fonts").warning("fallback font %s not found", "Extra.otf")


def test_what_the_preheated_child_said_while_preparing_reaches_this_process(
    tmp_path: Path,
) -> None:
    """A warning a process gives once (a missing fallback font) may be given while preparing;
    --strict and the warning count must still see it."""
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger = logging.getLogger("exporter")
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        with preheated_writer("pdf", _warn_once):
            write_all([_job("pdf", tmp_path / "p"), _job("docx", tmp_path / "d")], fork=True)
    finally:
        logger.removeHandler(handler)
    assert seen == ["fallback font Extra.otf not found"]


def _killed_unless_in(pid: int, path: Path) -> None:
    """Dies as the OOM killer would kill it, except in process ``pid``, which writes."""
    if os.getpid() != pid:
        os.kill(os.getpid(), signal.SIGKILL)
    path.write_text("written here")


@pytest.mark.parametrize("preheated", [True, False])
def test_a_writer_killed_mid_write_has_its_files_written_here(
    tmp_path: Path, preheated: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by killing the writer process at random moments: the build failed with 'a
    writer process ended without a result (wait status 9)'. Its jobs are redone here."""
    kill = WriteJob("pdf", functools.partial(_killed_unless_in, os.getpid(), tmp_path / "pdf"))
    if not preheated:  # the DOCX goes to the child forked when the document is ready
        kill = WriteJob("docx", functools.partial(_killed_unless_in, os.getpid(), tmp_path / "pdf"))
    own = _job("pdf" if not preheated else "docx", tmp_path / "own")
    head_start = preheated_writer("pdf", lambda: None) if preheated else contextlib.nullcontext()
    with caplog.at_level(logging.WARNING, logger="exporter"), head_start:
        write_all([kill, own], fork=True)
    assert (tmp_path / "pdf").read_text() == "written here"
    assert (tmp_path / "own").read_text() == str(os.getpid())
    assert "killed by signal 9" in caplog.text and "written by this process" in caplog.text
    assert _no_child_left()


def test_a_reaped_writer_is_not_signalled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the preheated child is reaped its PID may be reused by any process: the error it
    reported must not make the parent SIGKILL that PID on the way out."""
    from exporter.writers import forked

    killed: list[int] = []
    real_kill = forked._kill
    monkeypatch.setattr(forked, "_kill", lambda pid: (killed.append(pid), real_kill(pid)))
    with pytest.raises(OutputError), preheated_writer("pdf", lambda: None):
        write_all([WriteJob("pdf", _fail_full_disk), _job("docx", tmp_path / "d")], fork=True)
    assert killed == [] and _no_child_left()
