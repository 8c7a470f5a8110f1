"""`make bench`: every benchmark side by side, printed and written to docs/BENCHMARKS.md."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import traceback
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
BENCHES = {
    "conversion": "bench_convert",
    "translation": "bench_translate",
    "writing": "bench_write",
    "scale": "bench_scale",
    "ray": "bench_ray",
}
GOALS = {
    "conversion": "pipeline conversion overhead ≤ 10 % over raw OpenCC",
    "translation": "≥ 3× argostranslate's per-sentence path; ≤ 1.1× raw CTranslate2",
    "writing": "≥ 10× faster than LibreOffice's DOCX → PDF conversion",
    "scale": "time(×100) ≤ 120 × time(×1); peak RSS ≤ 500 MB at ×100",
    "ray": "200 seed-sized documents (zh-CN + zh-HK) on local Ray with 2 CPUs ≤ 1.15× `-j 2`",
}


def machine() -> str:
    from exporter.batch import library_versions

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libs = ", ".join(f"{k} {v}" for k, v in library_versions().items())
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.machine()}; {libs}"


def _fmt(row: dict) -> str:
    if "skipped" in row:
        return f"| {row['contender']} | — | — | skipped: {row['skipped']} |"
    extra = []
    for key in ("peak_rss_mb", "chars_per_second", "sentences_per_second", "note"):
        if key in row:
            value = row[key]
            extra.append(
                f"{key.replace('_', ' ')} {value:,.1f}"
                if isinstance(value, float)
                else f"{key.replace('_', ' ')} {value}"
            )
    return f"| {row['contender']} | {row['seconds'] * 1000:,.1f} ms | {row['ratio']:.2f}× | {'; '.join(extra)} |"


def _child(name: str, rounds: int) -> int:
    """Run one bench and print its rows as JSON on the last line of stdout."""
    try:
        rows = importlib.import_module(BENCHES[name]).run(rounds=rounds)
    except Exception as exc:  # noqa: BLE001 - one broken bench must not hide the others
        traceback.print_exc()
        rows = [{"contender": name, "skipped": f"failed: {type(exc).__name__}: {exc}"}]
    print(json.dumps(rows))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(BENCHES), action="append")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--no-write", action="store_true", help="print only; keep docs/BENCHMARKS.md"
    )
    parser.add_argument("--child", choices=sorted(BENCHES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args.child, args.rounds)
    lines = [
        "# Benchmarks",
        "",
        f"Measured {date.today().isoformat()} by `make bench` on: {machine()}.",
        "",
        "Each table times its contenders side by side in one run, alternating A B A B,",
        f"median of {args.rounds} rounds after a warm-up. Ratio = time ÷ the first row's time.",
        "",
    ]
    for name in BENCHES:
        if args.only and name not in args.only:
            continue
        print(f"== {name} ({GOALS[name]})", file=sys.stderr, flush=True)
        lines += [f"## {name.capitalize()}", "", f"Goal: {GOALS[name]}.", "",
                  "| contender | median time | ratio | notes |", "|---|---|---|---|"]  # fmt: skip
        # Each bench runs in a fresh process: one bench's leftovers (a loaded model,
        # its threads, a large heap) must not slow the next one down.
        proc = subprocess.run(
            [sys.executable, __file__, "--child", name, "--rounds", str(args.rounds)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            rows = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            rows = [{"contender": name, "skipped": f"failed (exit {proc.returncode}), see stderr"}]
        lines += [_fmt(row) for row in rows]
        lines.append("")
        for row in rows:
            print("  " + _fmt(row), flush=True)
    report = "\n".join(lines) + "\n"
    if not args.no_write and not args.only:
        target = ROOT / "docs" / "BENCHMARKS.md"
        target.parent.mkdir(exist_ok=True)
        existing = target.read_text(encoding="utf-8") if target.exists() else ""
        marker = "\n## Analysis"
        analysis = existing[existing.index(marker) :] if marker in existing else ""
        target.write_text(report + analysis, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
