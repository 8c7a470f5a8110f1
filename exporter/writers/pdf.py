"""PDF writer (reportlab): a briefing in the house style, with embedded fonts, outline and footer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from .deferred_patterns import deferred_patterns

with deferred_patterns():  # reportlab's import-time regexes: see that module
    from reportlab.lib.colors import Color
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Image, PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import HRFlowable

from .. import fonts as font_files
from ..labels import labels, script_of
from ..model import Block, Document, Heading
from ..style import MM, Style, TextStyle, default_style, hex_rgb
from . import content
from .families import faces_for
from .pdf_text import cjk_paragraph, install_reportlab_fixes

log = logging.getLogger("exporter.pdf")


class _Fonts:
    """Reportlab font names for one document, plus the per-character fallback rule."""

    def __init__(self, script: str, style: Style) -> None:
        self.set = font_files.font_set("Hant" if script == "Hant" else "Hans")
        # Faces are registered when a style or a fallback character first uses them (role,
        # chooser): a cold start loads only the faces the document draws with.
        self._faces = faces_for(self.set, style.fonts)
        self.faces = {key: face.reportlab_name for key, face in self._faces.items()}
        self.body = self.role("body", False)
        # Characters no embedded face can draw: reported once per document.
        self.uncovered: set[str] = set()

    def role_for(self, role: str, english: bool, text: str) -> str:
        """The role's font for a line drawn without per-character fallback (header, footer):
        the Latin face only if it has every character, else the Chinese face."""
        name = self.role(role, english)
        faces = {face.reportlab_name: face for face in self.set.faces}
        if all(ch.isspace() or font_files.covers(faces[name], ch) for ch in text):
            return name
        return self.role(role, False)

    def role(self, role: str, english: bool) -> str:
        """The font for a text style's role ("body" | "heading" | "caption"), Latin for English."""
        return font_files.register_face(self.set, self._faces[role, english])

    def chooser(self, preferred_name: str) -> Callable[[str], str | None]:
        """char -> font name to draw it with; None keeps the paragraph's own font."""
        faces = {face.reportlab_name: face for face in self.set.faces}
        preferred = faces[preferred_name]
        font_files.register_face(self.set, preferred)

        @cache
        def pick(ch: str) -> str | None:
            if ch.isspace() or font_files.covers(preferred, ch):
                return None
            face = font_files.pick_face_for_char(self.set, ch, preferred)
            if face is None:
                self.uncovered.add(ch)
                return None
            return font_files.register_face(self.set, face)

        return pick


_ALIGN = {"left": TA_LEFT, "justify": TA_JUSTIFY, "center": TA_CENTER}


def _paragraph_style(name: str, text: TextStyle, font: str, **extra: Any) -> ParagraphStyle:
    """A reportlab style with every number taken from the house style."""
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=text.size,
        leading=text.leading,
        textColor=Color(*text.rgb),
        spaceBefore=text.space_before,
        spaceAfter=text.space_after,
        firstLineIndent=text.indent * text.size,
        alignment=_ALIGN[text.align],
        **extra,
    )


