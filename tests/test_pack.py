"""Briefing packs: one PDF and one DOCX from many sources, with contents that are right."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from exporter.errors import ExitCode

from .briefing_checks import docx_xml, has_poppler, squash
from .sources import seed_docx, seed_html, seed_markdown

# Packs lay out many articles (reportlab's multiBuild runs the layout until the
# contents settle): seconds each, so all are marked slow (CI still runs them).
pytestmark = pytest.mark.slow

# Dates out of order on purpose, so --sort date has something to do.
DAYS = [7, 3, 9, 1, 5, 10, 2, 8, 4, 6]
KINDS = ["txt", "md", "docx", "html", "txt", "md", "docx", "html", "txt", "md"]


def title(n: int) -> str:
    return f"黄埔新闻第{n}条：区里推进重点项目建设"


def make_sources(
    seed_text: str, folder: Path, count: int = 10, most: int | None = None
) -> list[Path]:
    """``count`` articles cut from the seed's body, each in one of the four formats
    (at most ``most`` sentences each: shorter articles keep a test quick)."""
    body = seed_text.splitlines()[-1]
    sentences = [s + "。" for s in body.split("。") if s]
    size = max(1, len(sentences) // count)
    size = min(size, most) if most else size
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for i in range(count):
        n = i + 1
        text = "".join(sentences[i * size : (i + 1) * size]) or "会议强调，要担当作为。"
        lines = [title(n), f"2020年5月{DAYS[i]}日 09:00", text]
        kind = KINDS[i % len(KINDS)]
        path = folder / f"item{n:02d}.{kind}"
        if kind == "txt":
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        elif kind == "md":
            seed_markdown(lines, path)
        elif kind == "docx":
            seed_docx(lines, path)
        else:
            seed_html(lines, path)
        sources.append(path)
    return sources


def outline_pages(path: Path) -> dict[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    found: dict[str, int] = {}

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found[item.title] = reader.get_destination_page_number(item) + 1

    walk(reader.outline)
    return found


def top_level_titles(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [item.title for item in PdfReader(str(path)).outline if not isinstance(item, list)]


def page_texts_pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [squash(page.extract_text()) for page in PdfReader(str(path)).pages]


def page_texts_poppler(path: Path) -> list[str]:
    from pypdf import PdfReader

    pages = len(PdfReader(str(path)).pages)
    return [
        squash(
            subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), "-enc", "UTF-8", str(path), "-"],
                capture_output=True, text=True, check=True,
            ).stdout
        )
        for n in range(1, pages + 1)
    ]  # fmt: skip


def toc_numbers(pages: list[str], titles: list[str]) -> dict[str, int]:
    """The page numbers printed by the dot leaders of the contents, matched to titles in order.

    Extractors differ in whether a leader's number comes before or after its title, so
    titles and numbers are read as two sequences in the contents' order.
    """
    contents = ""
    for text in pages:
        if not re.search(r"\.{3,}\d+", text):
            break
        contents += text
    numbers = [int(n) for n in re.findall(r"\.{3,}(\d+)", contents)]
    positions = [contents.find(squash(name)) for name in titles]
    assert all(pos >= 0 for pos in positions), "a title is missing from the contents"
    ordered = [name for _, name in sorted(zip(positions, titles, strict=True))]
    assert len(numbers) == len(ordered), (numbers, ordered)
    return dict(zip(ordered, numbers, strict=True))


def check_contents(path: Path, titles: list[str], extract) -> None:  # type: ignore[no-untyped-def]
    pages = extract(path)
    printed = toc_numbers(pages, titles)
    assert sorted(printed) == sorted(titles), f"contents lack {set(titles) - set(printed)}"
    for name, number in printed.items():
        assert squash(name) in pages[number - 1], f"{name}: not on page {number}"
        # ... and it starts there: the page before does not show it (unless it is contents).
        before = pages[number - 2]
        assert squash(name) not in before or re.search(r"[.·…]{3}", before), name


@pytest.fixture(scope="module")
def ten_pack(seed_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A pack of 10 sources in four formats, built once through the CLI."""
    import os
    import sys

    root = tmp_path_factory.mktemp("pack")
    sources = make_sources(seed_path.read_text(encoding="utf-8"), root / "src")
    out = root / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "exporter", "-q", "pack", *map(str, sources), "--out", str(out),
         "--title", "黄埔每日简报", "--date", "2020-05-26"],
        capture_output=True, text=True, env={**os.environ, "XDG_CACHE_HOME": str(root / "c")},
    )  # fmt: skip
    return sources, out, proc


