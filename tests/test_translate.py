"""Translation stage with the tiny test model: alignment, cache, resume, glossary, quality."""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

import pytest

from exporter.errors import InputError, MissingDependencyError
from exporter.model import Document, Heading, Metadata, Paragraph
from exporter.translate import (
    STARTER_GLOSSARY,
    Glossary,
    ModelInfo,
    install_from_file,
    translate_document,
    translate_with_report,
)
from exporter.translate.engine import Decoding, load_engine
from exporter.translate.quality import problem
from exporter.translate.segment import segment, split_sentences

ROOT = Path(__file__).resolve().parents[1]


def isolate(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Point every place argostranslate and exporter look at into ``root``."""
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(root / name.lower()))
    for name in ("ARGOS_PACKAGES_DIR", "ARGOS_PACKAGE_INDEX", "EXPORTER_COMPUTE_TYPE", "SNAP"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_archive: Path) -> ModelInfo:
    isolate(monkeypatch, tmp_path)
    return install_from_file(tiny_archive)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def expected_english(model: ModelInfo, text: str, parts: Sequence[str] | None = None) -> str:
    """What the tiny model gives for a block: each sentence (or given part) in its Latin
    words, joined by spaces."""
    import sentencepiece

    from exporter.testing.tiny_model import expected_translation

    sp = sentencepiece.SentencePieceProcessor(model_file=str(model.tokenizer_path))
    return " ".join(expected_translation(sp, s) for s in (parts or segment(text)))


CJK = re.compile(r"[\u3400-\u9fff]")


PARAGRAPHS = (
    "黄埔区召开工作会议。会议指出，要坚持高质量发展！“北中南”空间布局蓝图铺就？",
    "加快建设穗港合作重大平台；打造穗港合作新标杆。",
    "2020年5月26日 9:28",
)


def sample_doc() -> Document:
    return Document(
        meta=Metadata(
            title="黄埔区一届六次党代会召开",
            credits=(("source", "中国日报"), ("url", "https://example.org/新闻")),
        ),
        blocks=(
            Heading("优化区域空间布局"),
            Paragraph(PARAGRAPHS[0]),
            Paragraph(PARAGRAPHS[1]),
            Paragraph(PARAGRAPHS[2]),
        ),
        name="sample",
    )


def sentences_sent(model: ModelInfo) -> int:
    return load_engine(model).sentences


# ---------------------------------------------------------------- translation and alignment


def test_translation_is_aligned_per_block(model: ModelInfo, tmp_path: Path) -> None:
    doc = sample_doc()
    result = translate_document(doc, cache=tmp_path / "c.sqlite")
    english = result.translation
    assert english is not None and result.blocks == doc.blocks
    assert english.meta.lang == "en"
    assert [type(b) for b in english.blocks] == [type(b) for b in doc.blocks]
    assert [b.text for b in english.blocks] == [expected_english(model, b.text) for b in doc.blocks]
    # Latin words only, the numbers kept.
    assert not any(CJK.search(b.text) for b in english.blocks)
    assert "2020" in english.blocks[3].text and "9:28" in english.blocks[3].text
    assert english.meta.title == expected_english(model, "黄埔区一届六次党代会召开")
    assert english.meta.credits == (
        ("source", expected_english(model, "中国日报")),
        ("url", "https://example.org/新闻"),
    )
    assert dict(english.meta.provenance)["translation_model"].startswith(model.id)


def test_long_sentence_is_cut_at_clauses_and_still_complete(model: ModelInfo) -> None:
    clause = "加快推进沿珠江岸线升级改造，"
    sentence = clause * 40 + "构建数字经济生态圈。"
    engine = load_engine(model)
    parts = segment(sentence, max_tokens=engine.max_source_tokens, measure=engine.count_tokens)
    assert len(parts) > 1
    assert all(engine.count_tokens(p) <= engine.max_source_tokens for p in parts)
    assert all(p.endswith(("，", "。")) for p in parts)
    doc = Document(Metadata(title=""), (Paragraph(sentence),))
    english = translate_document(doc, cache=False).translation
    assert english is not None
    assert english.blocks[0].text == expected_english(model, sentence, parts)


def test_no_model_installed_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    with pytest.raises(MissingDependencyError) as err:
        translate_document(sample_doc(), cache=False)
    assert str(err.value) == (
        "No zh→en translation model installed: run `make models` or "
        "`exporter models install --file X.argosmodel`"
    )


# ---------------------------------------------------------------- cache and resume


def test_rerun_is_served_from_cache(model: ModelInfo, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    first = translate_with_report(sample_doc(), cache=cache)
    sent = sentences_sent(model)
    second = translate_with_report(sample_doc(), cache=cache)
    assert sentences_sent(model) == sent, "a re-run must not call the model"
    assert second.document.translation == first.document.translation
    assert (second.report.translated, second.report.from_cache) == (0, first.report.translated)
    # Another glossary is another translation: the cache must not answer for it.
    glossary = tmp_path / "g.tsv"
    glossary.write_text("黄埔区\tHuangpu District\n", encoding="utf-8")
    third = translate_with_report(sample_doc(), cache=cache, glossary=glossary)
    assert third.report.translated == first.report.translated


RESUME_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from exporter.model import Document, Metadata, Paragraph
    from exporter.translate import engine, pipeline

    real = engine.Engine.translate

    def slow(self, texts, decoding):  # a slow model, so the run can be killed half-way
        out = real(self, texts, decoding)
        time.sleep(0.25)
        return out

    engine.Engine.translate = slow
    doc = Document(Metadata(title=""), tuple(
        Paragraph("".join(f"第{n * 10 + k}次会议召开。" for k in range(10))) for n in range(20)
    ))
    pipeline.translate_with_report(doc, cache=Path(sys.argv[1]), batch_sentences=10)
    """
)