def _styles(fonts: _Fonts, english: bool, style: Style) -> dict[str, ParagraphStyle]:
    t = style.text
    english_text = {"hyphenationLang": "en_GB", "embeddedHyphenation": 1, "uriWasteReduce": 0.3}
    keep = {"keepWithNext": 1}

    def make(name: str, key: str, en: bool, **extra: Any) -> ParagraphStyle:
        return _paragraph_style(name, t[key], fonts.role(t[key].font, en), **extra)

    return {
        "marking": make("marking", "marking", english),
        "title": make("title", "title", english),
        "subtitle": make("subtitle", "subtitle", True),
        "info": make("info", "info", english),
        "info_en": make("info_en", "info", True),
        "h1": make("h1", "heading_en" if english else "heading", english, **keep),
        "h1_en": make("h1_en", "heading_en", True, **keep),
        "body": make("body", "body_en", True, **english_text) if english else make("body", "body", False),
        "body_en": make("body_en", "translation", True, **english_text),
        "note_h": make("note_h", "notes_heading", english, **keep),
        "note": make("note", "notes", english),
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


def _numbered_canvas(
    header: str, page_label: str | None, fonts: _Fonts, style: Style, english: bool
) -> type[Canvas]:
    """A canvas class that learns the page count first, then draws "page x of y"."""
    top_margin, bottom_margin, left, right = style.page.margins_pt()
    head, foot = style.text["header"], style.text["footer"]
    head_font = fonts.role_for(head.font, english, header)
    foot_font = fonts.role_for(foot.font, english, page_label or "")

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict[str, Any]] = []
            # page number -> bookmarks on it. Pages reach the PDF only in save(), so a
            # bookmark made while laying out would point at page 1: it is made there.
            self._marks: dict[int, list[tuple[str, dict[str, Any]]]] = {}

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def bookmarkPage(self, key: str, **kwargs: Any) -> None:  # noqa: N802
            self._marks.setdefault(self._pageNumber, []).append((key, kwargs))

        def save(self) -> None:
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._decorate(total)
                for key, kwargs in self._marks.get(self._pageNumber, ()):
                    super().bookmarkPage(key, **kwargs)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            top = height - top_margin + 10
            if style.header.rule:
                self.setStrokeColor(Color(*hex_rgb(style.header.rule_color)))
                self.setLineWidth(0.5)
                self.line(left, top, width - right, top)
            if header:
                self.setFillColor(Color(*head.rgb))
                self.setFont(head_font, head.size)
                self.drawString(left, top + 4, header)
            if page_label:
                self.setFillColor(Color(*foot.rgb))
                self.setFont(foot_font, foot.size)
                text = page_label.format(page=self._pageNumber, pages=total)
                self.drawCentredString(width / 2, bottom_margin - 22, text)
            self.restoreState()

    return NumberedCanvas


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _logo(style: Style) -> Any:
    """The style's logo image, ``style.logo.width`` mm wide, left-aligned."""
    from reportlab.lib.utils import ImageReader

    assert style.logo.path is not None
    pixels_w, pixels_h = ImageReader(str(style.logo.path)).getSize()
    width = style.logo.width * MM
    image = Image(str(style.logo.path), width=width, height=width * pixels_h / pixels_w)
    image.hAlign = "LEFT"
    return image


class Flowables:
    """Paragraphs in the house styles, each character drawn by a face that has it."""

    def __init__(self, fonts: _Fonts, styles: dict[str, ParagraphStyle]) -> None:
        self.fonts, self.styles = fonts, styles
        self._choosers: dict[str, Callable[[str], str | None]] = {}

    def chooser(self, font_name: str) -> Callable[[str], str | None]:
        if font_name not in self._choosers:
            self._choosers[font_name] = self.fonts.chooser(font_name)
        return self._choosers[font_name]

    def para(self, text: str, style_name: str) -> Any:
        style = self.styles[style_name]
        return cjk_paragraph(text, style, self.chooser(style.fontName))

    def block(self, block: Block, *, en: bool, mark: str | None = None) -> Any:
        """A heading or paragraph; a damaged paragraph carries its ※n in the margin."""
        if isinstance(block, Heading):
            flowable = self.para(block.text, "h1_en" if en else "h1")
        else:
            flowable = self.para(block.text, "body_en" if en else "body")
        if mark:
            flowable.margin_mark = (mark, self.fonts.body, 7.5, self.styles["note"].textColor)
        return flowable


def bookmarked(flowable: Any, title: str, level: int = 0) -> Any:
    """Mark ``flowable`` for the PDF outline (made when its page is drawn)."""
    flowable._exporter_bookmark = (title, level)
    return flowable


def article_body(
    make: Flowables, doc: Document, target: Document | None, layout: str, width: float
) -> list[Any]:
    """An article's blocks: alone, interleaved with the translation's, or side by side."""
    marks = content.paragraph_marks(doc)
    english = script_of(doc.meta.lang) == "Latn"
    story: list[Any] = []
    if layout == "side-by-side" and target is not None:
        commands = TableStyle(
            [
                # The cells hold Paragraphs, but Table still sets its cell font (Helvetica by
                # default) on the canvas, which would put an unembedded base-14 font in the PDF.
                ("FONTNAME", (0, 0), (-1, -1), make.fonts.body),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 9),
                ("LEFTPADDING", (1, 0), (1, -1), 9),
                ("LINEAFTER", (0, 0), (0, -1), 0.4, Color(0.82, 0.83, 0.86)),
            ]
        )
        # One table per row, so that a heading row keeps with the row after it (reportlab's
        # keep-with-next works between flowables, not between the rows of one table).
        for index, (left, right) in enumerate(zip(doc.blocks, target.blocks, strict=True)):
            cells = [make.block(left, en=False, mark=marks.get(index)), make.block(right, en=True)]
            row = Table([cells], colWidths=[width * 0.5, width * 0.5], splitInRow=1)
            row.setStyle(commands)
            row.keepWithNext = int(isinstance(left, Heading))
            if isinstance(left, Heading):
                bookmarked(row, f"{left.text} / {right.text}", 1)
            story.append(row)
        return story
    for index, block in enumerate(doc.blocks):
        flowable = make.block(block, en=english, mark=marks.get(index))
        if isinstance(block, Heading):
            mark = block.text
            if target is not None:
                mark = f"{block.text} / {target.blocks[index].text}"
            bookmarked(flowable, mark, 1)
        story.append(flowable)
        if target is not None:
            story.append(make.block(target.blocks[index], en=True))
    return story


