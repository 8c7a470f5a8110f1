"""``exporter build --executor ray``: the same per-document build on a Ray cluster.

Workers receive a source's bytes and return its outputs' bytes (``packed.build_packed``);
the driver writes them (``packed.commit_packed``), so workers need no shared filesystem and a
retried task never leaves a duplicate or half-written file. See docs/SCALE.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ExporterError, InputError, MissingDependencyError, raise_if_interrupted
from ..inputs import Source
from ..pipeline import BuildOptions, BuildResult
from ..readers.source import read_source
from .packed import PackedBuild, build_packed, replay, stage_packed

log = logging.getLogger("exporter")

INSTALL = "pip install 'exporter[ray]' (or `make ray`)"
# Settings that change the output bytes or the engine: a cluster's workers were started
# without the driver's environment, so the driver sends them.
FORWARDED_ENV = (
    "SOURCE_DATE_EPOCH", "EXPORTER_COMPUTE_TYPE", "EXPORTER_THREADS", "EXPORTER_FONT_DIR",
)  # fmt: skip
# A killed worker's documents are built again, at most this many times.
MAX_RETRIES = 3

CacheRow = tuple[str, str, str, Any]  # (model, config, sentence, cache.Entry)
ChunkResult = list[tuple[int, PackedBuild, list[CacheRow]]]


class WorkerLostError(ExporterError):
    """The workers building a document died more often than Ray retries them."""


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise_if_interrupted(exc)
        raise MissingDependencyError(
            f"--executor ray needs the ray package: run {INSTALL}"
        ) from None
    return ray


# --- worker side -------------------------------------------------------------------------


def _worker_cache() -> Path:
    """This worker process's own translation cache, on its node's local disk.

    SQLite over NFS is not safe, and one file per process needs no locking at all; the rows
    a document adds go back to the driver, which merges them into the user's cache.
    """
    folder = Path(tempfile.gettempdir()) / f"exporter-ray-{os.getuid()}"
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("translations-*.sqlite*"):
        pid = stale.name.split("-")[1].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                stale.unlink()
    return folder / f"translations-{os.getpid()}.sqlite"


def build_chunk(
    chunk: list[tuple[int, str, bytes]], options: BuildOptions, device: str
) -> ChunkResult:
    """Build a few documents in one task (the body of the Ray task)."""
    from ..translate import cache

    # One task holds one CPU: its translator must not spread over the node's cores.
    os.environ.setdefault("EXPORTER_THREADS", "1")
    if device != "cpu":
        os.environ["EXPORTER_DEVICE"] = device
    if options.needs_translation and options.use_cache:
        options = replace(options, cache=_worker_cache())
    results: ChunkResult = []
    for index, source, data in chunk:
        with cache.journal() as rows:
            packed = build_packed(source, data, options)
        results.append((index, packed, list(rows)))
    return results


# --- driver side -------------------------------------------------------------------------


def _connect(ray: Any, address: str | None, jobs: int) -> None:
    env = {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}
    settings: dict[str, Any] = {
        "log_to_driver": False,
        "logging_level": logging.ERROR,
        "runtime_env": {"env_vars": env} if env else None,
    }
    address = address or os.environ.get("RAY_ADDRESS") or None
    try:
        if address:
            ray.init(address=address, **settings)
        else:
            # A private local instance sized to this machine (or to -j), without the
            # dashboard. "local": without it, ray.init joins the instance a `ray start` on this
            # machine left running (and refuses num_cpus for it); use --ray-address for that.
            ray.init(address="local", num_cpus=jobs, include_dashboard=False, **settings)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"at {address}" if address else "locally"
        hint = ""
        if address and not os.environ.get("RAY_AUTH_MODE"):
            # Ray 2.60's `ray start` enables token authentication; clients must opt in.
            hint = " (a cluster started with token authentication needs RAY_AUTH_MODE=token)"
        raise MissingDependencyError(
            f"cannot start or reach a Ray cluster {where}: {exc}{hint}"
        ) from None


def _readable(source: Path) -> bytes | None:
    """The source's bytes, or None when only a local build can say what is wrong with it."""
    from ..readers import READERS

    if source.suffix.lower() not in READERS:
        return None
    try:
        return read_source(source).data
    except InputError:
        return None


