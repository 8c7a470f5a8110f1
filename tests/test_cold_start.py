"""Cold-start shortcuts give the same results as the libraries they stand in for.

- Word boundaries come from jieba's algorithm over an on-disk index of jieba's dictionary
  (exporter/segment.py), not from loading the dictionary: the same cuts as jieba.
- OpenCC is loaded with only the dictionary entries a text can use (convert/scoped.py): the
  same conversions as the full converter, on OpenCC's upstream cases, for every config.
- Two of reportlab's import-time regexes compile on first use (writers/deferred_patterns.py).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from exporter import segment
from exporter.transforms.convert.opencc_data import _converter, _run_chain
from exporter.transforms.convert.scoped import opencc_scope, scoped_converter

from .test_convert import CONFIGS, OPENCC_TESTS, _strip_json, needs_shared

ROOT = Path(__file__).resolve().parents[1]


def _jieba():  # type: ignore[no-untyped-def]
    from exporter.transforms.convert.guard import _jieba as load

    tokenizer = load()
    if tokenizer is None:
        pytest.skip("jieba not installed")
    return tokenizer


def _samples(seed_text: str) -> list[str]:
    """Seed sentences, random slices of it (windows cut mid-word, as the guard's are), and
    random mixtures of rare characters, Latin, digits and marks (jieba's HMM and its
    non-Han blocks)."""
    rng = random.Random(11)
    sentences = [s for s in re.split(r"[。！？\n]", seed_text) if s.strip()]
    slices = []
    for _ in range(600):
        at = rng.randrange(len(seed_text))
        slices.append(seed_text[at : at + rng.randint(1, 40)])
    pool = [chr(c) for c in range(0x4E00, 0x9FD6)]
    marks = "abcXYZ019 .%-+#&_，。\n"
    mixed = [
        "".join(rng.choice(pool) if rng.random() < 0.8 else rng.choice(marks) for _ in range(n))
        for n in (rng.randint(1, 30) for _ in range(300))
    ]
    return sentences + slices + mixed + ["", "iPhone 12 Pro售价5,999元", "C++和.NET 3.5%"]


def test_the_word_index_cuts_as_jieba_with_and_without_hmm(seed_text: str) -> None:
    tokenizer = _jieba()
    index = segment.word_index()
    assert index is not None
    for hmm in (True, False):  # titles and excerpts; the conversion stage's word guard
        cut = segment._cutter(hmm=hmm)
        assert cut is not None
        wrong = [s for s in _samples(seed_text) if list(cut(s)) != list(tokenizer.cut(s, HMM=hmm))]
        assert not wrong, wrong[:5]


_COLD = """
import json, sys
from exporter import segment
from exporter.transforms.convert.opencc_data import _run_chain
from exporter.transforms.convert.scoped import opencc_scope, scoped_converter
cut = segment._cutter()
words = list(cut(sys.argv[1])) if cut else None
with opencc_scope(sys.argv[1]):
    hk = _run_chain(("s2hk",), sys.argv[1])
    scoped = scoped_converter("s2hk", sys.argv[1]) is not None
from exporter.transforms.convert import convert_text
from exporter.transforms.convert.opencc_data import _config_data
guarded = convert_text(sys.argv[1], "s2hk", word_guard=True)
print(json.dumps({"words": words, "index": segment.word_index() is not None,
                  "rjieba": "rjieba" in sys.modules, "jieba": "jieba" in sys.modules,
                  "hk": hk, "scoped": scoped, "guarded": guarded,
                  "all_phrases": _config_data.cache_info().misses > 0}))
"""


def _cold(text: str, cache: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _COLD, text],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )
    return json.loads(proc.stdout)


def test_the_word_index_is_built_once_and_a_damaged_one_falls_back(tmp_path: Path) -> None:
    title = "广州高新区党工委年第一次工作会议召开"
    first = _cold(title, tmp_path / "cache")  # builds the index
    (built,) = (tmp_path / "cache" / "exporter").glob("wordindex-*.sqlite")
    again = _cold(title, tmp_path / "cache")
    # Building reads jieba's tables once; a run with the index loads neither jieba nor rjieba.
    assert first["words"] == again["words"] and again["index"]
    assert not again["rjieba"] and not again["jieba"]
    built.write_bytes(b"not a database" * 100)
    damaged = _cold(title, tmp_path / "cache")
    assert damaged["words"] == first["words"] and not damaged["index"]
    assert first["scoped"] and again["hk"] == damaged["hk"] == first["hk"]
    # The guard reads the text's phrases from the scoping index, not all 50,000 of them.
    assert not again["all_phrases"] and again["guarded"] == first["guarded"]
    (scoping,) = (tmp_path / "cache" / "exporter").glob("opencc-scoped-*.sqlite")
    scoping.write_bytes(b"\0" * 4096)  # a damaged scoping index: OpenCC whole, same output
    whole = _cold(title, tmp_path / "cache")
    assert whole["hk"] == first["hk"] and whole["guarded"] == first["guarded"]
    assert whole["all_phrases"]


def test_an_unwritable_cache_still_segments(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = _cold("出租车司机", blocker)
    assert not result["index"] and result["words"] == ["出租车", "司机"]
    # No scoping index either: OpenCC is loaded whole, and converts the same.
    assert not result["scoped"] and result["hk"] == "出租車司機"


@needs_shared
def test_scoped_opencc_converts_as_the_full_converter(seed_text: str) -> None:
    cases = json.loads(_strip_json((OPENCC_TESTS / "testcases.json").read_text("utf-8")))
    inputs = [case["input"] for case in cases["cases"]]
    rng = random.Random(5)
    corpus = "\n".join(inputs) + seed_text
    texts = inputs + ["\n".join(inputs), seed_text]
    texts += [corpus[a : a + rng.randint(1, 2000)] for a in rng.sample(range(len(corpus)), 30)]
    scoped_runs = 0
    for config in CONFIGS:
        full = _converter(config)
        for text in texts:
            with opencc_scope(text):
                scoped = scoped_converter(config, text)
                got = (scoped or full).convert(text)
                # A substring converts with the text's converter too (the guard's words).
                piece = text[len(text) // 3 : len(text) // 2]
                assert _run_chain((config,), piece) == full.convert(piece)
            scoped_runs += scoped is not None
            assert got == full.convert(text), (config, text[:40])
    assert scoped_runs >= len(texts) * 4  # s2t, s2hk, s2tw, s2twp at least


_HONG_KONG = [
    "香港特别行政区政府发言人表示，出租车司机在公交车站附近等候乘客。",
    "他在一百年历史的老街上开了一家面包店，每天下午三点出炉。",
    "立法会议员就房屋政策提出质询，政府表示会积极研究。",
    "这个软件的用户界面需要重新设计，内存占用也太高。",
    "干部要干实事，不要搞形式主义；天气干燥，注意补水。",
]


def test_the_guard_with_the_text_s_phrases_decides_as_with_all_of_them(
    seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a scope the word guard looks up only the phrases that occur in the text (read
    from the scoping index); outside it, all of OpenCC's. Same output, same replacements."""
    from exporter.transforms.convert import scoped, stage
    from exporter.transforms.convert.vocabulary import vocabulary_for

    rng = random.Random(7)
    corpus = seed_text + "".join(_HONG_KONG)
    texts = [seed_text, *_HONG_KONG]
    texts += [corpus[a : a + rng.randint(2, 1500)] for a in rng.sample(range(len(corpus)), 40)]
    guarded = 0
    for config, edition in (("s2hk", "zh-HK"), ("s2tw", "zh-TW"), ("s2twp", "zh-TW")):
        vocabulary = vocabulary_for(edition, None, packaged=True)
        plan = stage._make_plan((config,), (), True, vocabulary)
        if not plan.guard:
            pytest.skip("no jieba: no word guard")
        for text in texts:
            with monkeypatch.context() as unscoped:
                unscoped.setattr(scoped, "SCOPE_MAX_CHARS", 0)
                expected = stage._run_plan(text, plan, 1)
            got = stage._run_plan(text, plan, 1)
            assert got == expected, (config, text[:40])
            guarded += got[0] != _run_chain((config,), text)
    assert guarded > 10  # the guard, rules and vocabulary changed OpenCC's output: compared


def test_the_scoped_converter_serves_only_its_text() -> None:
    text = "出租车司机在香港的公交车站"
    with opencc_scope(text):
        assert scoped_converter("s2hk", text) is not None
        assert scoped_converter("s2hk", "车站") is scoped_converter("s2hk", text)
        assert scoped_converter("s2hk", "不在其中的句子") is None  # a correction, a reading
    assert scoped_converter("s2hk", text) is None  # outside any scope
    with opencc_scope("丽" * 50_001):  # longer than the scan pays for
        assert scoped_converter("s2hk", "丽") is None


def test_text_that_normalization_rewrites_uses_the_full_dictionaries() -> None:
    from exporter.transforms.convert.scoped import _index

    index = _index("s2hk")
    if index is None or not index.normalizing:
        pytest.skip("this OpenCC has no normalization step")
    text = f"香港{index.normalizing[0]}特别行政区"
    with opencc_scope(text):
        assert scoped_converter("s2hk", text) is None
        assert _run_chain(("s2hk",), text) == _converter("s2hk").convert(text)


_BUILD_THEN_LOOK = """
import sys
from pathlib import Path
from exporter.pipeline import BuildOptions, build_document
build_document(Path(sys.argv[1]), Path(sys.argv[2]), BuildOptions(formats=("pdf",)))
from reportlab.platypus import paragraph
print(type(paragraph.uri_pat).__name__, bool(paragraph.uri_pat.match("https://x.org/")))
"""


def test_reportlab_url_pattern_is_deferred_in_a_build(seed_path: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _BUILD_THEN_LOOK, str(seed_path), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.split() == ["DeferredPattern", "True"]


def test_a_deferred_pattern_matches_as_the_compiled_one() -> None:
    from reportlab.platypus import paragraph

    from exporter.writers.deferred_patterns import DEFERRED, DeferredPattern, deferred_patterns

    source = getattr(paragraph.uri_pat, "pattern", None) or paragraph.uri_pat._pattern
    assert source.startswith(DEFERRED)  # still reportlab's pattern: the deferral applies
    with deferred_patterns():
        deferred = re.compile(source, re.I)
        plain = re.compile("x")
    assert isinstance(deferred, DeferredPattern) and isinstance(plain, re.Pattern)
    compiled = re.compile(source, re.I)
    for uri in ("https://www.gov.hk/tc/residents/", "http://192.168.0.1:8080/x?y=1", "香港"):
        expected = compiled.match(uri)
        got = deferred.match(uri)
        assert (got and got.groups()) == (expected and expected.groups())
    assert isinstance(re.compile("x"), re.Pattern)  # re.compile is itself again


def test_the_manifest_names_the_versions_importlib_metadata_reports() -> None:
    from importlib import metadata

    from exporter.batch import _LIBRARIES, library_versions

    expected = {}
    for name in _LIBRARIES:
        try:
            expected[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    got = library_versions()
    assert {k: v for k, v in got.items() if k in _LIBRARIES} == expected
    assert {"python-docx", "reportlab"} <= set(got)


def test_short_texts_find_the_automaton_s_matches_in_its_order(seed_text: str) -> None:
    """find_groups walks short texts through a prefix set instead of building an automaton:
    the same matches, in the same order (the guard merges windows in that order)."""
    from exporter.transforms.convert import matching
    from exporter.transforms.convert.corrections import corrections_for
    from exporter.transforms.convert.guard import _decisive
    from exporter.transforms.convert.opencc_data import _config_data
    from exporter.transforms.convert.vocabulary import vocabulary_for

    data = _config_data("s2hk")
    if data is None:
        pytest.skip("OpenCC's dictionaries are unreadable here")
    groups = (
        _decisive(("s2hk",), data[0]),
        corrections_for(("s2hk",), None, "zh-HK"),
        vocabulary_for("zh-HK", None, packaged=True),
    )
    rng = random.Random(2)
    texts = [seed_text] + [seed_text[a : a + rng.randint(1, 900)] for a in range(0, 3000, 37)]
    ties = 0
    for text in texts:
        walked = matching.find_groups(text, groups)
        assert len(text) <= matching.WALK_MAX_CHARS
        automaton, by_key = matching._GROUPS[tuple(id(g) for g in groups)].automaton()
        expected: list[list[tuple[int, int, int]]] = [[] for _ in groups]
        for k, s, e in automaton.find_matches_as_indexes(text, overlapping=True):
            for g, i in by_key[k]:
                expected[g].append((i, s, e))
        assert walked == expected
        ties += sum(len(m) - len({e for _, _, e in m}) for m in walked)
    assert ties > 0  # matches ending together occurred, so their order was checked


def test_context_rules_skip_only_rules_whose_character_is_absent() -> None:
    from exporter.transforms.convert import patterns

    every = [
        (m.start(), m.end(), target or m.group())
        for pattern, target in patterns._RULES
        for m in re.finditer(pattern, "这出戏很好看，他不准时，喂奶，冲咖啡，干杯")
    ]
    found = patterns.find_patterns("这出戏很好看，他不准时，喂奶，冲咖啡，干杯")
    assert found and set(found) <= set(every)
    assert patterns.find_patterns("今天天气很好") == []
    assert all(patterns._anchor(p) for p, _ in patterns._RULES)  # every rule is anchored


def test_the_word_index_reopens_its_connection_in_a_forked_child() -> None:
    """SQLite connections must not cross a fork; batch workers and the forked DOCX writer
    segment after one."""
    index = segment.word_index()
    assert index is not None
    list(index.cut("广州高新区"))  # the parent's connection is open
    parent_connection = index._db._db
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: segment with fresh text, report words and whether it reopened
        try:
            words = list(index.cut("黄埔区召开经济工作会议"))
            reopened = index._db._db is not parent_connection
            os.write(write, json.dumps([words, reopened]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        words, reopened = json.loads(pipe.read())
    os.waitpid(pid, 0)
    assert reopened and words == list(index.cut("黄埔区召开经济工作会议"))
    assert index._db._db is parent_connection  # the parent keeps its own
