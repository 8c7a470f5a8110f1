"""A pack in a house style (--style): the same style file shapes a pack as a single briefing."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_pack import check_contents, make_sources, outline_pages, page_texts_pypdf, title

pytestmark = pytest.mark.slow


def test_pack_in_a_house_style(run_cli, seed_text: str, tmp_path: Path) -> None:
    from PIL import Image
    from pypdf import PdfReader

    Image.new("RGB", (200, 50), (166, 27, 27)).save(tmp_path / "logo.png")
    style = tmp_path / "desk.toml"
    style.write_text(
        '[page]\nsize = "Letter"\n\n[marking]\ntext = "内部资料"\n\n[logo]\npath = "logo.png"\n',
        encoding="utf-8",
    )
    sources = make_sources(seed_text, tmp_path / "src", count=3, most=6)
    out = tmp_path / "out"
    result = run_cli("pack", *sources, "--out", out, "--style", style, "-q")
    assert result.returncode == 0, result.stderr
    pdf = out / "pack.zh-CN.pdf"
    box = PdfReader(str(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert "内部资料" in page_texts_pypdf(pdf)[0]
    assert list(PdfReader(str(pdf)).pages[0].images), "the logo is drawn on the cover"
    titles = [title(n) for n in range(1, 4)]
    assert all(name in outline_pages(pdf) for name in titles)
    check_contents(pdf, titles, page_texts_pypdf)

    import docx

    document = docx.Document(str(out / "pack.zh-CN.docx"))
    assert len(document.inline_shapes) == 1  # the logo
    section = document.sections[0]
    assert round(section.page_width.inches, 2) == 8.5  # type: ignore[union-attr]


def test_bad_style_refused_before_reading(run_cli, tmp_path: Path, seed_path: Path) -> None:
    style = tmp_path / "bad.toml"
    style.write_text('[page]\nsize = "A7"\n', encoding="utf-8")
    result = run_cli("pack", seed_path, "--out", tmp_path / "out", "--style", style, "-q")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "A7" in result.stderr or "size" in result.stderr
