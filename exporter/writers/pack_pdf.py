"""PDF of a briefing pack: cover, printed contents with page numbers, one section per article.

Uses the single-briefing writer's fonts, styles, outline and page furniture
(writers/pdf.py); the contents are reportlab's TableOfContents, laid out by
multiBuild until the page numbers settle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .deferred_patterns import deferred_patterns

with deferred_patterns():  # reportlab's import-time regexes: see that module
    from reportlab.lib.colors import Color
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import CondPageBreak, PageBreak, Spacer
    from reportlab.platypus.flowables import HRFlowable
    from reportlab.platypus.tableofcontents import TableOfContents

from ..labels import labels, script_of
from ..model import Document, Pack
from ..style import Style, default_style, hex_rgb
from . import content, pack_content
from .pdf import (
    Flowables,
    _clip,
    _Fonts,
    _logo,
    _numbered_canvas,
    _styles,
    _Template,
    article_body,
    bookmarked,
    document_settings,
    log,
)
from .pdf_text import install_reportlab_fixes, paragraph_markup


class _PackTemplate(_Template):
    """Outline entries as in a single briefing, plus contents entries for article titles."""

    def beforeDocument(self) -> None:  # noqa: N802 - reportlab's name
        # multiBuild lays the story out several times: the same keys every pass.
        self._bookmarks = 0

    def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 - reportlab's name
        super().afterFlowable(flowable)
        entry = getattr(flowable, "_exporter_toc", None)
        if entry is not None:
            level, markup = entry
            key = f"h{self._bookmarks}"
            self.notify("TOCEntry", (level, markup, self.canv.getPageNumber(), key))


def write(pack: Pack, path: Path, *, layout: str = "mono", style: Style | None = None) -> None:
    """Write ``pack`` to ``path`` (a temporary file the caller renames into place)."""
    install_reportlab_fixes()
    style = style or default_style()
    lang = pack.lang
    english = script_of(lang) == "Latn"
    fonts = _Fonts(script_of(lang), style)
    styles = _styles(fonts, english, style)
    # An article's title: the house title style, a step smaller (the pack's title is above).
    title_style, subtitle_style = styles["title"], styles["subtitle"]
    styles["article"] = ParagraphStyle(
        "article", title_style, fontSize=title_style.fontSize * 0.8,
        leading=title_style.leading * 0.8, spaceBefore=14, keepWithNext=1,
    )  # fmt: skip
    styles["article_en"] = ParagraphStyle(
        "article_en", subtitle_style, fontSize=subtitle_style.fontSize * 0.9,
        leading=subtitle_style.leading * 0.9, keepWithNext=1,
    )  # fmt: skip
    toc_style = ParagraphStyle(
        "toc0", styles["body"], firstLineIndent=0, leftIndent=0, alignment=0,
        fontName=styles["info"].fontName, fontSize=10.5, leading=16, spaceAfter=2,
        wordWrap="CJK",
    )  # fmt: skip
    make = Flowables(fonts, styles)
    para = make.para

    def marked(flowable: Any, title: str, level: int, toc: bool = False) -> Any:
        bookmarked(flowable, title, level)
        if toc:
            # Contents entries are reportlab markup: the same per-character font fallback.
            flowable._exporter_toc = (0, paragraph_markup(title, make.chooser(toc_style.fontName)))
        return flowable

    def article(doc: Document) -> list[Any]:
        target = doc.translation if layout != "mono" else None
        if layout != "mono" and target is None:
            raise ValueError(f"layout {layout!r} needs translated articles")
        title = doc.meta.title if target is None else f"{doc.meta.title} / {target.meta.title}"
        # A section starts on a new page unless its title, date lines and a few lines of
        # text fit where the last one ended: no title stranded at the foot of a page.
        room = (
            styles["article"].leading * 2 + styles["info"].leading * 3 + styles["body"].leading * 4
        )
        part: list[Any] = [
            CondPageBreak(room),
            marked(para(doc.meta.title, "article"), title, 0, toc=True),
        ]
        if target is not None:
            part.append(para(target.meta.title, "article_en"))
        part.extend(para(line, "info") for line in content.info_lines(doc))
        if target is not None:
            part.extend(para(line, "info_en") for line in content.info_lines(target))
        part.append(Spacer(1, 6))
        part.extend(article_body(make, doc, target, layout, style.page.text_width))
        part.append(HRFlowable(width="30%", thickness=0.4, color=Color(0.8, 0.8, 0.82)))
        return part

    words = pack_content.pack_words(lang)
    story: list[Any] = []
    if style.logo.path is not None:
        story.extend([_logo(style), Spacer(1, 6)])
    if style.marking.text:
        story.append(para(style.marking.text, "marking"))
    story.append(marked(para(pack.title, "title"), pack.title, 0))
    if pack.subtitle:
        story.append(para(pack.subtitle, "subtitle"))
    story.extend(para(line, "info") for line in pack_content.cover_lines(pack))
    rule = style.rule
    story.append(Spacer(1, rule.space_before))
    if rule.show:
        story.append(
            HRFlowable(
                width="100%", thickness=rule.width, color=Color(*hex_rgb(rule.color)),
                spaceAfter=rule.space_after,
            )
        )  # fmt: skip
    story.append(marked(para(words["contents"], "h1"), words["contents"], 0))
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [toc_style]
    story.append(toc)
    story.append(PageBreak())
    for doc in pack.articles:
        story.extend(article(doc))

    heading = words["sources_heading"]
    story.append(marked(para(heading, "note_h"), heading, 0))
    for entry in pack_content.source_entries(pack):
        story.append(para(entry.heading, "info"))
        story.extend(para(line, "note") for line in entry.lines)

    single = labels(lang)
    template = _PackTemplate(
        str(path),
        title=pack.title,
        subject=single["subject"],
        author="",
        keywords=[pack.name, lang],
        **document_settings(style, fonts, lang),
    )
    page_label = single["page"] if style.footer.page_numbers else None
    header = _clip(style.header_text(pack.title), 60)
    canvas_cls = _numbered_canvas(header, page_label, fonts, style, english)
    template.multiBuild(story, maxPasses=10, canvasmaker=canvas_cls)
    if fonts.uncovered:
        log.warning(
            "%s: %d character(s) no embedded font can draw; they appear as blanks in the PDF",
            pack.name, len(fonts.uncovered),
        )  # fmt: skip
