"""Page layout as a reader sees it: no widows, runts or one-line pages, compressed punctuation,
titles broken between words, names never hyphenated, usable notes on the source."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

import pytest

from exporter.model import Document, Heading, Metadata, Paragraph, SourceNote
from exporter.readers import read
from exporter.segment import word_starts
from exporter.testing.layout_checks import layout_faults, pdf_lines, squash
from exporter.transforms.clean import clean
from exporter.writers import WRITERS, content

from .briefing_checks import docx_xml, pdf_text_pdfminer

ARTICLES = Path(__file__).parent / "data" / "articles"
NAMES = [
    "Guangzhou",
    "Nanfang",
    "Huangpu",
    "Environment",
    "Island",
    "Shenzhen",
    "Development",
    "Zone",
]


def _english(doc: Document) -> Document:
    """A made-up English translation, block for block: long sentences full of names, so that
    narrow columns must wrap (and would hyphenate) them."""
    blocks = []
    for n, block in enumerate(doc.blocks):
        words = [NAMES[(n + i) % len(NAMES)] if i % 3 == 0 else "consideration" for i in range(9)]
        if isinstance(block, Heading):
            blocks.append(Heading(" ".join(words[:4])))
        else:
            sentence = " ".join(words) + " of the international cooperation programme."
            blocks.append(Paragraph(" ".join([sentence] * (1 + len(block.text) // 120))))
    meta = dataclasses.replace(doc.meta, lang="en", title="Huangpu District party congress")
    return Document(meta=meta, blocks=tuple(blocks), name=doc.name)


def _columns(doc: Document, layout: str) -> list[list[str]]:
    notes = content.notes_section(doc)
    note_texts = [*notes.intros, *notes.items] if notes else []
    main = [b.text for b in doc.blocks]
    if layout == "side-by-side" and doc.translation is not None:
        return [main + note_texts, [b.text for b in doc.translation.blocks]]
    if layout == "interleaved" and doc.translation is not None:
        pairs = zip(doc.blocks, doc.translation.blocks, strict=True)
        return [[t for a, b in pairs for t in (a.text, b.text)] + note_texts]
    return [main + note_texts]


def _headings(doc: Document) -> list[str]:
    docs = [doc] + ([doc.translation] if doc.translation is not None else [])
    return [b.text for d in docs for b in d.blocks if isinstance(b, Heading)]


@pytest.mark.slow
@pytest.mark.parametrize("source", ["seed", "article_a.txt", "article_b.txt"])
@pytest.mark.parametrize("layout", ["mono", "interleaved", "side-by-side"])
def test_no_widows_runts_or_one_line_pages(
    source: str, layout: str, seed_path: Path, tmp_path: Path
) -> None:
    doc = clean(read(seed_path if source == "seed" else ARTICLES / source))
    if layout != "mono":
        doc = dataclasses.replace(doc, translation=_english(doc))
    path = tmp_path / "out.pdf"
    WRITERS["pdf"](doc, path, layout=layout)
    title = doc.meta.title
    faults = layout_faults(
        path, _columns(doc, layout), header=title,
        headings=_headings(doc),
    )  # fmt: skip
    assert faults.missing == []
    assert faults.one_line_pages == []
    assert faults.widows == [] and faults.orphans == []
    assert faults.runts == []
    assert faults.stranded == []


def test_last_line_of_one_character_takes_characters_from_the_line_above(tmp_path: Path) -> None:
    # First line 40 ideographs (after the indent), then 42, then what would be a runt.
    base = "发展改革委员会推进科技创新走廊建设工作"
    for extra in range(0, 8):
        text = (base * 6)[: 40 + 42 + extra] + "。"
        doc = Document(Metadata(title="测试", lang="zh-CN"), (Paragraph(text),), name="t")
        path = tmp_path / f"runt{extra}.pdf"
        WRITERS["pdf"](doc, path)
        faults = layout_faults(path, [[text]], header="测试")
        assert faults.runts == [], extra
        lines = [line.text for line in pdf_lines(path, "测试")[0] if line.text != "测试"]
        assert "".join(lines) == text  # the text itself is unchanged
        last = lines[-1].rstrip("。")
        assert len(last) >= 2, (extra, lines)


def test_consecutive_punctuation_takes_half_width(tmp_path: Path) -> None:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer

    text = "会议（第一次）》。他说：“好。”"
    doc = Document(Metadata(title="标点", lang="zh-CN"), (Paragraph(text),), name="p")
    path = tmp_path / "p.pdf"
    WRITERS["pdf"](doc, path)
    assert squash(text) in squash(pdf_text_pdfminer(path))
    chars: list[LTChar] = []
    stack = list(extract_pages(str(path)))
    while stack:
        item = stack.pop()
        if isinstance(item, LTChar) and item.size > 10.5 and item.size < 11.5:
            chars.append(item)
        elif isinstance(item, LTContainer):
            stack.extend(item)
    chars.sort(key=lambda c: c.x0)
    line = "".join(c.get_text() for c in chars)
    assert line == text
    advance = {line[i : i + 2]: chars[i + 1].x0 - chars[i].x0 for i in range(len(line) - 1)}
    em = chars[0].size
    assert advance["）》"] == pytest.approx(em / 2, abs=0.6)
    assert advance["》。"] == pytest.approx(em / 2, abs=0.6)
    assert advance["。”"] == pytest.approx(em / 2, abs=0.6)
    assert advance["会议"] == pytest.approx(em, abs=0.6)  # ideographs keep their full width


def test_title_breaks_between_words_in_balanced_lines(seed_path: Path, tmp_path: Path) -> None:
    doc = clean(read(seed_path))
    path = tmp_path / "seed.pdf"
    WRITERS["pdf"](dataclasses.replace(doc, notes=()), path)
    lines, _ = pdf_lines(path, doc.meta.title)
    title = doc.meta.title
    first, second = lines[0].text, lines[1].text
    assert first + second == title
    assert len(first) in word_starts(title)
    assert abs(len(first) - len(second)) <= 4


def test_english_hyphenation_never_splits_names(tmp_path: Path) -> None:
    words = (NAMES + ["environmental", "consideration", "international"]) * 12
    doc = Document(
        Metadata(title="Names", lang="en"),
        (Paragraph(" ".join(words)),),
        name="names",
        translation=None,
    )
    path = tmp_path / "names.pdf"
    chinese = Document(Metadata(title="名称", lang="zh-CN"), (Paragraph("名称。" * 60),))
    bilingual = dataclasses.replace(chinese, translation=doc)
    WRITERS["pdf"](bilingual, path, layout="side-by-side")
    lines = pdf_text_pdfminer(path).splitlines()
    hyphenated = [line for line in lines if re.search(r"[A-Za-z]-$", line)]
    assert hyphenated, "the narrow column should hyphenate some words"
    for line in hyphenated:
        fragment = re.findall(r"[A-Za-z]+-$", line)[-1]
        assert fragment[0].islower() and len(fragment) - 1 >= 3, line


def test_notes_list_every_place_by_paragraph_in_the_editions_language(seed_path: Path) -> None:
    doc = clean(read(seed_path))
    assert len(doc.notes) > 10
    for lang, head in (("zh-CN", "第 {n} 段"), ("en", "Paragraph {n}")):
        edition = dataclasses.replace(doc, meta=dataclasses.replace(doc.meta, lang=lang))
        notes = content.notes_section(edition)
        assert notes is not None
        text = "".join(notes.items)
        for note in doc.notes:
            if note.where == "body":
                assert head.format(n=note.paragraph) in text
        counted = sum(int(m) for m in re.findall(r"(\d+) (?:处|places)", text))
        counted += len(re.findall(r"\b1 place\b", text))
        assert counted == len(doc.notes)
        assert "@" not in text and "从略" not in text and "not listed" not in text
        assert str(len(doc.notes)) in notes.notice[0]
    english = _english(doc)
    bilingual = content.notes_section(dataclasses.replace(doc, translation=english))
    assert bilingual is not None
    assert "关于原文的说明" in bilingual.heading and "Notes on the source" in bilingual.heading
    assert len(bilingual.intros) == 2 and len(bilingual.notice) == 2
    assert "第 1 段" in bilingual.items[1] and "Paragraph 1" in bilingual.items[1]


def test_excerpts_mark_gaps_and_end_at_word_boundaries() -> None:
    doc = clean(
        Document(
            Metadata(title="测试"),
            (
                Paragraph("测试标题"),
                Paragraph("会议指出，该区完成地区生产总值亿元，增长，增速创年来新高。"),
            ),
        )
    )
    items = content.notes_section(doc).items  # type: ignore[union-attr]
    index = next(i for i, b in enumerate(doc.blocks) if "亿元" in b.text)
    assert items == (
        f"第 {index + 1} 段（3 处：金额、增幅、年份）："
        "“完成地区生产总值□亿元，增长□，增速创□年来新高。”",
    )
    note: SourceNote = doc.notes[0]
    body = doc.body_text  # excerpt_at counts into the body, like position
    assert body[note.excerpt_at : note.excerpt_at + len(note.excerpt)] == note.excerpt
    start = sum(len(b.text) for b in doc.blocks[:index])
    assert note.excerpt_at - start in word_starts(doc.blocks[index].text)


def test_pdf_marks_damaged_paragraphs_and_the_text_stays_intact(tmp_path: Path) -> None:
    text = "该区完成地区生产总值亿元，同比有较大幅度的提高。"
    doc = clean(
        Document(
            Metadata(title="测试"),
            (Paragraph("测试标题"), Paragraph("第一段正常。"), Paragraph(text)),
        )
    )
    path = tmp_path / "marks.pdf"
    WRITERS["pdf"](doc, path)
    number = 1 + next(i for i, b in enumerate(doc.blocks) if b.text == text)
    lines = [line.text for line in pdf_lines(path, doc.meta.title)[0]]
    mark = f"※{number}"
    assert any(line.startswith(mark) and squash(text).startswith(line[2:]) for line in lines)
    assert sum(line.startswith("※") for line in lines) == 1


def test_docx_has_widow_control_and_keeps_headings_with_next(
    seed_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "seed.docx"
    WRITERS["docx"](clean(read(seed_path)), path)
    styles = docx_xml(path, "word/styles.xml")
    normal = re.search(r'<w:style [^>]*w:styleId="Normal".*?</w:style>', styles, re.S)
    assert normal and "<w:widowControl/>" in normal.group()
    for style_id in ("Title", "Heading1"):
        style = re.search(rf'<w:style [^>]*w:styleId="{style_id}".*?</w:style>', styles, re.S)
        assert style and "<w:keepNext/>" in style.group(), style_id
    body = docx_xml(path)
    assert unicodedata.normalize("NFC", "※1") in body


def test_title_and_excerpt_segmentation_agrees_with_jieba(seed_path: Path) -> None:
    """The word index (exporter/segment.py) stands in for jieba's cut where only word
    boundaries are needed."""
    from exporter.segment import _cutter
    from exporter.transforms.convert.guard import _jieba

    tokenizer = _jieba()
    if tokenizer is None:
        pytest.skip("jieba not installed")
    text = seed_path.read_text(encoding="utf-8")
    sentences = [s for s in re.split(r"[。！？\n]", text) if s.strip()]
    assert len(sentences) > 50
    for hmm in (True, False):  # titles and excerpts; the conversion stage's word guard
        cut = _cutter(hmm=hmm)
        assert cut is not None
        assert not [s for s in sentences if list(cut(s)) != list(tokenizer.cut(s, HMM=hmm))]
