"""Word-boundary guard: re-convert word by word where an OpenCC phrase straddles a word."""

from __future__ import annotations

import bisect
import functools
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from .opencc_data import _CLAUSE_BREAK, _phrase_segments, _PhraseIndex, _run_chain


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
