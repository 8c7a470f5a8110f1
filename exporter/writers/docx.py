"""DOCX writer (python-docx): named styles, East Asian fonts and language on every style."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..labels import labels, script_of
from ..model import Block, Document, Heading
from ..reproducible import build_time
from . import content
from .families import Families, families_for

# Style names users see in Word/LibreOffice and may restyle.
STYLE_BODY = "Body Text"
STYLE_INFO = "Briefing Info"
STYLE_NOTE = "Source Note"
STYLE_TRANSLATION = "Translation"
LAYOUTS = ("mono", "interleaved", "side-by-side")


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


def _setup_styles(doc: Any, fam: Families, lang: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    english = lang.startswith("en")
    defaults = doc.styles.element.find(_qn("w:docDefaults"))
    _set_fonts(defaults.find(_qn("w:rPrDefault")).find(_qn("w:rPr")), fam.latin, fam.body, lang)

    def configure(style: Any, east_asian: str, latin: str, size: float, run_lang: str) -> None:
        style.font.size = Pt(size)
        _set_fonts(style.element.get_or_add_rPr(), latin, east_asian, run_lang, _zh_lang(lang))

    # Every style, used or not, gets explicit fonts: a user who applies "Heading 3"
    # or "Quote" later must not fall back to the template's Latin theme fonts.
    for style_element in doc.styles.element.findall(_qn("w:style")):
        rpr = style_element.find(_qn("w:rPr"))
        if rpr is not None:
            rfonts = rpr.find(_qn("w:rFonts"))
            # Heading-like styles use the template's "major" theme font: give them Hei.
            major = rfonts is not None and "major" in (rfonts.get(_qn("w:eastAsiaTheme")) or "")
            keep_latin = _explicit_latin(rpr)
            _set_fonts(rpr, keep_latin or (fam.latin_heading if major else fam.latin),
                       fam.heading if major else fam.body, lang)  # fmt: skip
    # Table styles' conditional formats (first row, …) carry theme fonts too.
    for rfonts in doc.styles.element.iter(_qn("w:rFonts")):
        if rfonts.get(_qn("w:eastAsiaTheme")) or rfonts.get(_qn("w:asciiTheme")):
            major = "major" in (rfonts.get(_qn("w:eastAsiaTheme")) or "")
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                rfonts.attrib.pop(_qn(attr), None)
            rfonts.set(_qn("w:ascii"), fam.latin_heading if major else fam.latin)
            rfonts.set(_qn("w:hAnsi"), fam.latin_heading if major else fam.latin)
            rfonts.set(_qn("w:eastAsia"), fam.heading if major else fam.body)

    normal = doc.styles["Normal"]
    configure(normal, fam.body, fam.latin, 11, lang)
    # Widow/orphan control (w:widowControl) for every style based on Normal: Word and
    # LibreOffice then keep two lines of a paragraph together at a page's foot and head.
    normal.paragraph_format.widow_control = True

    title = doc.styles["Title"]
    configure(title, fam.heading, fam.latin_heading, 20, lang)
    title.font.bold = True
    title.font.color.rgb = RGBColor(0x1F, 0x2A, 0x44)
    title.paragraph_format.space_after = Pt(8)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    title.paragraph_format.keep_with_next = True

    # The English title under the Chinese one in bilingual briefings.
    subtitle = doc.styles["Subtitle"]
    configure(subtitle, fam.heading, fam.latin_heading, 13, "en-US")
    subtitle.font.italic = False
    subtitle.font.bold = True
    subtitle.font.color.rgb = RGBColor(0x1F, 0x2A, 0x44)
    # The template letter-spaces it (w:spacing 15), which breaks up English words.
    subtitle.element.get_or_add_rPr().remove_all("w:spacing")

    for name, size in (("Heading 1", 14), ("Heading 2", 12)):
        heading = doc.styles[name]
        configure(heading, fam.heading, fam.latin_heading, size, lang)
        heading.font.color.rgb = RGBColor(0x1F, 0x2A, 0x44)
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.keep_with_next = True

    body = _style(doc, STYLE_BODY, "Normal")
    configure(body, fam.body, fam.latin, 11, lang)
    body.paragraph_format.space_after = Pt(6)
    body.paragraph_format.line_spacing = 1.15 if english else 1.5
    body.paragraph_format.alignment = (
        WD_ALIGN_PARAGRAPH.LEFT if english else WD_ALIGN_PARAGRAPH.JUSTIFY
    )
    if not english:
        # Chinese convention: indent the first line by two characters. Word reads
        # firstLineChars; LibreOffice only firstLine (twips: 2 × 11 pt).
        ind = body.element.get_or_add_pPr().get_or_add_ind()
        ind.set(_qn("w:firstLineChars"), "200")
        ind.set(_qn("w:firstLine"), "440")

    info = _style(doc, STYLE_INFO, "Normal")
    configure(info, fam.heading, fam.latin, 9.5, lang)
    info.font.color.rgb = RGBColor(0x55, 0x5B, 0x66)
    info.paragraph_format.space_after = Pt(2)

    note = _style(doc, STYLE_NOTE, "Normal")
    configure(note, fam.body, fam.latin, 9, lang)
    note.font.color.rgb = RGBColor(0x55, 0x5B, 0x66)
    note.paragraph_format.space_after = Pt(3)

    translation = _style(doc, STYLE_TRANSLATION, STYLE_BODY)
    configure(translation, fam.body, fam.latin, 10.5, "en-US")
    translation.font.color.rgb = RGBColor(0x33, 0x44, 0x66)
    translation.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    translation.paragraph_format.line_spacing = 1.15
    tr_ind = translation.element.get_or_add_pPr().get_or_add_ind()
    tr_ind.set(_qn("w:firstLineChars"), "0")
    tr_ind.set(_qn("w:firstLine"), "0")

    for name in ("Header", "Footer"):
        configure(doc.styles[name], fam.body, fam.latin, 8.5, lang)
        doc.styles[name].font.color.rgb = RGBColor(0x77, 0x7B, 0x85)


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


def _page_footer(section: Any, doc_lang: str, title: str) -> None:
    """Running header with the title; footer "page x of y" as live PAGE/NUMPAGES fields."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    header = section.header.paragraphs[0]
    header.text = title
    header.style = "Header"
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.style = "Footer"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    template = labels(doc_lang)["page"]
    before, rest = template.split("{page}")
    middle, after = rest.split("{pages}")
    footer.add_run(before)
    _add_field(footer, "PAGE")
    footer.add_run(middle)
    _add_field(footer, "NUMPAGES")
    footer.add_run(after)