def resume_doc() -> Document:
    return Document(
        Metadata(title=""),
        tuple(
            Paragraph("".join(f"第{n * 10 + k}次会议召开。" for k in range(10))) for n in range(20)
        ),
    )


def cached_rows(cache: Path) -> int:
    if not cache.exists():
        return 0
    with closing(sqlite3.connect(cache, timeout=5)) as db:
        try:
            return int(db.execute("SELECT COUNT(*) FROM translations").fetchone()[0])
        except sqlite3.OperationalError:  # table not created yet
            return 0


def test_killed_run_resumes_where_it_stopped(model: ModelInfo, tmp_path: Path) -> None:
    cache = tmp_path / "resume.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", RESUME_SCRIPT, str(cache)], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while cached_rows(cache) < 30 and time.monotonic() < deadline:
            assert proc.poll() is None, "the run finished before it could be killed"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    committed = cached_rows(cache)
    assert 30 <= committed < 200

    before = sentences_sent(model)
    result = translate_with_report(resume_doc(), cache=cache)
    assert sentences_sent(model) - before == 200 - committed
    assert result.report.from_cache == committed
    english = result.document.translation
    assert english is not None
    assert [b.text for b in english.blocks] == [
        expected_english(model, b.text) for b in resume_doc().blocks
    ]


# ---------------------------------------------------------------- glossary


def test_glossary_targets_come_out_exactly_and_are_audited(
    model: ModelInfo, tmp_path: Path
) -> None:
    doc = Document(
        Metadata(title="广州开发区党工委召开会议", credits=(("source", "中国日报广东记者站"),)),
        (Paragraph("黄埔区区长陈勇出席会议。知识城和中新知识城发展很快。"),),
    )
    result = translate_with_report(doc, glossary=STARTER_GLOSSARY, cache=tmp_path / "c.sqlite")
    english = result.document.translation
    assert english is not None
    # The terms come out as the glossary says; the rest is the model's (Latin) words.
    assert english.meta.title.startswith("Guangzhou Development District Party Working Committee ")
    assert english.meta.credits == (("source", "China Daily Guangdong Bureau"),)
    text = english.blocks[0].text
    assert text.startswith("Huangpu District District Mayor Chen Yong ")
    assert " Knowledge City " in text and " China-Singapore Guangzhou Knowledge City " in text
    assert not CJK.search(text + english.meta.title)
    audit = {t.source: (t.applied, t.failed) for t in result.report.terms}
    assert audit == {
        "广州开发区": (1, 0),
        "党工委": (1, 0),
        "中国日报广东记者站": (1, 0),
        "黄埔区": (1, 0),
        "区长": (1, 0),
        "陈勇": (1, 0),
        "知识城": (1, 0),
        "中新知识城": (1, 0),
    }
    assert "glossary_applied" in dict(english.meta.provenance)
    # The audit survives a cached re-run.
    again = translate_with_report(doc, glossary=STARTER_GLOSSARY, cache=tmp_path / "c.sqlite")
    assert again.report.translated == 0 and again.report.terms == result.report.terms


class FakeModel:
    """A stand-in model: ``behave(text, decoding)`` gives the output for each input."""

    max_source_tokens = 200

    def __init__(self, behave: Callable[[str, Decoding], str], model_id: str = "fake") -> None:
        self.behave = behave
        self.model_id = model_id
        self.inputs: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text)

    def translate(self, texts: Sequence[str], decoding: Decoding) -> list[str]:
        self.inputs.extend(texts)
        return [self.behave(t, decoding) for t in texts]


def english_like(text: str) -> str:
    """Turn each hanzi into a Latin word, keeping everything else (placeholders included)."""
    return re.sub(r"\s+", " ", re.sub(r"[\u4e00-\u9fff]", " word ", text)).strip()


