"""DOCX writer (python-docx): named styles, East Asian fonts and language on every style."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..labels import labels, script_of
from ..model import Block, Document, Heading
from ..reproducible import build_time
from ..style import Style, TextStyle, default_style
from . import content
from .families import Families, families_for

# Style names users see in Word/LibreOffice and may restyle.
STYLE_BODY = "Body Text"
STYLE_INFO = "Briefing Info"
STYLE_NOTE = "Source Note"
STYLE_TRANSLATION = "Translation"
STYLE_TRANSLATION_HEADING = "Translation Heading"
STYLE_NOTES_HEADING = "Notes Heading"
STYLE_MARKING = "Marking"
LAYOUTS = ("mono", "interleaved", "side-by-side")


# Word (and python-docx) cap each core document property at 255 characters.
CORE_PROPERTY_MAX = 255


def core_property(text: str) -> str:
    """``text`` as a core property: whole when it fits, else clipped with an ellipsis."""
    if len(text) <= CORE_PROPERTY_MAX:
        return text
    return text[: CORE_PROPERTY_MAX - 1].rstrip() + "…"


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _set_fonts(
    rpr: Any, latin: str, east_asian: str, lang: str, east_asian_lang: str | None = None
) -> None:
    """Explicit fonts and language on a run-properties element.

    The default template's theme attributes (asciiTheme, eastAsiaTheme, …) win over
    explicit names in Word, so they are removed, not merely overridden.
    """
    from docx.oxml import OxmlElement

    rfonts = rpr.find(_qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(_qn(attr), None)
    rfonts.set(_qn("w:ascii"), latin)
    rfonts.set(_qn("w:hAnsi"), latin)
    rfonts.set(_qn("w:eastAsia"), east_asian)
    rfonts.set(_qn("w:cs"), latin)
    lang_el = rpr.find(_qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    zh_lang = east_asian_lang or _zh_lang(lang)
    lang_el.set(_qn("w:val"), "en-US" if lang.startswith("en") else zh_lang)
    lang_el.set(_qn("w:eastAsia"), zh_lang)
    lang_el.set(_qn("w:bidi"), "ar-SA")


def _zh_lang(lang: str) -> str:
    """The East Asian language tag: the document's own, or zh-CN for an English translation."""
    return lang if lang.startswith("zh") else "zh-CN"


def _explicit_latin(rpr: Any) -> str | None:
    """A deliberate Latin face in the template (Courier for code styles), if any."""
    rfonts = rpr.find(_qn("w:rFonts"))
    if rfonts is None or rfonts.get(_qn("w:asciiTheme")):
        return None
    return rfonts.get(_qn("w:ascii"))


def _style(doc: Any, name: str, base: str | None = None) -> Any:
    from docx.enum.style import WD_STYLE_TYPE

    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if base:
            style.base_style = doc.styles[base]
        style.quick_style = True
        return style


# Child order of w:pPr (CT_PPrBase): Word rejects a file whose children are out of order.
_PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
    "sectPr", "pPrChange",
)  # fmt: skip
# East Asian line breaking, the same as the PDF's: CLREQ's forbidden line starts and ends
# (w:kinsoku with the lists in settings.xml), Latin words kept whole (w:wordWrap), punctuation
# never hung into the margin (the PDF does not hang it: w:overflowPunct off), and no extra gap
# between CJK and Latin letters or digits (w:autoSpaceDE/DN off: the PDF adds none, sources that
# want a space write one, and equal line widths keep the two formats' pages alike).
_EAST_ASIAN = (("kinsoku", "1"), ("wordWrap", "1"), ("overflowPunct", "0"), ("topLinePunct", "0"),
               ("autoSpaceDE", "0"), ("autoSpaceDN", "0"), ("snapToGrid", "0"))  # fmt: skip


def _ppr_child(ppr: Any, tag: str) -> Any:
    """The ``w:<tag>`` child of a w:pPr, created in schema order if missing."""
    from docx.oxml import OxmlElement

    found = ppr.find(_qn(f"w:{tag}"))
    if found is not None:
        return found
    element = OxmlElement(f"w:{tag}")
    rank = _PPR_ORDER.index(tag)
    for index, child in enumerate(ppr):
        name = child.tag.rsplit("}", 1)[-1]
        if name in _PPR_ORDER and _PPR_ORDER.index(name) > rank:
            ppr.insert(index, element)
            return element
    ppr.append(element)
    return element