def test_ten_sources_make_one_pdf_and_one_docx(ten_pack) -> None:  # type: ignore[no-untyped-def]
    sources, out, proc = ten_pack
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [str(out / "pack.zh-CN.docx"), str(out / "pack.zh-CN.pdf")]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    for name in ("pack.zh-CN.docx", "pack.zh-CN.pdf"):
        inputs = manifest[name]["inputs"]
        assert [Path(item["input"]) for item in inputs] == sources
        for item in inputs:
            digest = hashlib.sha256(Path(item["input"]).read_bytes()).hexdigest()
            assert item["input_sha256"] == digest


def test_pdf_outline_and_printed_contents_match_pages(ten_pack) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = ten_pack
    pdf = out / "pack.zh-CN.pdf"
    titles = [title(n) for n in range(1, 11)]
    outline = outline_pages(pdf)
    assert all(name in outline for name in titles), outline
    order = [outline[name] for name in titles]
    assert order == sorted(order)
    pages = page_texts_pypdf(pdf)
    assert "黄埔每日简报" in pages[0] and "共10篇" in pages[0] and "2020-05-26" in pages[0]
    printed = toc_numbers(pages, titles)
    assert printed == {name: outline[name] for name in titles}
    check_contents(pdf, titles, page_texts_pypdf)
    # Each article keeps its own date, and one notes section covers all items.
    assert "日期：2020-05-07" in "".join(pages)
    # Damaged paragraphs carry their ※n mark, as in a single briefing.
    assert re.search(r"※\d", "".join(pages[1:]))
    notes = "".join(pages[outline["关于各篇原文的说明"] - 1 :])
    for n in range(1, 11):
        assert f"原文件：item{n:02d}." in notes
    if has_poppler():
        check_contents(pdf, titles, page_texts_poppler)


def test_docx_has_toc_field_and_article_headings(ten_pack) -> None:  # type: ignore[no-untyped-def]
    import docx

    _, out, _ = ten_pack
    path = out / "pack.zh-CN.docx"
    xml = docx_xml(path)
    assert 'TOC \\o "1-1"' in xml
    assert re.search(r"<w:t[^>]*>※\d", xml), "damaged paragraphs carry their mark"
    assert "w:updateFields" in docx_xml(path, "word/settings.xml")
    # Each contents entry refers to its article heading's bookmark (Word's own TOC shape).
    for index in range(10):
        assert f"PAGEREF _Toc{index:08d}" in xml
        assert f'w:name="_Toc{index:08d}"' in xml
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [title(n) for n in range(1, 11)] + ["关于各篇原文的说明"]
    assert document.paragraphs[0].text == "黄埔每日简报"


def test_sort_by_date_and_bad_sources(run_cli, seed_text: str, tmp_path: Path) -> None:
    sources = make_sources(seed_text, tmp_path / "src", count=4, most=6)
    bad_docx = tmp_path / "src" / "broken.docx"
    bad_docx.write_bytes(b"not a zip")
    bad_html = tmp_path / "src" / "scripts.html"
    bad_html.write_text("<html><script>x()</script></html>", encoding="utf-8")
    out = tmp_path / "out"
    args = ["pack", *sources, bad_docx, bad_html, "--out", out, "--sort", "date", "-q"]
    result = run_cli(*args, "--format", "pdf")
    assert result.returncode == ExitCode.BAD_INPUT
    assert result.paths == [out / "pack.zh-CN.pdf"]
    errors = [line for line in result.stderr.splitlines() if line.startswith("exporter: error:")]
    assert any("broken.docx" in line for line in errors)
    assert any("scripts.html" in line for line in errors)
    assert "left out of the pack" in errors[-1]
    outline = outline_pages(out / "pack.zh-CN.pdf")
    by_date = sorted(range(4), key=lambda i: DAYS[i])
    assert [outline[title(i + 1)] for i in by_date] == sorted(
        outline[title(i + 1)] for i in range(4)
    )
    assert next(iter(outline)) == "简报汇编"  # the default title
    # --strict refuses the whole pack.
    strict_out = tmp_path / "strict"
    strict = run_cli("pack", *sources, bad_docx, bad_html, "--out", strict_out, "--strict", "-q")
    assert strict.returncode == ExitCode.BAD_INPUT
    assert strict.stdout == ""
    assert "--strict refuses the whole pack" in strict.stderr
    assert not list(strict_out.glob("pack.*"))


