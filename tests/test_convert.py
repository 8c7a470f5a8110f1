"""The script conversion stage: OpenCC's own cases, goldens, the seed's errors, the review."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from exporter.errors import InputError, MissingDependencyError, OutputError
from exporter.model import Document, Heading, Metadata, Paragraph, SourceNote
from exporter.transforms import convert as C
from exporter.transforms.convert import review as convert_review
from exporter.transforms.convert import stage as convert_stage

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_4bb12e1a55d9fe7f.txt"
# A copy of shared/opencc-tests/ ships in tests/data/opencc/ (Apache-2.0, see its README),
# so the upstream floor is checked on every clone; shared/ beside the repo wins if present.
SHARED = Path(__file__).resolve().parents[2] / "shared"
OPENCC_TESTS = (
    SHARED / "opencc-tests"
    if (SHARED / "opencc-tests" / "testcases.json").exists()
    else Path(__file__).resolve().parent / "data" / "opencc"
)
needs_shared = pytest.mark.skipif(
    not (OPENCC_TESTS / "testcases.json").is_file(),
    reason=f"OpenCC's test data not found at {OPENCC_TESTS} (shared/ must sit beside the repo)",
)
# Every config a profile can use, plus the rest OpenCC's cases exercise.
CONFIGS = ["s2t", "s2hk", "s2tw", "s2twp", "t2s", "hk2s", "tw2s", "t2hk", "t2tw", "hk2t", "tw2t"]
CONFIGS += ["tw2sp", "s2hkp", "hk2sp", "jp2t", "t2jp"]


def _strip_json(text: str) -> str:
    """Drop // comments outside strings and trailing commas (OpenCC's file has both)."""
    out, in_string, i = [], False, 0
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\":
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        else:
            out.append(ch)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


@pytest.fixture(scope="module")
def upstream_cases() -> list[dict]:
    return json.loads(_strip_json((OPENCC_TESTS / "testcases.json").read_text("utf-8")))["cases"]


@pytest.fixture(scope="module")
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


def _doc(text: str) -> Document:
    lines = [line for line in text.split("\n") if line.strip()]
    return Document(Metadata(title=lines[0]), tuple(Paragraph(line) for line in lines[1:]))


# --- OpenCC's own cases and goldens are the floor ----------------------------------------


@needs_shared
def test_upstream_cases_cover_every_config_we_offer(upstream_cases: list[dict]) -> None:
    checked = {config for case in upstream_cases for config in case["expected"]}
    assert sum(len(case["expected"]) for case in upstream_cases) == 556
    offered = {c for p in C.PROFILES.values() for s in ("Hans", "Hant") for v in ("", "hk", "tw")
               for c in p.configs_for(s, v)}  # fmt: skip
    assert offered <= checked <= set(CONFIGS)


@needs_shared
@pytest.mark.parametrize("config", CONFIGS)
def test_upstream_cases_pass_through_the_whole_stage(
    upstream_cases: list[dict], config: str
) -> None:
    """Guard and corrections on: every OpenCC case for the config still comes out right."""
    checks = [
        (c["input"], c["expected"][config]) for c in upstream_cases if config in c["expected"]
    ]
    failed = [
        (given, got, want)
        for given, want in checks
        if (got := C.convert_text(given, config, word_guard=True)) != want
    ]
    assert checks and not failed, f"{len(failed)}/{len(checks)} failed, e.g. {failed[:3]}"


def _golden(name: str) -> str:
    return (OPENCC_TESTS / "golden" / name).read_text(encoding="utf-8")


