"""Conversion: the pipeline's zh-HK stage vs the raw official OpenCC binding on 2 MB of text.

The text is the seed repeated 120 times, one Paragraph per source line. Contenders run
side by side (A B A B …), median of ``rounds`` after a warm-up:

- raw ``opencc.OpenCC("s2hk").convert`` on the whole text (the floor);
- ``convert_document(doc, "zh-HK")``: the whole stage as the pipeline runs it — script
  detection, the jieba word guard (on at any size), context rules, corrections, the Hong
  Kong vocabulary, provenance. Goal: at most 1.5× the raw call (the ratio column);
- the same with characters only (``vocabulary=False``) and with ``workers=2``;
- the stage's own work with OpenCC's call stubbed out.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exporter.model import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import alternate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_4bb12e1a55d9fe7f.txt"
REPEAT = 120
RAW = "raw opencc.OpenCC('s2hk').convert"
STAGE = "stage zh-HK: guard + vocabulary"
CHARS = "stage zh-HK: guard, characters only"


def _document(text: str) -> Document:
    from exporter.model import Document, Metadata, Paragraph

    lines = [line for line in text.split("\n") if line.strip()]
    return Document(Metadata(title=lines[0]), tuple(Paragraph(line) for line in lines[1:]))


def run(rounds: int = 5, *, with_guard: bool = True) -> list[dict]:
    import opencc

    from exporter.transforms import convert
    from exporter.transforms.convert import guard, review, stage

    seed = SEED.read_text(encoding="utf-8")
    text = "\n".join([seed] * REPEAT)
    doc = _document(text)
    chars = len(doc.meta.title) + sum(len(b.text) for b in doc.blocks)
    raw = opencc.OpenCC("s2hk")
    body = "\n".join(b.text for b in doc.blocks)
    same = convert.convert_document(doc, "zh-HK")
    plain = convert.convert_document(doc, "zh-HK", workers=2)
    assert same == plain, "the parallel path must give identical output"

    def own_work() -> None:
        # The stage with OpenCC's call replaced by identity: what the stage adds, free of
        # OpenCC's own run-to-run noise (±15 % on a shared 2-core machine).
        callers = (stage, guard, review)  # every module that runs OpenCC via _run_chain
        real = stage._run_chain
        for module in callers:
            module._run_chain = lambda configs, text: text  # type: ignore[attr-defined]
        try:
            convert.convert_document(doc, "zh-HK")
        finally:
            for module in callers:
                module._run_chain = real  # type: ignore[attr-defined]

    contenders = {
        RAW: lambda: raw.convert(body),
        STAGE: lambda: convert.convert_document(doc, "zh-HK"),
        "stage's own work (OpenCC call stubbed)": own_work,
    }
    if with_guard:
        contenders[CHARS] = lambda: convert.convert_document(doc, "zh-HK", vocabulary=False)
    # Last, so the big frees after the guard's run land before the pool's turn, whose
    # work happens in other processes, rather than before the raw call's.
    contenders["pipeline, workers=2"] = lambda: convert.convert_document(doc, "zh-HK", workers=2)
    try:
        times = alternate(contenders, rounds=rounds, warmup=1)
    finally:
        convert.shutdown_pool()
    base = times[RAW]
    notes = {
        RAW: f"{chars:,} chars ({len(text.encode()):,} bytes)",
        STAGE: f"{times[STAGE] / base:.2f}× raw s2hk (goal ≤ 1.5×), wall, medians",
        "stage's own work (OpenCC call stubbed)": "guard, rules, corrections, vocabulary, …",
        "pipeline, workers=2": "2 forked processes, identical output",
        CHARS: "vocabulary=False (--no-vocabulary)",
    }
    return [
        {
            "bench": "conversion",
            "contender": name,
            "seconds": seconds,
            "ratio": seconds / base,
            "chars_per_second": chars / seconds,
            "note": notes[name],
        }
        for name, seconds in times.items()
    ]


if __name__ == "__main__":
    for row in run(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(
            f"{row['contender']:40} {row['seconds'] * 1000:9.1f} ms  {row['ratio']:5.2f}×  "
            f"{row['chars_per_second'] / 1e6:5.2f} M chars/s  {row['note']}"
        )