def _remove(element: Any, *tags: str) -> None:
    """Remove every child ``w:…`` element named in ``tags`` (any lxml element, unlike
    python-docx's own remove_all)."""
    for tag in tags:
        for child in element.findall(_qn(tag)):
            element.remove(child)


def _hex(color: str) -> str:
    return color.lstrip("#").upper()


def _apply_text(style: Any, text: TextStyle, *, bold: bool) -> None:
    """Size, colour, bold, spacing, line spacing, indent and alignment from the house style.

    Line spacing is exact, in points equal to the PDF's leading, so both formats set the same
    number of lines per page. "At least" only where the leading is under the faces' own line
    height (about 1.45 em for Noto CJK), which exact spacing would clip.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    style.font.size = Pt(text.size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor.from_string(_hex(text.color))
    rpr = style.element.get_or_add_rPr()
    color = rpr.find(_qn("w:color"))
    for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
        color.attrib.pop(_qn(attr), None)
    # The template's letter spacing (Title, Subtitle) breaks up words; its kerning threshold too.
    _remove(rpr, "w:spacing", "w:kern")
    ppr = style.element.get_or_add_pPr()
    _remove(ppr, "w:pBdr", "w:numPr", "w:contextualSpacing")
    spacing = _ppr_child(ppr, "spacing")
    spacing.set(_qn("w:before"), str(round(text.space_before * 20)))
    spacing.set(_qn("w:after"), str(round(text.space_after * 20)))
    spacing.set(_qn("w:line"), str(round(text.leading * 20)))
    exact = text.leading >= 1.45 * text.size
    spacing.set(_qn("w:lineRule"), "exact" if exact else "atLeast")
    for attr in ("w:beforeAutospacing", "w:afterAutospacing", "w:beforeLines", "w:afterLines"):
        spacing.attrib.pop(_qn(attr), None)
    ind = _ppr_child(ppr, "ind")
    # Word reads firstLineChars; LibreOffice only firstLine (twips).
    ind.set(_qn("w:firstLineChars"), str(round(text.indent * 100)))
    ind.set(_qn("w:firstLine"), str(round(text.indent * text.size * 20)))
    style.paragraph_format.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
    }[text.align]


def _east_asian_defaults(doc: Any) -> None:
    """Line-breaking properties on the document defaults, so every style inherits them."""
    from docx.oxml import OxmlElement

    defaults = doc.styles.element.find(_qn("w:docDefaults"))
    ppr_default = defaults.find(_qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = OxmlElement("w:pPrDefault")
        defaults.append(ppr_default)
    ppr = ppr_default.find(_qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        ppr_default.append(ppr)
    _ppr_child(ppr, "widowControl")
    for tag, value in _EAST_ASIAN:
        _ppr_child(ppr, tag).set(_qn("w:val"), value)
    spacing = _ppr_child(ppr, "spacing")
    for attr, value in (("w:after", "0"), ("w:line", "240"), ("w:lineRule", "auto")):
        spacing.set(_qn(attr), value)


def _settings(doc: Any, zh_lang: str) -> None:
    """settings.xml: the CLREQ kinsoku lists, no punctuation compression, the document's
    East Asian language for theme fonts."""
    from docx.oxml import OxmlElement

    from .pdf_text import CLOSING, OPENING

    settings = doc.settings.element
    for tag in ("w:noLineBreaksAfter", "w:noLineBreaksBefore", "w:characterSpacingControl"):
        for old in settings.findall(_qn(tag)):
            settings.remove(old)
    # CT_Settings order: … defaultTabStop, …, characterSpacingControl, …, noLineBreaksAfter,
    # noLineBreaksBefore, savePreviewPicture, … compat: insert before the first later sibling.
    later = ("w:savePreviewPicture", "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr",
             "w:compat", "w:docVars", "w:rsids")  # fmt: skip
    anchor = next((el for tag in later for el in settings.findall(_qn(tag))), None)
    added = []
    control = OxmlElement("w:characterSpacingControl")
    control.set(_qn("w:val"), "doNotCompress")
    added.append(control)
    # One list each (the schema allows one), under the language Word's kinsoku settings know:
    # Simplified or Traditional Chinese.
    kinsoku_lang = "zh-CN" if zh_lang in ("zh-CN", "zh-SG", "zh-Hans") else "zh-TW"
    for tag, chars in (("w:noLineBreaksAfter", OPENING), ("w:noLineBreaksBefore", CLOSING)):
        element = OxmlElement(tag)
        element.set(_qn("w:lang"), kinsoku_lang)
        element.set(_qn("w:val"), "".join(sorted(chars)))
        added.append(element)
    for element in added:
        if anchor is not None:
            anchor.addprevious(element)
        else:
            settings.append(element)
    theme_lang = settings.find(_qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(_qn("w:eastAsia"), zh_lang)
    # Word 2010's preview picture would be a blank page: the thumbnail is not written.
    _remove(settings, "w:savePreviewPicture")


def _setup_styles(doc: Any, fam: Families, lang: str, house: Style) -> None:
    english = lang.startswith("en")
    zh_lang = _zh_lang(lang)
    t = house.text
    defaults = doc.styles.element.find(_qn("w:docDefaults"))
    # Chinese editions set Latin letters and digits in the Chinese face, as the PDF does.
    body_latin = fam.latin if english else fam.body
    head_latin = fam.latin_heading if english else fam.heading
    _set_fonts(defaults.find(_qn("w:rPrDefault")).find(_qn("w:rPr")), body_latin, fam.body, lang)
    _east_asian_defaults(doc)

    def configure(style: Any, key: str, *, en: bool = english, run_lang: str = lang) -> None:
        """Fonts of the text style's role (Latin faces for English text), bold only when the
        face itself is bold, then every number of the text style."""
        text = t[key]
        east_asian = fam.family(text.font)
        latin = fam.family(text.font, english=True) if en else east_asian
        _set_fonts(style.element.get_or_add_rPr(), latin, east_asian, run_lang, zh_lang)
        _apply_text(style, text, bold=fam.bold(text.font, english=en))

    # Every style, used or not, gets explicit fonts: a user who applies "Heading 3"
    # or "Quote" later must not fall back to the template's Latin theme fonts.
    for style_element in doc.styles.element.findall(_qn("w:style")):
        rpr = style_element.find(_qn("w:rPr"))
        if rpr is not None:
            rfonts = rpr.find(_qn("w:rFonts"))
            # Heading-like styles use the template's "major" theme font: give them Hei.
            major = rfonts is not None and "major" in (rfonts.get(_qn("w:eastAsiaTheme")) or "")
            keep_latin = _explicit_latin(rpr)
            _set_fonts(rpr, keep_latin or (head_latin if major else body_latin),
                       fam.heading if major else fam.body, lang)  # fmt: skip
            # A template heading is bold: keep it bold only if our heading face is.
            if major and not fam.bold("heading", english=english):
                _remove(rpr, "w:b", "w:bCs")
    # Table styles' conditional formats (first row, …) carry theme fonts too.
    for rfonts in doc.styles.element.iter(_qn("w:rFonts")):
        if rfonts.get(_qn("w:eastAsiaTheme")) or rfonts.get(_qn("w:asciiTheme")):
            major = "major" in (rfonts.get(_qn("w:eastAsiaTheme")) or "")
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                rfonts.attrib.pop(_qn(attr), None)
            rfonts.set(_qn("w:ascii"), head_latin if major else body_latin)
            rfonts.set(_qn("w:hAnsi"), head_latin if major else body_latin)
            rfonts.set(_qn("w:eastAsia"), fam.heading if major else fam.body)

    configure(doc.styles["Normal"], "body_en" if english else "body")
    normal_ppr = doc.styles["Normal"].element.get_or_add_pPr()
    _ppr_child(normal_ppr, "widowControl")
    configure(doc.styles["Title"], "title")
    doc.styles["Title"].paragraph_format.keep_with_next = True  # with the lines under it
    # The English title under the Chinese one in bilingual briefings.
    configure(doc.styles["Subtitle"], "subtitle", en=True, run_lang="en-US")
    heading = doc.styles["Heading 1"]
    configure(heading, "heading_en" if english else "heading")
    heading.paragraph_format.keep_with_next = True
    body = _style(doc, STYLE_BODY, "Normal")
    configure(body, "body_en" if english else "body")
    configure(_style(doc, STYLE_INFO, "Normal"), "info")
    configure(_style(doc, STYLE_MARKING, "Normal"), "marking")
    configure(_style(doc, STYLE_NOTE, "Normal"), "notes")
    notes_heading = _style(doc, STYLE_NOTES_HEADING, "Heading 1")
    configure(notes_heading, "notes_heading")
    notes_heading.paragraph_format.keep_with_next = True
    configure(_style(doc, STYLE_TRANSLATION, STYLE_BODY), "translation", en=True, run_lang="en-US")
    translation_heading = _style(doc, STYLE_TRANSLATION_HEADING, "Heading 1")
    configure(translation_heading, "heading_en", en=True, run_lang="en-US")
    translation_heading.paragraph_format.keep_with_next = True
    # Not in the navigation pane twice: the Chinese heading above it is the outline entry.
    _ppr_child(translation_heading.element.get_or_add_pPr(), "outlineLvl").set(_qn("w:val"), "9")
    configure(doc.styles["Header"], "header")
    configure(doc.styles["Footer"], "footer")
    if house.header.rule:
        _bottom_border(
            doc.styles["Header"].element.get_or_add_pPr(), 0.5, house.header.rule_color, 2
        )


def _bottom_border(ppr: Any, width: float, color: str, space: float) -> None:
    """A rule under a paragraph: ``width`` pt, ``space`` pt below the text."""
    from docx.oxml import OxmlElement

    border = _ppr_child(ppr, "pBdr")
    _remove(border, "w:bottom")
    bottom = OxmlElement("w:bottom")
    bottom.set(_qn("w:val"), "single")
    bottom.set(_qn("w:sz"), str(max(2, round(width * 8))))  # eighths of a point
    bottom.set(_qn("w:space"), str(round(space)))
    bottom.set(_qn("w:color"), _hex(color))
    border.append(bottom)


def _add_field(paragraph: Any, instruction: str) -> None:
    from docx.oxml import OxmlElement

    field = OxmlElement("w:fldSimple")
    field.set(_qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page_footer(section: Any, doc_lang: str, header_text: str, house: Style) -> None:
    """Running header (left, over a hairline, as in the PDF); footer "page x of y" as live
    PAGE/NUMPAGES fields."""
    from docx.shared import Pt

    top, bottom, _left, _right = house.page.margins_pt()
    head, foot = house.text["header"], house.text["footer"]
    # Where the PDF draws them: the header's baseline 14 pt above the text area, the footer's
    # 22 pt above the bottom margin's edge of the text area.
    section.header_distance = Pt(max(12.0, top - 14 - head.size))
    section.footer_distance = Pt(max(12.0, bottom - 22 - foot.leading + foot.size))
    header = section.header.paragraphs[0]
    header._p.style = "Header"
    if header_text:
        header.text = header_text
    elif not house.header.rule:
        section.header.is_linked_to_previous = True
    footer = section.footer.paragraphs[0]
    footer.style = "Footer"
    if not house.footer.page_numbers:
        return
    template = labels(doc_lang)["page"]
    before, rest = template.split("{page}")
    middle, after = rest.split("{pages}")
    footer.add_run(before)
    _add_field(footer, "PAGE")
    footer.add_run(middle)
    _add_field(footer, "NUMPAGES")
    footer.add_run(after)


def _block_style(block: Block, *, translation: bool) -> str:
    # One heading level, as in the PDF.
    if isinstance(block, Heading):
        return STYLE_TRANSLATION_HEADING if translation else "Heading 1"
    return STYLE_TRANSLATION if translation else STYLE_BODY


class _Builder:
    """Adds paragraphs to one document; styles are looked up once, not per paragraph."""

    def __init__(
        self, document: Any, fam: Families, zh_lang: str, house: Style, *, english_doc: bool
    ) -> None:
        self.document = document
        self.fam = fam
        self.zh_lang = zh_lang
        self.house = house
        self.english_doc = english_doc
        self._styles: dict[str, Any] = {}
        self._sect: Any = None  # the body's w:sectPr, which stays last

    def _body_paragraph(self, text: str) -> Any:
        # python-docx's add_paragraph looks for the body's final w:sectPr by scanning every
        # child, for every paragraph: quadratic in the paragraph count (seconds at 10 MiB).
        from docx.text.paragraph import Paragraph

        body = self.document.element.body
        p = body._new_p()
        sect = body.find(_qn("w:sectPr")) if self._sect is None else self._sect
        if sect is not None:
            self._sect = sect
            sect.addprevious(p)
        else:
            body.append(p)
        paragraph = Paragraph(p, self.document._body)
        if text:
            paragraph.add_run(text)
        return paragraph

    def style_id(self, name: str) -> str:
        # python-docx finds a style by name, and checks whether it is the default,
        # with linear scans that parse every style's type: 4 ms a paragraph, most of
        # the writer's time. Ids are looked up once and set directly as w:pStyle.
        if name not in self._styles:
            self._styles[name] = self.document.styles[name].style_id
        return str(self._styles[name])

    def para(self, text: str, style: str, *, english: bool = False, container: Any = None) -> Any:
        chinese = not english and not self.english_doc and _NUMBER.search(text) is not None
        shown = "" if chinese else text
        if container is None:
            paragraph = self._body_paragraph(shown)
        else:
            paragraph = container.add_paragraph(shown)
        paragraph._p.style = self.style_id(style)
        if chinese:
            _add_numbers_unbroken(paragraph, text)
        if english:
            # English inside a Chinese document: tag the runs so spell-checkers and
            # screen readers treat them as English and Word picks the Latin face.
            role = self.house.text[_TEXT_KEYS.get(style, "body")].font
            latin = self.fam.family(role, english=True)
            # Bold as the Latin face is, where the style's bold follows the Chinese face.
            bold = self.fam.bold(role, english=True)
            restyle = bold != self.fam.bold(role) and style in _CHINESE_STYLES
            for run in paragraph.runs:
                _set_fonts(run._r.get_or_add_rPr(), latin, self.fam.body, "en-US", self.zh_lang)
                if restyle:
                    run.bold = bold
        return paragraph

    def mark(self, paragraph: Any, mark: str) -> None:
        """A damaged paragraph's note mark (``※3``): a small grey superscript run after its
        text, so the paragraph's own text is unchanged."""
        from docx.shared import RGBColor

        run = paragraph.add_run(mark)
        run.font.superscript = True
        run.font.color.rgb = RGBColor(0x77, 0x7B, 0x85)
        _set_fonts(run._r.get_or_add_rPr(), self.fam.body, self.fam.body, self.zh_lang)

    def rule_under(self, paragraph: Any) -> None:
        """The house rule under the title block, as a border under its last paragraph."""
        from docx.shared import Pt

        rule = self.house.rule
        ppr = paragraph._p.get_or_add_pPr()
        if rule.show:
            _bottom_border(ppr, rule.width, rule.color, rule.space_before)
        paragraph.paragraph_format.space_after = Pt(
            rule.space_after + (0 if rule.show else rule.space_before)
        )
        if self.house.page.cover:
            from docx.enum.text import WD_BREAK

            paragraph.add_run().add_break(WD_BREAK.PAGE)

    def side_by_side(
        self, source: Document, target: Document, marks: dict[int, str] | None = None
    ) -> None:
        """One table row per block: Chinese on the left, English on the right, a hairline
        between them, as in the PDF."""
        from docx.shared import Pt

        half = self.house.page.text_width / 2
        table = self.document.add_table(rows=0, cols=2)
        table.autofit = False
        for column in table.columns:
            column.width = Pt(half)
        marks = marks or {}
        for row, (left, right) in enumerate(zip(source.blocks, target.blocks, strict=True)):
            cells = table.add_row().cells
            for index, (cell, block, english) in enumerate(
                ((cells[0], left, False), (cells[1], right, True))
            ):
                cell._tc.remove(cell.paragraphs[0]._p)
                paragraph = self.para(
                    block.text, _block_style(block, translation=english), english=english,
                    container=cell,
                )  # fmt: skip
                if not english and row in marks:
                    self.mark(paragraph, marks[row])
                cell.width = Pt(half)
                _cell_margins(cell, index)


