"""Chinese paragraphs for the reportlab PDF writer: CLREQ line breaking, font fallback, fixes.

reportlab's own CJK wrapping breaks between any two characters: closing punctuation may start a
line, opening punctuation may end one and English words are cut mid-word. ``CJKParagraph``
replaces only the line breaking (drawing, page splitting and styles stay reportlab's) with the
rules of the W3C "Requirements for Chinese Text Layout" (CLREQ):

* no line starts with closing punctuation (、。，：；！？）》」…—) and none ends with opening
  punctuation (（《「“). Such marks are glued to their neighbour, so when a mark does not fit
  the character before it moves down with it ("push out", 推出 / oshidashi);
* a Latin run (English word, number, ``5.1%``, ``COVID-19``, URL) is never split unless it
  alone is wider than the line; then it is hyphenated with pyphen when installed, or broken
  after a ``/``-like separator, else cut hard. A style with ``hyphenationLang`` also
  hyphenates words that would otherwise move down whole (English paragraphs);
* otherwise a line may break between any two ideographs, and after a space.

Push-out was chosen over hanging punctuation, whose ink would stick out of the frame (and over
a table cell's edge). Punctuation is compressed where the glyphs' ink allows (CLREQ 3.1.6):
of two adjacent full-width marks the blank half between them goes, and a closing mark at a
line end takes half width (its blank half past the frame, its ink inside); the advance is
adjusted with a PDF ``TJ`` number, so the text is unchanged. The room left at a line end is
spread over the line with PDF word and character spacing (``Tw``/``Tc``) when the style is
justified: reportlab's own justification only stretches spaces, which Chinese lines do not
have. Paragraphs keep two lines at a page's foot and head, and a last line of one or two
characters takes units from the line above (``_avoid_runt``).

``install_reportlab_fixes()`` also repairs reportlab's ToUnicode maps for characters outside the
Basic Multilingual Plane, so that text such as 𨋢 (U+282E2) can be copied and searched.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from ..errors import raise_if_interrupted
from ..segment import word_starts


# xml.sax.saxutils does the same, but importing it pulls urllib, http.client and ssl into
# every cold run (~15 ms) for three replacements.
def escape(text: str) -> str:
    """``text`` with &, < and > escaped for reportlab's paragraph markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(value: str) -> str:
    """``value`` as a double-quoted markup attribute."""
    return '"' + escape(value).replace('"', "&quot;") + '"'


if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

FontForChar = Callable[[str], "str | None"]

# Characters that must not start a line (CLREQ 3.1.7 plus the Japanese/fullwidth variants that
# turn up in Chinese sources). Dashes and ellipses are here too, which also keeps a doubled
# ``——`` or ``……`` on one line as CLREQ requires.
CLOSING = frozenset(
    "、。，．：；！？）》」』】〕〗〉”’…‥—～·"
    "］｝｠〙〛〞〟％‰℃°′″､｡｣・･―⸺⋯〜"
    "﹐﹑﹒﹔﹕﹖﹗﹚﹜﹞︰︱︳︴︶"
    "ゝゞヽヾ々〻ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
    ",.;:!?)]}"
)
# Characters that must not end a line.
OPENING = frozenset("（《「『【〔〖〈“‘［｛｟〘〚〝｢﹙﹛﹝￥＄￡([{")
# ASCII marks inside a Latin run (``5.1``, ``U.S.``, ``f(x)``) never offer a break.
_ASCII_MARKS = frozenset(",.;:!?)]}([{")

# Break classes.
_AL = 0  # Latin and other alphabetic or numeric text: no break inside a run
_ID = 1  # ideographs, kana, hangul, fullwidth forms: break before and after
_CL = 2  # closing punctuation: no break before
_OP = 3  # opening punctuation: no break after
_SP = 4  # spaces: break after, never before
_GL = 5  # combining marks, variation selectors, joiners, no-break space: glued to both sides

_GLUE = frozenset("\u00a0\u200d\u2060\ufeff\u202f\u2007")
# Stands for an inline image or other zero-text fragment while classifying.
_OBJECT = "\ufffc"


def _is_mark(ch: str) -> bool:
    """Combining marks and variation selectors: they belong to the character before them."""
    cp = ord(ch)
    return (
        0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or unicodedata.category(ch).startswith("M")
    )


@lru_cache(maxsize=8192)
def _char_class(ch: str) -> int:
    if ch in CLOSING:
        return _CL
    if ch in OPENING:
        return _OP
    if ch in _GLUE or _is_mark(ch):
        return _GL
    if ch.isspace() or ch == "\u200b":
        return _SP
    if ch == _OBJECT or unicodedata.east_asian_width(ch) in ("W", "F"):
        return _ID
    return _AL


