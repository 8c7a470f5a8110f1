"""CLREQ line breaking and text extraction of Chinese paragraphs in reportlab PDFs."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from exporter.writers.pdf_text import (
    CLOSING,
    OPENING,
    break_opportunities,
    cjk_paragraph,
    install_reportlab_fixes,
    line_break_units,
    normalize_paragraph_text,
    paragraph_markup,
)

pytest.importorskip("reportlab")
pytest.importorskip("pdfminer")

MM = 72 / 25.4
PAD = 6  # reportlab Frame's default padding on each side
LIFT = "\U000282e2"  # 𨋢, Cantonese "lift": outside the BMP, in Traditional Chinese fonts
LIFT_TEXT = f"香港人把电梯叫做{LIFT}，坐{LIFT}上楼。"
MARKUP_TEXT = "条件 a<b && c>d 不是<b>标签</b>，&amp; 也不是实体。"

MIXED = (
    "据《South China Morning Post》报道，香港人把电梯叫做𨋢（lift）。"
    "GDP增长5.1%，COVID-19疫情期间，“中国制造2025”计划……继续推进——没有停止。"
    "他说：“don’t stop”，然后 incomprehensibilities 与 antidisestablishmentarianism "
    "都是很长的英文单词；网址 https://www.example.com/a/very/long/path?x=1&y=<2> 也很长。"
)


# --------------------------------------------------------------------------------------------
# Fonts: the project's built faces when present, else small glyf subsets made here


@dataclass(frozen=True)
class Fonts:
    main: str  # reportlab name of a TrueType (glyf) Simplified Chinese face
    fallback: str | None  # a face that has 𨋢, if any


def _covers(font_name: str, ch: str) -> bool:
    from reportlab.pdfbase import pdfmetrics

    return ord(ch) in pdfmetrics.getFont(font_name).face.charToGlyph


def _project_fonts() -> Fonts | None:
    """The faces exporter.fonts provides, if it is implemented and the fonts are built."""
    try:
        from exporter import fonts
        from exporter.errors import ExporterError

        try:
            hans = fonts.font_set("Hans")
            fonts.register_reportlab(hans)
        except ExporterError:
            return None
        fallback = None
        try:
            hant = fonts.font_set("Hant")
            fonts.register_reportlab(hant)
            fallback = hant.body.reportlab_name
        except ExporterError:
            pass
        main = hans.body.reportlab_name
    except (ImportError, AttributeError):
        return None
    return Fonts(main, fallback if fallback and _covers(fallback, LIFT) else None)


def _subset_face(package: str, file: str, text: str, out: Path, name: str) -> str | None:
    """Register a glyf subset of an installed Noto CJK face; None if the package is absent."""
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    sources = [Path(loc) / file for loc in locations if (Path(loc) / file).is_file()]
    if not sources:
        return None
    from fontTools import subset
    from fontTools.ttLib import TTFont as FTFont
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from exporter.fontbuild import cff_to_ttf

    font = FTFont(sources[0])
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    cff_to_ttf(font)  # reportlab embeds TrueType outlines only
    font.save(out)
    pdfmetrics.registerFont(TTFont(name, str(out)))
    return name


@pytest.fixture(scope="session")
def fonts(tmp_path_factory: pytest.TempPathFactory, seed_text: str) -> Fonts:
    found = _project_fonts()
    if found is not None:
        return found
    folder = tmp_path_factory.mktemp("fonts")
    text = seed_text + MIXED + LIFT_TEXT + MARKUP_TEXT + "".join(map(chr, range(32, 127)))
    main = _subset_face(
        "pylopdf_fonts_zh_cn", "NotoSerifSC-Regular.otf", text, folder / "sc.ttf", "TestSerifSC"
    )
    if main is None:
        pytest.skip(
            "no Chinese TrueType font: build fonts/build with `python -m exporter.fontbuild` "
            "or install pylopdf-fonts-zh-cn"
        )
    fallback = _subset_face(
        "pylopdf_fonts_zh_tw", "NotoSansTC-Regular.otf", LIFT, folder / "tc.ttf", "TestSansTC"
    )
    return Fonts(main, fallback)


# --------------------------------------------------------------------------------------------
# Building and reading back PDFs


HALF_EM = 10.5 / 2  # of the test style's font size


def _style(fonts: Fonts, *, justify: bool = True, indent: float = 0) -> Any:
    from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(
        "body",
        fontName=fonts.main,
        fontSize=10.5,
        leading=16,
        alignment=TA_JUSTIFY if justify else TA_LEFT,
        firstLineIndent=indent,
    )


def _chooser(fonts: Fonts) -> Callable[[str], str | None]:
    def pick(ch: str) -> str | None:
        if ch.isspace() or _covers(fonts.main, ch):
            return None
        return fonts.fallback if fonts.fallback and _covers(fonts.fallback, ch) else None

    return pick


def _build(path: Path, flowables: Sequence[Any], text_width: float) -> float:
    """A PDF whose frame is ``text_width`` points wide inside; returns the frame's right edge."""
    from reportlab.platypus import SimpleDocTemplate

    install_reportlab_fixes()
    margin = 10 * MM
    page = (text_width + 2 * PAD + 2 * margin, 297 * MM)
    doc = SimpleDocTemplate(
        str(path), pagesize=page, leftMargin=margin, rightMargin=margin, invariant=1
    )
    doc.build(list(flowables))
    return margin + PAD + text_width