def _block_style(block: Block, *, translation: bool) -> str:
    if isinstance(block, Heading):
        return "Heading 1" if block.level <= 1 else "Heading 2"
    return STYLE_TRANSLATION if translation else STYLE_BODY


class _Builder:
    """Adds paragraphs to one document; styles are looked up once, not per paragraph."""

    def __init__(self, document: Any, fam: Families, zh_lang: str) -> None:
        self.document = document
        self.fam = fam
        self.zh_lang = zh_lang
        self._styles: dict[str, Any] = {}

    def style_id(self, name: str) -> str:
        # python-docx finds a style by name, and checks whether it is the default,
        # with linear scans that parse every style's type: 4 ms a paragraph, most of
        # the writer's time. Ids are looked up once and set directly as w:pStyle.
        if name not in self._styles:
            self._styles[name] = self.document.styles[name].style_id
        return str(self._styles[name])

    def para(self, text: str, style: str, *, english: bool = False, container: Any = None) -> Any:
        paragraph = (container or self.document).add_paragraph(text)
        paragraph._p.style = self.style_id(style)
        if english:
            # English inside a Chinese document: tag the runs so spell-checkers and
            # screen readers treat them as English and Word picks the Latin face.
            for run in paragraph.runs:
                _set_fonts(
                    run._r.get_or_add_rPr(), self.fam.latin, self.fam.body, "en-US", self.zh_lang
                )
        return paragraph

    def mark(self, paragraph: Any, mark: str) -> None:
        """A damaged paragraph's note mark (``※3``): a small grey superscript run after its
        text, so the paragraph's own text is unchanged."""
        from docx.shared import RGBColor

        run = paragraph.add_run(mark)
        run.font.superscript = True
        run.font.color.rgb = RGBColor(0x77, 0x7B, 0x85)
        _set_fonts(run._r.get_or_add_rPr(), self.fam.body, self.fam.body, self.zh_lang)

    def side_by_side(
        self, source: Document, target: Document, marks: dict[int, str] | None = None
    ) -> None:
        """One table row per block: Chinese on the left, English on the right."""
        from docx.shared import Cm

        table = self.document.add_table(rows=0, cols=2)
        table.autofit = False
        rows: list[tuple[tuple[str, str], tuple[str, str]]] = [
            (("\n".join(content.info_lines(source)), STYLE_INFO),
             ("\n".join(content.info_lines(target)), STYLE_INFO)),
        ]  # fmt: skip
        rows += [
            ((left.text, _block_style(left, translation=False)),
             (right.text, _block_style(right, translation=True)))
            for left, right in zip(source.blocks, target.blocks, strict=True)
        ]  # fmt: skip
        marks = marks or {}
        for row, ((left_text, left_style), (right_text, right_style)) in enumerate(rows):
            cells = table.add_row().cells
            for cell, text, style, english in (
                (cells[0], left_text, left_style, False),
                (cells[1], right_text, right_style, True),
            ):
                cell._tc.remove(cell.paragraphs[0]._p)
                paragraph = self.para(text, style, english=english, container=cell)
                if not english and row - 1 in marks:
                    self.mark(paragraph, marks[row - 1])
                cell.width = Cm(8.2)