def break_opportunities(text: str) -> list[bool]:
    """``result[i]`` is True when a line may start at ``text[i]`` (never at index 0)."""
    before = [_char_class(ch) for ch in text]  # class of text[i] as the character after a gap
    after = before[:]  # class of text[i] as the character before a gap
    for i in range(1, len(text)):
        # A mark takes the class of its base character (UAX #14 rule LB9).
        if before[i] == _GL and _is_mark(text[i]):
            after[i] = after[i - 1]
    # A narrow closing mark between two Latin characters belongs to the word: don’t, 5.1, U.S.A.
    for i in range(1, len(text) - 1):
        if (
            before[i] == _CL
            and after[i - 1] == _AL
            and before[i + 1] == _AL
            and unicodedata.east_asian_width(text[i]) not in ("W", "F")
        ):
            before[i] = after[i] = _AL
    result = [False] * len(text)
    for i in range(1, len(text)):
        a, b = after[i - 1], before[i]
        if b in (_CL, _SP, _GL) or a in (_OP, _GL):
            continue
        if a == _AL and (b == _AL or (b == _OP and text[i] in _ASCII_MARKS)):
            continue  # inside a Latin run, including ``f(x)``
        result[i] = True
    return result


def line_break_units(text: str) -> list[str]:
    """Split ``text`` into the pieces a line break may fall between (joined they give ``text``)."""
    starts = [i for i, ok in enumerate(break_opportunities(text)) if ok]
    bounds = [0, *starts, len(text)]
    return [text[s:e] for s, e in zip(bounds, bounds[1:], strict=False) if e > s]


_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")


