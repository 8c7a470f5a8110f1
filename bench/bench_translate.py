"""Translation speed, side by side on the same real-size model.

The model is ``bench/real_model.py``'s: the shapes of Argos's zh→en Transformer (6 + 6 layers,
d_model 512, 8 heads, FFN 2048, 50,000-piece shared vocabulary, int8), random weights, and
output forced to 1.3 × the source's tokens, so a sentence costs what a real one costs. It is
built once into ``.bench-venv/models/``. ``BENCH_ARGOS_MODEL=FILE.argosmodel`` measures a real
package instead (then lengths are the model's own).

Contenders, run in turn (A B C A B C …) after a warm-up, medians reported:

* ``raw CTranslate2, sorted batches of 32``: the calls the stage makes (length-sorted batches of
  32, same translator, tokenizer and options) without the stage: the floor;
* ``exporter translate stage``: splitting, glossary off, quality checks, in-memory cache;
* ``argostranslate translate() per sentence``, as its users call it, in the bench venv (it
  needs stanza and torch); skipped when that venv is absent.

Goals (issue 11): the stage ≥ 5× argostranslate's sentences/s and ≤ 1.1× raw translate_batch.
Run ``python bench/bench_translate.py [ROUNDS]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from common import alternate  # noqa: E402

BENCH_VENV = ROOT / ".bench-venv"
BENCH_VENV_COMMAND = (
    f"python3 -m venv {BENCH_VENV.name} && {BENCH_VENV.name}/bin/pip install "
    "torch==2.13.0 argostranslate"
)
SEED = ROOT / "seeds" / "000_4bb12e1a55d9fe7f.txt"


def workload(count: int) -> list[str]:
    """``count`` distinct sentences of news Chinese, from the seed."""
    from exporter.translate.segment import split_sentences

    # Whole sentences only, so a paragraph of them splits back into exactly these.
    base = [s for s in split_sentences(SEED.read_text(encoding="utf-8")) if s[-1] in "。！？；"]
    return [f"第{i}条：{base[i % len(base)]}" for i in range(count)]


MODELS = BENCH_VENV / "models"


def real_size_archive() -> Path:
    """The real-size random package, built once (about 30 s) and kept in the bench venv."""
    from real_model import PACKAGE_FOLDER, build_real_size_package

    archive = MODELS / f"{PACKAGE_FOLDER}.argosmodel"
    return archive if archive.is_file() else build_real_size_package(MODELS)


def forcing() -> bool:
    """Whether output lengths are forced (the random model; not a real one)."""
    return not os.environ.get("BENCH_ARGOS_MODEL")


@contextmanager
def isolated_model() -> Iterator[tuple[Any, dict[str, str]]]:
    """Install the model in a throw-away home; yield it and that env.

    The real-size random model by default; ``BENCH_ARGOS_MODEL=/path/X.argosmodel`` measures a
    real Argos model.
    """

    with tempfile.TemporaryDirectory(prefix="exporter-bench-") as tmp:
        env = {
            "HOME": f"{tmp}/home",
            "XDG_DATA_HOME": f"{tmp}/data",
            "XDG_CACHE_HOME": f"{tmp}/cache",
            "XDG_CONFIG_HOME": f"{tmp}/config",
            "ARGOS_PACKAGES_DIR": f"{tmp}/packages",
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            from exporter.translate import install_from_file

            real = os.environ.get("BENCH_ARGOS_MODEL")
            archive = Path(real) if real else real_size_archive()
            yield install_from_file(archive), env
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


class ArgosPeer:
    """argostranslate in the bench venv, one round per request."""

    def __init__(self, python: Path, sentences_file: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [str(python), str(ROOT / "bench" / "peer_argos.py"), str(sentences_file), "zh", "en"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.close()
            raise RuntimeError(f"argostranslate peer failed to start (said {line!r})")

    def ask(self, command: str) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()


def run(
    rounds: int = 5, *, sentences: int = 24, beam_size: int = 4, peer: bool = True
) -> list[dict[str, Any]]:
    """One row per contender (``bench/run.py`` format); ratio = time ÷ raw translate_batch."""
    from exporter.model import Document, Metadata, Paragraph
    from exporter.translate.engine import detokenize, load_engine
    from exporter.translate.pipeline import translate_with_report

    texts = workload(sentences)
    doc = Document(
        Metadata(title=""),
        tuple(Paragraph("".join(texts[i : i + 4])) for i in range(0, len(texts), 4)),
    )
    with isolated_model() as (model, env):
        engine = load_engine(model)
        if forcing():
            from real_model import ForcedLength

            engine._translator = ForcedLength(engine._translator)
        sp, translator = engine._sp, engine._translator

        def pipeline() -> list[str]:
            english = translate_with_report(doc, cache=False, beam_size=beam_size, glossary=None)
            assert english.document.translation is not None
            assert not english.report.untranslated and not english.report.retried
            return [b.text for b in english.document.translation.blocks]

        def raw_sorted() -> list[str]:
            # What the stage does around CTranslate2, minus everything else: sort by length,
            # batches of 32, one call each.
            tokens = sp.encode(texts, out_type=str)
            order = sorted(range(len(tokens)), key=lambda i: len(texts[i]))
            out = [""] * len(tokens)
            for start in range(0, len(order), 32):
                batch = order[start : start + 32]
                results = translator.translate_batch(
                    [tokens[i] for i in batch],
                    beam_size=beam_size,
                    length_penalty=0.2,
                    max_decoding_length=3 * max(len(tokens[i]) for i in batch) + 32,
                    replace_unknowns=True,
                )
                for i, result in zip(batch, results, strict=True):
                    out[i] = detokenize(sp, result.hypotheses[0])
            return out

        raw_out = raw_sorted()
        joined = [" ".join(raw_out[i : i + 4]) for i in range(0, len(raw_out), 4)]
        assert pipeline() == joined, "pipeline and raw CTranslate2 must agree"

        raw_name = "raw CTranslate2, sorted batches of 32"
        stage_name = "exporter translate stage"
        argos_name = "argostranslate translate() per sentence"
        contenders: dict[str, Callable[[], object]] = {raw_name: raw_sorted, stage_name: pipeline}
        notes = {
            raw_name: "the stage's CTranslate2 calls without the stage (floor)",
            stage_name: "split, glossary off, quality checks, in-memory cache",
        }
        skipped: str | None = None
        argos: ArgosPeer | None = None
        python = Path(os.environ.get("BENCH_PYTHON") or BENCH_VENV / "bin" / "python")
        if not peer:
            skipped = "not run at this beam (see the beam 4 rows)"
        elif not python.exists():
            skipped = f"no bench venv at {python.parent.parent}: run `{BENCH_VENV_COMMAND}`"
        else:
            sentences_file = Path(env["XDG_CACHE_HOME"]) / "sentences.json"
            sentences_file.parent.mkdir(parents=True, exist_ok=True)
            sentences_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
            peer_env = {
                **env,
                "ARGOS_COMPUTE_TYPE": engine.compute_type,
                "ARGOS_INTRA_THREADS": str(engine.threads),
                "ARGOS_INTER_THREADS": "1",
                "ARGOS_BEAM_SIZE": str(beam_size),
                "ARGOS_DEVICE_TYPE": "cpu",
                "BENCH_FORCE_LENGTH": "1" if forcing() else "",
                "PYTHONPATH": str(ROOT / "bench"),
            }
            try:
                argos = ArgosPeer(python, sentences_file, peer_env)
            except (OSError, RuntimeError) as exc:
                skipped = f"argostranslate peer failed: {exc}"
        if argos is not None:
            live = argos
            contenders[argos_name] = lambda: live.ask("round")
            notes[argos_name] = "bench venv subprocess, same model, compute type, threads, beam"
        try:
            times = alternate(contenders, rounds=rounds, warmup=1)
        finally:
            if argos is not None:
                argos.close()

    base = times[raw_name]
    ours = times[stage_name]
    notes[stage_name] += f"; {ours / base:.2f}× the raw floor"
    argos_time = times.get(argos_name)
    if argos_time:
        notes[stage_name] += f"; {argos_time / ours:.1f}× argostranslate's sentences/s"
    lengths = "output forced to 1.3× source tokens; " if forcing() else ""
    common = f"{lengths}beam {beam_size}, {engine.compute_type}, {engine.threads} threads"
    rows: list[dict[str, Any]] = [
        {
            "bench": "translation",
            "contender": f"{name} (beam {beam_size})",
            "seconds": seconds,
            "ratio": seconds / base,
            "sentences_per_second": len(texts) / seconds,
            "note": f"{notes[name]} ({common})",
        }
        for name, seconds in times.items()
    ]
    if skipped:
        rows.append(
            {"bench": "translation", "contender": f"{argos_name} (beam {beam_size})",
             "skipped": skipped}
        )  # fmt: skip
    return rows


def seed_bilingual(*, peer: bool = True) -> list[dict[str, Any]]:
    """The seed's whole interleaved bilingual build (read, clean, translate, PDF + DOCX) on the
    real-size model, once, against argostranslate translating the same sentences one at a time
    (its own path; writing no documents, which only flatters it)."""
    from exporter.pipeline import BuildOptions, stage_document
    from exporter.readers import read
    from exporter.transforms.clean import clean
    from exporter.translate.engine import load_engine
    from exporter.translate.pipeline import DEFAULT_BEAM_SIZE as beam_size
    from exporter.translate.segment import split_sentences

    doc = clean(read(SEED))
    texts = [doc.meta.title] + [s for b in doc.blocks for s in split_sentences(b.text)]
    rows: list[dict[str, Any]] = []
    with isolated_model() as (_model, env), tempfile.TemporaryDirectory() as out:
        engine = load_engine(_model)
        if forcing():
            from real_model import ForcedLength

            engine._translator = ForcedLength(engine._translator)
        options = BuildOptions(
            langs=(), bilingual=("interleaved",), use_cache=False, formats=("pdf", "docx")
        )
        start = time.perf_counter()
        result = stage_document(SEED, Path(out), options)
        ours = time.perf_counter() - start
        result.staged.discard()
        rows.append(
            {
                "bench": "translation",
                "contender": f"exporter: seed → interleaved bilingual PDF + DOCX (beam {beam_size})",
                "seconds": ours,
                "ratio": 1.0,
                "sentences_per_second": len(texts) / ours,
                "note": f"whole build, {len(texts)} sentences, {engine.threads} threads, one run",
            }
        )
        python = Path(os.environ.get("BENCH_PYTHON") or BENCH_VENV / "bin" / "python")
        if not peer or not python.exists():
            return rows
        sentences_file = Path(env["XDG_CACHE_HOME"]) / "seed-sentences.json"
        sentences_file.parent.mkdir(parents=True, exist_ok=True)
        sentences_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        peer_env = {
            **env,
            "ARGOS_COMPUTE_TYPE": engine.compute_type,
            "ARGOS_INTRA_THREADS": str(engine.threads),
            "ARGOS_INTER_THREADS": "1",
            "ARGOS_BEAM_SIZE": str(beam_size),
            "ARGOS_DEVICE_TYPE": "cpu",
            "BENCH_FORCE_LENGTH": "1" if forcing() else "",
            "PYTHONPATH": str(ROOT / "bench"),
        }
        argos = ArgosPeer(python, sentences_file, peer_env)
        try:
            theirs = float(argos.ask("round"))
        finally:
            argos.close()
        rows.append(
            {
                "bench": "translation",
                "contender": f"argostranslate: the seed's sentences, one call each (beam {beam_size})",
                "seconds": theirs,
                "ratio": theirs / ours,
                "sentences_per_second": len(texts) / theirs,
                "note": f"translation only; exporter's whole build {theirs / ours:.1f}× faster",
            }
        )
    return rows


def run_all(rounds: int = 5) -> list[dict[str, Any]]:
    """Beam 4 (the default) against argostranslate, then beam 1."""
    return run(rounds, beam_size=4) + run(rounds, beam_size=1)


def compute_types(rounds: int = 5, *, sentences: int = 200, beam_size: int = 4) -> list[dict]:
    """Raw translate_batch speed per compute type and thread count (one translator at a time)."""
    import ctranslate2

    texts = workload(sentences)
    out: list[dict[str, Any]] = []
    with isolated_model() as (model, _env):
        import sentencepiece

        sp = sentencepiece.SentencePieceProcessor(model_file=str(model.tokenizer_path))
        tokens = sp.encode(texts, out_type=str)
        configs = [
            (ct, th)
            for ct in ("float32", "int8_float32", "int8", "auto")
            for th in sorted({1, os.cpu_count() or 1})
        ]
        times: dict[tuple[str, int], list[float]] = {c: [] for c in configs}
        for _ in range(rounds):
            for ct, th in configs:
                # One live translator at a time: two would fight for the cores.
                translator = ctranslate2.Translator(
                    str(model.model_dir), compute_type=ct, intra_threads=th
                )
                translator.translate_batch(tokens[:8], beam_size=beam_size)  # warm-up
                start = time.perf_counter()
                translator.translate_batch(
                    tokens, beam_size=beam_size, max_batch_size=64, length_penalty=0.2
                )
                times[(ct, th)].append(time.perf_counter() - start)
                translator.unload_model()
                del translator
        for (ct, th), samples in times.items():
            median = statistics.median(samples)
            out.append(
                {
                    "compute_type": ct,
                    "threads": th,
                    "sentences_per_s": round(len(texts) / median, 1),
                    "median_s": round(median, 4),
                }
            )
    return out


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for beam in (4, 1):
        print(f"# beam {beam}, median of {rounds} rounds")
        for row in run(rounds, beam_size=beam):
            if "skipped" in row:
                print(f"{row['contender']:42} skipped: {row['skipped']}")
                continue
            print(
                f"{row['contender']:42} {row['seconds']:8.3f} s  {row['ratio']:5.2f}×  "
                f"{row['sentences_per_second']:7.1f} sentences/s  {row['note']}"
            )
    if os.environ.get("BENCH_SEED_BILINGUAL"):
        print("# the seed's whole bilingual build, beam 4, one run")
        for row in seed_bilingual():
            print(f"{row['contender']:60} {row['seconds']:8.1f} s  {row['note']}")
    if os.environ.get("BENCH_COMPUTE_TYPES"):
        print("# raw translate_batch per compute type and thread count")
        for row in compute_types(rounds):
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
