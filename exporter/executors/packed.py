"""One document built into memory (worker side) and committed to the output folder (driver side).

A worker that only returns bytes needs no shared filesystem, and a retried or cancelled
worker can never leave a duplicate or half-written file: only the driver writes, through
:class:`~exporter.output.StagedOutputs`, exactly as a local build does.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExporterError
from ..output import StagedOutputs, output_error
from ..pipeline import BuildOptions, BuildResult, commit_document, stage_document

log = logging.getLogger("exporter")


@dataclass
class PackedBuild:
    """A built document in memory: output files by name, in the order they were written."""

    source: str
    files: list[tuple[str, bytes]] = field(default_factory=list)
    # Output file name -> manifest record (the record's "input" names the driver's path).
    records: dict[str, dict[str, object]] = field(default_factory=dict)
    # Log records (level, message) raised while building, replayed by the driver.
    messages: list[tuple[int, str]] = field(default_factory=list)
    warnings: int = 0
    # Set when the build failed the way a local build raises (bad input, --strict, …).
    error: ExporterError | None = None


class _Capture(logging.Handler):
    def __init__(self, replace: tuple[str, str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.replace = replace
        self.messages: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().replace(*self.replace)
        self.messages.append((record.levelno, message))


def build_packed(source: str, data: bytes, options: BuildOptions) -> PackedBuild:
    """Build ``source`` (its bytes read by the driver) in a private temporary folder.

    Returns the outputs' bytes, or carries the ExporterError a local build would raise (its
    message naming ``source``, not the temporary copy): an application error is a result,
    not a task failure an executor would retry.
    """
    work = Path(tempfile.mkdtemp(prefix="exporter-worker-"))
    # The copy keeps the source's file name: outputs are named after it.
    local = work / "in" / Path(source).name
    local.parent.mkdir()
    local.write_bytes(data)
    swap = (str(local), source)
    root = logging.getLogger("exporter")
    capture = _Capture(swap)
    saved_level, saved_propagate = root.level, root.propagate
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    root.propagate = False
    try:
        try:
            result = stage_document(local, work / "out", options)
        except ExporterError as exc:
            exc.args = (str(exc).replace(*swap),)
            exc.__traceback__ = None  # sent back to the driver: keep it small
            return PackedBuild(source=source, messages=capture.messages, error=exc)
        packed = PackedBuild(source=source, messages=capture.messages, warnings=result.warnings)
        try:
            for tmp, final in result.staged.pending:
                record = dict(result.records[str(final)])
                record["input"] = source
                packed.records[final.name] = record
                packed.files.append((final.name, tmp.read_bytes()))
        finally:
            result.staged.discard()
        return packed
    finally:
        root.removeHandler(capture)
        root.setLevel(saved_level)
        root.propagate = saved_propagate
        shutil.rmtree(work, ignore_errors=True)


def replay(messages: list[tuple[int, str]]) -> None:
    """Log a worker's messages on the driver, through the driver's handlers and level."""
    for level, message in messages:
        log.log(level, "%s", message)


def stage_packed(packed: PackedBuild, out_dir: Path) -> BuildResult:
    """Stage a packed document's outputs in ``out_dir`` (the driver's side of a worker's build).

    The result is what a local worker's ``stage_document`` returns: the batch's committer
    renames the files into place together, or removes them.
    """
    staged = StagedOutputs()
    try:
        for name, data in packed.files:
            target = out_dir / name
            try:
                staged.stage(target).write_bytes(data)
            except OSError as exc:
                raise output_error(target, exc) from None
    except BaseException:
        staged.discard()
        raise
    records = {str(out_dir / name): record for name, record in packed.records.items()}
    return BuildResult(
        source=Path(packed.source), records=records, warnings=packed.warnings, staged=staged
    )


def commit_packed(packed: PackedBuild, out_dir: Path) -> BuildResult:
    """Stage and commit at once (tests, and callers without a batch committer)."""
    return commit_document(stage_packed(packed, out_dir))