def test_traditional_editions_of_a_pack(run_cli, seed_text: str, tmp_path: Path) -> None:
    sources = make_sources(seed_text, tmp_path / "src", count=3, most=6)
    out = tmp_path / "out"
    result = run_cli(
        "pack", *sources, "--out", out, "--lang", "zh-HK,zh-TW", "--title", "每日简报",
        "--format", "pdf", "-q",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [p.name for p in result.paths] == ["pack.zh-HK.pdf", "pack.zh-TW.pdf"]
    for path in result.paths:
        pages = page_texts_pypdf(path)
        assert "每日簡報" in pages[0] and "目錄" in pages[0]
        assert "黃埔新聞第1條" in "".join(pages)
        titles = [name for name in outline_pages(path) if name.startswith("黃埔新聞第")]
        assert len(titles) == 3
        check_contents(path, titles, page_texts_pypdf)


def test_english_and_bilingual_packs(
    run_cli, tmp_path: Path, tiny_archive: Path, seed_text: str
) -> None:
    env = {
        "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    assert run_cli("models", "install", "--file", tiny_archive, env=env).returncode == 0
    sources = make_sources(seed_text, tmp_path / "src", count=3, most=6)
    out = tmp_path / "out"
    result = run_cli(
        "pack", *sources, "--out", out, "--lang", "en", "--bilingual",
        "interleaved,side-by-side", "--no-glossary", "-q", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [p.name for p in result.paths] == [
        f"pack.{edition}.{fmt}"
        for edition in ("en", "zh-CN_en.interleaved", "zh-CN_en.side-by-side")
        for fmt in ("docx", "pdf")
    ]
    for path in result.paths:
        english = ".en." in path.name
        if path.suffix == ".docx":
            import docx

            document = docx.Document(str(path))
            headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
            assert len(headings) == 4, (path.name, headings)  # 3 articles + the notes
            for heading in headings[:3]:
                # English: the test model's Latin words; bilingual: the Chinese title first.
                assert heading.isascii() if english else heading.startswith("黄埔新闻第"), heading
            continue
        # Top-level outline: the pack's title, the contents, 3 articles, the notes.
        top = top_level_titles(path)
        assert len(top) == 6, (path.name, top)
        titles = top[2:5]
        if not english:
            assert all(name.startswith("黄埔新闻第") and " / " in name for name in titles), titles
        assert ("Contents" if english else "目录") in page_texts_pypdf(path)[0]
        # The contents print each article's title (the Chinese one in a bilingual pack).
        check_contents(path, [name.split(" / ")[0] for name in titles], page_texts_pypdf)


@pytest.mark.libreoffice
@pytest.mark.skipif(
    shutil.which("soffice") is None or not has_poppler(), reason="LibreOffice/poppler not installed"
)
def test_pack_docx_opens_in_libreoffice(ten_pack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A real DOCX client reads the hand-made TOC field and bookmarks: contents, then sections."""
    _, out, _ = ten_pack
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(out / "pack.zh-CN.docx")],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    pages = page_texts_poppler(tmp_path / "pack.zh-CN.pdf")
    assert "目录" in pages[0]
    # The stored contents list every title in order; then each section, in order.
    contents = [pages[0].find(squash(title(n))) for n in range(1, 11)]
    assert all(pos >= 0 for pos in contents) and contents == sorted(contents)
    body = "".join(pages[1:])
    starts = [body.find(squash(title(n))) for n in range(1, 11)]
    assert all(pos >= 0 for pos in starts) and starts == sorted(starts)


@pytest.mark.parametrize("name", ["../out", "a/b", ".hidden", ""])
def test_pack_name_stays_in_out(run_cli, seed_path: Path, tmp_path: Path, name: str) -> None:
    result = run_cli("pack", seed_path, "--out", tmp_path / "out", "--name", name)
    assert result.returncode == ExitCode.USAGE
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()