# A number: digits with inner separators ("2024", "4,600", "8.2", "10:05").
_NUMBER = re.compile(r"[0-9]+(?:[.,:][0-9]+)*")


def _add_numbers_unbroken(paragraph: Any, text: str) -> None:
    """Add ``text`` as runs, each number a run of its own tagged en-US.

    LibreOffice breaks Chinese lines between any two characters, digits included ("（2" /
    "024—2026 年）"), because digits take the language of the Chinese text around them. Tagged
    en-US (w:val and w:eastAsia) they are broken as a Latin word, i.e. not at all. The text is
    unchanged; Word, which never breaks inside a number, only reads the tag as the digits'
    proofing language.
    """
    from docx.oxml import OxmlElement

    start = 0
    for match in _NUMBER.finditer(text):
        if match.start() > start:
            paragraph.add_run(text[start : match.start()])
        run = paragraph.add_run(match.group())
        lang = OxmlElement("w:lang")
        lang.set(_qn("w:val"), "en-US")
        lang.set(_qn("w:eastAsia"), "en-US")
        run._r.get_or_add_rPr().append(lang)
        start = match.end()
    if start < len(text):
        paragraph.add_run(text[start:])


def _cell_margins(cell: Any, column: int) -> None:
    """The PDF's columns: 9 pt either side of a 0.4 pt grey line, nothing at the outer edges."""
    from docx.oxml import OxmlElement

    tcpr = cell._tc.get_or_add_tcPr()
    if column == 0:
        borders = OxmlElement("w:tcBorders")
        right = OxmlElement("w:right")
        for attr, value in (("w:val", "single"), ("w:sz", "3"), ("w:space", "0"),
                            ("w:color", "D1D4DB")):  # fmt: skip
            right.set(_qn(attr), value)
        borders.append(right)
        tcpr.append(borders)
    margins = OxmlElement("w:tcMar")
    for side, width in (("left", 0 if column == 0 else 180), ("right", 180 if column == 0 else 0)):
        element = OxmlElement(f"w:{side}")
        element.set(_qn("w:w"), str(width))
        element.set(_qn("w:type"), "dxa")
        margins.append(element)
    tcpr.append(margins)


