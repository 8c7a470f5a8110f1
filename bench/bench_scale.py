"""Scale: the whole build (read, clean, convert, zh-CN PDF + DOCX) of 1, 5 and 10 MiB sources.

The sources are the seed's body repeated, each copy's paragraphs numbered so no two are
equal. Each size runs in a fresh process so its peak RSS is its own. Goal (issue 11): the
10 MiB time ≤ 11 × the 1 MiB time, peak RSS ≤ 1 GiB.
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
SIZES_MIB = (1, 5, 10)

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from exporter.pipeline import BuildOptions, build_document
source, out = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
build_document(source, out, BuildOptions())
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024}))
"""


def _scaled_source(folder: Path, mib: int) -> Path:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    title, date, body = lines[0], lines[1], lines[2:]
    out, size, copy = [title, date], 0, 0
    while size < mib << 20:
        for line in body:
            text = f"（{copy}）{line}" if line.strip() else line
            out.append(text)
            size += len(text.encode("utf-8")) + 1
        copy += 1
    path = folder / f"seed_{mib}mib.txt"
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def run(rounds: int = 1) -> list[dict]:
    """One run per size by default: 10 MiB takes minutes, and rounds would not fit the budget."""
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    sources = {mib: _scaled_source(work, mib) for mib in SIZES_MIB}
    samples: dict[int, list[dict]] = {mib: [] for mib in SIZES_MIB}
    for _ in range(rounds):
        for mib, source in sources.items():
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(source), str(work / "out")],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            samples[mib].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    rows = []
    base = statistics.median(s["seconds"] for s in samples[1])
    for mib in SIZES_MIB:
        seconds = statistics.median(s["seconds"] for s in samples[mib])
        chars = len(sources[mib].read_text(encoding="utf-8"))
        rows.append({
            "bench": "scale",
            "contender": f"{mib} MiB source ({chars:,} chars) → zh-CN PDF + DOCX",
            "seconds": seconds,
            "ratio": seconds / base,
            "peak_rss_mb": max(s["peak_rss_mb"] for s in samples[mib]),
            "note": (
                f"{mib * 1024 / seconds:,.0f} KiB/s; CPU "
                f"{statistics.median(s['cpu'] for s in samples[mib]):,.1f} s; {rounds} run(s)"
            ),
        })  # fmt: skip
    return rows
