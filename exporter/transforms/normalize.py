"""Character normalisation that is safe for Chinese text (unlike plain NFKC)."""

from __future__ import annotations

import re
import unicodedata

# Full-width ASCII letters and digits -> half-width. Full-width punctuation is left
# alone on purpose: ，。：；！？（） are correct Chinese typography, and NFKC would
# turn ， into , — a real change of meaning for a typesetter.
_FULLWIDTH_ALNUM = {
    code: code - 0xFEE0
    for code in list(range(0xFF10, 0xFF1A))
    + list(range(0xFF21, 0xFF3B))
    + list(range(0xFF41, 0xFF5B))
}
_SPACES = {0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x202F: " "}

# Invisible characters that only ever hurt a briefing: zero-width joiners/spaces,
# word joiner, BOM, soft hyphen, and every bidi embedding/override/isolate mark.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c" + "".join(
    chr(c) for c in list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A))
)
_TABLE: dict[int, str | int | None] = {
    **_FULLWIDTH_ALNUM,
    **{code: text for code, text in _SPACES.items()},
    **{ord(ch): None for ch in _INVISIBLE},
}

_HORIZONTAL_SPACE = re.compile(r"[ \t\v\f]+")
_CJK_PUNCT = "，。、；：！？「」『』（）《》〈〉【】〔〕“”‘’…—·"
_SPACE_NEXT_TO_PUNCT = re.compile(rf" *([{_CJK_PUNCT}]) *")


def _is_control(ch: str) -> bool:
    return ch not in "\n\t" and unicodedata.category(ch) == "Cc"


def normalize_line(line: str) -> str:
    """Normalise one line: widths, invisible and control characters, spaces."""
    line = line.translate(_TABLE)
    if any(_is_control(ch) for ch in line):
        line = "".join(ch for ch in line if not _is_control(ch))
    line = _HORIZONTAL_SPACE.sub(" ", line)
    # Spaces beside Chinese punctuation are typing artefacts, never meaningful.
    line = _SPACE_NEXT_TO_PUNCT.sub(r"\1", line)
    # NFC only: composes accented Latin without touching CJK compatibility forms.
    return unicodedata.normalize("NFC", line.strip())


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x3FFFF
        or 0xF900 <= code <= 0xFAFF
    )