def _chunks(count: int, cpus: int, first: int = 0) -> list[list[int]]:
    """Documents ``first`` … ``first + count - 1`` in tasks, smaller towards the end."""
    # Several documents per task while many remain, so per-task overhead stays small; then
    # fewer, down to one, so the last tasks finish together and no CPU waits for a straggler.
    chunks = []
    start, end = first, first + count
    while start < end:
        size = max(1, min(4, (end - start) // (cpus * 4)))
        chunks.append(list(range(start, min(start + size, end))))
        start += size
    return chunks


def _worker_options(options: BuildOptions) -> BuildOptions:
    """Options as a worker needs them: no terminal, and the model as a path."""
    options = replace(options, progress=False)
    if options.needs_translation:
        from ..translate import resolve_model

        # Resolved once here, so every worker loads the very same package (a path every node
        # must be able to read: a shared folder, or the same install on every node).
        options = replace(options, model=str(resolve_model(options.model).path))
    return options


def ray_results(
    sources: Sequence[Source], out_dir: Path, options: BuildOptions, *, jobs: int
) -> Iterator[tuple[Source, BuildResult | ExporterError]]:
    """Staged results in input order, like the local pool; a fatal error stops the run."""
    from ..batch import stage_source

    ray = import_ray()
    worker_options = _worker_options(options)
    address = options.ray_address or os.environ.get("RAY_ADDRESS") or None
    # Ray prints cluster events (a worker died, …) on sys.stdout, which carries only the
    # paths written (the CLI holds on to the real stream): send them to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        # Not with translation: a document then costs tens of seconds of decoding, and the
        # driver would hold the started workers back while it finishes its own.
        if address or len(sources) <= 1 or options.needs_translation:
            _connect(ray, address, jobs)
            yield from _run(ray, sources, out_dir, options, worker_options)
            return
        # A local instance takes seconds to start (GCS, raylet, helper processes): start it
        # in the background while the driver builds the first documents itself, exactly as a
        # serial build does, then hand the rest to Ray.
        starter = _Starter(ray, jobs)
        try:
            done = 0
            while not starter.ready.is_set() and done < len(sources):
                yield sources[done], stage_source(sources[done], out_dir, options)
                done += 1
            starter.ready.wait()
            if starter.error is not None:
                raise starter.error
            log.debug(
                "local Ray started in %.1f s; the driver built %d document(s) meanwhile",
                starter.seconds, done,
            )  # fmt: skip
            yield from _run(
                ray, sources, out_dir, options, worker_options, start=done, warming=True
            )
        finally:
            starter.stop()


class _Starter(threading.Thread):
    """``ray.init`` of a local instance in the background; the thread lives as long as it.

    Ray ties its processes to the thread that started them (Linux's parent-death signal
    follows the thread, not the process), so this thread waits until ``stop``.
    """

    def __init__(self, ray: Any, jobs: int) -> None:
        super().__init__(name="exporter-ray", daemon=True)
        self.ray, self.jobs = ray, jobs
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.seconds = 0.0
        self.start()

    def run(self) -> None:
        began = time.monotonic()
        try:
            _connect(self.ray, None, self.jobs)
            self.seconds = time.monotonic() - began
        except BaseException as exc:  # raised again in the driver's thread
            self.error = exc
        finally:
            self.ready.set()
        self.stopping.wait()
        with contextlib.suppress(Exception):
            self.ray.shutdown()

    def stop(self) -> None:
        self.ready.wait()
        self.stopping.set()
        self.join()


def _run(
    ray: Any,
    sources: Sequence[Source],
    out_dir: Path,
    options: BuildOptions,
    worker_options: BuildOptions,
    *,
    start: int = 0,
    warming: bool = False,
) -> Iterator[tuple[Source, BuildResult | ExporterError]]:
    from ..batch import PER_DOCUMENT_ERRORS, stage_source

    store = None
    try:
        resources = ray.cluster_resources()
        cpus = max(1, int(resources.get("CPU", 1)))
        gpu = options.needs_translation and resources.get("GPU", 0) >= 1
        task = ray.remote(build_chunk).options(
            num_cpus=1,
            num_gpus=1 if gpu else 0,
            max_retries=MAX_RETRIES,
            # An ExporterError is returned, not raised; anything raised is a bug and
            # would fail again: only a lost worker is worth another try.
            retry_exceptions=False,
            name="exporter_build",
        )
        options_ref = ray.put(worker_options)
        # Fresh workers spend their first seconds importing and loading fonts: meanwhile the
        # driver builds the next few documents itself (two per worker), so no core idles.
        own = min(2 * cpus, len(sources) - start) if warming else 0
        chunks = iter(_chunks(len(sources) - start - own, cpus, start + own))
        window = 2 * cpus
        pending: dict[Any, list[int]] = {}
        ready: dict[int, tuple[PackedBuild | None, list[CacheRow]]] = {}
        next_index = start
        began = time.monotonic()
        first_result: float | None = None

        def submit() -> None:
            indexes = next(chunks, None)
            if indexes is None:
                return
            payload = []
            for index in indexes:
                data = _readable(sources[index].path)
                if data is None:
                    ready[index] = (None, [])
                else:
                    payload.append((index, str(sources[index].path), data))
            if payload:
                device = "cuda" if gpu else "cpu"
                pending[task.remote(payload, options_ref, device)] = indexes
            else:
                submit()

        try:
            while next_index < len(sources):
                while len(pending) < window and len(ready) < 4 * window:
                    before = len(pending)
                    submit()
                    if len(pending) == before:
                        break
                if next_index < start + own:
                    source = sources[next_index]
                    next_index += 1
                    yield source, stage_source(source, out_dir, options)
                    continue
                if next_index not in ready:
                    if not pending:
                        raise AssertionError("no task pending for an unfinished document")
                    done, _ = ray.wait(list(pending), num_returns=1)
                    ref = done[0]
                    indexes = pending.pop(ref)
                    if first_result is None:
                        first_result = time.monotonic() - began
                        log.debug("Ray: first task done %.1f s after the first submission",
                                  first_result)  # fmt: skip
                    try:
                        for index, packed, rows in ray.get(ref):
                            ready[index] = (packed, rows)
                    except ray.exceptions.WorkerCrashedError:
                        names = ", ".join(str(sources[i].path) for i in indexes)
                        raise WorkerLostError(
                            f"the Ray workers building {names} died {MAX_RETRIES + 1} times "
                            "(out of memory?); see the cluster's logs"
                        ) from None
                    continue
                packed, rows = ready.pop(next_index)
                source = sources[next_index]
                next_index += 1
                if packed is None:
                    # Unreadable here: the local build reports it exactly as a serial run.
                    yield source, stage_source(source, out_dir, options)
                    continue
                replay(packed.messages)
                if rows and options.use_cache:
                    store = store or _driver_cache(options)
                    _merge(store, rows)
                if isinstance(packed.error, PER_DOCUMENT_ERRORS):
                    yield source, packed.error
                elif packed.error is not None:
                    raise packed.error
                else:
                    try:
                        yield source, stage_packed(packed, source.out_dir(out_dir))
                    except PER_DOCUMENT_ERRORS as exc:
                        yield source, exc
        except BaseException:
            # Ctrl-C or a fatal error: stop the cluster's work; nothing of it is written.
            for ref in pending:
                with contextlib.suppress(Exception):
                    ray.cancel(ref)
            raise
    finally:
        if store is not None:
            store.close()
        stopping = time.monotonic()
        with contextlib.suppress(Exception):
            ray.shutdown()
        log.debug("Ray: stopped in %.1f s", time.monotonic() - stopping)


def _driver_cache(options: BuildOptions) -> Any:
    from ..translate.cache import TranslationCache, default_path

    return TranslationCache(Path(options.cache) if options.cache else default_path())


def _merge(store: Any, rows: list[CacheRow]) -> None:
    grouped: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for model, config, sentence, entry in rows:
        grouped.setdefault((model, config), []).append((sentence, entry))
    for (model, config), entries in grouped.items():
        store.put_many(model, config, entries)
