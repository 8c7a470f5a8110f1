"""Build many sources, optionally in parallel processes, and record a provenance manifest."""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import fcntl
import json
import logging
import multiprocessing
import platform
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

from . import __version__
from .errors import ExitCode, ExporterError, InputError
from .executors.progress import DocumentProgress
from .output import ensure_dir, write_text_atomically
from .pipeline import BuildOptions, BuildResult, build_document

log = logging.getLogger("exporter")

MANIFEST = "manifest.json"
_LIBRARIES = ("python-docx", "reportlab", "opencc", "opencc-python-reimplemented", "jieba",
              "ctranslate2", "sentencepiece", "argostranslate", "fonttools")  # fmt: skip


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "exporter": __version__}
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _results(
    sources: list[Path], out_dir: Path, options: BuildOptions, jobs: int
) -> Iterator[tuple[Path, BuildResult | ExporterError]]:
    """Results in input order; an InputError is yielded, other errors stop the run."""
    if options.executor == "ray":
        from .executors.ray_executor import ray_results

        yield from ray_results(sources, out_dir, options, jobs=jobs)
        return
    if jobs <= 1 or len(sources) <= 1:
        for source in sources:
            try:
                yield source, build_document(source, out_dir, options)
            except InputError as exc:
                yield source, exc
        return
    # fork: workers inherit the imported modules and logging setup; each worker
    # loads fonts and models once and reuses them for every document it builds.
    context = multiprocessing.get_context("fork")
    with futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(sources)), mp_context=context
    ) as pool:
        pending = [pool.submit(build_document, source, out_dir, options) for source in sources]
        try:
            for source, future in zip(sources, pending, strict=True):
                try:
                    yield source, future.result()
                except InputError as exc:
                    yield source, exc
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def build_all(
    sources: list[Path],
    out_dir: Path,
    options: BuildOptions,
    *,
    jobs: int = 1,
    on_output: Callable[[Path], None] = lambda path: None,
    manifest: bool = True,
) -> int:
    """Build every source; one bad input does not stop the others. Returns the exit code."""
    ensure_dir(out_dir)
    failed = 0
    records: dict[str, dict[str, object]] = {}
    progress = DocumentProgress(len(sources), options.progress and len(sources) > 1)
    for _source, outcome in progress.track(_results(sources, out_dir, options, jobs)):
        if isinstance(outcome, ExporterError):
            failed += 1
            print(f"exporter: error: {outcome}", file=sys.stderr)
            continue
        for path in outcome.outputs:
            on_output(path)
        records.update(outcome.records)
    if manifest and records:
        update_manifest(out_dir, records, options)
    if failed > 1 or (failed and len(sources) > 1):
        log.error("%d of %d source(s) could not be built (see above)", failed, len(sources))
    if failed:
        return ExitCode.BAD_INPUT
    return ExitCode.OK


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
        }
        for path, record in records.items():
            key = Path(path).name
            outputs[key] = {**record, "options": option_record}
        document = {
            "generator": f"exporter {__version__}",
            "libraries": library_versions(),
            "outputs": dict(sorted(outputs.items())),
        }
        write_text_atomically(
            manifest_path,
            json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
        )
