"""Find damage in a source that cleaning cannot repair: lost numerals, punctuation, bytes.

The detector reports; it never guesses the missing text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..model import SourceNote

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


def find_damage(text: str, where: str = "body") -> tuple[SourceNote, ...]:
    notes: list[SourceNote] = []
    for kind, patterns in PATTERNS.items():
        seen: set[int] = set()
        for pattern in patterns:
            for match in pattern.finditer(text):
                if match.start() not in seen:
                    seen.add(match.start())
                    notes.append(_note(kind, text, match.start(), match.end(), where))
    for match in _RUN.finditer(text):
        notes.append(_note("lost_punctuation", text, match.start(), match.end(), where))
    return tuple(sorted(notes, key=lambda note: (note.position, note.kind)))


def _note(kind: str, text: str, start: int, end: int, where: str) -> SourceNote:
    if end - start > 2 * EXCERPT_RADIUS:
        excerpt = text[start : start + EXCERPT_RADIUS] + "…" + text[end - EXCERPT_RADIUS : end]
    else:
        excerpt = text[max(0, start - EXCERPT_RADIUS) : end + EXCERPT_RADIUS]
    return SourceNote(kind=kind, position=start, excerpt=excerpt, where=where)


def summarize(notes: Iterable[SourceNote]) -> Counter[str]:
    return Counter(note.kind for note in notes)
