"""Word, Markdown and saved HTML pages: what each reader keeps, drops and refuses."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from exporter.errors import ExitCode, InputError
from exporter.model import Heading, Paragraph
from exporter.readers import read
from exporter.transforms.clean import clean

from .sources import p, seed_docx, seed_html, seed_markdown, write_docx_xml

INS = '<w:ins w:id="1" w:author="a" w:date="2020-01-01T00:00:00Z">'
DEL = '<w:del w:id="2" w:author="a" w:date="2020-01-01T00:00:00Z">'


def _texts(doc) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(type(b).__name__, b.text) for b in doc.blocks]


# --- Word -----------------------------------------------------------------------------


def test_docx_structure_in_reading_order(tmp_path: Path) -> None:
    body = (
        p("黄埔区召开工作会议", "Title")
        + p("会议指出，要坚持高质量发展。")
        + "<w:tbl><w:tr><w:tc>" + p("指标") + "</w:tc><w:tc>" + p("数值") + "</w:tc></w:tr>"
        + "<w:tr><w:tc>" + p("地区生产总值") + "</w:tc><w:tc>" + p("100亿元") + "</w:tc></w:tr>"
        + "</w:tbl>"
        + p("一、经济指标", "1")
        + p("编辑部的小标题", "MyHead")
        + '<w:p><w:pPr><w:outlineLvl w:val="2"/></w:pPr><w:r><w:t>直接设定的大纲级别</w:t></w:r></w:p>'
        + p("表格之后的段落。")
    )  # fmt: skip
    doc = read(write_docx_xml(tmp_path / "a.docx", body))
    assert doc.meta.title == "黄埔区召开工作会议"
    assert _texts(doc) == [
        ("Paragraph", "会议指出，要坚持高质量发展。"),
        ("Paragraph", "指标 | 数值"),
        ("Paragraph", "地区生产总值 | 100亿元"),
        ("Heading", "一、经济指标"),
        ("Heading", "编辑部的小标题"),
        ("Heading", "直接设定的大纲级别"),
        ("Paragraph", "表格之后的段落。"),
    ]
    assert [b.level for b in doc.blocks if isinstance(b, Heading)] == [1, 2, 3]


def test_docx_tracked_changes_accepted_fields_as_text(tmp_path: Path) -> None:
    body = (
        p("标题")
        + "<w:p><w:r><w:t>增长</w:t></w:r>"
        + INS + "<w:r><w:t>百分之五</w:t></w:r></w:ins>"
        + DEL + "<w:r><w:delText>百分之三</w:delText></w:r></w:del>"
        + '<w:moveFrom w:id="3" w:author="a"><w:r><w:t>搬走的话</w:t></w:r></w:moveFrom>'
        + '<w:moveTo w:id="4" w:author="a"><w:r><w:t>，搬来的话</w:t></w:r></w:moveTo>'
        + "<w:r><w:t>。</w:t></w:r></w:p>"
        # A simple field and a complex field: the result is kept, the code is not.
        + '<w:p><w:r><w:t>见第</w:t></w:r><w:fldSimple w:instr=" PAGE "><w:r><w:t>3</w:t></w:r>'
        + "</w:fldSimple><w:r><w:t>页，</w:t></w:r>"
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + '<w:r><w:instrText xml:space="preserve"> DATE \\@ "yyyy" </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2020</w:t></w:r>'
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>年。</w:t></w:r></w:p>'
        # A whole paragraph inserted, one deleted.
        + "<w:p>" + INS + "<w:r><w:t>新增的一段。</w:t></w:r></w:ins></w:p>"
        + "<w:p>" + DEL + "<w:r><w:delText>删掉的一段。</w:delText></w:r></w:del></w:p>"
    )  # fmt: skip
    doc = read(write_docx_xml(tmp_path / "t.docx", body))
    text = "\n".join(b.text for b in doc.blocks)
    assert "增长百分之五，搬来的话。" in text
    assert "见第3页，2020年。" in text
    assert "新增的一段。" in text
    for gone in ("百分之三", "搬走的话", "删掉的一段", "DATE", "PAGE"):
        assert gone not in text


def test_docx_foot_and_endnotes_kept_as_notes(tmp_path: Path) -> None:
    body = (
        p("标题")
        + '<w:p><w:r><w:t>据统计</w:t></w:r><w:r><w:footnoteReference w:id="7"/></w:r>'
        + '<w:r><w:t>，增长明显</w:t></w:r><w:r><w:endnoteReference w:id="7"/></w:r>'
        + "<w:r><w:t>。</w:t></w:r></w:p>"
    )
    notes = '<w:footnote w:id="7"><w:p><w:r><w:t>数据来自区统计局。</w:t></w:r></w:p></w:footnote>'
    ends = '<w:endnote w:id="7"><w:p><w:r><w:t>同比口径。</w:t></w:r></w:p></w:endnote>'
    doc = read(write_docx_xml(tmp_path / "f.docx", body, notes, ends))
    assert doc.blocks[1] == Paragraph("据统计[1]，增长明显[2]。")
    assert doc.blocks[-3:] == (
        Heading("注释", 1),
        Paragraph("[1] 数据来自区统计局。"),
        Paragraph("[2] 同比口径。"),
    )


def test_docx_without_title_style_takes_first_paragraph(tmp_path: Path) -> None:
    doc = clean(read(write_docx_xml(tmp_path / "n.docx", p("第一段是标题") + p("正文。"))))
    assert doc.meta.title == "第一段是标题"
    assert doc.blocks == (Paragraph("正文。"),)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is plain text, not a zip", "not a zip package"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old binary Word"),
        (_zip({"[Content_Types].xml": b"<Types/>"}), "has no word/document.xml"),
        (_zip({"word/document.xml": b"<w:document"}), "not valid XML"),
        # 3 MB of zeros packs to a few KB: refused before it is unpacked.
        (_zip({"word/document.xml": b"\x00" * 3_000_000}), "zip bomb"),
    ],
    ids=["not-zip", "legacy-doc", "no-document", "bad-xml", "zip-bomb"],
)
def test_corrupt_docx_refused_in_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as info:
        read(path)
    assert "\n" not in str(info.value)


def test_corrupt_docx_cli_exit_3(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(_zip({"hello.txt": b"hi"}))
    result = run_cli("build", bad, "--out", tmp_path / "out", "--format", "docx", "-q")
    assert result.returncode == ExitCode.BAD_INPUT
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "bad.docx" in result.stderr and "word/document.xml" in result.stderr
    assert not (tmp_path / "out" / "bad.zh-CN.docx").exists()


# --- Markdown --------------------------------------------------------------------------

MARKDOWN = """---
title: "黄埔区召开工作会议"
date: 2020-05-26 09:28
source: 广州日报
---

