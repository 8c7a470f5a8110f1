"""Scale: the whole pipeline (clean + convert + both formats) on the seed ×1, ×10, ×100.

Each size runs in a fresh process so its peak RSS is its own.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_4bb12e1a55d9fe7f.txt"
FACTORS = (1, 10, 100)

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from exporter.pipeline import BuildOptions, build_document
source, out = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
build_document(source, out, BuildOptions(langs=("zh-CN", "zh-HK")))
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _scaled_source(folder: Path, factor: int) -> Path:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    title, date, body = lines[0], lines[1], "\n".join(lines[2:])
    path = folder / f"seed_x{factor}.txt"
    path.write_text("\n".join([title, date] + [body] * factor), encoding="utf-8")
    return path


def run(rounds: int = 3) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    sources = {factor: _scaled_source(work, factor) for factor in FACTORS}
    samples: dict[int, list[dict]] = {factor: [] for factor in FACTORS}
    for _ in range(rounds):
        for factor, source in sources.items():
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(source), str(work / "out")],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            samples[factor].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    rows = []
    base = statistics.median(s["seconds"] for s in samples[1])
    for factor in FACTORS:
        seconds = statistics.median(s["seconds"] for s in samples[factor])
        rows.append({
            "bench": "scale",
            "contender": f"seed ×{factor} ({factor * len(SEED.read_text(encoding='utf-8')):,} chars)",
            "seconds": seconds,
            "ratio": seconds / base,
            "peak_rss_mb": max(s["peak_rss_mb"] for s in samples[factor]),
        })  # fmt: skip
    return rows
