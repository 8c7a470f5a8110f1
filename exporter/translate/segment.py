"""Split Chinese text into sentences short enough for the translation model.

Each returned segment is translated on its own and yields exactly one target segment, so the
list is the unit of alignment: a paragraph's translation is its segments' translations joined.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at one of these, plus any closing quotes or brackets right after it.
_TERMINATORS = "。！？；!?;…"
_CLOSERS = "”’」』）)】〉》\"'"
_SENTENCE = re.compile(rf"[^{_TERMINATORS}\n]*(?:[{_TERMINATORS}]+[{_CLOSERS}]*|\n|$)")
# Clause boundaries used to cut an over-long sentence, strongest first.
_CLAUSE_MARKS = ("，,：:", "、")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, whitespace-trimmed, empty ones dropped."""
    return [m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()]


def _pieces(sentence: str, marks: str) -> list[str]:
    """Cut after every mark (keeping the mark with the text before it)."""
    return [p for p in re.split(rf"(?<=[{re.escape(marks)}])", sentence) if p]


def _hard_split(text: str, max_tokens: int, measure: Callable[[str], int]) -> list[str]:
    """Cut a run with no clause boundary into the longest prefixes that fit."""
    out: list[str] = []
    rest = text
    while rest and measure(rest) > max_tokens:
        lo, hi = 1, len(rest)
        while lo < hi:  # longest prefix that fits
            mid = (lo + hi + 1) // 2
            if measure(rest[:mid]) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        out.append(rest[:lo])
        rest = rest[lo:]
    if rest:
        out.append(rest)
    return out


def split_long(
    sentence: str, max_tokens: int, measure: Callable[[str], int] = len, level: int = 0
) -> list[str]:
    """Split ``sentence`` at clause boundaries so that every part measures ≤ ``max_tokens``."""
    if measure(sentence) <= max_tokens:
        return [sentence]
    if level >= len(_CLAUSE_MARKS):
        return _hard_split(sentence, max_tokens, measure)
    parts: list[str] = []
    current = ""
    for piece in _pieces(sentence, _CLAUSE_MARKS[level]):
        if current and measure(current + piece) > max_tokens:
            parts.append(current)
            current = ""
        current += piece
    if current:
        parts.append(current)
    out: list[str] = []
    for part in parts:
        out.extend(split_long(part, max_tokens, measure, level + 1))
    return [p.strip() for p in out if p.strip()]


def segment(text: str, *, max_tokens: int = 200, measure: Callable[[str], int] = len) -> list[str]:
    """Sentences of ``text``, long ones cut at clause boundaries to fit the model."""
    out: list[str] = []
    for sentence in split_sentences(text):
        out.extend(split_long(sentence, max_tokens, measure))
    return out
