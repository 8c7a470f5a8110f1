"""Chinese punctuation per edition: quotation marks and ASCII punctuation typed in Chinese.

Hong Kong, Macau and Taiwan (every Traditional edition) quote with 「」 and, nested, 『』;
the Simplified edition with “” and ‘’. Quotes are paired as they nest, so a Traditional
source rendered as zh-CN gets “‘…’” back. ASCII punctuation typed inside Chinese text
("秒批", <政策兑现>, (试行), 中国,美国, 粤港澳&湾区) becomes the full-width Chinese form;
URLs, e-mail addresses, `code`, numbers (1,000 and 9:28) and Latin runs keep theirs.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..labels import script_of
from ..model import Document, map_text

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_IS_HAN = re.compile(f"[{_HAN}]")
_PROTECTED = re.compile(
    r"(?:https?|ftp)://[^\s\u3000-\u303f\uff00-\uffef“”‘’]+|www\.[^\s\u3000-\u303f\uff00-\uffef]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|`[^`\n]*`"
)
# Paired marks whose content holds Chinese: "…", '…' (no Latin letters), <…>, (…).
_PAIRS = (
    (re.compile(r'"([^"\n]*)"'), "“", "”", False),
    (re.compile(r"'([^'\n]*)'"), "‘", "’", True),
    (re.compile(r"<([^<>\n=/]{1,60})>"), "《", "》", True),
    (re.compile(r"\(([^()\n]*)\)"), "（", "）", False),
)
# A mark right after Chinese (a character or a closing mark) and before text.
_AFTER_HAN = f"[{_HAN}”’」』）》]"
_SINGLES = re.compile(f"(?<={_AFTER_HAN})([,;:!?]) *")
_AMPERSAND = re.compile(f"(?<=[{_HAN}]) *& *(?=[{_HAN}])")
# Every ASCII mark the rules below replace.
_ASCII_MARKS = frozenset("\"'<(,;:!?&")
_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}

_OPEN = {"“": 0, "「": 0, "‘": 1, "『": 1}
_CLOSE = {"”": 0, "」": 0, "’": 1, "』": 1}
_MARKS = re.compile("[“”‘’「」『』]")


def _protected(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PROTECTED.finditer(text)]


def _inside(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(a < e and s < b for s, e in spans)


class _Pair:
    """Replacement for one kind of paired ASCII marks around Chinese."""

    def __init__(self, spans: list[tuple[int, int]], left: str, right: str, no_latin: bool):
        self.spans, self.left, self.right, self.no_latin = spans, left, right, no_latin

    def __call__(self, m: re.Match[str]) -> str:
        inner = m.group(1)
        if not _IS_HAN.search(inner) or _inside(self.spans, *m.span()):
            return m.group()
        if self.no_latin and re.search("[A-Za-z]", inner):
            return m.group()
        return f"{self.left}{inner}{self.right}"


def normalise_ascii(text: str) -> str:
    """Full-width Chinese forms for ASCII punctuation inside Chinese runs."""
    if _ASCII_MARKS.isdisjoint(text) or not _IS_HAN.search(text):
        return text  # the usual case: no ASCII mark to look at
    for pattern, left, right, no_latin in _PAIRS:
        text = pattern.sub(_Pair(_protected(text), left, right, no_latin), text)
    spans = _protected(text)

    def single(m: re.Match[str]) -> str:
        end = m.end()
        if _inside(spans, m.start(), m.start() + 1) or end == len(text) and m.group(1) in ",;:":
            return m.group()
        return _FULL[m.group(1)]

    text = _SINGLES.sub(single, text)
    spans = _protected(text)
    return _AMPERSAND.sub(lambda m: m.group() if _inside(spans, *m.span()) else "＆", text)


def quote_style(text: str, traditional: bool) -> str:
    """「」『』 (Traditional) or “”‘’ (Simplified), by depth of nesting."""
    if not _MARKS.search(text) or not _IS_HAN.search(text):
        return text  # English quotes stay English
    marks = ("「", "」", "『", "』") if traditional else ("“", "”", "‘", "’")
    chars = list(text)
    depth = 0
    for m in _MARKS.finditer(text):
        at, mark = m.start(), m.group()
        before = text[at - 1 : at]
        if mark == "’" and before.isascii() and before.isalnum():
            continue  # an apostrophe: don’t, 90’s
        if mark in _OPEN:
            chars[at] = marks[2 * (depth % 2)]
            depth += 1
        elif depth > 0:
            depth -= 1
            chars[at] = marks[2 * (depth % 2) + 1]
        else:  # a closing mark with nothing open: keep its level
            chars[at] = marks[2 * _CLOSE[mark] + 1]
    return "".join(chars)


def punctuate_text(text: str, lang: str) -> str:
    if not lang.startswith("zh"):
        return text
    return quote_style(normalise_ascii(text), script_of(lang) == "Hant")


def punctuate(doc: Document) -> Document:
    """Chinese punctuation for the document's edition (title, credits, body, notes)."""
    lang = doc.meta.lang
    if not lang.startswith("zh"):
        return doc

    def fix(text: str) -> str:
        return punctuate_text(text, lang)

    meta = doc.meta
    new_meta = replace(
        meta,
        title=fix(meta.title),
        credits=tuple((k, v if k == "url" else fix(v)) for k, v in meta.credits),
    )
    blocks = tuple(map_text(block, fix(block.text)) for block in doc.blocks)
    notes = tuple(replace(note, excerpt=fix(note.excerpt)) for note in doc.notes)
    return replace(doc, meta=new_meta, blocks=blocks, notes=notes)
