"""What a reader gets: the text survives into PDF and DOCX, fonts are embedded, files are stable."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from exporter.model import Document, Heading, Metadata, Paragraph
from exporter.readers import read
from exporter.transforms.clean import clean
from exporter.writers import WRITERS

from .briefing_checks import (
    docx_text,
    docx_xml,
    expected_text,
    has_poppler,
    pdf_text_pdfminer,
    pdf_text_poppler,
    squash,
    strip_note_marks,
    strip_running_heads,
)

BASE14 = {
    "Courier", "Helvetica", "Times-Roman", "Symbol", "ZapfDingbats", "Times-Bold", "Helvetica-Bold",
    "Courier-Bold", "Times-Italic", "Helvetica-Oblique",
}  # fmt: skip


@pytest.fixture(scope="module")
def seed_doc(seed_path: Path) -> Document:
    return clean(read(seed_path))


@pytest.fixture(scope="module")
def seed_pdf(seed_doc: Document, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "seed.pdf"
    WRITERS["pdf"](seed_doc, path)
    return path


@pytest.fixture(scope="module")
def seed_docx(seed_doc: Document, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("docx") / "seed.docx"
    WRITERS["docx"](seed_doc, path)
    return path


def test_pdf_text_equals_cleaned_text(seed_doc: Document, seed_pdf: Path) -> None:
    extracted = strip_note_marks(
        strip_running_heads(pdf_text_pdfminer(seed_pdf), seed_doc.meta.title)
    )
    assert extracted == expected_text(seed_doc).replace(squash(seed_doc.meta.title), "", 1) or (
        extracted == expected_text(seed_doc)
    )


def _fonts_in(pdf: Path) -> list[dict]:
    fonts = []
    for page in PdfReader(pdf).pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            fonts.append(font)
    return fonts


def test_pdf_embeds_every_font_and_no_base14(seed_pdf: Path) -> None:
    fonts = _fonts_in(seed_pdf)
    assert fonts
    for font in fonts:
        name = str(font["/BaseFont"]).lstrip("/")
        assert name.split("+")[-1] not in BASE14, name
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        descriptor = descriptor.get_object()
        assert any(k in descriptor for k in ("/FontFile2", "/FontFile3", "/FontFile")), name


def test_pdf_metadata_outline_and_a4(seed_doc: Document, seed_pdf: Path) -> None:
    reader = PdfReader(seed_pdf)
    info = reader.metadata
    assert info.title == seed_doc.meta.title
    assert info.subject and info.creator == "exporter"
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)
    outline = reader.outline
    assert outline and outline[0].title == seed_doc.meta.title
    text = pdf_text_pdfminer(seed_pdf)
    pages = len(reader.pages)
    assert squash(f"第 {pages} 页，共 {pages} 页") in squash(text)


def test_pdf_shows_notes_on_the_source(seed_pdf: Path) -> None:
    text = squash(pdf_text_pdfminer(seed_pdf))
    assert "关于原文的说明" in text
    # Every place, by paragraph number, with the gaps marked; nothing left out.
    assert "第1段（7处：年份3、金额、数量、日期、增幅）" in text
    assert "“交汇点上展现黄埔担当□月□日，中国共产党广州市”" in text
    assert "从略" not in text and "@" not in text
    # The notice under the title block, before the body.
    notice = text.index("原文有30处缺损，照录未补")
    assert notice < text.index("中国共产党广州市黄埔区第一届代表大会")
    # The damaged paragraphs are marked beside them, their text unchanged.
    assert "※1" in text and "※6" in text


def test_docx_text_equals_cleaned_text(seed_doc: Document, seed_docx: Path) -> None:
    assert squash(strip_note_marks(docx_text(seed_docx))) == expected_text(seed_doc)


def test_docx_styles_carry_east_asian_font_and_lang(seed_docx: Path) -> None:
    styles = docx_xml(seed_docx, "word/styles.xml")
    assert "eastAsiaTheme" not in styles and "asciiTheme" not in styles
    assert 'w:eastAsia="Noto Serif SC"' in styles
    assert 'w:eastAsia="Noto Sans SC"' in styles
    assert 'w:lang w:val="zh-CN" w:eastAsia="zh-CN"' in styles
    import docx

    document = docx.Document(str(seed_docx))
    names = {p.style.name for p in document.paragraphs}
    assert {"Title", "Body Text", "Briefing Info", "Notes Heading", "Source Note"} <= names
    assert document.core_properties.title.startswith("黄埔区")
    assert document.core_properties.language == "zh-CN"
    with zipfile.ZipFile(seed_docx) as archive:
        footer = "".join(archive.read(n).decode() for n in archive.namelist() if "footer" in n)
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_rebuild_is_byte_identical(seed_doc: Document, tmp_path: Path, fmt: str) -> None:
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    WRITERS[fmt](seed_doc, first)
    WRITERS[fmt](seed_doc, second)
    assert first.read_bytes() == second.read_bytes()


def test_source_date_epoch_is_honoured(seed_doc: Document, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1590456480")  # 2020-05-26T01:28:00Z
    path = tmp_path / "a.pdf"
    WRITERS["pdf"](seed_doc, path)
    assert "20200526012800" in str(PdfReader(path).metadata["/CreationDate"])


HOSTILE = (
    "<script>alert('x')</script> & <b>粗体</b> &amp; R&D",
    "表情😀🇨🇳 和扩展B区字符𨋢𠀀 以及私用区\ue000字符",
    "Mixed English words like internationalization inside 中文句子，不应断开。",
)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_hostile_characters_never_crash_a_writer(tmp_path: Path, fmt: str, caplog) -> None:
    doc = Document(
        meta=Metadata(title="标题 <&> 😀"),
        blocks=(Heading("一、<小标题> & 𨋢"), *(Paragraph(t) for t in HOSTILE)),
        name="hostile",
    )
    path = tmp_path / f"hostile.{fmt}"
    WRITERS[fmt](doc, path)
    text = docx_text(path) if fmt == "docx" else pdf_text_pdfminer(path)
    squashed = squash(text)
    assert squash("<script>alert('x')</script>&<b>粗体</b>&amp;R&D") in squashed
    assert "𨋢" in squashed or fmt == "pdf"
    if fmt == "pdf":
        # Characters no embedded font covers are reported, by code point.
        assert any("no embedded font" in r.getMessage() for r in caplog.records)
        assert "U+E000" in caplog.text


def test_non_bmp_character_extracts_from_pdf(tmp_path: Path) -> None:
    doc = Document(
        meta=Metadata(title="标题"), blocks=(Paragraph("香港的𨋢（升降机）很快。"),), name="hk"
    )
    path = tmp_path / "hk.pdf"
    WRITERS["pdf"](doc, path)
    assert "香港的𨋢（升降机）很快。" in squash(pdf_text_pdfminer(path))


@pytest.mark.poppler
@pytest.mark.skipif(not has_poppler(), reason="poppler-utils (pdftotext, pdffonts) not installed")
def test_pdftotext_and_pdffonts_agree(seed_doc: Document, seed_pdf: Path) -> None:
    extracted = strip_note_marks(
        strip_running_heads(pdf_text_poppler(seed_pdf), seed_doc.meta.title)
    )
    assert squash(seed_doc.body_text) in extracted
    fonts = subprocess.run(["pdffonts", str(seed_pdf)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row.split("Identity-H")[-1] or "yes yes" in row for row in rows)


def test_bilingual_layouts_keep_blocks_aligned(seed_doc: Document, tmp_path: Path) -> None:
    english = dataclasses.replace(
        seed_doc,
        meta=dataclasses.replace(seed_doc.meta, lang="en", title="Huangpu holds a congress"),
        blocks=tuple(
            dataclasses.replace(b, text=f"English paragraph {i}.")
            for i, b in enumerate(seed_doc.blocks)
        ),
        notes=(),
    )
    doc = dataclasses.replace(seed_doc, translation=english)
    for layout in ("interleaved", "side-by-side"):
        for fmt in ("pdf", "docx"):
            path = tmp_path / f"bi.{layout}.{fmt}"
            WRITERS[fmt](doc, path, layout=layout)
            text = squash(docx_text(path) if fmt == "docx" else pdf_text_pdfminer(path))
            positions = [
                text.find(squash(f"English paragraph {i}.")) for i in range(len(doc.blocks))
            ]
            assert all(p >= 0 for p in positions), (layout, fmt)
            assert positions == sorted(positions), (layout, fmt)


def _soffice() -> str | None:
    import shutil

    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.skipif(
    _soffice() is None or not has_poppler(), reason="LibreOffice/poppler not installed"
)
def test_docx_renders_in_libreoffice_with_the_intended_fonts(
    seed_docx: Path, tmp_path: Path
) -> None:
    """A real DOCX client opens the file and sets it in Noto Serif/Sans SC."""
    from exporter.fonts import font_set

    font_dir = font_set("Hans").body.path.parent
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{font_dir}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    subprocess.run(
        [_soffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(seed_docx)],
        check=True, capture_output=True, env=env, timeout=240,
    )  # fmt: skip
    pdf = tmp_path / "seed.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "NotoSerifSC-Regular" in fonts and "NotoSansSC-Regular" in fonts
    text = squash(pdf_text_poppler(pdf))
    assert squash(read_first_paragraph(seed_docx)) in text


def read_first_paragraph(docx_path: Path) -> str:
    import docx

    body = [p.text for p in docx.Document(str(docx_path)).paragraphs if p.style.name == "Body Text"]
    return body[0]


@pytest.mark.parametrize(
    ("lang", "face"), [("zh-HK", "NotoSerifTC"), ("zh-MO", "NotoSerifTC"), ("zh-TW", "NotoSerifTC")]
)
def test_traditional_editions_switch_lang_tags_and_faces(
    run_cli, seed_path: Path, tmp_path: Path, lang: str, face: str
) -> None:
    result = run_cli("build", seed_path, "--out", tmp_path, "--lang", lang)
    assert result.returncode == 0, result.stderr
    pdf = next(p for p in result.paths if p.suffix == ".pdf")
    docx_path = next(p for p in result.paths if p.suffix == ".docx")
    assert pdf.name.endswith(f".{lang}.pdf")
    reader = PdfReader(pdf)
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert any(face in str(f["/BaseFont"]) for f in _fonts_in(pdf))
    styles = docx_xml(docx_path, "word/styles.xml")
    assert f'w:eastAsia="{lang}"' in styles and 'w:eastAsia="Noto Serif TC"' in styles
    text = squash(pdf_text_pdfminer(pdf))
    assert "一百年歷史" in text and "集中簽約" in text  # OpenCC alone writes 年曆 / 籤


def _pdf_lines(pdf: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer, LTTextLine

    lines = []
    for page in extract_pages(str(pdf)):
        for element in page:
            if isinstance(element, LTTextContainer):
                lines += [
                    squash(line.get_text()) for line in element if isinstance(line, LTTextLine)
                ]
    return [line for line in lines if line]


def test_seed_briefing_has_no_forbidden_line_starts_or_ends(seed_pdf: Path) -> None:
    """W3C CLREQ in the real briefing: no line starts with closing punctuation or ends with opening."""
    from exporter.writers.pdf_text import CLOSING, OPENING

    lines = _pdf_lines(seed_pdf)
    assert len(lines) > 100
    assert [line for line in lines if line[0] in CLOSING] == []
    assert [line for line in lines if line[-1] in OPENING] == []
