"""Document writing: this tool's PDF + DOCX of the seed vs LibreOffice converting the DOCX."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from common import alternate

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_4bb12e1a55d9fe7f.txt"


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def run(rounds: int = 5) -> list[dict]:
    from exporter.readers import read
    from exporter.transforms.clean import clean
    from exporter.writers import WRITERS

    work = Path(tempfile.mkdtemp(prefix="bench-write-"))
    doc = clean(read(SEED))
    docx_path = work / "seed.docx"
    WRITERS["docx"](doc, docx_path)

    def ours() -> None:
        WRITERS["pdf"](doc, work / "ours.pdf")
        WRITERS["docx"](doc, work / "ours.docx")

    contenders = {"exporter: clean doc -> PDF + DOCX": ours}
    soffice = _soffice()
    profile = work / "lo-profile"
    if soffice:

        def libreoffice() -> None:
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                 "--convert-to", "pdf", "--outdir", str(work / "lo"), str(docx_path)],
                check=True, capture_output=True, timeout=300,
            )  # fmt: skip

        contenders["LibreOffice: DOCX -> PDF (headless)"] = libreoffice
    times = alternate(contenders, rounds=rounds)
    rows = [{"bench": "writing", "contender": name, "seconds": t} for name, t in times.items()]
    base = times["exporter: clean doc -> PDF + DOCX"]
    for row in rows:
        row["ratio"] = row["seconds"] / base
    if not soffice:
        rows.append({"bench": "writing", "contender": "LibreOffice", "skipped":
                     "not installed: apt-get install libreoffice-writer-nogui"})  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return rows