@needs_shared
@pytest.mark.parametrize("config", ["s2t", "s2hk", "s2tw", "s2twp"])
def test_plain_conversion_matches_opencc_golden_even_chunked_and_parallel(
    config: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _golden("input/us_constitution_zhs.txt")
    golden = _golden(f"output/us_constitution_zhs.{config}.txt")
    assert C.convert_text(source, config, corrections=()) == golden
    monkeypatch.setattr(convert_stage, "CHUNK_CHARS", 500)
    assert C.convert_text(source, config, corrections=()) == golden
    monkeypatch.setattr(convert_stage, "PARALLEL_MIN_CHARS", 1000)
    try:
        assert C.convert_text(source, config, corrections=(), workers=2) == golden
    finally:
        C.shutdown_pool()


@needs_shared
@pytest.mark.parametrize("config", ["s2t", "s2hk", "s2tw", "s2twp"])
def test_every_departure_from_opencc_agrees_with_the_word_segmented_golden(config: str) -> None:
    """OpenCC's jieba goldens fix 7 cross-word matches; we may only move toward them."""
    source = _golden("input/us_constitution_zhs.txt")
    plain = _golden(f"output/us_constitution_zhs.{config}.txt")
    segmented = _golden(f"output/us_constitution_zhs.{config}_jieba.txt")
    layers: list[tuple[dict[str, Any], int]] = [
        ({"corrections": (), "word_guard": True}, 2),
        ({}, 2),
        ({"word_guard": True}, 1),
    ]
    for kwargs, most_left in layers:
        ours = C.convert_text(source, config, **kwargs)
        assert len(ours) == len(plain)
        wrong = [
            i
            for i, (o, p, s) in enumerate(zip(ours, plain, segmented, strict=True))
            if o != p and o != s
        ]
        assert not wrong, f"{kwargs}: changes not in the jieba golden at {wrong[:5]}"
        left = sum(o != s for o, s in zip(ours, segmented, strict=True))
        assert left <= most_left, f"{kwargs}: {left} of 7 differences left"


# --- The seed's two known OpenCC errors ---------------------------------------------------


def test_plain_opencc_makes_the_seed_errors(seed: str) -> None:
    plain = C.convert_text(seed, "s2hk", corrections=())
    assert "一百年曆史" in plain and "集中籤約" in plain


@pytest.mark.parametrize(
    "layers",
    [{"word_guard": False}, {"corrections": (), "word_guard": True}, {"word_guard": True}],
    ids=["corrections only", "guard only", "both"],
)
@pytest.mark.parametrize("config", ["s2hk", "s2tw", "s2t"])
def test_seed_errors_are_fixed_by_each_layer(seed: str, config: str, layers: dict) -> None:
    out = C.convert_text(seed, config, **layers)
    assert "一百年歷史" in out and "集中簽約" in out
    assert "年曆史" not in out and "中籤約" not in out


def test_document_stage_fixes_the_seed_and_says_how(seed: str) -> None:
    out = C.convert_document(_doc(seed), "zh-HK")
    assert "一百年歷史" in out.body_text and "集中簽約" in out.body_text
    prov = dict(out.meta.provenance)
    assert prov["opencc_config"] == "s2hk"
    assert prov["opencc"].startswith(("opencc ", "OpenCC ", "opencc-python-reimplemented "))
    assert re.fullmatch(r"[0-9a-f]{12} \(\d+\)", prov["corrections"])
    assert prov["source_script"].startswith("Simplified")


# --- Profiles and the whole document -------------------------------------------------------


def _full_doc() -> Document:
    english = Document(Metadata(title="Huangpu meeting", lang="en"), (Paragraph("Growth."),))
    return Document(
        Metadata(
            title="黄埔区发展会议",
            date_text="2020年5月26日",
            credits=(("source", "广州日报"), ("reporter", "记者 周亚伟")),
        ),
        (Heading("经济发展"), Paragraph("这里面的头发和面条。")),
        notes=(SourceNote("mojibake", 3, "发展里"),),
        translation=english,
    )


@pytest.mark.parametrize(
    ("profile", "lang", "config", "title"),
    [
        ("zh-HK", "zh-HK", "s2hk", "黃埔區發展會議"),
        ("zh-MO", "zh-MO", "s2hk", "黃埔區發展會議"),
        ("zh-TW", "zh-TW", "s2tw", "黃埔區發展會議"),
        ("zh-TW-phrases", "zh-TW", "s2twp", "黃埔區發展會議"),
        ("zh-Hant", "zh-Hant", "s2t", "黃埔區發展會議"),
    ],
)
def test_profiles_convert_everything_a_reader_sees(
    profile: str, lang: str, config: str, title: str
) -> None:
    doc = _full_doc()
    out = C.convert_document(doc, profile)
    assert out.meta.lang == lang
    assert dict(out.meta.provenance)["opencc_config"] == config
    assert out.meta.title == title
    assert out.meta.date_text == "2020年5月26日"
    assert dict(out.meta.credits) == {"source": "廣州日報", "reporter": "記者 周亞偉"}
    assert out.blocks[0] == Heading("經濟發展")
    assert out.notes[0].excerpt == C.convert_text("发展里", config)
    body = out.blocks[1].text
    assert body.startswith("這") and "頭髮" in body
    assert ("裏面" if config in ("s2hk", "s2t") else "裡面") in body
    assert out.translation == doc.translation  # English stays English


def test_macau_follows_hong_kong_text_exactly() -> None:
    hk = C.convert_document(_full_doc(), "zh-HK")
    mo = C.convert_document(_full_doc(), "zh-MO")
    assert mo.blocks == hk.blocks and mo.meta.title == hk.meta.title
    assert (hk.meta.lang, mo.meta.lang) == ("zh-HK", "zh-MO")


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(InputError, match="zh-HK.*zh-MO"):
        C.convert_document(_full_doc(), "zh-SG")
    assert C.resolve_profile("hk").name == "zh-HK"
    assert C.resolve_profile("zh_tw").name == "zh-TW"


# --- A Traditional source is never converted twice ------------------------------------------


def test_script_detection(seed: str) -> None:
    assert C.detect_script(seed).script == "Hans"
    hk = C.detect_script(C.convert_text(seed, "s2hk"))
    tw = C.detect_script(C.convert_text(seed, "s2tw"))
    assert (hk.script, hk.variant) == ("Hant", "hk")
    assert (tw.script, tw.variant) == ("Hant", "tw")
    assert C.detect_script("Hello, 2020.").script == "unknown"


def test_traditional_source_is_not_converted_twice(seed: str) -> None:
    hk = C.convert_document(_doc(seed), "zh-HK", vocabulary=False)
    again = C.convert_document(hk, "zh-HK")
    assert again.blocks == hk.blocks and again.meta.title == hk.meta.title
    assert dict(again.meta.provenance[-5:])["opencc_config"] == "t2hk"
    # Hong Kong -> Taiwan goes through standard forms, as if converted from Simplified.
    tw = C.convert_document(hk, "zh-TW", word_guard=True)
    assert dict(tw.meta.provenance[-5:])["opencc_config"] == "hk2t+t2tw"
    assert tw.body_text == C.convert_document(_doc(seed), "zh-TW").body_text


def test_traditional_to_simplified_round_trip(seed: str) -> None:
    doc = _doc(seed)
    back = C.convert_document(C.convert_document(doc, "zh-HK", vocabulary=False), "zh-CN")
    assert back.meta.lang == "zh-CN"
    assert dict(back.meta.provenance[-4:])["opencc_config"] == "hk2s"
    same = sum(a == b for a, b in zip(back.body_text, doc.body_text, strict=True))
    assert len(back.body_text) == len(doc.body_text) and same / len(doc.body_text) > 0.999
    unchanged = C.convert_document(doc, "zh-CN")
    assert unchanged.blocks == doc.blocks
    assert "none" in dict(unchanged.meta.provenance)["opencc_config"]


def test_taiwan_phrasing_on_a_traditional_source_warns(
    seed: str, caplog: pytest.LogCaptureFixture
) -> None:
    hk = C.convert_document(_doc(seed), "zh-HK")
    out = C.convert_document(hk, "zh-TW-phrases")
    assert dict(out.meta.provenance[-4:])["opencc_config"] == "hk2t+t2tw"
    assert "s2twp" in caplog.text


# --- Corrections ------------------------------------------------------------------------------


def test_corrections_format() -> None:
    entries = C.parse_corrections(
        "# comment\n\n年历史\t年歷史\n面包\t麵包\tzh-TW, s2hk\t# why\n后\t後\t*\n", "f"
    )
    assert [(e.source, e.target) for e in entries] == [
        ("年历史", "年歷史"),
        ("面包", "麵包"),
        ("后", "後"),
    ]
    assert entries[0].configs is None
    assert entries[1].configs == frozenset({"s2tw", "s2hk"})
    assert entries[2].configs == frozenset({"*"})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("年历史", "expected 'source<TAB>target"),
        ("年历史\t", "expected"),
        ("年，历\t年歷", "punctuation"),
    ],
)
def test_bad_correction_lines_name_the_line(line: str, message: str) -> None:
    with pytest.raises(InputError, match=f"my.tsv:2: .*{message}"):
        C.parse_corrections(f"# ok\n{line}\n", "my.tsv")


