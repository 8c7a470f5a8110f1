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
    "conversion": ("bench_convert", "run"),
    "cold": ("bench_cold", "run"),
    "translation": ("bench_translate", "run_all"),
    "scale": ("bench_scale", "run"),
    "ray": ("bench_ray", "run"),
}
GOALS = {
    "conversion": "whole zh-HK stage (guard + vocabulary) ≤ 1.5× raw OpenCC s2hk",
    "cold": (
        "whole processes side by side: seed → zh-CN PDF + DOCX ≥ 4× faster than LibreOffice's "
        "DOCX → PDF; PDF within 2× of Typst; DOCX within 2× of pandoc; zh-HK ≤ 1.3× zh-CN; "
        "batch of N: ≥ 3× less CPU than LibreOffice"
    ),
    "translation": (
        "real-size model: ≥ 5× argostranslate's sentences/s; ≤ 1.1× raw CTranslate2 translate_batch"
    ),
    "scale": "10 MiB time ≤ 11 × the 1 MiB time; peak RSS ≤ 1 GiB",
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
        module, function = BENCHES[name]
        # Scale runs each size once: the 10 MiB build takes minutes.
        rows = getattr(importlib.import_module(module), function)(
            rounds=1 if name == "scale" else rounds
        )
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
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Benchmarks",
        "",
        f"Measured {date.today().isoformat()} by `make bench` on: {machine()}.",
        f"Load average (1 min) when the run started: {load:.2f}.",
        "",
        "Each table times its contenders side by side in one run, alternating A B A B,",
        f"median of {args.rounds} rounds after a warm-up (scale: one run per size).",
        "Ratio = time ÷ the table's first row; cold rows are whole processes (wall time).",
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