def normalize_paragraph_text(text: str) -> str:
    """Join a paragraph's source lines: drop a line break between Chinese characters (it was
    only wrapping), turn any other one into a space, as reportlab would. Soft hyphens and
    zero-width spaces/joiners go too: fonts lack them, so they would print as boxes and
    extract as junk."""

    text = _INVISIBLE.sub("", text)

    def join(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() > 0 else " "
        after = text[match.end()] if match.end() < len(text) else " "
        latin = (_AL, _SP)
        if _char_class(before) in latin or _char_class(after) in latin:
            return " "
        return ""

    return re.sub(r"[ \t]*(?:\r\n|\r|\n)[ \t]*", join, text)


def paragraph_markup(text: str, font_for_char: FontForChar | None = None) -> str:
    """reportlab paragraph markup for plain ``text``: XML-escaped, with ``<font name=...>``
    around every run of characters ``font_for_char`` sends to another font (None = main font).

    Spaces and combining marks stay in the run they follow so that a fallback font is used only
    where needed and a base character keeps its marks.
    """
    if font_for_char is None:
        return escape(text)
    cache: dict[str, str | None] = {}
    out: list[str] = []
    run: list[str] = []
    run_font: str | None = None

    def flush() -> None:
        if not run:
            return
        body = escape("".join(run))
        out.append(body if run_font is None else f"<font name={quoteattr(run_font)}>{body}</font>")
        run.clear()

    for ch in text:
        if run and (ch.isspace() or _char_class(ch) == _GL):
            run.append(ch)
            continue
        if ch not in cache:
            cache[ch] = font_for_char(ch)
        font = cache[ch]
        if font != run_font:
            flush()
            run_font = font
        run.append(ch)
    flush()
    return "".join(out)


def cjk_paragraph(
    text: str,
    style: ParagraphStyle,
    font_for_char: FontForChar | None = None,
) -> Paragraph:
    """A reportlab Paragraph of plain ``text`` wrapped by CLREQ rules (see module docstring).

    ``text`` is one paragraph of plain text (markup characters are escaped here);
    ``font_for_char`` names the registered reportlab font for characters the style's font
    lacks. Justified styles are justified with word and character spacing.
    """
    install_reportlab_fixes()
    markup = paragraph_markup(normalize_paragraph_text(text), font_for_char)
    return _paragraph_class()(markup, style)


# --------------------------------------------------------------------------------------------
# Line fitting


@dataclass
class _Glyphs:
    """One paragraph's characters, measured once and shared by the pieces it splits into."""

    text: str  # the frags' text; "\x00" stands for an inline object (image, anchor)
    cum: list[float]  # cum[i] = width of text[:i]
    unit_starts: list[int]  # sorted start indices of unbreakable units (first is 0)
    frags: list[Any]  # the frags measured, and the index in text of each one's first glyph
    frag_starts: list[int]
    # Punctuation compression: text index -> points taken off that glyph's advance.
    kerns: dict[int, float] = field(default_factory=dict)
    kern_at: list[int] = field(default_factory=list)  # sorted keys of kerns

    def __post_init__(self) -> None:
        self.kern_at = sorted(self.kerns)

    def end_saving(self, lo: int, end: int) -> float:
        """Points a line ``text[lo:end]`` may leave outside the measure: at a line end, a
        closing mark whose ink keeps to its left half takes half width (CLREQ 3.1.6), its
        blank half past the frame. Not for a mark already compressed against the next."""
        i = end - 1
        if i <= lo or i in self.kerns or self.text[i] not in _COMPRESSIBLE:
            return 0.0
        frag = self.frag_at(i)
        ink = _ink(frag.fontName, self.text[i])
        if ink is None or ink[2] > 0.51 or _char_class(self.text[i]) != _CL:
            return 0.0
        return ink[0] / 2 * frag.fontSize

    def is_unit_start(self, i: int) -> bool:
        k = bisect_left(self.unit_starts, i)
        return k < len(self.unit_starts) and self.unit_starts[k] == i

    def frag_at(self, i: int) -> Any:
        return self.frags[bisect_right(self.frag_starts, i) - 1]

    def frags_between(self, start: int, end: int, hyphen: bool = False) -> list[Any]:
        """Frags holding exactly ``text[start:end]`` (cost: the frags in range only), with a
        hyphen added at the end if asked."""
        out = []
        k = max(bisect_right(self.frag_starts, start) - 1, 0)
        while k < len(self.frags) and self.frag_starts[k] < end:
            frag, first = self.frags[k], self.frag_starts[k]
            if self.text[first] == "\x00":
                out.append(frag.clone())
            else:
                text = _frag_text(frag)
                lo, hi = max(start, first), min(end, first + len(text))
                # A compressed glyph ends its piece, which carries the advance to take off.
                kern_at = self.kern_at[
                    bisect_left(self.kern_at, lo) : bisect_left(self.kern_at, hi - 1)
                ]
                for cut in [*(i + 1 for i in kern_at), hi]:
                    piece: str = text[lo - first : cut - first]
                    kern = self.kerns.get(cut - 1)
                    if kern:
                        piece = _KernedText(piece)
                        piece.clreq_kern = kern / frag.fontSize * 1000
                    out.append(frag.clone(text=piece))
                    lo = cut
            k += 1
        if hyphen:
            out[-1].text += "-"
        return out


class _KernedText(str):
    """A frag's text whose last glyph's advance is shortened by ``clreq_kern`` thousandths
    of an em (drawn as a PDF ``TJ`` adjustment after the text: the text itself, and so what
    is copied or extracted, is unchanged)."""

    clreq_kern: float = 0.0


def _frag_text(frag: Any) -> str:
    text = getattr(frag, "text", "")
    return text.decode("utf-8") if isinstance(text, bytes) else text


def _measure(frags: Sequence[Any]) -> _Glyphs:
    from reportlab.pdfbase.pdfmetrics import getFont

    pieces: list[str] = []
    widths: list[float] = []
    frag_starts = []
    width_tables: dict[tuple[str, float], dict[str, float]] = {}
    n = 0
    for frag in frags:
        frag_starts.append(n)
        text = _frag_text(frag)
        if text and not hasattr(frag, "cbDefn"):
            key = (frag.fontName, frag.fontSize)
            table = width_tables.get(key)
            if table is None:
                table = width_tables[key] = {}
            font = getFont(frag.fontName)
            for ch in text:
                w = table.get(ch)
                if w is None:
                    w = table[ch] = font.stringWidth(ch, frag.fontSize)
                widths.append(w)
            pieces.append(text)
            n += len(text)
        else:  # an inline image, anchor or empty run: one unbreakable object
            w = getattr(getattr(frag, "cbDefn", None), "width", 0)
            widths.append(0.0 if hasattr(w, "normalizedValue") else float(w or 0))
            pieces.append("\x00")
            n += 1
    text = "".join(pieces)
    kerns = _compression(text, frags, frag_starts)
    for i, delta in kerns.items():
        widths[i] -= delta
    cum = [0.0, *accumulate(widths)]
    starts = [0, *(i for i, ok in enumerate(break_opportunities(text)) if ok)]
    return _Glyphs(text, cum, starts, list(frags), frag_starts, kerns)


# Consecutive punctuation (CLREQ 3.1.6): of two adjacent full-width marks, the blank half
# between their inks is taken out, so "）》。" or "。”" do not leave 1-1.5 em holes. The
# glyph outlines decide (Simplified fonts set 。，：at the left, Traditional ones centre
# them), so only a mark whose ink keeps to one half is compressed.
_COMPRESSIBLE = frozenset(ch for ch in CLOSING | OPENING if ch not in "—―⸺…‥⋯～〜·・･ー")


def _compression(text: str, frags: Sequence[Any], frag_starts: list[int]) -> dict[int, float]:
    """Index -> points to take off that glyph's advance (half an em for each adjacent pair
    of full-width marks whose inks leave a blank half between them)."""
    kerns: dict[int, float] = {}
    for i in range(len(text) - 1):
        a, b = text[i], text[i + 1]
        if a not in _COMPRESSIBLE or b not in _COMPRESSIBLE:
            continue
        fa = frags[bisect_right(frag_starts, i) - 1]
        fb = frags[bisect_right(frag_starts, i + 1) - 1]
        ink_a = _ink(fa.fontName, a)
        ink_b = _ink(fb.fontName, b)
        if ink_a is None or ink_b is None:
            continue
        # a's ink keeps to its left half, or (if no line may break between them, so b
        # never starts a line) b's ink keeps to its right half.
        if ink_a[2] <= 0.51 or (ink_b[1] >= 0.49 and _char_class(a) != _CL):
            kerns[i] = ink_a[0] / 2 * fa.fontSize
    return kerns


@lru_cache(maxsize=4096)
def _ink(font_name: str, ch: str) -> tuple[float, float, float] | None:
    """(advance, ink left, ink right) of ``ch`` in ems, for a full-width glyph of a TrueType
    font registered with reportlab; None when unknown or not full width."""
    import struct

    from reportlab.pdfbase.pdfmetrics import getFont

    try:
        face = getFont(font_name).face
        gid = face.charToGlyph[ord(ch)]
        start, stop = face.glyphPos[gid], face.glyphPos[gid + 1]
        upm = float(face.unitsPerEm)
        advance = face.charWidths[ord(ch)] / 1000  # reportlab keeps widths per 1000 em
        offset = face.table["glyf"]["offset"] + start
        if stop <= start or advance < 0.9:
            return None
        x_min, _, x_max = struct.unpack(">2x3h", face._ttf_data[offset : offset + 8])
    except (AttributeError, KeyError, IndexError, TypeError, struct.error):
        return None
    return advance, x_min / upm / advance, x_max / upm / advance


@lru_cache(maxsize=8)
def _hyphenator(lang: str) -> Any | None:
    """pyphen's dictionary for ``lang`` (the style's hyphenationLang), else US English."""
    try:
        import pyphen
    except ImportError as exc:
        raise_if_interrupted(exc)
        return None
    # At least three letters either side of a hyphen: "En-vironment" or "environ-ed" help no
    # line and read badly.
    language = pyphen.language_fallback(lang or "en_US") or "en_US"
    return pyphen.Pyphen(lang=language, left=MIN_HYPHEN_PART, right=MIN_HYPHEN_PART)


MIN_HYPHEN_PART = 3


# Units hyphenated as words: letters (with inner apostrophes/hyphens) and surrounding marks.
# Anything else (URLs, numbers, codes) is only broken after a separator, or hard.
_PLAIN_WORD = re.compile(r"\W*[^\W\d_]+(?:[-'’][^\W\d_]+)*\W*")
_LETTERS = re.compile(r"[^\W\d_]{4,}")
# Where a URL or code may break: after a separator followed by a letter or digit. (Style
# guides also break before dots; that would start a line with a closing mark.)
_SOFT_BREAK = re.compile(r"(?<=[-/\u2010=&.?#,;:_~])(?=\w)")


def _hyphen_width(frag: Any) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth("-", frag.fontName, frag.fontSize))


