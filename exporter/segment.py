"""Word boundaries in Chinese text (jieba, shared with the conversion stage's word guard)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def word_starts(text: str) -> frozenset[int]:
    """Indices where a word starts in ``text`` (always 0 and ``len(text)``); with jieba
    missing, every index (any break is then allowed)."""
    from .transforms.convert.guard import _jieba

    tokenizer = _jieba()
    if tokenizer is None:
        return frozenset(range(len(text) + 1))
    starts = {0, len(text)}
    pos = 0
    for token in tokenizer.cut(text, HMM=True):
        pos += len(token)
        starts.add(pos)
    return frozenset(starts)
