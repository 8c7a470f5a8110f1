"""Sizing figures for docs/SCALE.md: documents per second per core, by kind of build.

Each kind runs `exporter build -j 1` on N different seed-sized documents and divides by the
CPU time the build used (user + system, of the process and its children), so the figure
holds on a shared, busy machine too; wall time is printed beside it. Bilingual builds use
the model named by $BENCH_MODEL (a .argosmodel archive); without it, the tiny identity test
model, whose decoder is far cheaper than a real one's (say so when quoting the figure).

    .venv/bin/python bench/scale_rates.py [N]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ray import _corpus  # noqa: E402

KINDS = {
    "zh-HK (DOCX + PDF)": ["--lang", "zh-HK"],
    "zh-CN + zh-HK (DOCX + PDF)": ["--lang", "zh-CN,zh-HK"],
    "bilingual interleaved (DOCX + PDF)": ["--bilingual", "interleaved", "--no-cache"],
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _model_env(work: Path) -> tuple[dict[str, str], str]:
    env = {**os.environ, "XDG_DATA_HOME": str(work / "data"), "XDG_CACHE_HOME": str(work / "c")}
    archive = os.environ.get("BENCH_MODEL")
    label = "model from $BENCH_MODEL"
    if not archive:
        from exporter.testing.tiny_model import build_identity_argos_package

        archive = str(build_identity_argos_package(work / "model"))
        label = "tiny identity test model"
    subprocess.run(
        [sys.executable, "-m", "exporter", "-q", "models", "install", "--file", archive],
        env=env, check=True,
    )  # fmt: skip
    return env, label


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    work = Path(tempfile.mkdtemp(prefix="scale-rates-"))
    corpus = _corpus(work / "in", count)
    env, model = _model_env(work)
    for name, args in KINDS.items():
        before, start = _children_cpu(), time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "exporter", "-q", "build", str(corpus), "-j", "1",
             "--out", str(work / name[:5]), *args],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        cpu, wall = _children_cpu() - before, time.perf_counter() - start
        note = f" ({model})" if "bilingual" in name else ""
        print(
            f"{name}{note}: {count / cpu:.2f} documents/s per core "
            f"({cpu / count:.2f} CPU s per document; wall {wall:.1f} s for {count})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
