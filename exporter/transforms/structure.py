"""Recover a news text's structure: title, date, credits, paragraphs, sub-headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import is_cjk

SENTENCE_END = "。！？；…"
_CLOSERS = "”’」』）》"
# A paragraph longer than this is split at sentence ends; the target keeps
# paragraphs near a comfortable reading length without cutting sentences.
MAX_PARAGRAPH = 500
TARGET_PARAGRAPH = 260

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2})秒?)?)?"
)
_CREDIT_LINE = re.compile(
    r"^[（(\[【]?\s*(?P<label>来源|來源|稿源|出处|责任编辑|責任編輯|编辑|編輯|原标题|原標題|作者|记者|記者|"
    r"通讯员|通訊員|摄影|攝影)\s*[:：]?\s*(?P<value>.+?)\s*[）)\]】]?$"
)
_LABEL_KEYS = {
    "来源": "source", "來源": "source", "稿源": "source", "出处": "source",
    "责任编辑": "editor", "責任編輯": "editor", "编辑": "editor", "編輯": "editor",
    "原标题": "original_title", "原標題": "original_title",
    "作者": "author", "记者": "reporter", "記者": "reporter",
    "通讯员": "correspondent", "通訊員": "correspondent",
    "摄影": "photographer", "攝影": "photographer",
}  # fmt: skip
_URL = re.compile(r"https?://\S+|www\.\S+")
_INLINE_REPORTER = re.compile(r"^[（(](?:本报|本報)?(?:记者|記者)\s*(?P<value>[^）)]{1,40})[）)]")
# A byline glued after the last sentence: short, no punctuation, ends like an
# outlet or desk name. Only these endings are trusted, so body text is never eaten.
_BYLINE_ENDINGS = re.compile(
    r"(记者站|記者站|报社|報社|日报|日報|晚报|晚報|新闻网|新聞網|网|網|电视台|電視台|通讯社|通訊社|"
    r"新闻中心|新聞中心|融媒体中心|融媒體中心|编辑部|編輯部|报道组|報道組|记者\S{1,4}|記者\S{1,4})$"
)
_NUMBERED_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[部章节節篇])"
)


@dataclass(frozen=True)
class DateInfo:
    iso: str
    text: str


def parse_date(text: str) -> DateInfo | None:
    match = _DATE.search(text)
    if not match:
        return None
    y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    iso = f"{y:04d}-{m:02d}-{d:02d}"
    if match["H"] is not None:
        hour, minute = int(match["H"]), int(match["M"])
        if hour < 24 and minute < 60:
            iso += f"T{hour:02d}:{minute:02d}"
            if match["S"] is not None:
                iso += f":{int(match['S']):02d}"
    return DateInfo(iso=iso, text=match.group(0).strip())


def parse_credit_line(line: str) -> tuple[str, str] | None:
    """A whole line that is a credit: 来源：…, 责任编辑：…, a bare URL, …"""
    if _URL.fullmatch(line):
        return ("url", line)
    match = _CREDIT_LINE.match(line)
    if match and len(line) <= 80 and not any(p in match["value"] for p in "。！？"):
        return (_LABEL_KEYS[match["label"]], match["value"].strip())
    return None


def split_leading_reporter(text: str) -> tuple[str | None, str]:
    """``（记者 李华）正文…`` -> (``李华``, ``正文…``)."""
    match = _INLINE_REPORTER.match(text)
    if not match:
        return None, text
    return match["value"].strip(), text[match.end() :].strip()


def split_trailing_byline(text: str) -> tuple[str, str | None]:
    """``…为负责者负责。中国日报广东记者站`` -> (body, ``中国日报广东记者站``)."""
    cut = max(text.rfind(ch) for ch in SENTENCE_END + _CLOSERS)
    if cut < 0:
        return text, None
    tail = text[cut + 1 :].strip()
    if 2 <= len(tail) <= 30 and _BYLINE_ENDINGS.search(tail) and not re.search(r"[，,：:]", tail):
        return text[: cut + 1], tail
    return text, None


def is_heading(line: str) -> bool:
    """Evident sub-headings only: numbered (一、…) or short lines without end punctuation."""
    if _NUMBERED_HEADING.match(line) and len(line) <= 60:
        return True
    return (
        4 <= len(line) <= 30
        and line[-1] not in SENTENCE_END + "，、：:,.!?;" + _CLOSERS
        and sum(is_cjk(ch) for ch in line) >= len(line) * 0.6
        and "，" not in line
    )


def _sentences(text: str) -> list[str]:
    """Split after sentence-ending punctuation, keeping closing quotes attached."""
    pieces: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        if text[i] in SENTENCE_END:
            j = i + 1
            while j < n and (text[j] in SENTENCE_END or text[j] in _CLOSERS):
                j += 1
            pieces.append(text[start:j])
            start = i = j
        else:
            i += 1
    if start < n:
        pieces.append(text[start:])
    return pieces


def _hard_split(text: str, limit: int) -> list[str]:
    """Last resort for a run with no sentence end: cut at clause marks, else every limit."""
    out: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind(ch) for ch in "，、：,")
        if cut < limit // 3:
            cut = max(window.rfind(" "), limit - 1)
        out.append(text[: cut + 1])
        text = text[cut + 1 :]
    if text:
        out.append(text)
    return out


def split_paragraph(text: str) -> list[str]:
    """Split a long paragraph at sentence ends into readable paragraphs (≤ MAX_PARAGRAPH)."""
    if len(text) <= MAX_PARAGRAPH:
        return [text]
    units: list[str] = []
    for sentence in _sentences(text):
        units.extend(
            _hard_split(sentence, MAX_PARAGRAPH) if len(sentence) > MAX_PARAGRAPH else [sentence]
        )
    paragraphs: list[str] = []
    current = ""
    for unit in units:
        if current and (
            len(current) >= TARGET_PARAGRAPH or len(current) + len(unit) > MAX_PARAGRAPH
        ):
            paragraphs.append(current)
            current = ""
        current += unit
    if current:
        paragraphs.append(current)
    return paragraphs


def join_hard_wrapped(lines: list[str]) -> list[str]:
    """Join lines that a fixed-width source wrapped between two Chinese characters.

    A line counts as wrapped only when it is about as long as the document's wrap
    width (the longest lines), so short lines such as titles and headings survive.
    """
    body_lengths = sorted(len(line) for line in lines[1:] if line)
    if len(body_lengths) < 3:
        return lines
    width = (
        body_lengths[int(len(body_lengths) * 0.9) - 1]
        if len(body_lengths) >= 10
        else body_lengths[-1]
    )
    if width < 16 or width > 200:
        return lines
    out: list[str] = []
    for index, line in enumerate(lines):
        previous = out[-1] if out else ""
        if (
            index > 1
            and previous
            and line
            and len(lines[index - 1]) >= width * 0.85
            and is_cjk(previous[-1])
            and is_cjk(line[0])
        ):
            out[-1] = previous + line
        else:
            out.append(line)
    return out