def test_user_corrections_add_and_override(seed: str, tmp_path: Path) -> None:
    user = tmp_path / "mine.tsv"
    # Add an entry (a house style: 复产 as 複產), and undo one of ours, to prove precedence.
    user.write_text("复产\t複產\n年历史\t年曆史\tzh-HK\n", encoding="utf-8")
    ours = C.convert_document(_doc(seed), "zh-HK", word_guard=False)
    theirs = C.convert_document(_doc(seed), "zh-HK", word_guard=False, user_corrections=user)
    assert "復產" in ours.body_text and "複產" in theirs.body_text
    assert "納米谷" in ours.body_text  # the packaged correction of OpenCC's 米穀
    assert "年歷史" in ours.body_text and "年曆史" in theirs.body_text
    digest = dict(ours.meta.provenance)["corrections"]
    assert digest != dict(theirs.meta.provenance)["corrections"]
    with pytest.raises(InputError, match="cannot read"):
        C.convert_document(_doc(seed), "zh-HK", user_corrections=tmp_path / "missing.tsv")


def test_correction_targets_take_the_variants_forms(tmp_path: Path) -> None:
    """A target written once in standard forms (爲) comes out in Hong Kong forms (為)."""
    user = tmp_path / "forms.tsv"
    user.write_text("他为人\t他爲人師\n", encoding="utf-8")
    doc = Document(Metadata(title="说他为人"), ())
    assert C.convert_document(doc, "zh-Hant", user_corrections=user).meta.title == "說他爲人師"
    assert C.convert_document(doc, "zh-HK", user_corrections=user).meta.title == "説他為人師"


