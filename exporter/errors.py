"""Typed errors: each failure class has an exit code and a message that says what to do."""

from __future__ import annotations

from enum import IntEnum


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
