"""Word-boundary guard: re-convert word by word where an OpenCC phrase straddles a word.

Both the guard and the vocabulary layer ask jieba where words end, in small windows only:
an Aho–Corasick pass over OpenCC's phrase keys finds the few places where two phrases
cross, and only those are segmented, so the guard stays on at any size.
"""

from __future__ import annotations

import bisect
import functools
import logging
import tempfile
from collections.abc import Sequence
from typing import Any

from ...diskcache import cache_dir
from ...errors import raise_if_interrupted
from ...segment import _cutter
from .matching import find_all
from .opencc_data import (
    _CLAUSE_BREAK,
    _config_data,
    _phrase_segments,
    _PhraseIndex,
    _run_chain,
    data_stamp,
    phrase_ends,
)

# jieba segments this many characters either side of a spot (cut at clause breaks).
WINDOW = 12


@functools.cache
def _jieba() -> Any | None:
    try:
        import jieba
    except ImportError as exc:
        raise_if_interrupted(exc)
        return None
    # jieba logs its start-up on stderr and caches its dictionary in the shared /tmp by
    # default (and loads that file with marshal): keep it quiet, cache in a private folder.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    cache = cache_dir()
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(cache)
    except OSError:
        tokenizer.tmp_dir = tempfile.mkdtemp(prefix="exporter-jieba-")
    tokenizer.cache_file = "jieba.cache"
    tokenizer.initialize()
    return tokenizer


def _window(text: str, s: int, e: int, width: int = WINDOW) -> tuple[int, int]:
    """About ``width`` characters either side of text[s:e], cut at the nearest clause breaks."""
    w0, w1 = max(0, s - width), min(len(text), e + width)
    for brk in _CLAUSE_BREAK.finditer(text, w0, s):
        w0 = brk.end()
    after = _CLAUSE_BREAK.search(text, e, w1)
    return w0, (after.start() if after else w1)


class WordBounds:
    """Word starts from jieba, segmented lazily window by window (windows are memoised)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokenizer: Any = None
        self._windows: dict[tuple[int, int], list[int]] = {}

    def starts(self, s: int, e: int) -> list[int] | None:
        """Word starts (with the window's end) around text[s:e]; None without jieba."""
        self.tokenizer = self.tokenizer or _cutter(hmm=False)
        if self.tokenizer is None:
            return None
        w0, w1 = _window(self.text, s, e)
        if (w0, w1) not in self._windows:
            self._windows[w0, w1] = [w0 + k for k in _segment(self.tokenizer, self.text[w0:w1])]
        return self._windows[w0, w1]

    def is_word(self, s: int, e: int) -> bool:
        """Whether text[s:e] reads as a word here (False without jieba).

        Words inside it (空气|质量) or one holding it whole (发短信, 公交车站) are fine, and
        so is a compound that shares two or more of its characters (移动|电话号码); a
        word taking a single character across either end is not: 出租|车辆 is not a
        出租车, nor 布|什么 a 布什.
        """
        starts = self.starts(s, e)
        if starts is None:
            return False
        k = bisect.bisect_right(starts, s) - 1  # the word holding text[s]
        if starts[k] != s and starts[k + 1] < e and starts[k + 1] - s < 2:
            return False
        k = bisect.bisect_left(starts, e)  # the first word start at or after e
        return starts[k] == e or starts[k - 1] <= s or e - starts[k - 1] >= 2


@functools.lru_cache(maxsize=1 << 16)
def _segment(cut: Any, text: str) -> tuple[int, ...]:
    """Word starts in ``text`` (and its length), as jieba's cut without HMM finds them.

    Memoised by text: a document repeats its phrases, and windows with them.
    """
    starts = [0]
    for word in cut(text):
        starts.append(starts[-1] + len(word))
    return tuple(starts) if starts[-1] == len(text) else (0, len(text))


# Bounded: a scoped index (one text's phrases) is made per document of a batch.
@functools.lru_cache(maxsize=8)
def _keys(index: _PhraseIndex) -> tuple[str, ...]:
    return tuple(sorted(k for k in index.keys if len(k) > 1))


@functools.lru_cache(maxsize=8)
def _decisive(configs: tuple[str, ...], index: _PhraseIndex) -> tuple[str, ...]:
    """The phrases of ``index`` whose conversion differs from their characters' default
    readings.

    Where only other phrases cross, OpenCC's choice and a word-by-word one both give the
    default readings: nothing for the guard to decide. One phrase in five is decisive,
    so a first pass over the text finds about one place in ten to look at closely.
    """
    every = _every_decisive(configs)
    return every if index.whole else tuple(k for k in every if k in index.keys)


@functools.cache
def _every_decisive(configs: tuple[str, ...]) -> tuple[str, ...]:
    """The decisive phrases of the whole dictionary: derived once per installed OpenCC and
    kept in the user's cache (exporter.diskcache)."""
    from ...diskcache import load_or_build

    def derive() -> tuple[str, ...]:
        data = _config_data(configs[0])
        return _derive_decisive(configs, data[0]) if data else ()

    return load_or_build("opencc-decisive", f"{configs}|{data_stamp()}", derive)


def _derive_decisive(configs: tuple[str, ...], index: _PhraseIndex) -> tuple[str, ...]:
    keys = _keys(index)
    whole = _run_chain(configs, "\n".join(keys)).split("\n")
    singles = sorted(set("".join(keys)))
    readings = _run_chain(configs, "\n".join(singles)).split("\n")
    if len(whole) != len(keys) or len(readings) != len(singles):
        return keys
    default = dict(zip(singles, readings, strict=True))
    return tuple(
        k for k, a in zip(keys, whole, strict=True) if a != "".join([default[c] for c in k])
    )


def _clusters(matches: list[tuple[int, int, int]], shift: int = 0) -> list[tuple[int, int]]:
    """Spans of overlapping matches in which two cross (neither holds the other)."""
    spans: list[list[int]] = []  # [start, end, longest]; matches come by end position
    for _, s, e in matches:
        if not spans or s >= spans[-1][1]:
            spans.append([s, e, e - s])
            continue
        top = spans[-1]  # a later match may reach back over several spans: merge them
        top[0], top[1], top[2] = min(top[0], s), e, max(top[2], e - s)
        while len(spans) > 1 and spans[-2][1] > top[0]:
            below = spans.pop(-2)
            top[0], top[2] = min(top[0], below[0]), max(top[2], below[2])
    return [(s + shift, e + shift) for s, e, longest in spans if e - s > longest]


# Characters around a decisive phrase searched for the phrases that cross it.
_REACH = 12


# Up to this many characters of windows, phrases are looked up in the index's sets instead of
# an automaton over all ~50,000 phrases: building that automaton (and sorting its keys) was
# ~0.12 s of every cold zh-HK build, while a seed's windows take milliseconds to scan.
_SCAN_LIMIT = 100_000


def _phrase_matches(text: str, index: _PhraseIndex) -> list[tuple[int, int, int]]:
    """Every occurrence of every phrase of ``index`` in ``text``, overlapping ones too, as
    ``find_all`` reports them: (0, start, end) by end position, longest first."""
    if len(text) > _SCAN_LIMIT:
        return find_all(text, _keys(index))
    found = [(0, i, j) for i in range(len(text)) for j in phrase_ends(text, i, index)]
    found.sort(key=lambda m: (m[2], m[1]))
    return found


def _crossings(
    src: str,
    index: _PhraseIndex,
    configs: tuple[str, ...] = (),
    decisive: Sequence[tuple[int, int, int]] | None = None,
) -> list[tuple[int, int]]:
    """Spans of overlapping phrase matches in which two phrases cross, near a decisive
    phrase. OpenCC's longest match restarts at each span's start, so a span is exact.

    ``decisive``: the decisive phrases' matches if the caller searched already."""
    if not configs:
        return _clusters(find_all(src, _keys(index)))
    if decisive is None:
        decisive = find_all(src, _decisive(configs, index))
    windows: list[list[int]] = []
    for _, s, e in sorted(decisive, key=lambda m: m[2]):
        w0, w1 = max(0, s - _REACH), min(len(src), e + _REACH)
        if windows and w0 <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], w1)
        else:
            windows.append([w0, w1])
    if not windows:
        return []
    # All windows in one search: U+2029 between them, which no phrase holds.
    joined = "\u2029".join(src[w0:w1] for w0, w1 in windows)
    starts, at = [], 0
    for w0, w1 in windows:
        starts.append(at)
        at += w1 - w0 + 1
    groups: list[list[tuple[int, int, int]]] = [[] for _ in windows]
    k = 0
    for match in _phrase_matches(joined, index):  # by end position, so window by window
        while match[1] >= starts[k] + windows[k][1] - windows[k][0]:
            k += 1
        groups[k].append(match)
    found: list[tuple[int, int]] = []
    for (w0, _), start, group in zip(windows, starts, groups, strict=True):
        for span in _clusters(group, w0 - start):
            if not found or span[0] >= found[-1][1]:
                found.append(span)
    return found


