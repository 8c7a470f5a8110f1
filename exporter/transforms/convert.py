"""Script conversion stage: Simplified <-> Traditional (Hong Kong, Macau, Taiwan) with OpenCC.

OpenCC segments by forward maximum matching over its phrase dictionary, so a phrase can be
matched across a word boundary (一百年|历史 -> 年历 -> 一百年曆史). Two layers sit on top:
a word-boundary guard (jieba decides where words end) and a corrections dictionary
(``exporter/data/corrections.tsv`` plus an optional user file). ``review_ambiguities``
lists the one-to-many characters that OpenCC converted by the single-character default.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.util
import json
import logging
import operator
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ..errors import InputError, MissingDependencyError, OutputError
from ..model import Document, map_text

log = logging.getLogger("exporter.convert")

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PACKAGED_CORRECTIONS = DATA_DIR / "corrections.tsv"
# OpenCC 1.4.2's one-to-many characters, for the review when the installed OpenCC's
# dictionaries cannot be read (the review then cannot tell phrase matches apart).
FALLBACK_ONE_TO_MANY = DATA_DIR / "opencc_one_to_many.tsv"

# No OpenCC dictionary key or value contains these ('·' and '-' do occur), so OpenCC's
# matching never crosses them and text cut there converts exactly as a whole.
_CLAUSE_BREAK = re.compile(r"[。！？；，、：\n\u2029!?;,:（）()「」『』“”]")
_SENTENCE_END = re.compile(r"[。！？!?\n\u2029]")
_JOIN = "\u2029"  # joins a document's texts for one OpenCC call

CHUNK_CHARS = 1 << 20  # bounds the memory OpenCC needs per call
PARALLEL_MIN_CHARS = 200_000  # below this a pool costs more (start-up, pickling) than it saves
GUARD_AUTO_MAX_CHARS = 200_000  # the guard costs ~2.5 µs/char; beyond this it is opt-in
_SAMPLE_CHARS = 5_000


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


# --- Profiles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """A target reader group: BCP 47 tag, OpenCC config for a Simplified source, forms."""

    name: str
    lang: str
    s2: str  # config from Simplified; "" for the Simplified target
    forms: str  # "hk", "tw" or "" (OpenCC standard Traditional)
    description: str

    def configs_for(self, script: str, variant: str) -> tuple[str, ...]:
        """The OpenCC configs for a source in ``script`` ("Hans"/"Hant") and ``variant``."""
        if not self.s2:  # Simplified target
            return (
                {"hk": ("hk2s",), "tw": ("tw2s",)}.get(variant, ("t2s",))
                if script == "Hant"
                else ()
            )
        if script != "Hant":
            return (self.s2,)
        # Already Traditional: only adjust forms (t2hk / t2tw are safe on text in them).
        steps = [f"{variant}2t"] if variant and variant != self.forms else []
        return tuple(steps + ([f"t2{self.forms}"] if self.forms else []))


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("zh-HK", "zh-HK", "s2hk", "hk", "Traditional, Hong Kong standard (OpenCC s2hk)"),
        Profile("zh-MO", "zh-MO", "s2hk", "hk", "Macau: the Hong Kong standard (no Macau config)"),
        Profile("zh-TW", "zh-TW", "s2tw", "tw", "Traditional, Taiwan standard (OpenCC s2tw)"),
        Profile("zh-TW-phrases", "zh-TW", "s2twp", "tw", "Taiwan standard and vocabulary (s2twp)"),
        Profile("zh-Hant", "zh-Hant", "s2t", "", "Traditional, OpenCC standard forms (s2t)"),
        Profile("zh-CN", "zh-CN", "", "", "Simplified, from Traditional (t2s / hk2s / tw2s)"),
    )
}
_ALIASES = {"hk": "zh-HK", "mo": "zh-MO", "tw": "zh-TW", "twp": "zh-TW-phrases"}
_ALIASES.update({"zh-tw-p": "zh-TW-phrases", "hant": "zh-Hant", "zh-hans": "zh-CN", "cn": "zh-CN"})


def resolve_profile(name: str) -> Profile:
    key = name.strip().replace("_", "-").lower()
    for profile in PROFILES.values():
        if profile.name.lower() == _ALIASES.get(key, key).lower():
            return profile
    raise InputError(f"unknown Chinese variant {name!r}; choose one of: {', '.join(PROFILES)}")


# --- OpenCC and its dictionaries ----------------------------------------------------------


def _opencc_module() -> Any:
    try:
        import opencc
    except ImportError:
        raise MissingDependencyError(
            "Chinese script conversion needs OpenCC: pip install opencc "
            "(opencc-python-reimplemented works too, with older dictionaries)"
        ) from None
    return opencc


@functools.cache
def _converter(config: str) -> _Converter:
    # Both bindings take the bare name; the reimplemented one appends ".json" itself.
    try:
        converter: _Converter = _opencc_module().OpenCC(config)
    except Exception as exc:
        raise MissingDependencyError(
            f"the installed OpenCC has no usable {config!r} conversion ({exc}); "
            "install the official binding: pip install -U opencc"
        ) from None
    return converter


def _run_chain(configs: Sequence[str], text: str) -> str:
    for config in configs:
        text = _converter(config).convert(text)
    return text


@functools.cache
def opencc_version() -> str:
    """Which OpenCC implementation and version converts, for provenance."""
    from importlib import metadata

    opencc = _opencc_module()
    for dist in ("opencc", "opencc-python-reimplemented"):
        try:
            return f"{dist} {metadata.version(dist)}"
        except metadata.PackageNotFoundError:
            continue
    return f"opencc {getattr(opencc, '__version__', 'unknown')}"


def _data_dirs() -> list[Path]:
    root = Path(_opencc_module().__file__).resolve().parent
    # official wheel: clib/share/opencc; opencc-python-reimplemented: config/ + dictionary/
    return [root / "clib" / "share" / "opencc", root / "config", root / "dictionary"]


def _dict_files(node: dict[str, Any]) -> list[str]:
    if node.get("type") == "group":
        return [f for sub in node.get("dicts", []) for f in _dict_files(sub)]
    return [node["file"]] if "file" in node else []


def _parse_dictionary(text: str) -> dict[str, tuple[str, ...]]:
    entries: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        key, _, values = line.partition("\t")
        if key and values and not key.startswith("#"):
            entries[key] = tuple(values.split(" "))
    return entries


@functools.cache
def _read_dictionary(name: str) -> dict[str, tuple[str, ...]]:
    """One OpenCC dictionary: a text file, or ``.ocd2`` dumped with OpenCC's own tool."""
    stem = Path(name).stem
    for directory in _data_dirs():
        if (directory / f"{stem}.txt").is_file():
            return _parse_dictionary((directory / f"{stem}.txt").read_text(encoding="utf-8"))
    tool = Path(_opencc_module().__file__).resolve().parent / "clib" / "bin" / "opencc_dict"
    for directory in _data_dirs():
        if (directory / f"{stem}.ocd2").is_file() and tool.is_file():
            with tempfile.TemporaryDirectory(prefix="exporter-opencc-") as tmp:
                out = Path(tmp) / f"{stem}.txt"
                args = ["-i", str(directory / f"{stem}.ocd2"), "-o", str(out), "-f", "ocd2"]
                subprocess.run([str(tool), *args, "-t", "text"], check=True, capture_output=True)
                return _parse_dictionary(out.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"{stem}.ocd2 / {stem}.txt")


