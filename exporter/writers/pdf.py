"""PDF writer (reportlab): A4 briefing with embedded fonts, outline and running footer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from .. import fonts as font_files
from ..labels import labels, script_of
from ..model import Block, Document, Heading
from . import content
from .pdf_text import cjk_paragraph, install_reportlab_fixes

log = logging.getLogger("exporter.pdf")

MM = 72 / 25.4
PAGE_MARGINS = {"left": 22 * MM, "right": 22 * MM, "top": 24 * MM, "bottom": 22 * MM}
INK = (0x1F / 255, 0x2A / 255, 0x44 / 255)
GREY = (0x55 / 255, 0x5B / 255, 0x66 / 255)


class _Fonts:
    """Reportlab font names for one document, plus the per-character fallback rule."""

    def __init__(self, script: str) -> None:
        self.set = font_files.font_set("Hant" if script == "Hant" else "Hans")
        font_files.register_reportlab(self.set)
        self.body = self.set.body.reportlab_name
        self.heading = self.set.heading.reportlab_name
        self.latin = self.set.latin.reportlab_name
        self.latin_heading = self.set.latin_heading.reportlab_name
        # Characters no embedded face can draw: reported once per document.
        self.uncovered: set[str] = set()

    def chooser(self, preferred_name: str) -> Callable[[str], str | None]:
        """char -> font name to draw it with; None keeps the paragraph's own font."""
        faces = {face.reportlab_name: face for face in self.set.faces}
        preferred = faces[preferred_name]

        @cache
        def pick(ch: str) -> str | None:
            if ch.isspace() or font_files.covers(preferred, ch):
                return None
            face = font_files.pick_face_for_char(self.set, ch, preferred)
            if face is None:
                self.uncovered.add(ch)
                return None
            return str(face.reportlab_name)

        return pick


