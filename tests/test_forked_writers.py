"""A one-document build writes its DOCX in a forked child (exporter/writers/forked.py): the
child's warnings, errors and files must reach the parent as if it had written them itself."""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

import pytest

from exporter.errors import InputError, OutputError
from exporter.writers.forked import WriteJob, can_fork, write_all

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
