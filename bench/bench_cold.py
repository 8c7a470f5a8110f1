"""Cold processes against cold processes, batch against batch: exporter and its fastest peers.

Every contender is a whole process started from a shell, as a user runs it, on the seed:

* exporter ``build`` (zh-CN PDF + DOCX; PDF alone; DOCX alone; the zh-HK edition with the
  word guard);
* Typst (PyPI ``typst``, its Python binding: a fresh ``python -c`` per run) typesetting the
  same cleaned text, A4, justified, 2 em indent, the same Noto faces from ``fonts/build``;
* pandoc (PyPI ``pypandoc-binary``'s own pandoc executable) turning the same text, as
  Markdown, into DOCX;
* LibreOffice (``soffice --headless --convert-to pdf``) converting exporter's DOCX.

Batch: N copies of the seed (numbered, so no two are equal): ``exporter build DIR`` against one
``soffice --convert-to pdf`` call over the N DOCX; wall time and CPU time (user + system of the
process tree) are both reported.

The peers are installed by ``make bench`` (typst and pypandoc-binary into ``.bench-venv``;
LibreOffice from Debian when run as root); a peer that is missing makes its row say skipped.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_4bb12e1a55d9fe7f.txt"
BENCH_PYTHON = Path(os.environ.get("BENCH_PYTHON") or ROOT / ".bench-venv" / "bin" / "python")
BATCH = int(os.environ.get("BENCH_BATCH", "50"))

_TYPST = r"""
import sys, typst
typst.compile(sys.argv[1], output=sys.argv[2], font_paths=[sys.argv[3]])
"""


def _typst_source(doc: Any) -> str:
    def esc(text: str) -> str:
        return "".join("\\" + ch if ch in '\\#*_`$<>@[]"=-+/~' else ch for ch in text)

    lines = [
        '#set page(paper: "a4", margin: (left: 22mm, right: 22mm, top: 24mm, bottom: 22mm))',
        '#set text(font: ("Noto Serif SC", "Noto Serif"), size: 11pt, lang: "zh", region: "cn")',
        "#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 0.7em)",
        '#show heading: set text(font: "Noto Sans SC", size: 13.5pt, weight: "regular")',
        f'#text(font: "Noto Sans SC", size: 20pt)[{esc(doc.meta.title)}]',
        "",
    ]
    for block in doc.blocks:
        if type(block).__name__ == "Heading":
            lines += [f"= {esc(block.text)}", ""]
        else:
            lines += [esc(block.text), ""]
    return "\n".join(lines)


def _markdown(doc: Any) -> str:
    out = [f"# {doc.meta.title}", ""]
    for block in doc.blocks:
        prefix = "## " if type(block).__name__ == "Heading" else ""
        out += [prefix + block.text.replace("\n", " "), ""]
    return "\n".join(out)


def _pandoc() -> str | None:
    if not BENCH_PYTHON.exists():
        return None
    proc = subprocess.run(
        [str(BENCH_PYTHON), "-c", "import pypandoc; print(pypandoc.get_pandoc_path())"],
        capture_output=True, text=True,
    )  # fmt: skip
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _has_typst() -> bool:
    if not BENCH_PYTHON.exists():
        return False
    return subprocess.run([str(BENCH_PYTHON), "-c", "import typst"]).returncode == 0


def timed(argv: Sequence[str], cwd: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process tree) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(list(argv), check=True, cwd=cwd, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def alternate(contenders: dict[str, list[str]], rounds: int, warmup: int = 1) -> dict:
    """Median (wall, CPU) per contender, run in turn A B C A B C … after a warm-up."""
    for _ in range(warmup):
        for argv in contenders.values():
            timed(argv)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, argv in contenders.items():
            samples[name].append(timed(argv))
    return {
        name: (statistics.median(s[0] for s in values), statistics.median(s[1] for s in values))
        for name, values in samples.items()
    }


def run(rounds: int = 5) -> list[dict[str, Any]]:
    from exporter.readers import read
    from exporter.transforms.clean import clean

    exporter = [sys.executable, "-m", "exporter", "-q", "build"]
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pandoc = _pandoc()
    typst = _has_typst()
    doc = clean(read(SEED))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        work = Path(tmp)
        (work / "src.typ").write_text(_typst_source(doc), encoding="utf-8")
        (work / "src.md").write_text(_markdown(doc), encoding="utf-8")
        out = work / "out"
        subprocess.run([*exporter, str(SEED), "--out", str(out), "--no-manifest"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        docx = out / f"{SEED.stem}.zh-CN.docx"
        lo_profile = f"-env:UserInstallation=file://{work}/lo-profile"
        seed, o = str(SEED), str(out)

        single = {
            "exporter: seed → zh-CN PDF + DOCX": [*exporter, seed, "-o", o, "--no-manifest"],
            "exporter: seed → zh-CN PDF": [*exporter, seed, "-o", o, "-f", "pdf", "--no-manifest"],
            "exporter: seed → zh-CN DOCX": [
                *exporter, seed, "-o", o, "-f", "docx", "--no-manifest",
            ],
            "exporter: seed → zh-HK PDF + DOCX (word guard)": [
                *exporter, seed, "-o", o, "-l", "zh-HK", "--no-manifest",
            ],
        }  # fmt: skip
        skipped: dict[str, str] = {}
        if typst:
            single["Typst: same text → PDF"] = [
                str(BENCH_PYTHON), "-c", _TYPST, str(work / "src.typ"), str(work / "typst.pdf"),
                str(ROOT / "fonts" / "build"),
            ]  # fmt: skip
        else:
            skipped["Typst: same text → PDF"] = "typst not installed in .bench-venv"
        if pandoc:
            single["pandoc: same text (Markdown) → DOCX"] = [
                pandoc, str(work / "src.md"), "-o", str(work / "pandoc.docx"),
            ]  # fmt: skip
        else:
            skipped["pandoc: same text (Markdown) → DOCX"] = "pypandoc-binary not installed"
        if soffice:
            single["LibreOffice: exporter's DOCX → PDF"] = [
                soffice, lo_profile, "--headless", "--convert-to", "pdf", "--outdir",
                str(work / "lo"), str(docx),
            ]  # fmt: skip
        else:
            skipped["LibreOffice: exporter's DOCX → PDF"] = (
                "soffice not found (apt-get install libreoffice-writer-nogui)"
            )
        times = alternate(single, rounds)

        def row(name: str, base: str | None, goal: str = "") -> None:
            if name in skipped or (base is not None and base not in times):
                rows.append({"bench": "cold", "contender": name,
                             "skipped": skipped.get(name) or skipped.get(base or "", "")})  # fmt: skip
                return
            wall, cpu = times[name]
            note = f"CPU {cpu * 1000:,.0f} ms"
            if base is not None:
                ratio = wall / times[base][0]
                note += (
                    f"; exporter {1 / ratio:.2f}× faster"
                    if ratio > 1
                    else f"; peer {ratio:.2f}× of exporter's time"
                )
            if goal:
                note += f"; goal {goal}"
            rows.append({"bench": "cold", "contender": name, "seconds": wall,
                         "ratio": wall / times["exporter: seed → zh-CN PDF + DOCX"][0], "note": note})  # fmt: skip

        row("exporter: seed → zh-CN PDF + DOCX", None)
        row(
            "LibreOffice: exporter's DOCX → PDF",
            "exporter: seed → zh-CN PDF + DOCX",
            "exporter ≥ 4× faster",
        )
        row("exporter: seed → zh-CN PDF", None)
        row("Typst: same text → PDF", "exporter: seed → zh-CN PDF", "exporter within 2×")
        row("exporter: seed → zh-CN DOCX", None)
        row(
            "pandoc: same text (Markdown) → DOCX",
            "exporter: seed → zh-CN DOCX",
            "exporter within 2×",
        )
        row("exporter: seed → zh-HK PDF + DOCX (word guard)", None, "≤ 1.3× zh-CN")

        # Batch: N numbered seeds.
        folder = work / "batch"
        folder.mkdir()
        text = SEED.read_text(encoding="utf-8").split("\n")
        for i in range(BATCH):
            body = [f"（{i}）{line}" if line.strip() else line for line in text[2:]]
            (folder / f"doc{i:03}.txt").write_text("\n".join(text[:2] + body), encoding="utf-8")
        batch_out = work / "batch-out"
        subprocess.run([*exporter, str(folder), "-o", str(batch_out), "-f", "docx"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        docxs = sorted(str(p) for p in batch_out.glob("*.docx"))
        batch = {f"exporter build DIR ({BATCH} seeds → PDF + DOCX)": [
            *exporter, str(folder), "-o", str(work / "batch-ours"), "--no-manifest"]}  # fmt: skip
        name_lo = f"LibreOffice: {BATCH} DOCX → PDF in one call"
        if soffice:
            batch[name_lo] = [soffice, lo_profile, "--headless", "--convert-to", "pdf",
                              "--outdir", str(work / "batch-lo"), *docxs]  # fmt: skip
        btimes = alternate(batch, max(3, rounds // 2))
        ours_wall, ours_cpu = next(iter(btimes.values()))
        for name, (wall, cpu) in btimes.items():
            note = f"CPU {cpu:,.2f} s"
            if name == name_lo:
                note += (f"; exporter {wall / ours_wall:.2f}× less wall, {cpu / ours_cpu:.2f}× less CPU"
                         "; goal ≥ 3× less CPU")  # fmt: skip
            rows.append({"bench": "cold", "contender": name, "seconds": wall,
                         "ratio": wall / ours_wall, "note": note})  # fmt: skip
        if not soffice:
            rows.append({"bench": "cold", "contender": name_lo, "skipped": "soffice not found"})
    return rows


if __name__ == "__main__":
    for r in run(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(r)