def _split_wide(
    g: _Glyphs, start: int, end: int, room: float, hard: bool, lang: str
) -> tuple[int, bool] | None:
    """Where to cut the unit ``text[start:end]``, too wide for a line, so that the first piece
    fits in ``room``: (cut index, whether to draw a hyphen). Without a hyphenation point or
    hyphen/slash that fits, cuts hard if ``hard`` (always making progress), else gives None."""
    cum = g.cum
    text = g.text[start:end]
    if "\x00" not in text:
        candidates = [(start + m.start(), False) for m in _SOFT_BREAK.finditer(text)]
        hyphenator = _hyphenator(lang)
        if hyphenator is not None and _PLAIN_WORD.fullmatch(text):
            for match in _LETTERS.finditer(text):
                if match.group()[0].isupper():
                    continue  # names and capitalised words are never hyphenated ("Guang-zhou")
                candidates += [
                    (start + match.start() + pos, True)
                    for pos in hyphenator.positions(match.group())
                ]
        for cut, hyphen in sorted(candidates, reverse=True):
            extra = _hyphen_width(g.frag_at(cut - 1)) if hyphen else 0.0
            if cum[cut] - cum[start] + extra <= room + 1e-6:
                return cut, hyphen
    if not hard:
        return None
    # As many characters as fit, at least one, never before a combining mark.
    cut = bisect_right(cum, cum[start] + room + 1e-6, lo=start + 1, hi=end + 1) - 1
    cut = max(cut, start + 1)
    while cut < end and _is_mark(g.text[cut]):
        cut += 1
    return cut, False


