"""Build many sources, optionally in parallel processes, and record a provenance manifest.

Workers only *stage* a document (write its outputs to temporary files); the driver process
commits it (renames the files into place), prints the paths and writes the manifest. So
once the driver stops — interrupted, or a fatal error — nothing new appears in --out, and
every committed output is listed. :class:`Committer` is that driver side; an executor only
has to deliver ``(source, BuildResult | ExporterError)`` pairs to it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import platform
import re
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ExitCode, ExporterError, InputError, OutputError, StrictModeError
from .executors.progress import DocumentProgress
from .inputs import Source
from .output import (
    claim_run,
    deferred_signals,
    ensure_dir,
    output_error,
    remove_leftovers,
    write_text_atomically,
)
from .pipeline import BuildOptions, BuildResult, commit_document, stage_document

log = logging.getLogger("exporter")

MANIFEST = "manifest.json"
_LIBRARIES = ("python-docx", "reportlab", "opencc", "opencc-python-reimplemented", "jieba",
              "ctranslate2", "sentencepiece", "argostranslate", "fonttools")  # fmt: skip
# Failures of one document; the others still build. Anything else (a missing model or
# font, a bug) would fail every document alike, so it stops the run.
PER_DOCUMENT_ERRORS = (InputError, StrictModeError, OutputError)


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "exporter": __version__}
    installed = _installed_versions()
    for name in _LIBRARIES:
        version = installed.get(_project_key(name))
        if version:
            versions[name] = version
    return versions


def _project_key(name: str) -> str:
    """A distribution name normalized (PEP 503), with "_" as wheels spell it in folder names."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed_versions() -> dict[str, str]:
    """Installed distributions' versions, read off their ``NAME-VERSION.dist-info`` (or
    ``.egg-info``) folder names. importlib.metadata opens and parses each METADATA file
    (with the email package): ~20 ms of every cold build, for the manifest alone."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            stem, dot, kind = folder.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            name, _, version = stem.partition("-")
            version = version.split("-")[0]  # egg-info: NAME-VERSION-pyX.Y
            if version:  # first on sys.path wins, as imports do
                found.setdefault(_project_key(name), version)
    return found


def stage_source(
    source: Source, out_dir: Path, options: BuildOptions
) -> BuildResult | ExporterError:
    """Stage one source; a per-document failure is returned (it is reported, not fatal)."""
    if not os.path.lexists(source.path):
        return InputError(f"{source.path}: no such file or folder")
    try:
        return stage_document(source.path, source.out_dir(out_dir), options)
    except PER_DOCUMENT_ERRORS as exc:
        return exc


def _worker_init() -> None:
    # The driver alone answers Ctrl-C (sent to the whole process group) and stops the
    # workers itself; a worker's KeyboardInterrupt would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """A second Ctrl-C while cleaning up after the first one is ignored, quietly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_workers(pool: Any) -> None:
    # The executor has no public way to stop running tasks; terminating its processes
    # is the only way to make sure no worker goes on writing after an interrupt.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=10)


def _results(
    sources: Sequence[Source], out_dir: Path, options: BuildOptions, jobs: int
) -> Generator[tuple[Source, BuildResult | ExporterError], None, None]:
    """Staged results in input order; a fatal error stops the run."""
    if options.executor == "ray":
        from .executors.ray_executor import ray_results

        yield from ray_results(sources, out_dir, options, jobs=jobs)
        return
    if jobs <= 1 or len(sources) <= 1:
        if len(sources) == 1 and jobs > 1:  # one document: its formats may use an idle core
            options = replace(options, fork_writers=True)
        for source in sources:
            yield source, stage_source(source, out_dir, options)
        return
    # Imported here: a one-document build has no pool (~20 ms of its cold start).
    import concurrent.futures as futures
    import multiprocessing

    # fork: workers inherit the imported modules and logging setup; each worker
    # loads fonts and models once and reuses them for every document it builds.
    context = multiprocessing.get_context("fork")
    pool = futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(sources)), mp_context=context, initializer=_worker_init
    )
    try:
        pending = [pool.submit(stage_source, source, out_dir, options) for source in sources]
        for source, future in zip(sources, pending, strict=True):
            yield source, future.result()
    except BaseException:
        with _signals_ignored():
            _stop_workers(pool)
        raise
    pool.shutdown(wait=True)