@dataclass(frozen=True)
class _PhraseIndex:
    """OpenCC's segmentation dictionary, to replay its forward maximum matching."""

    keys: frozenset[str]
    prefixes: frozenset[str]


@functools.cache
def _config_data(config: str) -> tuple[_PhraseIndex, dict[str, tuple[str, ...]]] | None:
    """The phrase index and the one-to-many characters of a config; None if unreadable."""
    names = ("STCharacters", "TSCharacters")
    try:
        path = next(d / f"{config}.json" for d in _data_dirs() if (d / f"{config}.json").is_file())
        spec = json.loads(path.read_text(encoding="utf-8"))
        steps = [_dict_files(step["dict"]) for step in spec.get("conversion_chain", [])]
        step = next(s for s in steps if any(Path(f).stem in names for f in s))
        table = _read_dictionary(next(f for f in step if Path(f).stem in names))
        # Without a segmentation entry OpenCC matches with the conversion step's phrases.
        segmenting = _dict_files(spec.get("segmentation", {}).get("dict", {}))
        entries: dict[str, tuple[str, ...]] = {}
        for name in segmenting or [f for f in step if "Characters" not in f]:
            entries.update(_read_dictionary(name))
    except (StopIteration, OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
        log.info("OpenCC dictionaries for %s unreadable (%s): no guard, rough review", config, exc)
        return None
    phrases = frozenset(k for k in entries if len(k) > 1)
    multi = _live_readings(table, {k: entries[k][0] for k in phrases})
    prefixes = frozenset(k[:n] for k in phrases for n in range(1, len(k)))
    return _PhraseIndex(phrases, prefixes), multi


def _live_readings(
    table: dict[str, tuple[str, ...]], phrases: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """One-to-many characters whose other readings OpenCC's phrases really use.

    STCharacters also lists rare variants (广 -> 廣/广, 家 -> 家/傢); a reading counts when
    at least 20 phrases per 50,000 pick it, which keeps 干/乾/幹, 出/齣, 钟/鐘/鍾, ….
    """
    multi = {k: v for k, v in table.items() if len(k) == 1 and len(v) > 1}
    seen: dict[tuple[str, str], int] = {}
    for key, value in phrases.items():
        if len(key) == len(value):
            for a, b in zip(key, value, strict=True):
                if a in multi:
                    seen[a, b] = seen.get((a, b), 0) + 1
    need = max(1, round(20 * len(phrases) / 50_000))
    return {c: v for c, v in multi.items() if any(seen.get((c, r), 0) >= need for r in v[1:])}


def _phrase_segments(text: str, index: _PhraseIndex) -> Iterator[tuple[int, int]]:
    """Multi-character segments of OpenCC's forward maximum matching (singles omitted)."""
    keys, prefixes = index.keys, index.prefixes
    i, n = 0, len(text)
    while i < n:
        best, j = 0, i + 1
        while j < n and text[i:j] in prefixes:
            j += 1
            if text[i:j] in keys:
                best = j
        if best:
            yield i, best
            i = best
        else:
            i += 1


# --- Script detection ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScriptGuess:
    script: str  # "Hans", "Hant" or "unknown"
    variant: str  # for Hant: "hk", "tw" or "" (standard / undecided)
    simplified_only: int  # sampled characters that s2t changes
    traditional_only: int  # sampled characters that t2s changes

    def describe(self) -> str:
        kind = {"Hans": "Simplified", "Hant": "Traditional"}.get(self.script, "undetermined")
        forms = {"hk": ", Hong Kong forms", "tw": ", Taiwan forms"}.get(self.variant, "")
        return (
            f"{kind}{forms} ({self.traditional_only} Traditional-only vs "
            f"{self.simplified_only} Simplified-only characters sampled)"
        )


def _changed(before: str, after: str) -> int:
    return sum(map(operator.ne, before, after))


def detect_script(text: str) -> ScriptGuess:
    """Simplified or Traditional (and which forms), from a sample of at most 5,000 chars.

    Simplified text is changed by s2t, Traditional by t2s; a few characters change both
    ways (台, 里), so the larger count wins. hk2t / tw2t tell Hong Kong from Taiwan forms.
    (s2hk / s2twp would not do: they also change Traditional text's forms and words.)
    """
    step = max(1, len(text) // 10)
    sample = text if len(text) <= _SAMPLE_CHARS else "".join(
        text[k * step : k * step + _SAMPLE_CHARS // 10] for k in range(10)
    )  # fmt: skip
    simplified = _changed(sample, _converter("s2t").convert(sample))
    traditional = _changed(sample, _converter("t2s").convert(sample))
    if traditional > simplified:
        try:
            hk = _changed(sample, _converter("hk2t").convert(sample))
            tw = _changed(sample, _converter("tw2t").convert(sample))
        except MissingDependencyError:  # opencc-python-reimplemented lacks hk2t / tw2t
            hk = tw = 0
        variant = "hk" if hk > tw else "tw" if tw > hk else ""
        return ScriptGuess("Hant", variant, simplified, traditional)
    return ScriptGuess("Hans" if simplified else "unknown", "", simplified, traditional)


# --- Corrections --------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    source: str  # as the input has it
    target: str  # what the output must read; adapted to the config's forms
    configs: frozenset[str] | None  # None: every Simplified -> Traditional config (s2*)


def parse_corrections(text: str, origin: str) -> list[Correction]:
    """Parse ``source<TAB>target[<TAB>configs]`` lines; lines starting with # are comments.

    ``configs``: comma-separated OpenCC configs (s2hk, t2s, …) or profile names (zh-HK
    means its config from Simplified); ``*`` means every config.
    """
    out: list[Correction] = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = [f.strip() for f in line.split("\t")]
        if not fields[0] or fields[0].startswith("#"):
            continue
        if fields[-1].startswith("#"):
            fields.pop()
        where = f"{origin}:{number}"
        if len(fields) not in (2, 3) or not fields[1]:
            raise InputError(f"{where}: expected 'source<TAB>target[<TAB>configs]', got {line!r}")
        if _CLAUSE_BREAK.search(fields[0]):
            raise InputError(f"{where}: {fields[0]!r} holds punctuation; give a phrase without")
        scope: set[str] | None = None
        if len(fields) == 3:
            scope = set()
            for token in filter(None, (t.strip() for t in fields[2].split(","))):
                if token == "*" or re.fullmatch(r"[a-z]+2[a-z]+", token):
                    scope.add(token)
                else:
                    scope.add(resolve_profile(token).s2 or "t2s")
                    scope.update(() if resolve_profile(token).s2 else ("hk2s", "tw2s"))
        out.append(Correction(fields[0], fields[1], None if scope is None else frozenset(scope)))
    return out


@functools.cache
def _packaged_corrections() -> tuple[Correction, ...]:
    return tuple(parse_corrections(PACKAGED_CORRECTIONS.read_text("utf-8"), "corrections.tsv"))


def _user_corrections(path: Path) -> list[Correction]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the corrections file ({exc})") from None
    return parse_corrections(text, str(path))


_FORMS_STAGE = {"s2hk": "t2hk", "s2hkp": "t2hk", "t2hk": "t2hk"}
_FORMS_STAGE.update({"s2tw": "t2tw", "s2twp": "t2tw", "t2tw": "t2tw"})


def corrections_for(
    configs: Sequence[str], user_corrections: Path | None = None
) -> tuple[tuple[str, str], ...]:
    """The (source, target) pairs for this config chain; a user entry replaces ours."""
    if not configs:
        return ()
    chosen: dict[str, str] = {}
    entries = list(_packaged_corrections())
    entries += _user_corrections(user_corrections) if user_corrections else []
    for entry in entries:
        if entry.configs is None:
            applies = configs[0].startswith("s2")
        else:
            applies = "*" in entry.configs or not entry.configs.isdisjoint(configs)
        if applies:
            chosen[entry.source] = entry.target
    stage = _FORMS_STAGE.get(configs[-1])
    if stage:  # write a target once, get Hong Kong or Taiwan forms as the config needs
        chosen = {k: _converter(stage).convert(v) for k, v in chosen.items()}
    return tuple(sorted(chosen.items()))


def corrections_digest(pairs: Iterable[tuple[str, str]]) -> str:
    data = "\n".join(f"{s}\t{t}" for s, t in pairs).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:12]


def _find_corrections(src: str, pairs: Sequence[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Leftmost-longest, non-overlapping occurrences of the sources: (start, end, target).

    str.find per entry scans at C speed (faster than one regex alternation).
    """
    hits = []
    for key, target in pairs:
        at = src.find(key)
        while at >= 0:
            hits.append((at, -len(key), target))
            at = src.find(key, at + 1)
    found: list[tuple[int, int, str]] = []
    for start, minus_len, target in sorted(hits):
        if not found or start >= found[-1][1]:
            found.append((start, start - minus_len, target))
    return found


# --- Word-boundary guard (jieba) ----------------------------------------------------------


@functools.cache
def _jieba() -> Any | None:
    try:
        import jieba
    except ImportError:
        return None
    # jieba logs its start-up on stderr and caches its dictionary in the shared /tmp by
    # default (and loads that file with marshal): keep it quiet, cache in a private folder.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "exporter"
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(cache)
    except OSError:
        tokenizer.tmp_dir = tempfile.mkdtemp(prefix="exporter-jieba-")
    tokenizer.cache_file = "jieba.cache"
    tokenizer.initialize()
    return tokenizer


def _contested(text: str, s: int, e: int, index: _PhraseIndex) -> bool:
    """Whether another dictionary phrase starts inside text[s:e] and runs past its end."""
    for j in range(s + 1, e):
        for k in range(j + 1, len(text) + 1):
            if k > e and text[j:k] in index.keys:
                return True
            if text[j:k] not in index.prefixes:
                break
    return False


def _guard_edits(
    src: str, out: str, configs: tuple[str, ...], index: _PhraseIndex
) -> list[tuple[int, int, str]]:
    """Re-convert word by word where an OpenCC phrase straddles a jieba word boundary.

    A phrase counts when both its ends fall inside jieba words and a competing phrase
    overlaps its end (年历 in 一百年|历史, with 历史 competing). A phrase that starts or
    ends on a boundary is usually right (OpenCC's upstream cases depend on that). jieba,
    the slow part, only segments the clauses that hold such a contested phrase.
    """
    tokenizer: Any = None  # loaded on the first contested phrase: it takes a second
    breaks: list[int] = []
    clauses: dict[int, list[int]] = {}
    edits: list[tuple[int, int, str]] = []
    done = 0
    for s, e in _phrase_segments(src, index):
        if s < done or not _contested(src, s, e, index):
            continue
        tokenizer = tokenizer or _jieba()
        if tokenizer is None:
            break
        breaks = breaks or [0, *(m.end() for m in _CLAUSE_BREAK.finditer(src)), len(src)]
        at = bisect.bisect_right(breaks, s) - 1
        c0, c1 = breaks[at], breaks[at + 1]
        if c0 not in clauses:
            starts = [c0]
            for word in tokenizer.cut(src[c0:c1], HMM=False):
                starts.append(starts[-1] + len(word))
            clauses[c0] = starts if starts[-1] == c1 else [c0, c1]
        starts = clauses[c0]
        left, right = bisect.bisect_right(starts, s) - 1, bisect.bisect_left(starts, e)
        if starts[left] == s or starts[right] == e:
            continue
        x0, y0 = starts[left], starts[right]
        new = "".join(
            _run_chain(configs, src[starts[k] : starts[k + 1]]) for k in range(left, right)
        )
        if len(new) == y0 - x0 and new != out[x0:y0]:
            edits.append((x0, y0, new))
            done = y0
    return edits


# --- Conversion core ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    configs: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]
    guard: bool


def _pieces(src: str, out: str) -> Iterator[tuple[int, int, int, int]]:
    """Matching clause spans of a text and its conversion (OpenCC keeps punctuation)."""
    cuts_s = [m.end() for m in _CLAUSE_BREAK.finditer(src)]
    cuts_o = [m.end() for m in _CLAUSE_BREAK.finditer(out)]
    if len(cuts_s) != len(cuts_o):
        cuts_s, cuts_o = [], []
    yield from zip(
        [0, *cuts_s], [*cuts_s, len(src)], [0, *cuts_o], [*cuts_o, len(out)], strict=True
    )


def _fix(src: str, out: str, plan: _Plan, index: _PhraseIndex | None) -> str:
    """Apply the guard and the corrections to a source and its conversion."""
    fixes = _find_corrections(src, plan.corrections)
    if len(src) != len(out):  # cannot align: convert around each correction instead
        if not fixes:
            return out
        parts, pos = [], 0
        for s, e, target in fixes:
            parts += [_run_chain(plan.configs, src[pos:s]), target]
            pos = e
        return "".join([*parts, _run_chain(plan.configs, src[pos:])])
    edits = _guard_edits(src, out, plan.configs, index) if plan.guard and index else []
    # A correction has the last word over a guard edit it overlaps.
    edits = [ed for ed in edits if not any(ed[0] < e and s < ed[1] for s, e, _ in fixes)]
    parts, pos = [], 0
    for s, e, new in sorted(edits + fixes):
        parts += [out[pos:s], new]
        pos = e
    return "".join([*parts, out[pos:]])


def _convert_chunk(text: str, plan: _Plan) -> str:
    out = _run_chain(plan.configs, text)
    if not plan.corrections and not plan.guard:
        return out
    data = _config_data(plan.configs[0]) if plan.guard else None
    index = data[0] if data else None
    if len(out) == len(text):
        return _fix(text, out, plan, index)
    # Lengths changed (s2twp phrases): align clause by clause.
    return "".join(_fix(text[a:b], out[c:d], plan, index) for a, b, c, d in _pieces(text, out))


def _chunks(text: str, size: int) -> Iterator[str]:
    """Pieces of about ``size`` characters cut after sentence ends (exact for OpenCC)."""
    start = 0
    while start < len(text):
        m = _SENTENCE_END.search(text, start + size)
        stop = m.end() if m else len(text)
        yield text[start:stop]
        start = stop


_POOL: tuple[int, ProcessPoolExecutor] | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None or _POOL[0] != workers:
        shutdown_pool()
        import multiprocessing

        # fork: the workers inherit the dictionaries already loaded instead of reloading.
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
        _POOL = (workers, ProcessPoolExecutor(max_workers=workers, mp_context=context))
    return _POOL[1]


def shutdown_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown()
        _POOL = None


def _run_plan(text: str, plan: _Plan, workers: int) -> str:
    if not plan.configs or not text:
        return text
    if workers > 1 and len(text) >= PARALLEL_MIN_CHARS:
        _convert_chunk(text[:1000], plan)  # load the dictionaries before forking
        if plan.guard:
            _jieba()
        chunks = list(_chunks(text, len(text) // (workers * 2) + 1))
        return "".join(_pool(workers).map(_convert_chunk, chunks, [plan] * len(chunks)))
    return "".join(_convert_chunk(chunk, plan) for chunk in _chunks(text, CHUNK_CHARS))


def _make_plan(configs: tuple[str, ...], pairs: tuple[tuple[str, str], ...], guard: bool) -> _Plan:
    has_jieba = importlib.util.find_spec("jieba") is not None
    guard = guard and bool(configs) and configs[0].startswith("s2") and has_jieba
    return _Plan(configs, pairs, guard)


def convert_text(
    text: str,
    configs: str | Sequence[str],
    *,
    corrections: Sequence[tuple[str, str]] | None = None,
    word_guard: bool = False,
    workers: int = 1,
) -> str:
    """Convert with an OpenCC config (or chain), then the guard and the corrections.

    ``corrections=None`` uses the packaged ones; ``()`` gives plain OpenCC output.
    """
    chain = (configs,) if isinstance(configs, str) else tuple(configs)
    pairs = corrections_for(chain) if corrections is None else tuple(corrections)
    return _run_plan(text, _make_plan(chain, pairs, word_guard), workers)


# --- Document stage -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """A one-to-many character converted by OpenCC's single-character default."""

    position: int  # offset in the text reviewed (body blocks: in Document.body_text)
    char: str  # the source character
    chosen: str  # what the output has
    alternatives: tuple[str, ...]  # the other readings, in the target's forms
    context: str  # output around the spot, the character marked 【】
    where: str = ""  # part of the document: title, paragraph 5, …


def _document_texts(doc: Document) -> list[tuple[str, str]]:
    """(where, text) for everything a reader sees, in a fixed order."""
    meta = doc.meta
    texts = [("title", meta.title)] + ([("date", meta.date_text)] if meta.date_text else [])
    texts += [(f"credit {key}", value) for key, value in meta.credits]
    texts += [(f"{type(b).__name__.lower()} {n}", b.text) for n, b in enumerate(doc.blocks, 1)]
    return texts + [(f"source note {n}", note.excerpt) for n, note in enumerate(doc.notes, 1)]


def convert_document(
    doc: Document,
    profile: str | Profile,
    *,
    user_corrections: Path | None = None,
    review: list[ReviewItem] | None = None,
    word_guard: bool | None = None,
    workers: int = 1,
) -> Document:
    """Convert everything a reader sees into the profile's script and forms.

    The translation (English) is left alone. ``review``, when a list, receives the spots
    a translator should check. ``word_guard=None`` runs the jieba guard on documents up
    to ``GUARD_AUTO_MAX_CHARS`` characters. ``workers > 1`` converts long texts in a pool.
    """
    prof = profile if isinstance(profile, Profile) else resolve_profile(profile)
    pieces = _document_texts(doc)
    joined = _JOIN.join(text for _, text in pieces)
    guess = detect_script(joined)
    configs = prof.configs_for(guess.script, guess.variant)
    log.info("source is %s; %s uses %s", guess.describe(), prof.name, "+".join(configs) or "-")
    if prof.s2 == "s2twp" and guess.script == "Hant":
        log.warning("Taiwan vocabulary (s2twp) needs a Simplified source; converted forms only")
    if word_guard is None:
        word_guard = len(joined) <= GUARD_AUTO_MAX_CHARS
        if not word_guard:
            log.info(
                "word-boundary guard off for %d characters (force it with the API)", len(joined)
            )
    plan = _make_plan(configs, corrections_for(configs, user_corrections), word_guard)
    if any(_JOIN in text for _, text in pieces):
        converted = [_run_plan(text, plan, 1) for _, text in pieces]
    else:
        converted = _run_plan(joined, plan, workers).split(_JOIN)
    if review is not None and configs:
        review.extend(_review_texts(pieces, converted, configs))
    provenance = [
        ("source_script", guess.describe()),
        ("opencc_config", "+".join(configs) or "none (already in the target script)"),
        ("opencc", opencc_version()),
        ("corrections", f"{corrections_digest(plan.corrections)} ({len(plan.corrections)})"),
    ]
    provenance += [("word_guard", "jieba")] if plan.guard else []
    it = iter(converted)
    meta = doc.meta
    new_meta = replace(
        meta,
        title=next(it),
        date_text=next(it) if meta.date_text else meta.date_text,
        credits=tuple((key, next(it)) for key, _ in meta.credits),
        lang=prof.lang,
        provenance=meta.provenance + tuple(provenance),
    )
    blocks = tuple(map_text(block, next(it)) for block in doc.blocks)
    notes = tuple(replace(note, excerpt=next(it)) for note in doc.notes)
    return replace(doc, meta=new_meta, blocks=blocks, notes=notes)


# --- Ambiguity review ---------------------------------------------------------------------


def _review_texts(
    pieces: list[tuple[str, str]], converted: list[str], configs: tuple[str, ...]
) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    body = 0
    for (where, src), out in zip(pieces, converted, strict=True):
        in_body = where.startswith(("heading", "paragraph"))
        for item in review_ambiguities(src, out, configs):
            items.append(
                replace(item, position=item.position + (body if in_body else 0), where=where)
            )
        body += len(src) if in_body else 0
    return items


def review_ambiguities(
    source_text: str, converted_text: str, config: str | Sequence[str], *, width: int = 12
) -> list[ReviewItem]:
    """One-to-many characters (干 -> 乾/幹/干, 后 -> 後/后, …) that no phrase decided.

    A character is listed when OpenCC's longest match left it on its own and the output
    has its default reading; spots the guard or a correction changed are deliberate and
    not listed. Without OpenCC's phrase dictionary every default reading is listed.
    """
    chain = (config,) if isinstance(config, str) else tuple(config)
    data = _config_data(chain[0]) if chain else None
    index, multi = (
        data if data else (None, _parse_dictionary(FALLBACK_ONE_TO_MANY.read_text("utf-8")))
    )
    if not chain or not multi:
        return []
    forms = _FORMS_STAGE.get(chain[-1])
    chars = re.compile("[" + re.escape("".join(sorted(multi))) + "]")
    items: list[ReviewItem] = []
    for s0, s1, o0, o1 in _pieces(source_text, converted_text):
        src, text, shift = source_text[s0:s1], converted_text, o0
        if not chars.search(src):
            continue
        if o1 - o0 != len(src):
            text, shift = _run_chain(chain, src), 0  # approximate: this clause alone
            if len(text) != len(src):
                continue
        covered = (
            {p for s, e in _phrase_segments(src, index) for p in range(s, e)} if index else set()
        )
        for m in chars.finditer(src):
            p, char, at = m.start(), m.group(), m.start() + shift
            chosen = text[at]
            if p in covered or chosen != _default_reading(chain, char):
                continue
            readings = (_run_chain((forms,), r) if forms else r for r in multi[char])
            others = tuple(dict.fromkeys(r for r in readings if r != chosen))
            if not others:  # the forms stage merges the readings (覈 -> 核 in Hong Kong)
                continue
            context = f"{text[max(0, at - width) : at]}【{chosen}】{text[at + 1 : at + 1 + width]}"
            items.append(ReviewItem(s0 + p, char, chosen, others, context.replace(_JOIN, " ")))
    return items


@functools.lru_cache(maxsize=4096)
def _default_reading(chain: tuple[str, ...], char: str) -> str:
    return _run_chain(chain, char)


def write_review_report(
    items: Sequence[ReviewItem], path: Path, *, title: str = "", profile: str = ""
) -> None:
    """Write the review list as plain text (readable as Markdown), atomically."""
    name = " ".join(filter(None, [title, f"({profile})" if profile else ""]))
    lines = [f"# Conversion review{': ' + name if name else ''}", ""]
    lines.append(
        f"{len(items)} spot(s) where a character with several readings was converted by "
        "OpenCC's single-character default, not decided by a phrase. Check each in context; "
        "fix wrong ones with a corrections file (source<TAB>target, see README)."
    )
    counts: dict[str, int] = {}
    for item in items:
        counts[item.char] = counts.get(item.char, 0) + 1
    if counts:
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        lines += ["", "By character: " + ", ".join(f"{c} ×{n}" for c, n in ranked), ""]
    for n, it in enumerate(items, 1):
        where = f"{it.where} @{it.position}" if it.where else f"@{it.position}"
        others = "/".join(it.alternatives) or "-"
        lines.append(f"{n}. {where}: {it.char} -> {it.chosen} (or {others}): {it.context}")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise OutputError(f"{path}: cannot write the review report ({exc})") from None