# The house style's text style behind each DOCX style that may hold English runs.
_TEXT_KEYS = {
    "Subtitle": "subtitle",
    STYLE_INFO: "info",
    STYLE_TRANSLATION: "translation",
    STYLE_TRANSLATION_HEADING: "heading_en",
}
# Those set up for Chinese text (the others are set up for English already).
_CHINESE_STYLES = (STYLE_INFO,)


@lru_cache(maxsize=8)
def _template(fam: Families, lang: str, house: Style) -> bytes:
    """An empty document with our styles and page set up, built once per process and kept in
    the disk cache between runs (building it was ~0.1 s of every cold DOCX build)."""
    import hashlib

    import docx

    from ..diskcache import load_or_build

    here = Path(__file__).resolve().parent
    code = hashlib.sha256()
    for source in (here / "docx.py", here / "families.py", here.parent / "style.py"):
        code.update(source.read_bytes())
    key = f"{fam!r}|{lang}|{house!r}|python-docx {docx.__version__}|{code.hexdigest()[:16]}"
    return load_or_build("docx-template", key, lambda: _build_template(fam, lang, house))


def _build_template(fam: Families, lang: str, house: Style) -> bytes:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    _setup_styles(document, fam, lang, house)
    _settings(document, _zh_lang(lang))
    section = document.sections[0]
    section.page_width, section.page_height = Pt(house.page.width), Pt(house.page.height)
    top, bottom, left, right = house.page.margins_pt()
    section.left_margin, section.right_margin = Pt(left), Pt(right)
    section.top_margin, section.bottom_margin = Pt(top), Pt(bottom)
    # Heading 2 is defined by the template but never used (the briefings have one level).
    styles = document.styles.element
    for element in styles.findall(_qn("w:style")):
        if element.get(_qn("w:styleId")) in ("Heading2", "Heading2Char"):
            styles.remove(element)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>exporter</Application><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
    "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>"
)
# Parts of python-docx's Word 2010 template that say nothing true about our document: a blank
# thumbnail, and Word 2010's copy of the template's styles (with its blue Title rule).
_DROPPED = {"docProps/thumbnail.jpeg", "word/stylesWithEffects.xml"}