@lru_cache(maxsize=8)
def _template(fam: Families, lang: str) -> bytes:
    """An empty document with our styles and page set up, built once per process."""
    import docx
    from docx.shared import Cm

    document = docx.Document()
    _setup_styles(document, fam, lang)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.3)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _normalize_zip(data: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite the package with fixed entry dates: python-docx stamps the current time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def write(doc: Document, path: Path, *, layout: str = "mono") -> None:
    """Write ``doc`` to ``path`` (a temporary file the caller renames into place)."""
    import docx

    target = doc.translation if layout != "mono" else None
    if layout != "mono" and target is None:
        raise ValueError(f"layout {layout!r} needs a translated document")
    lang = doc.meta.lang
    fam = families_for(script_of(lang))
    document = docx.Document(io.BytesIO(_template(fam, lang)))
    build = _Builder(document, fam, _zh_lang(lang))
    title = doc.meta.title if target is None else f"{doc.meta.title} / {target.meta.title}"
    _page_footer(document.sections[0], lang, doc.meta.title)

    build.para(doc.meta.title, "Title")
    if target is not None:
        build.para(target.meta.title, "Subtitle", english=True)
    notes = content.notes_section(doc)
    marks = content.paragraph_marks(doc)
    notice = notes.notice if notes else ()
    if layout == "side-by-side" and target is not None:
        for n, line in enumerate(notice):
            build.para(line, STYLE_INFO, english=bool(n))
        build.side_by_side(doc, target, marks)
    else:
        for line in content.info_lines(doc):
            build.para(line, STYLE_INFO)
        if target is not None:
            for line in content.info_lines(target):
                build.para(line, STYLE_INFO, english=True)
        for n, line in enumerate(notice):
            build.para(line, STYLE_INFO, english=bool(n))
        for index, block in enumerate(doc.blocks):
            paragraph = build.para(block.text, _block_style(block, translation=False))
            if index in marks:
                build.mark(paragraph, marks[index])
            if target is not None:
                other = target.blocks[index]
                build.para(other.text, _block_style(other, translation=True), english=True)
    if notes:
        build.para(notes.heading, "Heading 1")
        for intro in notes.intros:
            build.para(intro, STYLE_NOTE)
        for item in notes.items:
            build.para(item, STYLE_NOTE)

    when = build_time().replace(tzinfo=None)
    props = document.core_properties
    props.title = title
    props.subject = labels(lang)["subject"]
    props.language = lang
    props.author = "exporter"
    props.last_modified_by = "exporter"
    props.created = when
    props.modified = when
    props.revision = 1
    props.keywords = doc.name
    props.comments = f"Built by exporter from {doc.name}"
    buffer = io.BytesIO()
    document.save(buffer)
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    path.write_bytes(_normalize_zip(buffer.getvalue(), stamp))