def _make_line(
    g: _Glyphs,
    lo: int,
    hi: int,
    trimmed: int,
    hyphen: bool,
    max_width: float,
    calc_bounds: bool,
) -> Any:
    """reportlab's line record (as ``makeCJKParaLine`` builds it) for ``text[lo:hi]``."""
    from reportlab.pdfbase.pdfmetrics import getAscentDescent
    from reportlab.platypus.paragraph import FragLine, imgNormV, imgVRange

    words = g.frags_between(lo, hi, hyphen)
    used = g.cum[trimmed] - g.cum[lo] + (_hyphen_width(words[-1]) if hyphen else 0.0)
    used -= g.end_saving(lo, trimmed)
    font_size = ascent = descent = 0.0
    for frag in words:
        size = frag.fontSize
        cb: Any = getattr(frag, "cbDefn", None)
        if calc_bounds and cb is not None and getattr(cb, "width", None):
            d, a = imgVRange(imgNormV(cb.height, size), cb.valign, size)
        else:
            a, d = getAscentDescent(frag.fontName, size)
        font_size, ascent, descent = max(font_size, size), max(ascent, a), min(descent, d)
    line = FragLine(
        kind=1,
        extraSpace=max_width - used,
        wordCount=1,
        words=words,
        fontSize=font_size,
        ascent=ascent,
        descent=descent,
        maxWidth=max_width,
        currentWidth=used,
        lineBreak=False,
    )
    drawn = g.text[lo:trimmed]
    line._clreq_span = (lo, hi)
    line._clreq_hyphen_inside = hyphen or (0 < hi < len(g.text) and not g.is_unit_start(hi))
    # What justification may widen: the gaps between the glyphs drawn, and the spaces.
    line._clreq_gaps = len(drawn) - drawn.count("\x00") - 1 + hyphen
    line._clreq_spaces = drawn.count(" ") + drawn.count("\xa0")
    return line


def _fit_lines(
    g: _Glyphs,
    start: int,
    end: int,
    max_widths: Sequence[float],
    calc_bounds: bool,
    lang: str = "",
) -> list[Any]:
    """Greedy first-fit of the units of ``text[start:end]`` into lines of ``max_widths``.

    ``lang`` (a hyphenation language, e.g. the style's ``hyphenationLang``) also hyphenates
    words that would move down whole; without it only words wider than a line are cut.
    """
    cum, text = g.cum, g.text
    lines: list[Any] = []

    def width_for(n: int) -> float:
        return max_widths[min(n, len(max_widths) - 1)]

    def emit(lo: int, hi: int, trimmed: int, hyphen: bool = False) -> None:
        lines.append(_make_line(g, lo, hi, trimmed, hyphen, width_for(len(lines)), calc_bounds))

    i = bisect_left(g.unit_starts, start)
    units = g.unit_starts[i:]
    if not units or units[0] != start:
        units = [start, *units]  # this piece begins inside a unit cut by a hard break
    units = [u for u in units if u < end]
    pos = start  # first glyph of the line being filled
    content_end = trimmed_end = start
    k = 0
    while k < len(units):
        u_start = max(units[k], pos)
        u_end = units[k + 1] if k + 1 < len(units) else end
        u_trim = u_end
        while u_trim > u_start and _char_class(text[u_trim - 1]) == _SP:
            u_trim -= 1  # trailing spaces take no room at a line end
        max_width = width_for(len(lines))
        if cum[u_trim] - cum[pos] - g.end_saving(pos, u_trim) <= max_width + 1e-6:
            content_end, trimmed_end = u_end, u_trim
            k += 1
            continue
        empty = content_end == pos
        if not empty and cum[u_trim] - cum[u_start] <= width_for(len(lines) + 1) + 1e-6:
            # The unit moves down whole, unless the style asks for hyphenation (English text)
            # and part of the word fits here.
            room = max_width - (cum[u_start] - cum[pos])
            split = _split_wide(g, u_start, u_trim, room, hard=False, lang=lang) if lang else None
            if split is not None:
                emit(pos, split[0], split[0], split[1])
                pos = content_end = trimmed_end = split[0]
            else:
                emit(pos, content_end, trimmed_end)
                pos = content_end
            continue
        # The unit is wider than a line: cut it, starting on this line if a hyphenation point
        # or slash fits the room left, else on a line of its own.
        room = max_width - (cum[u_start] - cum[pos])
        split = _split_wide(g, u_start, u_trim, room, hard=empty, lang=lang)
        if split is None:
            emit(pos, content_end, trimmed_end)
            pos = content_end
            continue
        cut, hyphen = split
        emit(pos, cut, cut, hyphen)
        pos = content_end = trimmed_end = cut
    if content_end > pos:
        emit(pos, content_end, trimmed_end)
    if end == len(text) and len(lines) >= 2:
        _avoid_runt(g, lines, width_for, calc_bounds)
    return lines


