"""Find damage in a source that cleaning cannot repair: lost numerals, punctuation, bytes.

The detector reports; it never guesses the missing text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence

from ..model import SourceNote
from ..segment import word_starts

_NUM = r"0-9０-９零〇一二三四五六七八九十百千万亿两几数多半上"
_CLAUSE_START = r"(?:(?<=^)|(?<=[。，；！？：、]))"

# kind -> patterns; each match is one place where text is evidently missing.
PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    # 月日 with no numbers: "…担当月日，中国共产党…" lost "5月25日".
    "missing_date": (re.compile(rf"(?<![{_NUM}])月(?![{_NUM}])日"),),
    # A year that lost its digits: "。年，该区…", "党工委年第一次", "增速创年来新高".
    "missing_year": (
        re.compile(rf"{_CLAUSE_START}年(?=[，、])"),
        re.compile(r"(?:(?<=^)|(?<=[。！？]))年(?![轻龄纪度级底初终代])"),
        re.compile(
            rf"(?<=[^{_NUM}本今去明前后当同上下每历多近逐全跨新往当])年(?=第|以来|来新|来首)"
        ),
    ),
    # An amount that lost its number: "生产总值亿元".
    "missing_amount": (re.compile(rf"(?<![{_NUM}])(?:亿|万)(?:美元|元|人民币)"),),
    # A growth rate that lost its figure: "亿元，增长，增速…".
    "missing_percentage": (
        re.compile(r"(?<=[元人个家项次]，)(?:同比)?(?:增长|下降|增加|减少|提高)(?=[，。；])"),
        re.compile(rf"(?<![{_NUM}.])[%％]"),
    ),
    # A count that lost its number: "等项经济指标", "企业超家".
    "missing_count": (re.compile(r"(?<=[等超近达逾约共])(?:项(?!目)|家|倍|宗|批|所|条)"),),
    # Decoding damage already in the source bytes.
    "replacement_character": (re.compile("\ufffd+"),),
}
# A long run of ideographs with no punctuation at all almost always means the
# source lost its 、，。 (the seed runs job titles and names together).
LOST_PUNCTUATION_RUN = 60
_RUN = re.compile(rf"[\u3400-\u9fff]{{{LOST_PUNCTUATION_RUN},}}")
EXCERPT_RADIUS = 8
_LEADING_MARKS = frozenset("，、。；：！？）》」』”’")


def find_damage(
    text: str, where: str = "body", starts: Sequence[int] = ()
) -> tuple[SourceNote, ...]:
    """Damage in ``text``; ``starts`` are the offsets where its paragraphs begin (the body's
    blocks joined), so that each note names its paragraph and its excerpt stays inside it."""
    notes: list[SourceNote] = []
    bounds = [*starts] if starts else [0]
    for kind, patterns in PATTERNS.items():
        seen: set[int] = set()
        for pattern in patterns:
            for match in pattern.finditer(text):
                if match.start() not in seen:
                    seen.add(match.start())
                    notes.append(_note(kind, text, match.start(), match.end(), where, bounds))
    for match in _RUN.finditer(text):
        notes.append(_note("lost_punctuation", text, match.start(), match.end(), where, bounds))
    return tuple(sorted(notes, key=lambda note: (note.position, note.kind)))


def _gaps(kind: str, text: str, start: int, end: int) -> tuple[int, ...]:
    """Where the text went missing, as offsets into ``text``."""
    if kind == "missing_date":
        return (start, start + 1)  # 月日: the month's and the day's numerals
    if kind == "missing_percentage" and text[start] not in "%％":
        return (end,)  # 增长，: the figure after the verb
    if kind in ("lost_punctuation", "replacement_character"):
        return ()
    return (start,)


def _note(kind: str, text: str, start: int, end: int, where: str, bounds: list[int]) -> SourceNote:
    number = bisect_right(bounds, start)
    lo = bounds[number - 1]
    hi = bounds[number] if number < len(bounds) else len(text)
    gaps = _gaps(kind, text, start, end)
    if end - start > 2 * EXCERPT_RADIUS:
        head_end = _snap(text, lo, hi, start + EXCERPT_RADIUS, forward=True)
        tail_start = _snap(text, lo, hi, end - EXCERPT_RADIUS, forward=False)
        excerpt = text[start:head_end] + "…" + text[tail_start:end]
        first = start
    else:
        first = _snap(text, lo, hi, max(lo, start - EXCERPT_RADIUS), forward=False)
        last = _snap(text, lo, hi, min(hi, end + EXCERPT_RADIUS), forward=True)
        while first < start and text[first] in _LEADING_MARKS:
            first += 1  # "，彰显…" reads as a cut: start after the mark
        excerpt = text[first:last]
    return SourceNote(
        kind=kind,
        position=start,
        excerpt=excerpt,
        where=where,
        paragraph=number if where == "body" else 0,
        gaps=tuple(g - first for g in gaps),
        excerpt_at=first,
    )


def _snap(text: str, lo: int, hi: int, pos: int, *, forward: bool) -> int:
    """``pos`` moved to the nearest word boundary (outwards) inside ``text[lo:hi]``: an
    excerpt never ends inside a word."""
    pos = min(max(pos, lo), hi)
    window_lo, window_hi = max(lo, pos - 8), min(hi, pos + 8)
    starts = word_starts(text[window_lo:window_hi])
    # The window's own ends are not word boundaries unless they are the paragraph's.
    inner = sorted(window_lo + s for s in starts if 0 < s < window_hi - window_lo)
    inner = [lo, *inner, hi] if window_lo == lo or window_hi == hi else inner
    candidates = [b for b in inner if (b >= pos if forward else b <= pos)]
    if not candidates:
        return pos
    return min(candidates) if forward else max(candidates)


def summarize(notes: Iterable[SourceNote]) -> Counter[str]:
    return Counter(note.kind for note in notes)