def _drop_references(name: str, data: bytes) -> bytes:
    """Remove the relationships and content types of the dropped parts from a package file."""
    if name.endswith(".rels"):
        pattern = rb'<Relationship [^>]*Target="[^"]*(?:thumbnail\.jpeg|stylesWithEffects\.xml)"/>'
        return re.sub(pattern, b"", data)
    if name == "[Content_Types].xml":
        return re.sub(rb'<Override PartName="/word/stylesWithEffects\.xml"[^>]*/>', b"", data)
    return data


def _normalize_zip(data: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite the package with fixed entry dates (python-docx stamps the current time), our own
    app.xml (the template's names "Microsoft Macintosh Word" and Normal.dotm), and without the
    template's thumbnail and Word 2010 style copy."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename in _DROPPED:
                continue
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if item.filename == "docProps/app.xml":
                body = _APP_XML.encode()
            else:
                body = _drop_references(item.filename, src.read(item.filename))
            dst.writestr(info, body)
    return out.getvalue()


def prepare(langs: Sequence[str], style: Style) -> None:
    """Import python-docx and load the templates of ``langs``, as :func:`write` would first
    (a writer process does this before the document is ready)."""
    for lang in langs:
        _template(families_for(script_of(lang), style.fonts), lang, style)


def write(doc: Document, path: Path, *, layout: str = "mono", style: Style | None = None) -> None:
    """Write ``doc`` to ``path`` (a temporary file the caller renames into place)."""
    import docx

    house = style or default_style()
    target = doc.translation if layout != "mono" else None
    if layout != "mono" and target is None:
        raise ValueError(f"layout {layout!r} needs a translated document")
    lang = doc.meta.lang
    fam = families_for(script_of(lang), house.fonts)
    document = docx.Document(io.BytesIO(_template(fam, lang, house)))
    build = _Builder(document, fam, _zh_lang(lang), house, english_doc=lang.startswith("en"))
    title = doc.meta.title if target is None else f"{doc.meta.title} / {target.meta.title}"
    _page_footer(document.sections[0], lang, house.header_text(doc.meta.title), house)

    masthead(document, build, house)
    last = build.para(doc.meta.title, "Title")
    if target is not None:
        last = build.para(target.meta.title, "Subtitle", english=True)
    for line in content.info_lines(doc):
        last = build.para(line, STYLE_INFO)
    if target is not None:
        for line in content.info_lines(target):
            last = build.para(line, STYLE_INFO, english=True)
    notes = content.notes_section(doc)
    marks = content.paragraph_marks(doc)
    # One line under the title block when the source is damaged, pointing to the notes.
    for n, line in enumerate(notes.notice if notes else ()):
        last = build.para(line, STYLE_INFO, english=bool(n) or lang.startswith("en"))
    build.rule_under(last)
    body(build, doc, target, layout, marks)
    if notes:
        build.para(notes.heading, STYLE_NOTES_HEADING)
        for intro in notes.intros:
            build.para(intro, STYLE_NOTE)
        for item in notes.items:
            build.para(item, STYLE_NOTE)

    save(document, path, title=title, lang=lang, name=doc.name,
         comments=f"Built by exporter from {doc.name}")  # fmt: skip


def masthead(document: Any, build: _Builder, house: Style) -> None:
    """The house style's logo and marking line, above a briefing's or a pack's title."""
    if house.logo.path is not None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm

        document.add_picture(str(house.logo.path), width=Mm(house.logo.width))
        logo = document.paragraphs[-1].paragraph_format
        # Normal's exact line spacing would clip the picture to one line of text.
        logo.line_spacing, logo.first_line_indent = 1.0, Mm(0)
        logo.space_after = Mm(6 * 25.4 / 72)
        logo.alignment = WD_ALIGN_PARAGRAPH.LEFT
    if house.marking.text:
        build.para(house.marking.text, STYLE_MARKING)


def body(
    build: _Builder, doc: Document, target: Document | None, layout: str, marks: dict[int, str]
) -> None:
    """An article's blocks: alone, interleaved with the translation's, or side by side."""
    if layout == "side-by-side" and target is not None:
        build.side_by_side(doc, target, marks)
        return
    for index, block in enumerate(doc.blocks):
        paragraph = build.para(block.text, _block_style(block, translation=False))
        if index in marks:
            build.mark(paragraph, marks[index])
        if target is not None:
            other = target.blocks[index]
            build.para(other.text, _block_style(other, translation=True), english=True)


def save(document: Any, path: Path, *, title: str, lang: str, name: str, comments: str) -> None:
    """Set the core properties (fixed build time) and write a normalised, reproducible zip."""
    when = build_time().replace(tzinfo=None)
    props = document.core_properties
    props.title = core_property(title)
    props.subject = labels(lang)["subject"]
    props.language = lang
    props.author = "exporter"
    props.last_modified_by = "exporter"
    props.created = when
    props.modified = when
    props.revision = 1
    props.keywords = core_property(name)
    props.comments = core_property(comments)
    buffer = io.BytesIO()
    document.save(buffer)
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    path.write_bytes(_normalize_zip(buffer.getvalue(), stamp))