def _balanced_lines(g: _Glyphs, max_widths: Sequence[float], calc_bounds: bool) -> list[Any]:
    """Lines for a title: breaks only where a word ends (jieba for Chinese, spaces for
    Latin), and the narrowest measure that needs no more lines than the full one, so that two
    lines come out of similar length ("广州高新区党工委…" is not split as "党" / "工委")."""
    lines = _fit_lines(g, 0, len(g.text), max_widths, calc_bounds)
    if len(lines) < 2:
        return lines
    if any(_char_class(ch) == _ID for ch in g.text):
        words = word_starts(g.text)
        # (A word wider than the line is still cut, as ``_fit_lines`` cuts any such unit.)
        g = replace(g, unit_starts=[u for u in g.unit_starts if u in words])
    full = _fit_lines(g, 0, len(g.text), max_widths, calc_bounds)
    target = len(full)
    low, high = max(max_widths) / target * 0.9, max(max_widths)
    best = full
    for _ in range(12):  # bisect the measure to within ~0.03% of the full width
        middle = (low + high) / 2
        trial = _fit_lines(g, 0, len(g.text), [middle], calc_bounds)
        if len(trial) <= target:
            best, high = trial, middle
        else:
            low = middle
    for n, line in enumerate(best):
        width = max_widths[min(n, len(max_widths) - 1)]
        line.extraSpace += width - line.maxWidth
        line.maxWidth = width
    return best


# A paragraph's last line should hold at least this many characters besides punctuation;
# a shorter one (a "runt": "校。") takes characters from the line above.
MIN_LAST_LINE = 3


def _content_count(text: str) -> int:
    """Characters that are not punctuation or space (what makes a last line look full)."""
    return sum(1 for ch in text if _char_class(ch) not in (_CL, _OP, _SP, _GL) and ch != "\x00")


def _trim(text: str, lo: int, hi: int) -> int:
    while hi > lo and _char_class(text[hi - 1]) == _SP:
        hi -= 1
    return hi


def _avoid_runt(
    g: _Glyphs, lines: list[Any], width_for: Callable[[int], float], calc_bounds: bool
) -> None:
    """Re-break the last two lines when the last one is a runt, moving whole units down from
    the line above (as CLREQ 3.6 and InDesign do): enough for ``MIN_LAST_LINE`` characters if
    the line above stays within the justification limit, else at least two. Constant work
    per paragraph."""
    text, cum = g.text, g.cum
    lo, hi = lines[-2]._clreq_span
    end = lines[-1]._clreq_span[1]
    last_count = _content_count(text[hi:end])
    if last_count >= MIN_LAST_LINE or lines[-2]._clreq_hyphen_inside:
        return
    end_trim = _trim(text, hi, end)
    room = width_for(len(lines) - 1)
    size = max((getattr(f, "fontSize", 0) for f in lines[-2].words), default=10.0)
    units = g.unit_starts
    k = bisect_left(units, hi) - 1
    fallback: int | None = None
    moved = 0
    while k >= 0 and units[k] > lo and moved < 4:
        cut = units[k]
        k -= 1
        moved += 1
        if cum[end_trim] - cum[cut] > room + 1e-6:
            break
        if _content_count(text[lo:cut]) < 2:
            break
        count = _content_count(text[cut:end])
        if count < 2:
            continue
        cut_trim = _trim(text, lo, cut)
        drawn = text[lo:cut_trim]
        gaps = max(len(drawn) - 1, 1)
        slack = lines[-2].maxWidth - (cum[cut_trim] - cum[lo])
        if count >= MIN_LAST_LINE and slack / gaps <= MAX_JUSTIFY_CHAR_SPACE * size:
            fallback = cut
            break
        if fallback is None and last_count < 2:
            fallback = cut
    if fallback is None:
        return
    cut = fallback
    lines[-2] = _make_line(g, lo, cut, _trim(text, lo, cut), False, lines[-2].maxWidth, calc_bounds)
    lines[-1] = _make_line(g, cut, end, end_trim, False, lines[-1].maxWidth, calc_bounds)


