"""Count layout faults over every PDF edition of the seed and tests/data/articles.

    .venv/bin/python bench/layout/measure.py [OUT_DIR]

Builds zh-CN, zh-HK, zh-TW, en, interleaved and side-by-side PDFs (English through the tiny
identity test model, installed into a temporary folder) and prints per file and in total the
one-line pages, pages starting with a paragraph's last line (widows), pages ending with a
paragraph's first line (orphans) and paragraphs ending in a one-character line (runts), as
read back from the PDF with pdfminer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTICLES = ROOT / "tests" / "data" / "articles"
SOURCES = [*sorted((ROOT / "seeds").glob("*.txt")), *sorted(ARTICLES.glob("*.txt"))]


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="layout-"))
    out.mkdir(parents=True, exist_ok=True)
    models = Path(tempfile.mkdtemp(prefix="layout-models-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(models / "packages")
    os.environ["XDG_DATA_HOME"] = str(models / "data")
    from exporter.testing.tiny_model import build_tiny_argos_package

    archive = build_tiny_argos_package(models)
    subprocess.run(
        [sys.executable, "-m", "exporter", "models", "install", "--file", str(archive)],
        check=True,
        capture_output=True,
    )
    from exporter.model import Heading
    from exporter.pipeline import BuildOptions, _editions, _tag_script
    from exporter.readers import read
    from exporter.testing.layout_checks import layout_faults
    from exporter.transforms.clean import clean
    from exporter.writers import WRITERS, content

    options = BuildOptions(
        formats=("pdf",),
        langs=("zh-CN", "zh-HK", "zh-TW", "en"),
        bilingual=("interleaved", "side-by-side"),
        use_cache=False,
    )
    totals: dict[str, int] = {}
    for source in SOURCES:
        doc = _tag_script(clean(read(source)))
        for edition, edoc, layout in _editions(doc, options, {}):
            path = out / f"{doc.name}.{edition}.pdf"
            WRITERS["pdf"](edoc, path, layout=layout)
            notes = content.notes_section(edoc)
            note_texts = [*notes.intros, *notes.items] if notes else []
            main = [b.text for b in edoc.blocks]
            if layout == "side-by-side" and edoc.translation is not None:
                columns = [main + note_texts, [b.text for b in edoc.translation.blocks]]
            elif layout == "interleaved" and edoc.translation is not None:
                pairs = zip(edoc.blocks, edoc.translation.blocks, strict=True)
                columns = [[t for a, b in pairs for t in (a.text, b.text)] + note_texts]
            else:
                columns = [main + note_texts]
            title = edoc.meta.title
            headings = [b.text for b in edoc.blocks if isinstance(b, Heading)]
            if edoc.translation is not None:
                headings += [b.text for b in edoc.translation.blocks if isinstance(b, Heading)]
            faults = layout_faults(path, columns, header=title, headings=headings)
            counts = faults.counts()
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
            print(f"{path.name}: {counts}")
            for kind in ("widows", "orphans", "runts", "stranded", "missing"):
                for item in getattr(faults, kind):
                    print(f"    {kind[:-1]}: {item}")
            if faults.one_line_pages:
                print(f"    one-line pages: {faults.one_line_pages}")
    print(f"TOTAL over {sum(1 for _ in out.glob('*.pdf'))} PDFs in {out}: {totals}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
