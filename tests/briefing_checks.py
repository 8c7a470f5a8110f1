"""Helpers that read briefings back the way a user's tools would."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from exporter.model import Document
from exporter.writers import content

_WS = re.compile(r"\s+")
_PAGE = re.compile(r"第\d+页，共\d+页|第\d+頁，共\d+頁|Page\d+of\d+")


def squash(text: str) -> str:
    return _WS.sub("", text)


def expected_text(doc: Document) -> str:
    """What the reader must find in the briefing, in order, whitespace removed."""
    notes = content.notes_section(doc)
    notice = notes.notice if notes else ()
    parts = [doc.meta.title, *content.info_lines(doc), *notice, *(b.text for b in doc.blocks)]
    if notes:
        parts += [notes.heading, *notes.intros, *notes.items]
    return squash("".join(parts))


_NOTE_MARK = re.compile(re.escape(content.NOTE_MARK) + r"\d+")


def strip_note_marks(text: str) -> str:
    """Remove the marks beside damaged paragraphs ("※3"): not part of the text."""
    return _NOTE_MARK.sub("", text)


def pdf_text_pdfminer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def pdf_text_poppler(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def has_poppler() -> bool:
    return shutil.which("pdftotext") is not None and shutil.which("pdffonts") is not None


def strip_running_heads(text: str, title: str) -> str:
    """Remove the running header (the title) and footer (page x of y) from extracted text."""
    squashed = squash(text)
    squashed = _PAGE.sub("", squashed)
    header = squash(title if len(title) <= 60 else title[:59] + "…")
    return squashed.replace(header, "")


def docx_xml(path: Path, member: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(member).decode("utf-8")


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)
