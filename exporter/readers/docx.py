"""Word reader: title, headings, paragraphs, tables, foot- and endnotes of a .docx, in body order.

The package is read with zipfile and lxml (python-docx's own XML engine) rather than
python-docx's object model, because that model hides what a briefing needs: its
``paragraph.text`` skips runs inside tracked insertions, and it lists tables apart
from paragraphs instead of in reading order.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Block, Document, Heading, Metadata, Paragraph
from .source import TEXT_BUDGET_BYTES, read_source

log = logging.getLogger("exporter.read")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
DOCUMENT_PART = "word/document.xml"
# A .docx carries its images and fonts besides the text: eight times the text limit.
MAX_DOCX_BYTES = 8 * TEXT_BUDGET_BYTES
# Unpacked, the XML parts hold markup around the text (often 10x its size); past this
# (or packed more than MAX_RATIO:1) a part is a zip bomb, not a briefing source.
MAX_PART_BYTES = 16 * TEXT_BUDGET_BYTES
MAX_RATIO = 200
# Footnote separators (types separator, continuationSeparator, …) are not notes.
_NOTE_TYPES = (None, "normal")
_HEADING_NAME = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
# Deleted and moved-away text is not part of the accepted document; mc:Fallback
# repeats what mc:Choice already holds (text boxes in older formats).
_SKIP = {f"{{{W}}}del", f"{{{W}}}moveFrom", f"{{{MC}}}Fallback", f"{{{W}}}instrText"}
_SKIP |= {f"{{{W}}}delText", f"{{{W}}}rPr", f"{{{W}}}pPr"}
# Note parts and their elements; a note is known by (element name, id).
NOTE_PARTS = (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote"))

FOOTNOTES_HEADING = {"Hans": "注释", "Hant": "註釋"}


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _parse(data: bytes, name: str, member: str) -> Any:
    from lxml import etree

    # No DTDs, no entities, no network: a .docx is plain XML.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name}: damaged Word file ({member} is not valid XML: {exc})") from None


def _open(path: Path, data: bytes) -> dict[str, bytes]:
    """The parts this reader needs, after checks that refuse damaged or hostile files."""
    import io

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: an old binary Word (.doc) file, not .docx; re-save it as .docx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{path}: not a Word .docx file (not a zip package)") from None
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        if DOCUMENT_PART not in infos:
            raise InputError(f"{path}: not a Word .docx file (the package has no {DOCUMENT_PART})")
        parts: dict[str, bytes] = {}
        for member in (DOCUMENT_PART, "word/styles.xml", *(part for part, _ in NOTE_PARTS)):
            info = infos.get(member)
            if info is None:
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_PART_BYTES or (info.file_size > 1 << 20 and ratio > MAX_RATIO):
                raise InputError(
                    f"{path}: {member} unpacks to {info.file_size / 1e6:.0f} MB "
                    f"(compressed {ratio:.0f}:1); refusing a possible zip bomb"
                )
            try:
                with archive.open(info) as handle:
                    # Read one byte past the declared size: a lying header is caught too.
                    content = handle.read(MAX_PART_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise InputError(f"{path}: damaged Word file ({member}: {exc})") from None
            if len(content) > MAX_PART_BYTES:
                raise InputError(f"{path}: {member} unpacks past {MAX_PART_BYTES >> 20} MiB")
            parts[member] = content
        return parts


class _Styles:
    """Paragraph style id -> (is title, heading level or None), following basedOn."""

    def __init__(self, root: Any | None) -> None:
        self._raw: dict[str, tuple[str, int | None, str | None]] = {}
        if root is None:
            return
        for style in root.iter(_w("style")):
            if style.get(_w("type")) not in (None, "paragraph"):
                continue
            style_id = style.get(_w("styleId")) or ""
            name_el = style.find(_w("name"))
            name = name_el.get(_w("val"), "") if name_el is not None else ""
            outline = style.find(f"{_w('pPr')}/{_w('outlineLvl')}")
            level = _int(outline.get(_w("val"))) if outline is not None else None
            based = style.find(_w("basedOn"))
            self._raw[style_id] = (name, level, based.get(_w("val")) if based is not None else None)

    def kind(self, style_id: str | None) -> tuple[bool, int | None]:
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            name, level, based = self._raw.get(style_id, (style_id, None, None))
            if name.lower() == "title" or style_id.lower() == "title":
                return True, None
            match = _HEADING_NAME.match(name) or _HEADING_NAME.match(style_id)
            if match:
                return False, int(match.group(1))
            if level is not None:
                return False, level + 1
            style_id = based
        return False, None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class _Reader:
    def __init__(self, styles: _Styles, notes: dict[tuple[str, str], Any]) -> None:
        self.styles = styles
        self.notes = notes
        # Notes in the order the text first refers to them: [1], [2], …
        self.used_notes: list[tuple[str, str]] = []

    def runs_text(self, element: Any) -> str:
        """Text of a paragraph (or cell) as accepted: insertions kept, deletions dropped."""
        out: list[str] = []
        self._collect(element, out)
        return "".join(out)

    def _collect(self, element: Any, out: list[str]) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _w("t"):
                out.append(child.text or "")
            elif tag == _w("tab"):
                out.append("\t")
            elif tag in (_w("br"), _w("cr")):
                out.append("\n")
            elif tag == _w("noBreakHyphen"):
                out.append("-")
            elif tag in (_w("footnoteReference"), _w("endnoteReference")):
                key = (tag.rsplit("}", 1)[1][:-9], child.get(_w("id")) or "")
                if key in self.notes:
                    if key not in self.used_notes:
                        self.used_notes.append(key)
                    out.append(f"[{self.used_notes.index(key) + 1}]")
            elif tag == _w("p"):
                # A paragraph nested in a run (text box) or cell: its own line.
                if out and not out[-1].endswith("\n"):
                    out.append("\n")
                self._collect(child, out)
                out.append("\n")
            else:
                # Runs, w:ins, w:moveTo, hyperlinks, fldSimple (its result runs),
                # complex fields (instructions skipped, result runs kept), sdt, smartTag…
                self._collect(child, out)

    def blocks(self, body: Any) -> Iterator[tuple[str, int | None, str]]:
        """(kind, level, text) in reading order; kind is title, heading or paragraph."""
        for child in body:
            tag = child.tag
            if tag == _w("p"):
                yield self._paragraph(child)
            elif tag == _w("tbl"):
                yield from self._table(child)
            elif tag in (_w("sdt"), _w("customXml"), _w("ins"), _w("moveTo")):
                content = child.find(_w("sdtContent"))
                yield from self.blocks(content if content is not None else child)

    def _paragraph(self, p: Any) -> tuple[str, int | None, str]:
        ppr = p.find(_w("pPr"))
        style_id = None
        direct_level = None
        if ppr is not None:
            style = ppr.find(_w("pStyle"))
            style_id = style.get(_w("val")) if style is not None else None
            outline = ppr.find(_w("outlineLvl"))
            direct_level = _int(outline.get(_w("val"))) if outline is not None else None
        is_title, level = self.styles.kind(style_id)
        # Outline level 9 means "body text".
        if direct_level is not None:
            level = direct_level + 1 if direct_level < 9 else None
        text = self.runs_text(p)
        if is_title:
            return "title", None, text
        if level is not None:
            return "heading", level, text
        return "paragraph", None, text

    def _table(self, tbl: Any) -> Iterator[tuple[str, int | None, str]]:
        for row in tbl.iter(_w("tr")):
            if row.getparent() is not tbl:
                continue  # rows of nested tables are read with their cell
            cells = []
            for cell in row.findall(_w("tc")):
                cell_text = " ".join(
                    line.strip() for line in self.runs_text(cell).split("\n") if line.strip()
                )
                cells.append(cell_text)
            if any(cells):
                yield "paragraph", None, " | ".join(c for c in cells if c)


def _notes(roots: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Foot- and endnotes by (kind, id); separators are not notes."""
    notes: dict[tuple[str, str], Any] = {}
    for kind, root in roots.items():
        for note in root.findall(_w(kind)):
            if note.get(_w("type")) in _NOTE_TYPES:
                notes[(kind, note.get(_w("id")) or "")] = note
    return notes