def test_glossary_term_the_model_loses_is_reported_with_its_place(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    def lossy(text: str, decoding: Decoding) -> str:
        # Drops every placeholder, and mangles "District" when written inline.
        out = re.sub(r"ZXQ[A-Z]", "", text).replace("District", "Distr.")
        return english_like(out)

    glossary = tmp_path / "g.tsv"
    glossary.write_text("黄埔区\tHuangpu District\n陈勇\tChen Yong\n", encoding="utf-8")
    doc = Document(Metadata(title=""), (Paragraph("前言。"), Paragraph("黄埔区陈勇出席。")))
    with caplog.at_level(logging.WARNING, logger="exporter.translate"):
        result = translate_with_report(doc, glossary=glossary, cache=False, engine=FakeModel(lossy))
    audit = {t.source: (t.applied, t.failed, t.failed_at) for t in result.report.terms}
    assert audit == {"黄埔区": (0, 1, ("paragraph 2",)), "陈勇": (1, 0, ())}
    english = result.document.translation
    assert english is not None and "Chen Yong" in english.blocks[1].text
    assert "黄埔区 → Huangpu District could not be enforced in 1 sentence(s) (paragraph 2)" in (
        caplog.text
    )


def test_glossary_file_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("# names\n黄埔区\tHuangpu District\n科学城 Science City\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.tsv:3: expected 'source<TAB>target'"):
        Glossary.load(bad)
    assert len(Glossary.load(STARTER_GLOSSARY).entries) >= 10


# ---------------------------------------------------------------- broken output


BROKEN = {
    "甲句子出现循环。": lambda d: "the meeting the meeting the meeting the meeting the meeting",
    "乙句子留下中文。": lambda d: "Sentence B 留下中文 remains.",
    "丙句子输出为空。": lambda d: "",
    "丁句子长度荒谬。": lambda d: "Sentence D goes on " + "x" * 500,
    "戊句子正常翻译。": lambda d: "Sentence E is fine.",
    # Loops with plain beam search, recovers with the retry's repetition penalty.
    "己句子重试成功。": lambda d: (
        "Sentence F recovered." if d.repetition_penalty > 1 else "F F F F F F F F F F"
    ),
}


def test_broken_output_is_retried_then_kept_marked_and_counted(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    fake = FakeModel(lambda text, decoding: BROKEN[text](decoding))
    doc = Document(Metadata(title=""), (Paragraph("".join(BROKEN)),))
    with caplog.at_level(logging.WARNING, logger="exporter.translate"):
        result = translate_with_report(doc, cache=tmp_path / "c.sqlite", engine=fake)
    english = result.document.translation
    assert english is not None
    assert english.blocks[0].text == (
        "[untranslated] 甲句子出现循环。 [untranslated] 乙句子留下中文。 "
        "[untranslated] 丙句子输出为空。 [untranslated] 丁句子长度荒谬。 "
        "Sentence E is fine. Sentence F recovered."
    )
    assert len(result.report.untranslated) == 4
    assert result.report.retried == 1
    assert "4 of 6 sentences could not be translated" in caplog.text
    # Each broken sentence was tried twice, the good one once.
    assert fake.inputs.count("甲句子出现循环。") == 2
    assert fake.inputs.count("戊句子正常翻译。") == 1
    # A cached re-run still reports them.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="exporter.translate"):
        again = translate_with_report(doc, cache=tmp_path / "c.sqlite", engine=fake)
    assert len(again.report.untranslated) == 4 and again.report.translated == 0
    assert "4 of 6 sentences" in caplog.text


# ---------------------------------------------------------------- sentence splitting


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("一。二！三？四；五", ["一。", "二！", "三？", "四；", "五"]),
        ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
        ("真的吗？！是的……", ["真的吗？！", "是的……"]),
        ("第一行\n第二行。（完）", ["第一行", "第二行。", "（完）"]),
        ("数字3.5不分句。", ["数字3.5不分句。"]),
        ("  \n ", []),
    ],
)
def test_sentence_splitting(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_overlong_clause_without_boundary_is_cut_hard() -> None:
    parts = segment("甲" * 45 + "，乙。", max_tokens=20)
    assert all(len(p) <= 20 for p in parts)
    assert "".join(parts) == "甲" * 45 + "，乙。"


@pytest.mark.parametrize(
    ("source", "output", "verdict"),
    [
        ("会议指出，要坚持高质量发展。", "The meeting stressed high-quality development.", None),
        ("增长百分之十。", "It grew by 10,000,000 yuan... 000 000 000.", None),
        ("好。", "Good.", None),
        ("他说：“好好好好。”", "He said: “Good, good, good, good.”", None),
        ("会议指出，要坚持高质量发展。", "The the the the meeting.", "repetition loop"),
        ("会议指出，要坚持高质量发展。", "to promote to promote to promote it", "repetition loop"),
        (
            "会议指出，要坚持高质量发展。",
            "The meeting 高质量 stressed.",
            "Chinese left in the English",
        ),
        ("会议指出，要坚持高质量发展。", "  ", "empty output"),
        ("会议指出，要坚持高质量发展和改革开放。", "Yes.", "output too short"),
        ("会议指出。", " ".join(f"word{i}" for i in range(40)), "output too long"),
    ],
)
def test_quality_verdicts(source: str, output: str, verdict: str | None) -> None:
    assert problem(source, output) == verdict