会议**指出**，要坚持*高质量*发展，
推进“双区”建设。See `code` and
[the report](https://example.com).

## 一、主要指标

1. 地区生产总值增长百分之五。
2. 税收增长。

- 第一项
- 第二项

| 指标 | 数值 |
|---|---|
| 税收 | 100 |
"""


def test_markdown_front_matter_structure_and_plain_emphasis(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    raw = read(path)
    assert raw.meta.title == "黄埔区召开工作会议"
    assert raw.meta.date == "2020-05-26T09:28"
    assert raw.meta.credits == (("source", "广州日报"),)
    assert _texts(raw) == [
        # A soft break between Chinese characters joins them; between words it is a space.
        ("Paragraph", "会议指出，要坚持高质量发展，推进“双区”建设。See code and the report."),
        ("Heading", "一、主要指标"),
        ("Paragraph", "1. 地区生产总值增长百分之五。"),
        ("Paragraph", "2. 税收增长。"),
        ("Paragraph", "第一项"),
        ("Paragraph", "第二项"),
        ("Paragraph", "指标 | 数值"),
        ("Paragraph", "税收 | 100"),
    ]
    doc = clean(raw)
    assert doc.meta.date == "2020-05-26T09:28"
    assert ("source", "广州日报") in doc.meta.credits


def test_markdown_title_not_repeated(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text("---\ntitle: 区里开会\n---\n# 区里开会\n\n正文。\n", encoding="utf-8")
    doc = read(path)
    assert doc.meta.title == "区里开会"
    assert doc.blocks == (Paragraph("正文。"),)


def test_markdown_in_gb18030_decodes(tmp_path: Path) -> None:
    path = tmp_path / "gbk.markdown"
    path.write_bytes("# 黄埔区召开会议\n\n会议指出，要坚持高质量发展。\n".encode("gb18030"))
    doc = read(path)
    assert doc.meta.title == "黄埔区召开会议"
    assert dict(doc.meta.provenance)["input_encoding"] == "gb18030"


def test_markdown_binary_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"# a\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        read(path)


# --- HTML ------------------------------------------------------------------------------


def test_html_article_without_page_furniture(tmp_path: Path) -> None:
    lines = ["黄埔区召开工作会议", "会议指出，要坚持高质量发展，推进“双区”建设。" * 3,
             "黄埔五项经济指标全市第一，北中南空间布局蓝图铺就。" * 3]  # fmt: skip
    # <title> carries the site's name ("…_新闻中心"); the article's own heading is the title.
    doc = read(seed_html(lines, tmp_path / "page.html"))
    assert doc.meta.title == "黄埔区召开工作会议"
    text = "".join(b.text for b in doc.blocks)
    assert text == "".join(lines[1:])
    for furniture in ("首页", "国际", "相关阅读", "网友评论", "写得好", "版权所有", "ads"):
        assert furniture not in text


def test_html_metadata_and_declared_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>区里开会</title>"
        '<meta property="og:site_name" content="广州日报">'
        '<meta property="article:published_time" content="2020-05-26T09:28:00+08:00">'
        "</head><body><article><h1>区里开会</h1>"
        "<p>会议指出，要坚持高质量发展，推进双区建设，全年经济指标全市第一。</p>"
        "<p>会议强调，要把握机遇，担当作为，奋力开创新局面。</p></article></body></html>"
    )
    path = tmp_path / "gbk.htm"
    path.write_bytes(page.encode("gb18030"))
    doc = read(path)
    assert doc.meta.title == "区里开会"
    # The meta tag's time, not only the day htmldate finds.
    assert doc.meta.date == "2020-05-26T09:28:00"
    assert ("source", "广州日报") in doc.meta.credits
    assert doc.blocks[0].text.startswith("会议指出")


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><script>var a = 1;</script></head><body><script>go()</script></body></html>",
        "<html><body><nav><a href='/'>首页</a></nav></body></html>",
    ],
    ids=["only-scripts", "only-navigation"],
)
def test_html_without_article_exit_3(run_cli, tmp_path: Path, page: str) -> None:
    path = tmp_path / "empty.html"
    path.write_text(page, encoding="utf-8")
    result = run_cli("build", path, "--out", tmp_path / "out", "-q")
    assert result.returncode == ExitCode.BAD_INPUT
    assert result.stdout == ""
    assert "no article text found" in result.stderr
    assert result.stderr.strip().count("\n") == 0


# --- the goal: the same briefing whatever the source format ---------------------------


@pytest.mark.slow
def test_seed_as_docx_markdown_html_gives_the_txt_briefing(
    seed_path: Path, seed_text: str, tmp_path: Path
) -> None:
    from exporter.pipeline import BuildOptions, build_document

    from .briefing_checks import docx_text, pdf_text_pdfminer, squash

    lines = seed_text.splitlines()
    sources = [
        seed_path,
        seed_docx(lines, tmp_path / "seed.docx"),
        seed_markdown(lines, tmp_path / "seed.md"),
        seed_html(lines, tmp_path / "seed.html"),
    ]
    texts: dict[str, list[str]] = {"pdf": [], "docx": []}
    for source in sources:
        result = build_document(source, tmp_path / source.suffix[1:], BuildOptions())
        for path in result.outputs:
            fmt = path.suffix[1:]
            text = docx_text(path) if fmt == "docx" else pdf_text_pdfminer(path)
            texts[fmt].append(squash(text))
    for fmt, found in texts.items():
        assert len(found) == 4
        reference = found[0]
        assert "黄埔五项经济指标全市第一" in reference
        for other, name in zip(found[1:], ("docx", "markdown", "html"), strict=True):
            assert other == reference, f"{name} source gives a different {fmt} briefing"


def test_folder_picks_up_every_source_format(run_cli, seed_text: str, tmp_path: Path) -> None:
    lines = ["黄埔区召开工作会议", "会议指出，要坚持高质量发展，推进“双区”建设，奋力开创新局面。"]
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("\n".join(lines), encoding="utf-8")
    seed_markdown(lines, folder / "b.md")
    seed_docx(lines, folder / "sub" / "c.docx")
    seed_html(lines, folder / "d.HTM")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not a source")
    out = tmp_path / "out"
    result = run_cli("build", folder, "--out", out, "--format", "docx", "-q", "-j", "1")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in result.paths] == [
        "a.zh-CN.docx", "b.zh-CN.docx", "d.zh-CN.docx", "c.zh-CN.docx"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.md", b"  \n\n", "empty"),
        ("empty.html", b"", "empty"),
        ("nul.html", b"<html><body><p>\x00\x00</p></body></html>", "binary"),
        ("blank.docx", None, "no text"),
    ],
)
def test_empty_and_binary_sources_refused(
    tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if data is None:
        write_docx_xml(path, "<w:p/>")
    else:
        path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read(path)