@lru_cache(maxsize=1)
def _paragraph_class() -> type[Paragraph]:
    # Built on first use so that importing this module does not import reportlab.
    from reportlab.platypus import Paragraph
    from reportlab.platypus.paragraph import ParaLines, _handleBulletWidth

    class CJKParagraph(Paragraph):
        """reportlab Paragraph whose lines break by CLREQ rules (whatever style.wordWrap says).

        When reportlab splits it across frames, both pieces share the measured glyphs and the
        second reuses the lines already fitted when its width is unchanged, so a paragraph of
        any length is measured and broken once (reportlab would re-break the remainder on every
        page) and no space is inserted at the old line ends (reportlab's ``_split_blParaHard``
        appends one, which would show up between Chinese characters).
        """

        # Widow and orphan control: reportlab's split keeps at least two lines of a paragraph
        # at the foot of a page and at the head of the next (moving a line, or the whole
        # paragraph, on), instead of leaving one there alone.
        allowWidows = 0  # noqa: N815 - reportlab's name
        allowOrphans = 0  # noqa: N815 - reportlab's name

        # (text, font name, size, colour) drawn in the left margin beside the first line (a
        # note mark such as "※3"): outside the paragraph, so its text is not altered.
        margin_mark: tuple[str, str, float, Any] | None = None
        # Titles: break only between words and make the lines of similar length.
        balanced = False

        _clreq: _Glyphs | None = None
        _clreq_start = 0
        _clreq_cache: tuple[float, list[Any]] | None = None

        def _clreq_glyphs(self) -> _Glyphs:
            if self._clreq is None:
                self._clreq = _measure(self.frags)
                self._clreq_start = 0
            return self._clreq

        def breakLines(self, width: Any) -> Any:  # noqa: N802 - reportlab's name
            max_widths = list(width) if isinstance(width, (list, tuple)) else [width]
            style = self.style
            self.height = 0
            _handleBulletWidth(self.bulletText, style, max_widths)
            if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
                return self.blPara
            if not self.frags:
                return ParaLines(
                    kind=0,
                    fontSize=style.fontSize,
                    fontName=style.fontName,
                    textColor=style.textColor,
                    lines=[],
                    ascent=style.fontSize,
                    descent=-0.2 * style.fontSize,
                )
            auto_leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
            calc_bounds = auto_leading not in ("", "off")
            cache = self._clreq_cache
            if cache is not None and all(abs(w - cache[0]) < 1e-6 for w in max_widths):
                lines = cache[1]
            elif self.balanced:
                lines = _balanced_lines(self._clreq_glyphs(), max_widths, calc_bounds)
            else:
                g = self._clreq_glyphs()
                lang = getattr(style, "hyphenationLang", "") or ""
                lines = _fit_lines(g, self._clreq_start, len(g.text), max_widths, calc_bounds, lang)
            return ParaLines(kind=1, lines=lines)

        breakLinesCJK = breakLines  # noqa: N815 - reportlab's name

        def minWidth(self) -> float:  # noqa: N802 - reportlab's name
            g = self._clreq_glyphs()
            bounds = [*g.unit_starts[bisect_left(g.unit_starts, self._clreq_start) :]]
            bounds.append(len(g.text))
            return max(
                (g.cum[e] - g.cum[s] for s, e in zip(bounds, bounds[1:], strict=False)), default=0.0
            )

        def draw(self) -> None:
            super().draw()
            if self.margin_mark is None:
                return
            text, font, size, color = self.margin_mark
            canv = self.canv
            canv.saveState()
            canv.setFont(font, size)
            canv.setFillColor(color)
            # On the first line's baseline (as reportlab places it), ending 0.8 em before
            # the text block.
            canv.drawRightString(-0.8 * size, self.height - self.style.fontSize, text)
            canv.restoreState()

        def _get_split_blParaFunc(self) -> Callable[[Any, int, int], list[Any]]:  # noqa: N802
            def frags_of(bl_para: Any, start: int, stop: int) -> list[Any]:
                lines = bl_para.lines[start:stop]
                if not lines:
                    return []
                g = self._clreq_glyphs()
                return g.frags_between(lines[0]._clreq_span[0], lines[-1]._clreq_span[1])

            return frags_of

        def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803
            if self.frags and not hasattr(self, "blPara"):
                self.wrap(availWidth, availHeight)
            lines_before = getattr(getattr(self, "blPara", None), "lines", None)
            parts = super().split(availWidth, availHeight)
            if len(parts) == 2 and lines_before:
                first, rest = parts
                n_first = len(first.blPara.lines)
                g = self._clreq_glyphs()
                for part in parts:
                    part._clreq = g
                first._clreq_start = self._clreq_start
                first.margin_mark = self.margin_mark  # beside the paragraph's first line only
                rest._clreq_start = lines_before[n_first]._clreq_span[0]
                # The remainder is laid out again at the width of its next frame; the lines
                # after the first are valid whenever that width is the later-lines width.
                widths = getattr(self, "_wrapWidths", None)
                if widths:
                    rest._clreq_cache = (widths[-1], lines_before[n_first:])
            return parts

    return CJKParagraph