def test_corrections_apply_where_conversion_changes_lengths() -> None:
    # s2twp writes 的士 as 計程車 and U盘 as 隨身碟: the output no longer aligns.
    text = "坐的士带U盘，一百年历史，U盘里有一百年历史"
    out = C.convert_text(text, "s2twp")
    assert len(out) != len(text)
    plain = C.convert_text(text, "s2twp", corrections=())
    assert out == plain.replace("年曆史", "年歷史") != plain


# --- Ambiguity review -------------------------------------------------------------------------


def test_review_lists_defaults_not_phrase_decisions() -> None:
    text = "这个干，头发，这里面，打造智谷"
    out = C.convert_text(text, "s2hk")
    items = C.review_ambiguities(text, out, "s2hk")
    found = {(i.char, i.chosen) for i in items}
    assert ("干", "幹") in found and ("谷", "谷") in found and ("面", "面") in found
    assert "发" not in {i.char for i in items}  # 头发 is a phrase: 頭髮
    gan = next(i for i in items if i.char == "干")
    assert set(gan.alternatives) >= {"乾", "干"} and "幹" not in gan.alternatives
    assert gan.context == "這個【幹】，頭髮，這裏面，打造智谷"  # 12 characters either side
    assert all(text[i.position] == i.char and out[i.position] == i.chosen for i in items)


def test_review_on_the_seed(seed: str, tmp_path: Path) -> None:
    doc = _doc(seed)
    items: list[C.ReviewItem] = []
    out = C.convert_document(doc, "zh-HK", review=items)
    assert 5 <= len(items) <= 80  # a translator checks a few dozen spots, not 5,000 chars
    body = [i for i in items if i.where.startswith("paragraph") and i.kind == "character"]
    assert body and all(doc.body_text[i.position] == i.char for i in body)
    assert all(out.body_text[i.position] == i.chosen for i in body)
    assert all(f"【{i.chosen}】" in i.context and i.alternatives for i in items)
    report = tmp_path / "seed.zh-HK.review.txt"
    C.write_review_report(items, report, title="seed", profile="zh-HK")
    text = report.read_text(encoding="utf-8")
    spots = [i for i in items if i.kind == "character"]
    assert f"{len(spots)} spot(s)" in text and text.count("\n") >= len(items)
    assert "## Vocabulary" in text and "幼儿园 -> 幼稚園 (幼兒園)" in text
    assert [p.name for p in tmp_path.iterdir()] == [report.name]  # no temporary file left


def test_review_report_unwritable(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="review report"):
        C.write_review_report([], tmp_path)  # a folder is not a file


def test_review_falls_back_to_shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    # With OpenCC's phrases, 发展 is decided by a phrase and not flagged.
    assert C.review_ambiguities("发展", "發展", "s2hk") == []
    monkeypatch.setattr(convert_review, "_config_data", lambda config: None)
    # Without them (shipped one-to-many list only) every default reading is flagged,
    # while a non-default reading (髮) still shows a decision was made.
    assert [item.char for item in C.review_ambiguities("发展", "發展", "s2hk")] == ["发"]
    assert C.review_ambiguities("头发", "頭髮", "s2hk") == []
    assert C.review_ambiguities("干", "幹", "s2hk")[0].alternatives