def _styles(fonts: _Fonts, english: bool) -> dict[str, ParagraphStyle]:
    ink, grey = Color(*INK), Color(*GREY)
    body_font = fonts.latin if english else fonts.body
    head_font = fonts.latin_heading if english else fonts.heading
    base = ParagraphStyle(
        "base", fontName=body_font, fontSize=11, leading=19, textColor=Color(0.1, 0.1, 0.12)
    )
    return {
        "title": ParagraphStyle("title", base, fontName=head_font, fontSize=20, leading=28, textColor=ink, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", base, fontName=fonts.latin_heading, fontSize=13, leading=18, textColor=ink, spaceAfter=4),
        "info": ParagraphStyle("info", base, fontName=head_font, fontSize=9.5, leading=14, textColor=grey),
        "info_en": ParagraphStyle("info_en", base, fontName=fonts.latin, fontSize=9.5, leading=14, textColor=grey),
        "h1": ParagraphStyle("h1", base, fontName=head_font, fontSize=13.5, leading=20, textColor=ink, spaceBefore=12, spaceAfter=6, keepWithNext=1),
        "h1_en": ParagraphStyle("h1_en", base, fontName=fonts.latin_heading, fontSize=12.5, leading=18, textColor=ink, spaceBefore=2, spaceAfter=6, keepWithNext=1),
        "body": ParagraphStyle(
            "body", base, alignment=TA_LEFT if english else TA_JUSTIFY,
            firstLineIndent=0 if english else 22, spaceAfter=7 if english else 6,
            leading=15.5 if english else 19,
            hyphenationLang="en_GB" if english else "", embeddedHyphenation=1, uriWasteReduce=0.3,
        ),
        "body_en": ParagraphStyle(
            "body_en", base, fontName=fonts.latin, fontSize=10.5, leading=15, alignment=TA_LEFT,
            textColor=Color(0.2, 0.27, 0.4), spaceAfter=9, hyphenationLang="en_GB", embeddedHyphenation=1,
        ),
        "note_h": ParagraphStyle("note_h", base, fontName=head_font, fontSize=11, leading=16, textColor=ink, spaceBefore=16, spaceAfter=4, keepWithNext=1),
        "note": ParagraphStyle("note", base, fontSize=8.5, leading=13, textColor=grey, spaceAfter=2),
        "header": ParagraphStyle("header", base, fontName=fonts.heading, fontSize=8, leading=10, textColor=grey),
    }  # fmt: skip


class _Template(SimpleDocTemplate):
    """Adds an outline entry for every flowable marked as a bookmark."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bookmarks = 0

    def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 - reportlab's name
        mark = getattr(flowable, "_exporter_bookmark", None)
        if mark is None:
            return
        title, level = mark
        # A counter, not id(): keys are written into the file and must not vary.
        self._bookmarks += 1
        key = f"h{self._bookmarks}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(title, key, level=level, closed=False)


def _numbered_canvas(header: str, page_label: str, fonts: _Fonts) -> type[Canvas]:
    """A canvas class that learns the page count first, then draws "page x of y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setFillColor(Color(*GREY))
            self.setStrokeColor(Color(0.8, 0.8, 0.82))
            self.setLineWidth(0.5)
            top = height - PAGE_MARGINS["top"] + 10
            self.line(PAGE_MARGINS["left"], top, width - PAGE_MARGINS["right"], top)
            self.setFont(fonts.heading, 8)
            self.drawString(PAGE_MARGINS["left"], top + 4, header)
            self.setFont(fonts.body, 8)
            text = page_label.format(page=self._pageNumber, pages=total)
            self.drawCentredString(width / 2, PAGE_MARGINS["bottom"] - 22, text)
            self.restoreState()

    return NumberedCanvas


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write(doc: Document, path: Path, *, layout: str = "mono") -> None:
    """Write ``doc`` to ``path`` (a temporary file the caller renames into place)."""
    install_reportlab_fixes()
    lang = doc.meta.lang
    english = script_of(lang) == "Latn"
    fonts = _Fonts(script_of(lang))
    styles = _styles(fonts, english)
    target = doc.translation if layout != "mono" else None
    if layout != "mono" and target is None:
        raise ValueError(f"layout {layout!r} needs a translated document")
    choosers: dict[str, Callable[[str], str | None]] = {}

    def para(text: str, style_name: str) -> Any:
        style = styles[style_name]
        chooser = choosers.get(style.fontName)
        if chooser is None:
            chooser = choosers[style.fontName] = fonts.chooser(style.fontName)
        return cjk_paragraph(text, style, chooser)

    def bookmarked(flowable: Any, title: str, level: int = 0) -> Any:
        flowable._exporter_bookmark = (title, level)
        return flowable

    def block_flowable(block: Block, *, en: bool) -> Any:
        if isinstance(block, Heading):
            return para(block.text, "h1_en" if en else "h1")
        return para(block.text, "body_en" if en else "body")

    story: list[Any] = []
    title = doc.meta.title
    outline_title = f"{title} / {target.meta.title}" if target is not None else title
    story.append(bookmarked(para(title, "title"), outline_title))
    if target is not None:
        story.append(para(target.meta.title, "subtitle"))
    for line in content.info_lines(doc):
        story.append(para(line, "info"))
    if target is not None:
        for line in content.info_lines(target):
            story.append(para(line, "info_en"))
    story.append(Spacer(1, 4))
    story.append(
        HRFlowable(width="100%", thickness=0.6, color=styles["title"].textColor, spaceAfter=10)
    )

    if layout == "side-by-side" and target is not None:
        rows = []
        for left, right in zip(doc.blocks, target.blocks, strict=True):
            cells = [block_flowable(left, en=False), block_flowable(right, en=True)]
            if isinstance(left, Heading):
                bookmarked(cells[0], f"{left.text} / {right.text}", 1)
            rows.append(cells)
        if rows:
            width = A4[0] - PAGE_MARGINS["left"] - PAGE_MARGINS["right"]
            table = Table(
                rows, colWidths=[width * 0.5, width * 0.5], splitByRow=1, splitInRow=1, repeatRows=0
            )
            commands = [
                # The cells hold Paragraphs, but Table still sets its cell font (Helvetica by
                # default) on the canvas, which would put an unembedded base-14 font in the PDF.
                ("FONTNAME", (0, 0), (-1, -1), fonts.body),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 9),
                ("LEFTPADDING", (1, 0), (1, -1), 9),
                ("LINEAFTER", (0, 0), (0, -1), 0.4, Color(0.82, 0.83, 0.86)),
            ]
            table.setStyle(TableStyle(commands))
            story.append(table)
    else:
        for index, block in enumerate(doc.blocks):
            flowable = block_flowable(block, en=english)
            if isinstance(block, Heading):
                mark = block.text
                if target is not None:
                    mark = f"{block.text} / {target.blocks[index].text}"
                bookmarked(flowable, mark, 1)
            story.append(flowable)
            if target is not None:
                story.append(block_flowable(target.blocks[index], en=True))

    notes = content.notes_section(doc)
    if notes:
        story.append(bookmarked(para(notes.heading, "note_h"), notes.heading, 1))
        story.append(para(notes.intro, "note"))
        story.extend(para(item, "note") for item in notes.items)

    words = labels(lang)
    template = _Template(
        str(path),
        pagesize=A4,
        leftMargin=PAGE_MARGINS["left"],
        rightMargin=PAGE_MARGINS["right"],
        topMargin=PAGE_MARGINS["top"],
        bottomMargin=PAGE_MARGINS["bottom"],
        title=outline_title,
        subject=words["subject"] + (f" — {doc.meta.source}" if doc.meta.source else ""),
        author=doc.meta.source or "",
        creator="exporter",
        producer="exporter (ReportLab)",
        keywords=[doc.name, lang],
        lang=lang,
        invariant=1,
        initialFontName=fonts.body,
        initialFontSize=11,
    )
    canvas_cls = _numbered_canvas(_clip(title, 60), words["page"], fonts)
    template.build(story, canvasmaker=canvas_cls)
    if fonts.uncovered:
        sample = "".join(sorted(fonts.uncovered)[:12])
        log.warning(
            "%s: %d character(s) no embedded font can draw (%s); they appear as blanks in the PDF",
            doc.name, len(fonts.uncovered), " ".join(f"U+{ord(c):04X}" for c in sample),
        )  # fmt: skip