class Committer:
    """The driver's side of a batch: commit each staged document, report, keep the manifest."""

    def __init__(
        self,
        out_dir: Path,
        options: BuildOptions,
        *,
        total: int,
        on_output: Callable[[Path], None],
        manifest: bool,
    ) -> None:
        self.out_dir = out_dir
        self.options = options
        self.total = total
        self.on_output = on_output
        self.manifest = manifest
        self.records: dict[str, dict[str, object]] = {}
        self.failures: list[ExporterError] = []

    def take(self, source: Source, outcome: BuildResult | ExporterError) -> None:
        # An interrupt waits until this document is committed, printed and recorded.
        with deferred_signals():
            self._take(source, outcome)

    def _take(self, source: Source, outcome: BuildResult | ExporterError) -> None:
        if isinstance(outcome, BuildResult):
            try:
                commit_document(outcome)
            except OutputError as exc:
                outcome = exc
        if isinstance(outcome, ExporterError):
            self.failures.append(outcome)
            print(f"exporter: error: {outcome}", file=sys.stderr)
            return
        for path in outcome.outputs:
            self.on_output(path)
        self.records.update(outcome.records)

    def save_manifest(self) -> None:
        if not (self.manifest and self.records):
            return
        try:
            update_manifest(self.out_dir, self.records, self.options)
        except OSError as exc:
            error = output_error(self.out_dir / MANIFEST, exc)
            raise OutputError(f"the outputs were written, but {error}") from None
        except OutputError as exc:
            raise OutputError(f"the outputs were written, but {exc}") from None

    def finish(self) -> int:
        """Write the manifest and return the run's exit code (the first failure's code)."""
        self.save_manifest()
        failed = len(self.failures)
        if failed > 1 or (failed and self.total > 1):
            log.error("%d of %d source(s) could not be built (see above)", failed, self.total)
        return self.failures[0].exit_code if self.failures else ExitCode.OK


def build_all(
    sources: Sequence[Path | Source],
    out_dir: Path,
    options: BuildOptions,
    *,
    jobs: int = 1,
    on_output: Callable[[Path], None] = lambda path: None,
    manifest: bool = True,
) -> int:
    """Build every source; one bad input does not stop the others. Returns the exit code."""
    tasks = [s if isinstance(s, Source) else Source(s) for s in sources]
    ensure_dir(out_dir)
    claim_run()
    folders = sorted({out_dir, *(task.out_dir(out_dir) for task in tasks)})
    remove_leftovers(folders)  # staged files of killed runs
    committer = Committer(
        out_dir, options, total=len(tasks), on_output=on_output, manifest=manifest
    )
    try:
        progress = DocumentProgress(len(tasks), options.progress and len(tasks) > 1)
        with contextlib.closing(_results(tasks, out_dir, options, jobs)) as results:
            for source, outcome in progress.track(results):
                committer.take(source, outcome)
    except BaseException:
        # Interrupted or a fatal error: keep (and list) what was committed, drop the rest.
        with _signals_ignored():
            remove_leftovers(folders, pid=os.getpid())
            with contextlib.suppress(ExporterError):
                committer.save_manifest()
        raise
    return committer.finish()


def _manifest_key(out_dir: Path, path: str) -> str:
    try:
        return Path(path).relative_to(out_dir).as_posix()
    except ValueError:
        return Path(path).name


def update_manifest(
    out_dir: Path, records: dict[str, dict[str, object]], options: BuildOptions
) -> None:
    """Merge this build's records into DIR/manifest.json (locked: make -j runs several builds)."""
    manifest_path = out_dir / MANIFEST
    lock_path = out_dir / f".{MANIFEST}.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            existing = json.loads(manifest_path.read_text(encoding="utf-8"))
            outputs = existing.get("outputs", {})
        except (FileNotFoundError, ValueError, AttributeError):
            outputs = {}
        option_record = {
            "formats": list(options.formats),
            "langs": list(options.langs),
            "bilingual": list(options.bilingual),
            "corrections": str(options.corrections) if options.corrections else None,
            "glossary": str(options.glossary) if options.glossary else None,
            "model": options.model,
            "strict": options.strict,
            "style": str(options.style) if options.style else None,
        }
        for path, record in records.items():
            outputs[_manifest_key(out_dir, path)] = {**record, "options": option_record}
        document = {
            "generator": f"exporter {__version__}",
            "libraries": library_versions(),
            "outputs": dict(sorted(outputs.items())),
        }
        write_text_atomically(
            manifest_path,
            json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
        )