def test_shipped_one_to_many_matches_the_installed_dictionary() -> None:
    data = C._config_data("s2hk")
    if data is None:
        pytest.skip("the installed OpenCC's dictionaries are not readable")
    shipped = C._parse_dictionary(C.FALLBACK_ONE_TO_MANY.read_text("utf-8"))
    assert shipped == data[1], "regenerate exporter/data/opencc_one_to_many.tsv"
    assert set("干发后里面台系只云历签冲复征松范表钟尽余制准斗谷出") <= set(shipped)


def test_a_chain_without_a_character_step_is_not_called_unreadable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """t2hk only swaps Hong Kong variants: it has no one-to-many step to guard, which is an
    answer (kept in the cache), not damaged dictionaries."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    C._config_data.cache_clear()
    try:
        with caplog.at_level("DEBUG", logger="exporter"):
            assert C._config_data("t2hk") is None
        assert "unreadable" not in caplog.text
        assert list(tmp_path.glob("exporter/opencc-config-*"))
    finally:
        C._config_data.cache_clear()


def test_unreadable_dictionaries_are_said_on_every_run_not_cached(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from exporter.transforms.convert import opencc_data

    def unreadable(name: str) -> dict[str, tuple[str, ...]]:
        raise OSError(f"{name}: permission denied")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(opencc_data, "_read_dictionary", unreadable)
    try:
        for _ in range(2):
            C._config_data.cache_clear()
            caplog.clear()
            with caplog.at_level("INFO", logger="exporter"):
                assert C._config_data("s2hk") is None
            assert "unreadable" in caplog.text and "permission denied" in caplog.text
        assert not list(tmp_path.glob("exporter/opencc-config-*"))
    finally:
        C._config_data.cache_clear()


# --- Chunks, workers, dependencies ---------------------------------------------------------------


def test_chunks_cut_after_sentence_ends(seed: str) -> None:
    text = seed * 3
    chunks = list(C._chunks(text, 300))
    assert "".join(chunks) == text and len(chunks) > 10
    assert all(c[-1] in "。！？!?\n\u2029" for c in chunks[:-1])


def test_parallel_and_chunked_output_is_identical(
    seed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "\n".join([seed] * 4)
    whole = C.convert_text(text, "s2hk", word_guard=True)
    monkeypatch.setattr(convert_stage, "CHUNK_CHARS", 700)
    monkeypatch.setattr(convert_stage, "PARALLEL_MIN_CHARS", 1000)
    assert C.convert_text(text, "s2hk", word_guard=True) == whole
    try:
        assert C.convert_text(text, "s2hk", word_guard=True, workers=2) == whole
    finally:
        C.shutdown_pool()


def _clear_caches() -> None:
    for cached in (C._converter, C._config_data, C._read_dictionary, C.opencc_version):
        cached.cache_clear()


def test_missing_opencc_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_caches()
    monkeypatch.setitem(sys.modules, "opencc", None)
    try:
        with pytest.raises(MissingDependencyError, match="pip install opencc"):
            C.convert_document(_full_doc(), "zh-HK")
    finally:
        monkeypatch.undo()
        _clear_caches()


def test_works_with_the_reimplemented_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """opencc-python-reimplemented: OpenCC('s2hk') appends '.json' itself; no dictionaries."""
    real = C._converter("s2hk")
    names: list[str] = []

    class OpenCC:
        def __init__(self, conversion: str) -> None:
            assert not conversion.endswith(".json")
            names.append(conversion)
            self.conversion = conversion

        def convert(self, text: str) -> str:
            return real.convert(text) if self.conversion == "s2hk" else text

    fake = types.ModuleType("opencc")
    fake.OpenCC = OpenCC  # type: ignore[attr-defined]
    fake.__file__ = str(tmp_path / "opencc" / "__init__.py")
    _clear_caches()
    monkeypatch.setitem(sys.modules, "opencc", fake)
    try:
        assert C.convert_text("一百年历史", "s2hk", word_guard=True) == "一百年歷史"
        assert "s2hk" in names
    finally:
        monkeypatch.undo()
        _clear_caches()


@pytest.mark.slow
def test_jieba_is_quiet_and_caches_privately(tmp_path: Path) -> None:
    code = (
        "from exporter.transforms.convert import convert_text;"
        "print(convert_text('两个一百年历史交汇点', 's2hk', corrections=(), word_guard=True));"
        # rjieba serves the guard when installed; jieba is the fallback, loaded here.
        "from exporter.transforms.convert.guard import _jieba; _jieba()"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "兩個一百年歷史交匯點"
    assert proc.stderr == ""
    assert (tmp_path / "exporter" / "jieba.cache").is_file()
