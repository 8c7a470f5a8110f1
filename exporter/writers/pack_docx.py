"""DOCX of a briefing pack: cover, a TOC field over the article titles, one section per article.

Uses the single-briefing writer's template, styles and builder (writers/docx.py).
Article titles are "Heading 1", their sub-headings "Heading 2", so the TOC field
(``TOC \\o "1-1"``) lists the articles; Word and LibreOffice fill in its page
numbers when fields are updated (the file asks Word to do so on opening).
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..labels import script_of
from ..model import Document, Heading, Pack
from ..style import Style, default_style
from . import content, pack_content
from .docx import (
    STYLE_INFO,
    STYLE_NOTE,
    _Builder,
    _page_footer,
    _qn,
    _template,
    _zh_lang,
    body,
    masthead,
    save,
)
from .families import families_for

TOC_INSTRUCTION = ' TOC \\o "1-1" \\h \\z \\u '


def _sub_headings(doc: Document) -> Document:
    """Headings inside an article sit under its title: level 2 (and in its translation)."""
    blocks = tuple(
        replace(block, level=max(block.level, 2)) if isinstance(block, Heading) else block
        for block in doc.blocks
    )
    translation = _sub_headings(doc.translation) if doc.translation is not None else None
    return replace(doc, blocks=blocks, translation=translation)


def _field_run(*, char: str | None = None, instr: str | None = None) -> Any:
    from docx.oxml import OxmlElement

    run = OxmlElement("w:r")
    if char is not None:
        fld = OxmlElement("w:fldChar")
        fld.set(_qn("w:fldCharType"), char)
        if char == "begin":
            fld.set(_qn("w:dirty"), "true")
        run.append(fld)
    if instr is not None:
        text = OxmlElement("w:instrText")
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        text.text = instr
        run.append(text)
    return run


def _bookmark_name(index: int) -> str:
    # Word's own TOC bookmarks start with _Toc; the number keeps the file reproducible.
    return f"_Toc{index:08d}"


def _bookmark(paragraph: Any, index: int) -> None:
    """Wrap a heading's text in a bookmark its contents entry refers to."""
    from docx.oxml import OxmlElement

    start = OxmlElement("w:bookmarkStart")
    start.set(_qn("w:id"), str(index))
    start.set(_qn("w:name"), _bookmark_name(index))
    end = OxmlElement("w:bookmarkEnd")
    end.set(_qn("w:id"), str(index))
    runs = paragraph._p.findall(_qn("w:r"))
    if runs:
        runs[0].addprevious(start)
        runs[-1].addnext(end)


def _toc_field(build: _Builder, titles: list[str], width_twips: int) -> None:
    """A TOC field whose stored result is shaped like Word's own: each title, a dot leader
    and a PAGEREF to the heading's bookmark. Word updates it on opening (updateFields);
    LibreOffice shows the stored result until Tools > Update > Update All."""
    from docx.oxml import OxmlElement

    paragraphs = []
    for index, title in enumerate(titles or [""]):
        paragraph = build.para(title, STYLE_INFO)
        tabs = OxmlElement("w:tabs")
        tab = OxmlElement("w:tab")
        tab.set(_qn("w:val"), "right")
        tab.set(_qn("w:leader"), "dot")
        tab.set(_qn("w:pos"), str(width_twips))
        tabs.append(tab)
        paragraph._p.get_or_add_pPr().append(tabs)
        if titles:
            tab_run = OxmlElement("w:r")
            tab_run.append(OxmlElement("w:tab"))
            paragraph._p.append(tab_run)
            instr = f" PAGEREF {_bookmark_name(index)} \\h "
            paragraph._p.append(_field_run(char="begin"))
            paragraph._p.append(_field_run(instr=instr))
            # No stored number: a wrong "1" would mislead until the fields are updated.
            paragraph._p.append(_field_run(char="separate"))
            paragraph._p.append(_field_run(char="end"))
        paragraphs.append(paragraph)
    first = paragraphs[0]._p
    anchor = first.find(_qn("w:r"))
    for run in (
        _field_run(char="begin"),
        _field_run(instr=TOC_INSTRUCTION),
        _field_run(char="separate"),
    ):
        if anchor is not None:
            anchor.addprevious(run)
        else:
            first.append(run)
    paragraphs[-1]._p.append(_field_run(char="end"))


def _update_fields_on_open(document: Any) -> None:
    from docx.oxml import OxmlElement

    settings = document.settings.element
    update = settings.find(_qn("w:updateFields"))
    if update is None:
        update = OxmlElement("w:updateFields")
        settings.append(update)
    update.set(_qn("w:val"), "true")


def write(pack: Pack, path: Path, *, layout: str = "mono", style: Style | None = None) -> None:
    """Write ``pack`` to ``path`` (a temporary file the caller renames into place)."""
    import docx
    from docx.enum.text import WD_BREAK

    house = style or default_style()
    lang = pack.lang
    fam = families_for(script_of(lang), house.fonts)
    document = docx.Document(io.BytesIO(_template(fam, lang, house)))
    build = _Builder(document, fam, _zh_lang(lang), house, english_doc=lang.startswith("en"))
    _page_footer(document.sections[0], lang, house.header_text(pack.title), house)
    words = pack_content.pack_words(lang)

    masthead(document, build, house)
    build.para(pack.title, "Title")
    if pack.subtitle:
        build.para(pack.subtitle, "Subtitle", english=True)
    for line in pack_content.cover_lines(pack):
        build.para(line, STYLE_INFO)
    build.para(words["contents"], STYLE_INFO).runs[0].bold = True
    # pt -> twips.
    width = int(house.page.text_width * 20)
    _toc_field(build, [article.meta.title for article in pack.articles], width)
    build.para("", STYLE_INFO).add_run().add_break(WD_BREAK.PAGE)

    for index, article in enumerate(pack.articles):
        doc = _sub_headings(article)
        target = doc.translation if layout != "mono" else None
        if layout != "mono" and target is None:
            raise ValueError(f"layout {layout!r} needs translated articles")
        _bookmark(build.para(doc.meta.title, "Heading 1"), index)
        if target is not None:
            build.para(target.meta.title, "Subtitle", english=True)
        for line in content.info_lines(doc):
            build.para(line, STYLE_INFO)
        if target is not None:
            for line in content.info_lines(target):
                build.para(line, STYLE_INFO, english=True)
        body(build, doc, target, layout, content.paragraph_marks(doc))

    build.para(words["sources_heading"], "Heading 1")
    for entry in pack_content.source_entries(pack):
        build.para(entry.heading, STYLE_INFO).runs[0].bold = True
        for line in entry.lines:
            build.para(line, STYLE_NOTE)
    _update_fields_on_open(document)

    save(document, path, title=pack.title, lang=lang, name=pack.name,
         comments=f"Briefing pack of {len(pack.articles)} items, built by exporter")  # fmt: skip
