"""Hong Kong and Macau editions: vocabulary, per-edition scopes, context rules, punctuation,
mixed sources. The word lists in tests/data/hk were written for these tests; the lexicon
(exporter/data/vocabulary_hk.tsv) was not tuned to them sentence by sentence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from exporter.errors import InputError
from exporter.model import Document, Heading, Metadata, Paragraph, SourceNote
from exporter.transforms import convert as C
from exporter.transforms.punctuation import normalise_ascii, punctuate, punctuate_text

from .briefing_checks import docx_text
from .conftest import ROOT

DATA = ROOT / "tests" / "data" / "hk"


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def _title(text: str, edition: str = "zh-HK", **kwargs: object) -> str:
    doc = Document(Metadata(title=text), ())
    return C.convert_document(doc, edition, **kwargs).meta.title  # type: ignore[arg-type]


# --- Vocabulary -------------------------------------------------------------------------------


def test_mainland_words_are_localised_in_hong_kong() -> None:
    rows = _rows("localise.tsv")
    missed = [(s, w, out) for s, w in rows if w not in (out := _title(s))]
    assert len(rows) >= 50
    assert not missed, f"{len(rows) - len(missed)}/{len(rows)} localised; missed {missed}"


def test_words_hong_kong_writes_the_same_are_left() -> None:
    """Same words (软件, 网络, 数据, 打印机, 激光), colloquial-only ones (no 水喉, 銀包, 波鞋,
    食飯 introduced) and other senses (a police 搜索, 出租|车辆, 布|什么) stay as converted."""
    changed = []
    for (text,) in _rows("unchanged.tsv"):
        words, chars = _title(text), _title(text, vocabulary=False)
        if words != chars:
            changed.append((text, words))
    assert not changed
    assert not re.search(
        "水喉|銀包|波鞋|食飯", "".join(_title(t) for (t,) in _rows("unchanged.tsv"))
    )


def test_vocabulary_off_gives_the_characters_only_conversion() -> None:
    text = "他打出租车去幼儿园接孩子，路上用手机发短信。"
    assert _title(text, vocabulary=False) == C.convert_text(text, "s2hk", word_guard=True)
    assert _title(text) == "他打的士去幼稚園接孩子，路上用手機發短訊。"
    # Taiwan and standard Traditional editions have no Hong Kong vocabulary.
    assert "出租車" in _title(text, "zh-TW") and "出租車" in _title(text, "zh-Hant")


def test_macau_inherits_hong_kong_and_differs_where_macau_writes_otherwise() -> None:
    text = "他用澳门币和港币付款，澳元和澳门元汇率不同，住在凼仔，坐出租车。"
    hk, mo = _title(text, "zh-HK"), _title(text, "zh-MO")
    assert "的士" in hk and "的士" in mo and "氹仔" in mo  # inherited
    assert "澳門幣和港元" in hk  # Hong Kong: 港元 (HKMA)
    assert "澳門元和港幣" in mo  # Macau: the legal tender 澳門元, and 港幣
    for out in (hk, mo):
        assert "澳元和澳門元" in out  # the Australian dollar stays; 澳門元 never becomes 澳元
    assert "葡語國家" in _title("葡萄牙语国家", "zh-MO") and "葡萄牙語國家" in _title(
        "葡萄牙语国家", "zh-HK"
    )


def test_entries_scoped_to_macau_leave_hong_kong_alone(tmp_path: Path) -> None:
    corrections = tmp_path / "mo.tsv"
    corrections.write_text("特区政府\t澳門特區政府\tzh-MO\n", encoding="utf-8")
    words = tmp_path / "words.tsv"
    words.write_text("公厕\t公廁\tzh-MO\n公厕\t公共廁所\tzh-HK\n", encoding="utf-8")
    text = "特区政府新建公厕"
    kwargs = {"user_corrections": corrections, "user_vocabulary": words}
    assert _title(text, "zh-HK", **kwargs) == "特區政府新建公共廁所"
    assert _title(text, "zh-MO", **kwargs) == "澳門特區政府新建公廁"


def test_user_vocabulary_adds_overrides_and_guards(tmp_path: Path) -> None:
    words = tmp_path / "words.tsv"
    words.write_text(
        "# mine\n打印机\t印表機\n出租车\t計程車\tzh-HK\t# house style\n自行车道\t=\n", "utf-8"
    )
    out = _title("打印机旁停着出租车和自行车，自行车道很窄。", user_vocabulary=words)
    assert out == "印表機旁停着計程車和單車，自行車道很窄。"
    bad = tmp_path / "bad.tsv"
    bad.write_text("出租车\n", "utf-8")
    with pytest.raises(InputError, match="bad.tsv:1: expected 'source<TAB>target"):
        _title("出租车", user_vocabulary=bad)
    with pytest.raises(InputError, match="cannot read the vocabulary file"):
        _title("出租车", user_vocabulary=tmp_path / "missing.tsv")


def test_every_replacement_is_reviewed_and_counted() -> None:
    doc = Document(
        Metadata(title="出租车司机"),
        (Heading("公交车"), Paragraph("他坐公交车，又坐出租车。"), Paragraph("发短信")),
    )
    items: list[C.ReviewItem] = []
    out = C.convert_document(doc, "zh-HK", review=items)
    words = [i for i in items if i.kind == "vocabulary"]
    assert [(i.where, i.char, i.chosen, i.alternatives) for i in words] == [
        ("title", "出租车", "的士", ("出租車",)),
        ("heading 1", "公交车", "巴士", ("公交車",)),
        ("paragraph 2", "公交车", "巴士", ("公交車",)),
        ("paragraph 2", "出租车", "的士", ("出租車",)),
        ("paragraph 3", "短信", "短訊", ("短信",)),
    ]
    body = out.body_text
    assert all(body[i.position : i.position + len(i.chosen)] == i.chosen for i in words[1:])
    record = dict(out.meta.provenance)
    assert record["vocabulary_replacements"] == "5"
    assert re.fullmatch(r"[0-9a-f]{12} \(\d{3}\)", record["vocabulary"])


# --- Characters: context rules and Hong Kong 覆 ------------------------------------------------


@pytest.mark.parametrize(
    ("source", "want"),
    [
        ("范先生和于女士、余小姐、钟教授", "范先生和于女士、余小姐、鍾教授"),
        ("一名姓钟的男子和姓余的女子", "一名姓鍾的男子和姓余的女子"),
        ("关于先生的建议，其余女士都同意", "關於先生的建議，其餘女士都同意"),
        ("场内不准拍照，天气说不准，数字不准确", "場內不准拍照，天氣説不準，數字不準確"),
        ("他冲奶粉，又冲了一杯茶，然后冲凉", "他沖奶粉，又沖了一杯茶，然後沖涼"),
        ("球迷冲进球场，双方冲突", "球迷衝進球場，雙方衝突"),
        ("这出戏和那出歌剧，一出戏院就下雨", "這齣戲和那齣歌劇，一出戲院就下雨"),
        ("申请司法复核，下周复诊，喂饲动物", "申請司法覆核，下週覆診，餵飼動物"),
    ],
)
def test_context_rules(source: str, want: str) -> None:
    assert _title(source, vocabulary=False) == want


def test_taiwan_keeps_hong_kong_usage_out_and_s2twp_keeps_support() -> None:
    assert _title("申请司法复核", "zh-TW") == "申請司法複核"
    assert _title("我们支持这个软件", "zh-TW-phrases") == "我們支持這個軟體"


def test_one_to_many_sentences_are_character_correct() -> None:
    rows = _rows("sentences.tsv")
    wrong = [(s, w, o) for s, w in rows if (o := _title(s, vocabulary=False)) != w]
    assert len(rows) >= 150
    assert len(wrong) <= 2, f"{len(rows) - len(wrong)}/{len(rows)} correct; {wrong}"


def test_the_guard_stays_on_for_long_documents(seed_text: str) -> None:
    text = "\n".join([seed_text] * 40)  # 220,000 characters: past the old 200,000 cut-off
    assert len(text) > 200_000
    out = C.convert_text(text, "s2hk", corrections=(), word_guard=True)
    assert "一百年曆史" not in out and out.count("一百年歷史") == text.count("一百年历史") > 40
    doc = Document(Metadata(title="标题"), (Paragraph(text),))
    assert dict(C.convert_document(doc, "zh-HK").meta.provenance)["word_guard"] == "jieba"


# --- Mixed sources ----------------------------------------------------------------------------


def test_a_traditional_paragraph_in_a_simplified_source_becomes_simplified() -> None:
    doc = Document(
        Metadata(title="兩岸經濟會議在臺北舉行"),
        (
            Paragraph("会议指出，要坚持高质量发展，推动经济转型升级，扩大对外开放。"),
            Paragraph("與會者認為，應當繼續擴大雙邊貿易，並加強產業鏈合作。"),
            Paragraph("会议强调，各级干部要担当作为，为经济发展营造良好环境。"),
            Paragraph("会议还听取了关于财政预算执行情况的报告，审议通过了有关决议。"),
        ),
        (SourceNote("lost_punctuation", 3, "與會者認為"),),
    )
    out = C.convert_document(doc, "zh-CN")
    texts = [out.meta.title, out.body_text, out.notes[0].excerpt]
    t2s = C.convert_text("".join(texts), "t2s")
    assert "".join(texts) == t2s  # no Traditional-only character left
    assert out.blocks[0] == doc.blocks[0]
    assert dict(out.meta.provenance)["traditional_blocks_to_simplified"] == "3"


def test_a_simplified_source_stays_identical_in_zh_cn(seed_text: str) -> None:
    lines = [line for line in seed_text.splitlines() if line.strip()]
    doc = Document(Metadata(title=lines[0]), tuple(Paragraph(line) for line in lines[1:]))
    out = C.convert_document(doc, "zh-CN")
    assert out.blocks == doc.blocks and out.meta.title == doc.meta.title


# --- Punctuation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hk", "cn"),
    [
        ('他说"秒批"很快', "他说「秒批」很快", "他说“秒批”很快"),
        ("<政策兑现>出台", "《政策兑现》出台", "《政策兑现》出台"),
        ("粤港澳&大湾区(试行)", "粤港澳＆大湾区（试行）", "粤港澳＆大湾区（试行）"),
        ("中国,美国; 日本!好吗?", "中国，美国；日本！好吗？", "中国，美国；日本！好吗？"),
        ("共1,000人,9:28开会", "共1,000人，9:28开会", "共1,000人，9:28开会"),
        ("见 https://a.hk/x?a=1,b:2 和`f(x,y)`", None, None),
        ("He said “hi”, don’t (see A&B)", None, None),
        ("R&D部门", None, None),
        ("他说：“我听到‘好’字”。", "他说：「我听到『好』字」。", None),
        ("“一‘二“三”二’一”", "「一『二「三」二』一」", None),
        ("「他說『好』」", None, "“他說‘好’”"),
    ],
)
def test_punctuation_per_edition(text: str, hk: str | None, cn: str | None) -> None:
    assert punctuate_text(text, "zh-HK") == (hk or text)
    assert punctuate_text(text, "zh-TW") == (hk or text)
    assert punctuate_text(text, "zh-CN") == (cn or text)
    assert punctuate_text(text, "en") == text


def test_every_part_of_a_traditional_edition_gets_corner_quotes() -> None:
    doc = Document(
        Metadata(title="“新政”出台", credits=(("source", "“本报”"), ("url", 'http://a.b/"x"'))),
        (Heading("关于“秒批”"), Paragraph('他说"好"，又说“‘对’”。')),
        (SourceNote("lost_punctuation", 1, "“秒批”"),),
    )
    for edition in ("zh-HK", "zh-MO", "zh-TW"):
        out = punctuate(C.convert_document(doc, edition))
        seen = [out.meta.title, out.meta.credits[0][1], out.body_text, out.notes[0].excerpt]
        assert not re.search('[“”‘’"]', "".join(seen)), seen
        assert out.blocks[1].text.endswith("又説「『對』」。") or out.blocks[1].text.endswith(
            "又說「『對』」。"
        )
        assert out.meta.credits[1][1] == 'http://a.b/"x"'
    assert normalise_ascii("abc") == "abc"


# --- Through the CLI: what a user sees ---------------------------------------------------------


@pytest.mark.slow
def test_cli_vocabulary_review_manifest_and_switch(run_cli, tmp_path: Path) -> None:
    src = tmp_path / "hk.txt"
    src.write_text('出租车司机"秒批"\n市民可在线申请，并用短信查询进度。\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", src, "--out", out, "--lang", "zh-HK", "--format", "docx", "--review")
    assert result.returncode == 0, result.stderr
    text = docx_text(out / "hk.zh-HK.docx")
    assert "的士司機「秒批」" in text and "網上申請" in text and "短訊" in text
    review = (out / "hk.zh-HK.review.txt").read_text("utf-8")
    assert "出租车 -> 的士" in review and "在线申请 -> 網上申請" in review
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    record = manifest["outputs"]["hk.zh-HK.docx"]
    assert record["provenance"]["vocabulary_replacements"] == "3"
    plain = tmp_path / "plain"
    args = ("--lang", "zh-HK", "--format", "docx", "--no-vocabulary")
    assert run_cli("build", src, "--out", plain, *args).returncode == 0
    assert "出租車司機" in docx_text(plain / "hk.zh-HK.docx")