def document_settings(style: Style, fonts: _Fonts, lang: str) -> dict[str, Any]:
    """What every PDF of the house style shares: page, margins, producer, reproducibility."""
    top, bottom, left, right = style.page.margins_pt()
    return {
        "pagesize": (style.page.width, style.page.height),
        "topMargin": top,
        "bottomMargin": bottom,
        "leftMargin": left,
        "rightMargin": right,
        "creator": "exporter",
        "producer": "exporter (ReportLab)",
        "lang": lang,
        "invariant": 1,
        "initialFontName": fonts.body,
        "initialFontSize": style.text["body"].size,
    }


def prepare(scripts: Sequence[str], style: Style) -> None:
    """Register the faces ``style`` draws ``scripts`` with ("Hans", "Hant", "Latn"), as
    :func:`write` would first (a writer process does this before the document is ready)."""
    install_reportlab_fixes()
    for script in scripts:
        _styles(_Fonts(script, style), script == "Latn", style)


def write(doc: Document, path: Path, *, layout: str = "mono", style: Style | None = None) -> None:
    """Write ``doc`` to ``path`` (a temporary file the caller renames into place)."""
    install_reportlab_fixes()
    style = style or default_style()
    lang = doc.meta.lang
    english = script_of(lang) == "Latn"
    fonts = _Fonts(script_of(lang), style)
    styles = _styles(fonts, english, style)
    target = doc.translation if layout != "mono" else None
    if layout != "mono" and target is None:
        raise ValueError(f"layout {layout!r} needs a translated document")
    make = Flowables(fonts, styles)
    para = make.para

    story: list[Any] = []
    if style.logo.path is not None:
        story.extend([_logo(style), Spacer(1, 6)])
    if style.marking.text:
        story.append(para(style.marking.text, "marking"))
    title = doc.meta.title
    outline_title = f"{title} / {target.meta.title}" if target is not None else title
    title_flowable = para(title, "title")
    title_flowable.balanced = True
    story.append(bookmarked(title_flowable, outline_title))
    if target is not None:
        subtitle = para(target.meta.title, "subtitle")
        subtitle.balanced = True
        story.append(subtitle)
    for line in content.info_lines(doc):
        story.append(para(line, "info"))
    if target is not None:
        for line in content.info_lines(target):
            story.append(para(line, "info_en"))
    notes = content.notes_section(doc)
    if notes:
        for n, line in enumerate(notes.notice):
            story.append(para(line, "info_en" if n or english else "info"))
    rule = style.rule
    if rule.show:
        story.append(Spacer(1, rule.space_before))
        story.append(
            HRFlowable(
                width="100%", thickness=rule.width, color=Color(*hex_rgb(rule.color)),
                spaceAfter=rule.space_after,
            )
        )  # fmt: skip
    else:
        story.append(Spacer(1, rule.space_before + rule.space_after))
    if style.page.cover:
        story.append(PageBreak())

    story.extend(article_body(make, doc, target, layout, style.page.text_width))

    if notes:
        story.append(bookmarked(para(notes.heading, "note_h"), notes.heading, 1))
        story.extend(para(intro, "note") for intro in notes.intros)
        story.extend(para(item, "note") for item in notes.items)

    words = labels(lang)
    template = _Template(
        str(path),
        title=outline_title,
        subject=words["subject"] + (f" — {doc.meta.source}" if doc.meta.source else ""),
        author=doc.meta.source or "",
        keywords=[doc.name, lang],
        **document_settings(style, fonts, lang),
    )
    header = _clip(style.header_text(title), 60)
    page_label = words["page"] if style.footer.page_numbers else None
    canvas_cls = _numbered_canvas(header, page_label, fonts, style, english)
    template.build(story, canvasmaker=canvas_cls)
    if fonts.uncovered:
        sample = "".join(sorted(fonts.uncovered)[:12])
        log.warning(
            "%s: %d character(s) no embedded font can draw (%s); they appear as blanks in the PDF",
            doc.name, len(fonts.uncovered), " ".join(f"U+{ord(c):04X}" for c in sample),
        )  # fmt: skip