# --------------------------------------------------------------------------------------------
# reportlab fixes

# Justification first widens spaces (between Latin words, or a Latin word and Chinese) by up to
# MAX_JUSTIFY_WORD_SPACE em each, then spaces all glyphs apart by up to MAX_JUSTIFY_CHAR_SPACE
# em. The second limit is for text extraction: from about 0.1 em pdfminer inserts spaces
# between Chinese characters and pdftotext splits words (measured with pdfminer.six 20260107
# and poppler 22.12). A line that needs more (a long word pushed down, or a narrow column that
# is not a whole number of ems wide) is left short by the rest.
MAX_JUSTIFY_WORD_SPACE = 0.5
MAX_JUSTIFY_CHAR_SPACE = 0.08


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ``makeToUnicodeCMap`` with correct targets outside the BMP.

    reportlab writes the target as ``<%04X>`` of the code point: U+282E2 becomes the 5-digit
    ``<282E2>``, an odd-length hex string that pdfminer reads as U+282E and pypdf/pdftotext
    drop or garble. A ToUnicode target is UTF-16BE, so U+282E2 must be the surrogate pair
    ``<D860DEE2>``. Entries also go in blocks of at most 100, the CMap format's limit.
    """
    entries = [
        f"<{code:02X}> <{chr(cp).encode('utf-16-be', 'surrogatepass').hex().upper()}>"
        for code, cp in enumerate(subset)
    ]
    blocks: list[str] = []
    for i in range(0, len(entries), 100):
        chunk = entries[i : i + 100]
        blocks += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            *blocks,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def install_reportlab_fixes() -> None:
    """Patch reportlab once per process (calling again does nothing):

    * TrueType ToUnicode maps encode characters outside the BMP correctly (see
      ``_to_unicode_cmap``); affects every PDF reportlab writes afterwards, for the better;
    * justified lines of ``CJKParagraph`` are justified with word and character spacing
      (reportlab only stretches spaces, which Chinese lines lack); other paragraphs are
      drawn exactly as before.
    """
    from reportlab.pdfbase import ttfonts
    from reportlab.platypus import paragraph

    if not getattr(ttfonts.makeToUnicodeCMap, "_exporter_fix", False):
        _to_unicode_cmap._exporter_fix = True  # type: ignore[attr-defined]
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap

    from reportlab.pdfgen.textobject import PDFTextObject

    text_out = PDFTextObject._textOut
    if not getattr(text_out, "_exporter_fix", False):

        def kerned_text_out(self: Any, text: str, TStar: int = 0) -> None:  # noqa: N803
            kern = getattr(text, "clreq_kern", 0)
            if not kern:
                text_out(self, text, TStar)
                return
            # A TJ array of one number moves the text position left by kern/1000 em.
            self._code.append(f"{self._formatText(text)} [{kern:.1f}] TJ{' T*' if TStar else ''}")

        kerned_text_out._exporter_fix = True  # type: ignore[attr-defined]
        PDFTextObject._textOut = kerned_text_out

    original = paragraph._justifyDrawParaLineX
    if getattr(original, "_exporter_fix", False):
        return

    def justify_line(tx: Any, offset: float, line: Any, last: int = 0) -> None:
        gaps = getattr(line, "_clreq_gaps", None)
        if gaps is None:
            original(tx, offset, line, last)
            return
        extra = line.extraSpace
        if last or line.lineBreak or extra <= 1e-8 or gaps <= 0:
            paragraph._leftDrawParaLineX(tx, offset, line, last)
            return
        # Tw applies to byte 32, which reportlab reserves for the space in every TrueType
        # subset (and draws no-break spaces with).
        spaces = line._clreq_spaces
        word_space = min(extra / spaces, MAX_JUSTIFY_WORD_SPACE * line.fontSize) if spaces else 0
        char_space = min(
            (extra - word_space * spaces) / gaps, MAX_JUSTIFY_CHAR_SPACE * line.fontSize
        )
        tx.setWordSpace(word_space)
        tx.setCharSpace(char_space)
        try:
            paragraph._leftDrawParaLineX(tx, offset, line, last)
        finally:
            tx.setCharSpace(0)
            tx.setWordSpace(0)

    justify_line._exporter_fix = True  # type: ignore[attr-defined]
    paragraph._justifyDrawParaLineX = justify_line