@dataclass
class Line:
    text: str  # the glyphs drawn, in order (spaces included when drawn)
    right: float  # where the last glyph ends


def _lines(path: Path) -> list[Line]:
    """The visual lines of a PDF: glyphs grouped by page and baseline, left to right."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    out = []
    for page in extract_pages(str(path)):
        rows: dict[float, list[Any]] = defaultdict(list)

        def walk(item: Any, rows: dict[float, list[Any]] = rows) -> None:
            if isinstance(item, LTChar):
                rows[round(item.matrix[5], 1)].append(item)  # baseline, whatever the font
            elif hasattr(item, "__iter__"):
                for child in item:
                    walk(child)

        walk(page)
        for y in sorted(rows, reverse=True):
            chars = sorted(rows[y], key=lambda c: c.x0)
            out.append(Line("".join(c.get_text() for c in chars), max(c.x1 for c in chars)))
    return out


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdftotext(path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def _pypdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(str(path)).pages)


def _kinsoku_violations(lines: Sequence[Line]) -> list[str]:
    bad = []
    for line in lines:
        text = line.text.strip()
        if text and (text[0] in CLOSING or text[-1] in OPENING):
            bad.append(text)
    return bad


def _dehyphenate(lines: Sequence[Line], expected: str) -> str:
    """Lines joined without whitespace, dropping a line-final hyphen the input does not have
    there (one added by hyphenation: the only difference extraction may show)."""
    got = ""
    target = _squeeze(expected)
    for line in lines:
        text = _squeeze(line.text)
        if text.endswith("-") and not target.startswith(got + text):
            text = text[:-1]
        got += text
    return got


HAN_GAP = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef][ \t]+[\u4e00-\u9fff\uff00-\uffef]")


# --------------------------------------------------------------------------------------------
# The pure segmentation


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("中文，英文。", ["中", "文，", "英", "文。"]),
        # Opening marks stick to what follows, closing marks to what precedes.
        ("他说：“你好！”然后", ["他", "说：", "“你", "好！”", "然", "后"]),
        ("（注：见下）", ["（注：", "见", "下）"]),
        # Ellipses and dashes are never split from the character before them, nor halved.
        ("文……中——文", ["文……", "中——", "文"]),
        # Latin runs, numbers with their signs, and a fullwidth comma after them.
        ("GDP增长5.1%，COVID-19疫情", ["GDP", "增", "长", "5.1%，", "COVID-19", "疫", "情"]),
        ("don’t stop f(x) now", ["don’t ", "stop ", "f(x) ", "now"]),
        ("U.S.A.中国", ["U.S.A.", "中", "国"]),
        # A combining mark stays with its base character.
        ("a中\u0301b", ["a", "中\u0301", "b"]),
        ("《South China》报", ["《South ", "China》", "报"]),
    ],
)
def test_line_break_units(text: str, units: list[str]) -> None:
    assert line_break_units(text) == units
    assert "".join(units) == text


def test_no_break_before_closing_or_after_opening_anywhere() -> None:
    text = "".join(sorted(CLOSING | OPENING)) * 3 + "中文English 123"
    allowed = break_opportunities(text)
    for i in range(1, len(text)):
        if allowed[i]:
            assert text[i] not in CLOSING and text[i - 1] not in OPENING, (i, text[i - 1 : i + 1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中文\n中文", "中文中文"),  # a wrapped source line, not a space
        ("English\nword", "English word"),
        ("中文\r\nEnglish", "中文 English"),
        ("soft\u00adhyphen\u200b中文", "softhyphen中文"),  # invisible: would print as boxes
    ],
)
def test_normalize_paragraph_text(text: str, expected: str) -> None:
    assert normalize_paragraph_text(text) == expected


def test_paragraph_markup_escapes_and_marks_font_runs() -> None:
    font_for = {"𨋢": "Fallback", "b": "Latin"}.get
    assert paragraph_markup("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert paragraph_markup("电梯𨋢 𨋢升<b>", font_for) == (
        '电梯<font name="Fallback">𨋢 𨋢</font>升&lt;<font name="Latin">b</font>&gt;'
    )


def test_install_reportlab_fixes_is_idempotent() -> None:
    from reportlab.pdfbase import ttfonts
    from reportlab.platypus import paragraph

    install_reportlab_fixes()
    patched = (ttfonts.makeToUnicodeCMap, paragraph._justifyDrawParaLineX)
    install_reportlab_fixes()
    assert (ttfonts.makeToUnicodeCMap, paragraph._justifyDrawParaLineX) == patched


# --------------------------------------------------------------------------------------------
# Real PDFs


@pytest.mark.parametrize("width_mm", [40, 80, 160])
def test_seed_lines_obey_clreq_and_extract_intact(
    tmp_path: Path, fonts: Fonts, seed_text: str, width_mm: float
) -> None:
    body = max(seed_text.splitlines(), key=len)
    path = tmp_path / "seed.pdf"
    _build(path, [cjk_paragraph(body, _style(fonts, indent=21))], width_mm * MM)

    lines = _lines(path)
    assert len(lines) > 5
    assert _kinsoku_violations(lines) == []
    assert _squeeze("".join(line.text for line in lines)) == _squeeze(body)
    assert _squeeze(_pypdf_text(path)) == _squeeze(body)
    extracted = _pdftotext(path)
    if extracted is not None:
        assert _squeeze(extracted) == _squeeze(body)
        assert not HAN_GAP.search(extracted), "pdftotext sees spaces between Chinese characters"


@pytest.mark.parametrize("width_mm", [35, 60, 120])
def test_mixed_text_keeps_words_whole_and_inside_the_frame(
    tmp_path: Path, fonts: Fonts, width_mm: float
) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width = width_mm * MM
    path = tmp_path / "mixed.pdf"
    right = _build(
        path, [cjk_paragraph(MIXED, _style(fonts, justify=False), _chooser(fonts))], width
    )

    lines = _lines(path)
    assert _kinsoku_violations(lines) == []
    # A closing mark at a line end takes half width (CLREQ 3.1.6): its blank right half may
    # lie past the frame, its ink never does.
    assert all(
        line.right <= right + 0.01 + (HALF_EM if line.text.rstrip()[-1:] in CLOSING else 0)
        for line in lines
    ), [(x.text, x.right) for x in lines]
    for word in re.findall(r"[!-~’]+", MIXED):  # Latin runs, URL included
        if stringWidth(word, fonts.main, 10.5) <= width:
            assert any(word in line.text for line in lines), f"{word!r} was split"
    assert _dehyphenate(lines, MIXED) == _squeeze(MIXED)
    if fonts.fallback:
        assert LIFT in "".join(line.text for line in lines)


def test_long_words_are_hyphenated_when_pyphen_is_installed(tmp_path: Path, fonts: Fonts) -> None:
    pytest.importorskip("pyphen")
    path = tmp_path / "hyphen.pdf"
    _build(path, [cjk_paragraph(MIXED, _style(fonts))], 35 * MM)
    ends = [line.text.rstrip() for line in _lines(path)]
    assert any(re.search(r"[a-z]-$", end) for end in ends), ends


def test_english_with_hyphenation_lang_fills_lines(tmp_path: Path, fonts: Fonts) -> None:
    pytest.importorskip("pyphen")
    text = (
        "Officials reported that the internationalization of manufacturing and the "
        "commercialization of scientific research remained the district's priorities."
    )
    style = _style(fonts)
    style.hyphenationLang = "en_GB"
    path = tmp_path / "english.pdf"
    _build(path, [cjk_paragraph(text, style)], 60 * MM)
    lines = _lines(path)
    assert any(re.search(r"[a-z]-$", line.text.rstrip()) for line in lines)
    assert _dehyphenate(lines, text) == _squeeze(text)


@pytest.mark.poppler
def test_justified_chinese_lines_end_at_the_frame_edge(
    tmp_path: Path, fonts: Fonts, seed_text: str
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (poppler-utils)")
    body = max(seed_text.splitlines(), key=len)
    path = tmp_path / "justified.pdf"
    right = _build(path, [cjk_paragraph(body, _style(fonts, indent=21))], 160 * MM)
    html = tmp_path / "boxes.html"
    subprocess.run(["pdftotext", "-bbox-layout", str(path), str(html)], check=True)
    # pdfminer misplaces glyphs set with character spacing; poppler renders them right.
    ends = [
        float(x)
        for x in re.findall(r'<line xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', html.read_text())
    ]
    assert len(ends) > 20
    # Each line ends at the edge, or past it by the blank half of a closing mark that takes
    # half width at the line end (CLREQ 3.1.6).
    assert all(min(abs(end - right), abs(end - right - HALF_EM)) < 0.5 for end in ends[:-1]), ends


def test_character_outside_the_bmp_round_trips(tmp_path: Path, fonts: Fonts) -> None:
    if fonts.fallback is None:
        pytest.skip("no font with 𨋢 (U+282E2): needs the Traditional Chinese face")
    text = LIFT_TEXT
    path = tmp_path / "lift.pdf"
    _build(path, [cjk_paragraph(text, _style(fonts), _chooser(fonts))], 100 * MM)

    from pdfminer.high_level import extract_text

    assert _squeeze(extract_text(str(path))) == text
    assert _squeeze(_pypdf_text(path)) == text
    extracted = _pdftotext(path)
    if extracted is not None:
        assert _squeeze(extracted) == text


def test_markup_characters_are_text(tmp_path: Path, fonts: Fonts) -> None:
    text = MARKUP_TEXT
    path = tmp_path / "markup.pdf"
    _build(path, [cjk_paragraph(text, _style(fonts))], 100 * MM)
    assert _squeeze("".join(line.text for line in _lines(path))) == _squeeze(text)


def test_paragraph_split_over_frames_of_different_widths(
    tmp_path: Path, fonts: Fonts, seed_text: str
) -> None:
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    body = max(seed_text.splitlines(), key=len)
    install_reportlab_fixes()
    path = tmp_path / "frames.pdf"
    frames = [
        Frame(20 * MM, 150 * MM, 60 * MM, 120 * MM, id="narrow"),
        Frame(20 * MM, 20 * MM, 150 * MM, 120 * MM, id="wide"),
    ]
    doc = BaseDocTemplate(str(path), pagesize=(210 * MM, 297 * MM), invariant=1)
    doc.addPageTemplates([PageTemplate(id="two", frames=frames)])
    doc.build([cjk_paragraph(body, _style(fonts, indent=21))])

    lines = _lines(path)
    assert _kinsoku_violations(lines) == []
    assert _squeeze("".join(line.text for line in lines)) == _squeeze(body)
    assert not HAN_GAP.search(_pypdf_text(path))
    narrow_right = 80 * MM - PAD
    assert max(line.right for line in lines) > narrow_right + 10  # the wide frame was used


def test_huge_paragraph_without_punctuation_lays_out_quickly(
    tmp_path: Path, fonts: Fonts, seed_text: str
) -> None:
    han = sorted({ch for ch in seed_text if "\u4e00" <= ch <= "\u9fff"})
    text = "".join(han[(i * 7919) % len(han)] for i in range(100_000))
    path = tmp_path / "huge.pdf"
    start = time.perf_counter()
    _build(path, [cjk_paragraph(text, _style(fonts))], 150 * MM)
    elapsed = time.perf_counter() - start
    # About 2 s here; reportlab's own CJK wrapping is quadratic (40,000 characters: 2.4 s).
    assert elapsed < 30, f"{elapsed:.1f} s"
    assert _squeeze(_pypdf_text(path)) == text


def test_closing_mark_at_line_end_takes_half_width(tmp_path: Path, fonts: Fonts) -> None:
    # A frame 20.6 em wide holds 20 ideographs; with the period at half width (its ink is in
    # its left half) "。" still fits after them instead of pushing the 20th ideograph down.
    text = "发展" * 10 + "。" + "改革" * 12
    path = tmp_path / "end.pdf"
    right = _build(path, [cjk_paragraph(text, _style(fonts))], 20.6 * 10.5)
    lines = _lines(path)
    assert lines[0].text == "发展" * 10 + "。"
    assert lines[0].right <= right + HALF_EM + 0.01
    assert "".join(line.text for line in lines) == text
