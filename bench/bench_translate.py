"""Translation speed, side by side on the same model (the identity test model).

Contenders, run in turn (A B C A B C …) after a warm-up, medians reported:

* ``pipeline``: exporter's translate stage on a Document (splitting, glossary off, quality
  checks, in-memory cache, batches of 32 sentences);
* ``raw translate_batch``: one CTranslate2 ``translate_batch`` call over all sentences with
  the same translator, tokenizer and decoding options: the floor the pipeline is held to;
  and the same calls the stage makes (length-sorted batches of 32) without the stage;
* ``argostranslate``: its ``translate.translate`` per sentence, as its users call it. It
  needs stanza and torch, so it runs in the bench venv (``make bench`` creates it) and is
  reported as skipped when that venv is absent.

Targets (issue 4): pipeline ≥ 3× argostranslate's path and ≤ 1.1× raw translate_batch time.
Run ``python bench/bench_translate.py [ROUNDS]``; ``BENCH_ARGOS_MODEL=FILE.argosmodel`` runs
the same comparison on a real model.
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


@contextmanager
def isolated_model() -> Iterator[tuple[Any, dict[str, str]]]:
    """Install the model in a throw-away home; yield it and that env.

    The identity test model by default; set ``BENCH_ARGOS_MODEL=/path/translate-zh_en-1_9.argosmodel``
    to measure the same contenders on a real Argos model.
    """
    from exporter.testing.tiny_model import build_identity_argos_package

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
            archive = Path(real) if real else build_identity_argos_package(Path(tmp))
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


def run(rounds: int = 5, *, sentences: int = 200, beam_size: int = 4) -> list[dict[str, Any]]:
    """One row per contender (``bench/run.py`` format); ratio = time ÷ raw translate_batch."""
    from exporter.model import Document, Metadata, Paragraph
    from exporter.translate.engine import load_engine
    from exporter.translate.pipeline import translate_with_report

    texts = workload(sentences)
    doc = Document(
        Metadata(title=""),
        tuple(Paragraph("".join(texts[i : i + 5])) for i in range(0, len(texts), 5)),
    )
    with isolated_model() as (model, env):
        engine = load_engine(model)
        sp, translator = engine._sp, engine._translator

        def pipeline() -> list[str]:
            english = translate_with_report(doc, cache=False, beam_size=beam_size)
            assert english.document.translation is not None
            return [b.text for b in english.document.translation.blocks]

        def raw() -> list[str]:
            tokens = sp.encode(texts, out_type=str)
            results = translator.translate_batch(
                tokens,
                beam_size=beam_size,
                length_penalty=0.2,
                max_decoding_length=3 * max(len(t) for t in tokens) + 32,
                replace_unknowns=True,
                # Rebatched and length-sorted inside CTranslate2: its best case here.
                max_batch_size=32,
            )
            return [sp.decode(r.hypotheses[0]) for r in results]

        def raw_sorted() -> list[str]:
            # What the stage does around CTranslate2, minus everything else: sort by length,
            # batches of 32, one call each.
            tokens = sp.encode(texts, out_type=str)
            order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
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
                    out[i] = sp.decode(result.hypotheses[0])
            return out

        raw_out = raw()
        assert raw_sorted() == raw_out
        joined = [" ".join(raw_out[i : i + 5]) for i in range(0, len(raw_out), 5)]
        assert pipeline() == joined, "pipeline and raw CTranslate2 must agree"

        contenders: dict[str, Callable[[], object]] = {
            "raw CTranslate2 translate_batch": raw,
            "raw CTranslate2, sorted batches of 32": raw_sorted,
            "exporter translate stage": pipeline,
        }
        notes = {
            "raw CTranslate2 translate_batch": "one call, same translator and options (floor)",
            "raw CTranslate2, sorted batches of 32": "the stage's batching without the stage",
            "exporter translate stage": "split, glossary off, quality checks, in-memory cache",
        }
        skipped: str | None = None
        peer: ArgosPeer | None = None
        python = Path(os.environ.get("BENCH_PYTHON") or BENCH_VENV / "bin" / "python")
        if not python.exists():
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
            }
            try:
                peer = ArgosPeer(python, sentences_file, peer_env)
            except (OSError, RuntimeError) as exc:
                skipped = f"argostranslate peer failed: {exc}"
        if peer is not None:
            argos = peer
            contenders["argostranslate translate() per sentence"] = lambda: argos.ask("round")
            notes["argostranslate translate() per sentence"] = (
                "bench venv subprocess, same model, compute type, threads and beam"
            )
        try:
            # The peer warmed itself up at start; one more warm-up round for everyone is cheap
            # next to the rounds that follow.
            times = alternate(contenders, rounds=rounds, warmup=1)
        finally:
            if peer is not None:
                peer.close()

    base = times["raw CTranslate2 translate_batch"]
    ours = times["exporter translate stage"]
    argos_time = times.get("argostranslate translate() per sentence")
    overhead = ours / times["raw CTranslate2, sorted batches of 32"]
    notes["exporter translate stage"] += f"; {overhead:.2f}× its own raw batching"
    if argos_time:
        notes["exporter translate stage"] += (
            f"; {argos_time / ours:.1f}× faster than argostranslate"
        )
    common = f"beam {beam_size}, {engine.compute_type}, {engine.threads} threads"
    rows: list[dict[str, Any]] = [
        {
            "bench": "translation",
            "contender": name,
            "seconds": seconds,
            "ratio": seconds / base,
            "sentences_per_second": len(texts) / seconds,
            "note": f"{notes[name]} ({common})",
        }
        for name, seconds in times.items()
    ]
    if skipped:
        rows.append(
            {
                "bench": "translation",
                "contender": "argostranslate translate() per sentence",
                "skipped": skipped,
            }
        )
    return rows


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
    if os.environ.get("BENCH_COMPUTE_TYPES"):
        print("# raw translate_batch per compute type and thread count")
        for row in compute_types(rounds):
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