def read(path: Path) -> Document:
    source = read_source(path, MAX_DOCX_BYTES)
    parts = _open(path, source.data)
    name = str(path)
    document = _parse(parts[DOCUMENT_PART], name, DOCUMENT_PART)
    styles_root = _parse(parts["word/styles.xml"], name, "word/styles.xml") if (
        "word/styles.xml" in parts
    ) else None  # fmt: skip
    note_roots = {
        kind: _parse(parts[member], name, member) for member, kind in NOTE_PARTS if member in parts
    }
    body = document.find(_w("body"))
    if body is None:
        raise InputError(f"{path}: damaged Word file (no document body)")
    footnotes = _notes(note_roots)
    reader = _Reader(_Styles(styles_root), footnotes)

    title = ""
    blocks: list[Block] = []
    for kind, level, raw in reader.blocks(body):
        lines = [line for line in raw.split("\n") if line.strip()]
        if not lines:
            continue
        if kind == "title" and not title and not blocks:
            title = " ".join(line.strip() for line in lines)
        elif kind in ("title", "heading"):
            blocks.append(Heading(" ".join(line.strip() for line in lines), level or 1))
        else:
            blocks.extend(Paragraph(line) for line in lines)
    if reader.used_notes:
        from ..transforms.convert import detect_script

        script = detect_script(title + "".join(b.text for b in blocks[:20])).script
        blocks.append(Heading(FOOTNOTES_HEADING.get(script, FOOTNOTES_HEADING["Hans"]), 1))
        for number, note_id in enumerate(reader.used_notes, start=1):
            note_text = " ".join(
                line.strip() for line in reader.runs_text(footnotes[note_id]).split("\n")
            ).strip()
            blocks.append(Paragraph(f"[{number}] {note_text}"))
    if not title and not any(block.text.strip() for block in blocks):
        raise InputError(f"{path}: the Word file has no text; nothing to build")
    log.debug("%s: read %d blocks from Word", path, len(blocks))
    return Document(
        meta=Metadata(
            title=title, provenance=(("reader", "docx"), ("input_sha256", source.sha256))
        ),
        blocks=tuple(blocks),
        name=path.stem,
        source=str(path),
        structured=True,
    )
