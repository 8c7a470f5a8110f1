"""The house style: one TOML both writers read; what a reader sees in the PDF and the DOCX."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from exporter.errors import ExitCode, InputError
from exporter.model import Document, Heading, Metadata, Paragraph
from exporter.style import default_style, default_text, load_style
from exporter.writers import WRITERS

from .briefing_checks import docx_xml

DOC = Document(
    name="style-sample",
    meta=Metadata(
        title="《大湾区科技创新行动计划（2024—2026年）》发布", lang="zh-CN", date="2024-03-17T10:05"
    ),  # fmt: skip
    blocks=(
        Heading("一、总体要求"),
        *(
            Paragraph(
                f"到2026年，研发投入强度达到3.5%以上，高新技术企业突破8.5万家（第{i}段）。" * 4
            )
            for i in range(1, 9)
        ),
    ),
)


def _write(tmp_path: Path, style_text: str | None = None, doc: Document = DOC) -> tuple[Path, Path]:
    style = None
    if style_text is not None:
        style_file = tmp_path / "style.toml"
        style_file.write_text(style_text, encoding="utf-8")
        style = load_style(style_file)
    pdf, docx = tmp_path / "out.pdf", tmp_path / "out.docx"
    WRITERS["pdf"](doc, pdf, style=style)
    WRITERS["docx"](doc, docx, style=style)
    return pdf, docx


def _pdf_fonts(pdf: Path) -> set[str]:
    names = set()
    for page in PdfReader(str(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_default_style_round_trips_and_prints(run_cli) -> None:
    result = run_cli("style", "--print-default")
    assert result.returncode == 0
    assert result.stdout == default_text()
    assert '[page]\nsize = "A4"' in result.stdout
    assert default_style().page.size == "A4"


def test_the_printed_default_is_the_default(tmp_path: Path) -> None:
    import dataclasses

    path = tmp_path / "mine.toml"
    path.write_text(default_text(), encoding="utf-8")
    mine = load_style(path)
    assert mine.source == str(path)
    assert dataclasses.replace(mine, source="default style") == default_style()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[page]\nsize = "B5"\n', "[page] size: 'B5' is not one of A4, Letter"),
        ("[page]\nmargin_top = -3\n", "[page] margin_top: -3 is out of range"),
        ('[text.body]\ncolor = "blue"\n', '[text.body] color: \'blue\' is not a colour like "#1F2A44"'),
        ("[text.body]\nleading = 8\n", "[text.body] leading: 8 is less than the size 11"),
        ('[fonts]\nheading = "fancy"\n', "[fonts] heading: 'fancy' is not one of serif, sans, sans-bold"),
        ("[pgae]\nsize = 'A4'\n", "unknown key 'pgae'"),
        ("[page\n", "not valid TOML"),
        ('[logo]\npath = "missing.png"\n', "does not exist"),
    ],
)  # fmt: skip
def test_bad_style_is_a_clear_input_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_style(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_cli_rejects_a_bad_style_before_building(run_cli, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("标题\n2020-05-26 09:28\n正文。\n", encoding="utf-8")
    style = tmp_path / "bad.toml"
    style.write_text('[page]\nsize = "A5"\n', encoding="utf-8")
    result = run_cli("build", source, "--out", tmp_path / "out", "--style", style)
    assert result.returncode == ExitCode.BAD_INPUT
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1].startswith("exporter: error: style ")
    assert not (tmp_path / "out" / "a.zh-CN.pdf").exists()


def test_letter_changes_both_formats(tmp_path: Path) -> None:
    pdf, docx = _write(tmp_path, '[page]\nsize = "Letter"\nmargin_left = 25\n')
    box = PdfReader(str(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    document = docx_xml(docx)
    # Twips: 8.5 × 11 in; the left margin is 25 mm.
    assert re.search(r'<w:pgSz w:w="12240" w:h="15840"', document)
    assert 'w:left="1417"' in document


def test_both_formats_take_the_same_numbers(tmp_path: Path) -> None:
    pdf, docx = _write(tmp_path)
    styles = docx_xml(docx, "word/styles.xml")
    body = re.search(r'w:styleId="BodyText">.*?</w:style>', styles).group(0)
    # Exactly the PDF's 19 pt leading, 11 pt size, 6 pt after, 2-character indent.
    assert 'w:line="380" w:lineRule="exact"' in body and 'w:after="120"' in body
    assert '<w:sz w:val="22"/>' in body and 'w:firstLine="440"' in body
    title = re.search(r'w:styleId="Title">.*?</w:style>', styles).group(0)
    assert '<w:color w:val="1F2A44"/>' in title and "4F81BD" not in title
    assert "<w:pBdr>" not in title  # the rule is the house rule, under the title block
    document = docx_xml(docx)
    assert '<w:bottom w:val="single" w:sz="5" w:space="4" w:color="1F2A44"/>' in document
    # East Asian line breaking and no CJK/digit autospace (the PDF adds none).
    defaults = re.search(r"<w:pPrDefault>.*?</w:pPrDefault>", styles).group(0)
    for setting in ('<w:kinsoku w:val="1"/>', '<w:overflowPunct w:val="0"/>',
                    '<w:autoSpaceDE w:val="0"/>', '<w:autoSpaceDN w:val="0"/>'):  # fmt: skip
        assert setting in defaults
    settings = docx_xml(docx, "word/settings.xml")
    assert re.search(r'<w:noLineBreaksAfter w:lang="zh-CN" w:val="[^"]*（[^"]*"', settings)
    assert re.search(r'<w:noLineBreaksBefore w:lang="zh-CN" w:val="[^"]*。[^"]*"', settings)
    # Numbers are runs of their own, unaltered.
    assert '<w:lang w:val="en-US" w:eastAsia="en-US"/></w:rPr><w:t>2026</w:t>' in document
    assert PdfReader(str(pdf)).pages[0].mediabox.width == pytest.approx(595.28, abs=0.01)


def test_headings_are_real_bold_faces(tmp_path: Path) -> None:
    pdf, docx = _write(tmp_path)
    assert "NotoSansSC-Bold" in _pdf_fonts(pdf)
    assert "NotoSansSC-Regular" in _pdf_fonts(pdf)  # date line and header: the caption face
    styles = docx_xml(docx, "word/styles.xml")
    for style_id in ("Title", "Heading1"):
        block = re.search(rf'w:styleId="{style_id}">.*?</w:style>', styles).group(0)
        assert 'w:eastAsia="Noto Sans SC"' in block and "<w:b/>" in block
    # A style whose face has no bold weight is never bold.
    info = re.search(r'w:styleId="BriefingInfo">.*?</w:style>', styles).group(0)
    assert "<w:b/>" not in info and '<w:b w:val="0"/>' in info
    regular = load_style(None)
    assert regular.fonts.heading == "sans-bold"


def test_sans_regular_headings_are_not_bold(tmp_path: Path) -> None:
    pdf, docx = _write(tmp_path, '[fonts]\nheading = "sans"\n')
    assert "NotoSansSC-Bold" not in _pdf_fonts(pdf)
    styles = docx_xml(docx, "word/styles.xml")
    title = re.search(r'w:styleId="Title">.*?</w:style>', styles).group(0)
    assert "<w:b/>" not in title


def test_docx_package_names_exporter_and_has_no_thumbnail(tmp_path: Path) -> None:
    _pdf, docx = _write(tmp_path)
    with zipfile.ZipFile(docx) as package:
        names = package.namelist()
        app = package.read("docProps/app.xml").decode()
        rels = package.read("_rels/.rels").decode()
    assert "docProps/thumbnail.jpeg" not in names and "thumbnail" not in rels
    assert "<Application>exporter</Application>" in app
    assert "Microsoft" not in app and "Normal.dotm" not in app
    assert 'w:styleId="Heading2"' not in docx_xml(docx, "word/styles.xml")


def test_marking_logo_and_cover(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (200, 50), (166, 27, 27)).save(tmp_path / "logo.png")
    pdf, docx = _write(
        tmp_path,
        '[marking]\ntext = "內部參考 / For internal use"\n[logo]\npath = "logo.png"\n'
        "[page]\ncover = true\n",
    )
    reader = PdfReader(str(pdf))
    first = reader.pages[0].extract_text()
    assert "內部參考 / For internal use" in first and "总体要求" not in first
    assert len(reader.pages[0].images) == 1
    document = docx_xml(docx)
    assert "內部參考 / For internal use" in document
    assert '<w:br w:type="page"/>' in document
    assert "<pic:pic" in document


def _lo_env(tmp_path: Path) -> dict[str, str]:
    """fontconfig that sees the built fonts, as a user who installed them would."""
    from exporter.fonts import font_set

    fonts_dir = font_set("Hans").body.path.parent
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf'
        f"</include><dir>{fonts_dir}</dir><cachedir>{tmp_path / 'fc'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    import os

    return {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(tmp_path)}


def _lo_render(docx: Path, tmp_path: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "lo"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out), str(docx)],
        check=True, capture_output=True, env=_lo_env(tmp_path), timeout=180,
    )  # fmt: skip
    return out / f"{docx.stem}.pdf"


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_libreoffice_render_matches_the_pdf(tmp_path: Path, seed_path: Path, size: str) -> None:
    from exporter.readers import read
    from exporter.transforms.clean import clean

    doc = clean(read(seed_path))
    pdf, docx = _write(tmp_path, f'[page]\nsize = "{size}"\n', doc)
    rendered = _lo_render(docx, tmp_path)
    ours, theirs = PdfReader(str(pdf)), PdfReader(str(rendered))
    assert abs(len(ours.pages) - len(theirs.pages)) <= 1
    width = {"A4": 595, "Letter": 612}[size]
    assert round(float(theirs.pages[0].mediabox.width)) == width
    # Every bold run is a real bold face, in both files.
    for fonts in (_pdf_fonts(pdf), _pdf_fonts(rendered)):
        assert "NotoSansSC-Bold" in fonts
    # LibreOffice never splits a number across lines, nor ends a line with an opening mark.
    lines = [line.strip() for line in _pdftotext(rendered).splitlines() if line.strip()]
    for above, below in zip(lines, lines[1:], strict=False):
        assert not (above[-1].isdigit() and below[0].isdigit()), (above, below)
        assert above[-1] not in "（《“‘「『【", above


def _pdftotext(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        from pypdf import PdfReader as Reader

        return "\n".join(page.extract_text() for page in Reader(str(pdf)).pages)
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
