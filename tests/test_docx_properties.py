"""Document properties hold what Word allows (255 characters) whatever the title or file name."""

from __future__ import annotations

import zipfile
from pathlib import Path

from exporter.model import Document, Metadata, Paragraph
from exporter.writers import docx as docx_writer


def test_a_long_title_and_name_still_write_a_docx(tmp_path: Path) -> None:
    title = "粤港澳大湾区建设领导小组全体会议" * 20  # 320 characters
    name = "报告" * 120  # a long but legal file name stem
    english = Document(
        meta=Metadata(title="Guangdong-Hong Kong-Macao Greater Bay Area " * 8, lang="en"),
        blocks=(Paragraph("The meeting was held."),),
        name=name,
    )
    doc = Document(
        meta=Metadata(title=title),
        blocks=(Paragraph("会议在广州召开。"),),
        name=name,
        translation=english,
    )
    for layout in ("mono", "interleaved"):
        target = tmp_path / f"{layout}.docx"
        docx_writer.write(
            doc if layout != "mono" else Document(doc.meta, doc.blocks, name=name),
            target,
            layout=layout,
        )
        with zipfile.ZipFile(target) as package:
            core = package.read("docProps/core.xml").decode("utf-8")
            body = package.read("word/document.xml").decode("utf-8")
        # The full title is in the document; the property is clipped, marked with an ellipsis.
        assert title[:40] in body and title[-16:] in body
        assert "粤港澳大湾区建设领导小组全体会议" in core and "…" in core
