"""Cleaning: safe normalisation, recovered structure, damage reported but never repaired."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.model import Document, Heading, Metadata, Paragraph
from exporter.readers import read
from exporter.transforms.clean import clean
from exporter.transforms.normalize import normalize_line
from exporter.transforms.structure import MAX_PARAGRAPH


def _doc(*lines: str) -> Document:
    return Document(meta=Metadata(), blocks=tuple(Paragraph(line) for line in lines), name="t")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＧＤＰ增长７．５％，", "GDP增长7．5％，"),  # letters/digits narrow; punctuation stays
        ("会议指出，要坚持。", "会议指出，要坚持。"),  # ， never becomes ,
        ("黄埔\u200b区\u200d委\ufeff", "黄埔区委"),  # zero-width
        ("\u202e黄埔\u202c区\u2066委\u2069", "黄埔区委"),  # bidi overrides and isolates
        ("黄\x00埔\x07区\x1b委", "黄埔区委"),  # control characters
        ("　　黄埔区　委", "黄埔区 委"),  # ideographic spaces, indentation
        ("a  \t b", "a b"),
        ("会议 ， 指出 。", "会议，指出。"),
        ("<b>&amp; 黄埔 😀 𨋢 \ue000", "<b>&amp; 黄埔 😀 𨋢 \ue000"),  # kept verbatim
    ],
)
def test_normalize_line(raw: str, expected: str) -> None:
    assert normalize_line(raw) == expected


def test_seed_structure(seed_path: Path) -> None:
    doc = clean(read(seed_path))
    assert doc.meta.title == "黄埔区一届六次党代会暨广州开发区广州高新区党工委年第一次工作会议召开"
    assert doc.meta.date == "2020-05-26T09:28"
    assert doc.meta.source == "中国日报广东记者站"
    paragraphs = [b for b in doc.blocks if isinstance(b, Paragraph)]
    assert len(paragraphs) >= 10
    assert all(len(p.text) <= MAX_PARAGRAPH for p in paragraphs)
    # Split only at sentence ends, and nothing is lost or added.
    assert all(p.text.endswith("。") for p in paragraphs)
    raw_body = seed_path.read_text(encoding="utf-8").split("\n")[2]
    assert doc.body_text + "中国日报广东记者站" == raw_body


def test_seed_damage_is_reported_not_repaired(
    seed_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    doc = clean(read(seed_path))
    kinds = {note.kind for note in doc.notes}
    assert {"missing_date", "missing_year", "missing_amount", "missing_percentage"} <= kinds
    for note in doc.notes:
        if note.where == "body":
            # The position points at the damage in the cleaned body text.
            assert doc.body_text[note.position : note.position + 1] in note.excerpt
    date_note = next(n for n in doc.notes if n.kind == "missing_date")
    assert doc.body_text[date_note.position : date_note.position + 2] == "月日"
    assert "月日" in doc.body_text  # not "repaired"
    assert any("damaged in" in r.getMessage() for r in caplog.records)


def test_no_false_damage_in_intact_text() -> None:
    doc = clean(
        _doc(
            "标题",
            "2019年，该区完成地区生产总值2000亿元，增长7.2%。5月26日，会议召开。过去一年，年轻干部成长。",
        )
    )
    assert doc.notes == ()


@pytest.mark.parametrize(
    ("lines", "credits"),
    [
        (("标题", "来源：新华社", "正文内容。"), (("source", "新华社"),)),
        (("标题", "正文内容。", "责任编辑：王小明"), (("editor", "王小明"),)),
        (("标题", "原标题：旧的标题", "正文内容。"), (("original_title", "旧的标题"),)),
        (("标题", "（记者 李华）正文内容。"), (("reporter", "李华"),)),
        (
            ("标题", "正文内容。", "https://example.com/a/1.html"),
            (("url", "https://example.com/a/1.html"),),
        ),
        (("标题", "2020-05-26 09:28 来源：人民网", "正文。"), (("source", "人民网"),)),
    ],
)
def test_credits_are_recovered(
    lines: tuple[str, ...], credits: tuple[tuple[str, str], ...]
) -> None:
    doc = clean(_doc(*lines))
    assert doc.meta.credits == credits
    assert all("来源" not in b.text and "编辑" not in b.text for b in doc.blocks)


def test_hard_wrapped_lines_are_joined_but_title_kept() -> None:
    wrapped = [
        "黄埔区召开工作会议",
        "会议指出要坚持以高质量党建引领高质量发展在传承",
        "中创新在创新中发展全面落实各项任务推动经济社会",
        "持续健康发展会议强调要抓住领导干部这个关键少数",
        "选优配强各级领导班子。",
    ]
    doc = clean(_doc(*wrapped))
    assert doc.meta.title == "黄埔区召开工作会议"
    assert [b.text for b in doc.blocks] == ["".join(wrapped[1:])]


def test_evident_subheadings() -> None:
    doc = clean(
        _doc("标题", "一、总体情况", "今年以来，全区经济稳中向好。", "（二）主要措施", "推进改革。")
    )
    assert [type(b) for b in doc.blocks] == [Heading, Paragraph, Heading, Paragraph]


def test_huge_paragraph_without_punctuation_is_split_quickly() -> None:
    text = "黄埔" * 50_000
    doc = clean(_doc("标题", text))
    assert "".join(b.text for b in doc.blocks) == text
    assert all(len(b.text) <= MAX_PARAGRAPH for b in doc.blocks)
    assert any(note.kind == "lost_punctuation" for note in doc.notes)
