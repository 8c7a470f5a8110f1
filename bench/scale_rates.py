"""Sizing figures for docs/SCALE.md: seed-sized documents built per second per core.

Each kind of build runs in a fresh process, on one thread (EXPORTER_THREADS=1, as a Ray task
runs), over N different seed-sized documents after one warm-up document, and divides by the
CPU time the process used — so the figure holds on a shared, busy machine too, and it is what
one cluster core delivers once its worker is warm. Bilingual builds run twice: with the tiny
identity test model (decoding costs almost nothing: a floor), and with the real-size
random-weight model of bench/real_model.py (Transformer base, 50k vocabulary, int8; decoding
forced to 1.3 target tokens per source token, as a real model would produce).

    .venv/bin/python bench/scale_rates.py [N]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_ray import _corpus  # noqa: E402

_CHILD = r"""
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from exporter.pipeline import BuildOptions, stage_document
kind, corpus, out = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
if kind.startswith("bilingual"):
    options = BuildOptions(langs=(), bilingual=("interleaved",), use_cache=False)
    if kind.endswith("real-size"):
        # PDF only: the random model's long gibberish titles overflow DOCX's 255-character
        # title property (python-docx raises); decoding, not writing, is what is measured.
        options = BuildOptions(langs=(), bilingual=("interleaved",), use_cache=False,
                               formats=("pdf",))
        from real_model import ForcedLength
        from exporter.translate.engine import load_engine
        from exporter.translate.models import resolve_model
        engine = load_engine(resolve_model(None))
        engine._translator = ForcedLength(engine._translator)
else:
    options = BuildOptions(langs=tuple(kind.split("+")))
sources = sorted(corpus.glob("*.txt"))[: 1 + int(sys.argv[5])]
stage_document(sources[0], out, options).staged.discard()  # warm-up: fonts, OpenCC, model
cpu, wall = time.process_time(), time.perf_counter()
for source in sources[1:]:
    stage_document(source, out, options).staged.discard()
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                  "documents": len(sources) - 1}))
"""

KINDS = {
    "zh-HK": "zh-HK (DOCX + PDF)",
    "zh-CN+zh-HK": "zh-CN + zh-HK (DOCX + PDF)",
    "bilingual/tiny": "bilingual interleaved (DOCX + PDF), tiny identity test model",
    "bilingual/real-size": "bilingual interleaved (PDF), real-size random-weight model",
}


def _install(archive: Path, data: Path) -> dict[str, str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data), "EXPORTER_THREADS": "1"}
    subprocess.run(
        [sys.executable, "-m", "exporter", "-q", "models", "install", "--file", str(archive)],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return env


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    work = Path(tempfile.mkdtemp(prefix="scale-rates-"))
    corpus = _corpus(work / "in", count + 1)
    from real_model import build_real_size_package

    from exporter.testing.tiny_model import build_tiny_argos_package

    envs = {
        "tiny": _install(build_tiny_argos_package(work / "tiny"), work / "data-tiny"),
        "real-size": _install(build_real_size_package(work / "real"), work / "data-real"),
    }
    for kind, label in KINDS.items():
        env = envs["real-size" if kind.endswith("real-size") else "tiny"]
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(BENCH), kind, str(corpus), str(work / "out"),
             # A real-size decoder takes seconds per document: fewer of them.
             str(max(2, count // 4) if kind.endswith("real-size") else count)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        per_doc = row["cpu"] / row["documents"]
        print(
            f"{label}: {1 / per_doc:.2f} documents/s per core "
            f"({per_doc:.2f} CPU s per document, {row['documents']} documents)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
