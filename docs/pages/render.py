"""Render the README's page images: seed zh-CN and zh-HK, and a side-by-side bilingual page.

    .venv/bin/python docs/pages/render.py      (needs pdftoppm from poppler-utils)

The bilingual page uses the hand-written English of ``article_b.en.txt`` (one line per block,
the title first) for tests/data/articles/article_b.txt: no translation model ships with the
repository, and the tiny test model only copies its input.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESOLUTION = "45"  # dpi: an A4 page becomes about 370 x 525 px


def main() -> int:
    from exporter.model import Document, Heading, Paragraph
    from exporter.readers import read
    from exporter.transforms.clean import clean
    from exporter.transforms.convert import convert_document
    from exporter.writers import WRITERS

    seed = clean(read(next((ROOT / "seeds").glob("*.txt"))))
    article = clean(read(ROOT / "tests" / "data" / "articles" / "article_b.txt"))
    english = (HERE / "article_b.en.txt").read_text(encoding="utf-8").splitlines()
    blocks = tuple(
        Heading(text) if isinstance(block, Heading) else Paragraph(text)
        for block, text in zip(article.blocks, english[1:], strict=True)
    )
    meta = dataclasses.replace(article.meta, title=english[0], lang="en")
    bilingual = dataclasses.replace(
        article, translation=Document(meta=meta, blocks=blocks, name=article.name)
    )
    pages = {
        "page-zh-CN": (seed, "mono"),
        "page-zh-HK": (convert_document(seed, "zh-HK"), "mono"),
        "page-side-by-side": (bilingual, "side-by-side"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (doc, layout) in pages.items():
            pdf = Path(tmp) / f"{name}.pdf"
            WRITERS["pdf"](doc, pdf, layout=layout)
            subprocess.run(
                ["pdftoppm", "-r", RESOLUTION, "-f", "1", "-l", "1", "-png", "-singlefile",
                 str(pdf), str(HERE.parent / name)],
                check=True,
            )  # fmt: skip
            print(HERE.parent / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
