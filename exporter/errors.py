"""Typed errors: each failure class has an exit code and a message that says what to do."""

from __future__ import annotations

from enum import IntEnum

# What an interrupted run says (the CLI; ``python -m exporter`` interrupted while loading).
INTERRUPTED_MESSAGE = "exporter: interrupted; finished work was kept, nothing partial was left"


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1  # a bug: please report it (run with --verbose for the traceback)
    USAGE = 2  # bad command line (argparse's own code)
    BAD_INPUT = 3  # input unreadable: wrong encoding, binary, empty, …
    MISSING_DEPENDENCY = 4  # a library, font or translation model is not installed
    OUTPUT_NOT_WRITABLE = 5  # the output folder or file cannot be written
    WARNINGS_AS_ERRORS = 6  # --strict and warnings were reported
    INTERRUPTED = 130  # Ctrl-C / SIGINT or SIGTERM


class ExporterError(Exception):
    """Base class. ``str(error)`` is the one-line message shown to the user."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(ExporterError):
    """A command line that cannot be carried out as given (e.g. two sources, one output name)."""

    exit_code = ExitCode.USAGE


class InputError(ExporterError):
    exit_code = ExitCode.BAD_INPUT


class MissingDependencyError(ExporterError):
    exit_code = ExitCode.MISSING_DEPENDENCY


class OutputError(ExporterError):
    exit_code = ExitCode.OUTPUT_NOT_WRITABLE


class StrictModeError(ExporterError):
    exit_code = ExitCode.WARNINGS_AS_ERRORS


def raise_if_interrupted(exc: BaseException) -> None:
    """Raise the Ctrl-C behind ``exc``, if any: a compiled module interrupted while it
    initialises reports ImportError ("initialization failed", pybind11 does this for OpenCC
    and CTranslate2), which must not read as "not installed" (exit 4) but stop the build."""
    seen = exc.__cause__ or exc.__context__
    for _ in range(32):  # a chain is short; this only bounds the walk
        if seen is None:
            return
        if isinstance(seen, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        seen = seen.__cause__ or seen.__context__