@functools.lru_cache(maxsize=1 << 16)
def _convert_word(configs: tuple[str, ...], word: str) -> str:
    return _run_chain(configs, word)


def _contested(text: str, s: int, e: int, index: _PhraseIndex) -> bool:
    """Whether another dictionary phrase starts inside text[s:e] and runs past its end."""
    return any(k > e for j in range(s + 1, e) for k in phrase_ends(text, j, index))


def _guard_edits(
    src: str,
    out: str,
    configs: tuple[str, ...],
    index: _PhraseIndex,
    bounds: WordBounds | None = None,
    decisive: Sequence[tuple[int, int, int]] | None = None,
) -> list[tuple[int, int, str]]:
    """Re-convert word by word where an OpenCC phrase straddles a jieba word boundary.

    A phrase counts when both its ends fall inside jieba words and a competing phrase
    overlaps its end (年历 in 一百年|历史, with 历史 competing). A phrase that starts or
    ends on a boundary is usually right (OpenCC's upstream cases depend on that). jieba,
    the slow part, only segments a window around each such contested phrase.
    """
    bounds = bounds or WordBounds(src)
    edits: list[tuple[int, int, str]] = []
    done = 0
    for c0, c1 in _crossings(src, index, configs, decisive):
        for s0, e0 in _phrase_segments(src[c0:c1], index):
            s, e = s0 + c0, e0 + c0
            if s < done or not _contested(src, s, e, index):
                continue
            starts = bounds.starts(s, e)
            if starts is None:
                return edits
            left, right = bisect.bisect_right(starts, s) - 1, bisect.bisect_left(starts, e)
            if right >= len(starts) or starts[left] == s or starts[right] == e:
                continue
            x0, y0 = starts[left], starts[right]
            new = "".join(
                _convert_word(configs, src[starts[k] : starts[k + 1]]) for k in range(left, right)
            )
            if len(new) == y0 - x0 and new != out[x0:y0]:
                edits.append((x0, y0, new))
                done = y0
    return edits
