"""Read a briefing PDF's lines back by page and column, as a reader sees them, and find the
layout faults an editor sends back: one-line pages, pages that start with a paragraph's last
line (widows) or end with its first line (orphans), and paragraphs ending in a one-character
line (runts). Used by the tests and by ``bench/layout/measure.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

_WS = re.compile(r"\s+")
_PAGE = re.compile(r"^(第\d+[页頁][，,]共\d+[页頁]|Page\d+of\d+)$")
# Characters that do not count as a line's content when judging a runt.
_PUNCT_CATEGORIES = ("P", "Z", "S")


def squash(text: str) -> str:
    return unicodedata.normalize("NFKC", _WS.sub("", text))


@dataclass
class Line:
    page: int  # 0-based
    column: int  # 0 left (or full width), 1 right
    y: float  # baseline
    text: str  # squashed (no whitespace, NFKC)


@dataclass
class Faults:
    pages: int = 0
    one_line_pages: list[int] = field(default_factory=list)
    widows: list[str] = field(default_factory=list)  # a page starts with a paragraph's last line
    orphans: list[str] = field(default_factory=list)  # a page ends with a paragraph's first line
    runts: list[str] = field(default_factory=list)  # a paragraph's last line holds one character
    stranded: list[str] = field(default_factory=list)  # a heading is the last line of a page
    missing: list[str] = field(default_factory=list)  # paragraphs not found in order

    def counts(self) -> dict[str, int]:
        return {
            "pages": self.pages,
            "one_line_pages": len(self.one_line_pages),
            "widows": len(self.widows),
            "orphans": len(self.orphans),
            "runts": len(self.runts),
            "stranded_headings": len(self.stranded),
            "missing": len(self.missing),
        }


def pdf_lines(path: Path, header: str = "") -> tuple[list[Line], int]:
    """Every text line of the PDF (running header ``header``, maybe clipped, and the page footer
    dropped), in reading order per column, and the page count. Characters on one baseline form
    a line; a baseline with a clear gap at the page's middle is two lines, one per column
    (side-by-side layouts)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer, LTItem

    header_text = squash(header)
    lines: list[Line] = []
    pages = 0
    for page_no, page in enumerate(extract_pages(str(path))):
        pages += 1
        mid = (page.x0 + page.x1) / 2
        chars: list[LTChar] = []
        stack: list[LTItem] = [page]
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                chars.append(item)
            elif isinstance(item, LTContainer):
                stack.extend(item)
        rows: dict[float, list[LTChar]] = {}
        for ch in sorted(chars, key=lambda c: -c.matrix[5]):
            base = ch.matrix[5]
            key = next((k for k in rows if abs(k - base) < 2.5), base)
            rows.setdefault(key, []).append(ch)
        page_lines: list[Line] = []
        for y, row in sorted(rows.items(), key=lambda kv: -kv[0]):
            row.sort(key=lambda c: c.x0)
            crosses = any(c.x0 < mid - 4 and c.x1 > mid + 4 for c in row)
            left = [c for c in row if crosses or c.x1 <= mid]
            right = [] if crosses else [c for c in row if c.x1 > mid]
            if left and right and right[0].x0 - left[-1].x1 < 10:
                left, right = row, []  # one line running across the middle
            for column, part in ((0, left), (1, right)):
                text = squash("".join(c.get_text() for c in part))
                if text:
                    page_lines.append(Line(page_no, column, y, text))
        for line in page_lines:
            if _PAGE.match(line.text) or _is_header(line.text, header_text):
                continue
            lines.append(line)
    return lines, pages


def _is_header(text: str, header: str) -> bool:
    """The running header: the title, or its start clipped with an ellipsis."""
    if not header:
        return False
    if text == header:
        return True
    stem = text.removesuffix("...")  # NFKC of "…"
    return stem != text and len(stem) >= 10 and header.startswith(stem)


def _is_content(ch: str) -> bool:
    return not unicodedata.category(ch).startswith(_PUNCT_CATEGORIES)


def layout_faults(
    path: Path,
    paragraphs: Sequence[Sequence[str]],
    header: str = "",
    headings: Sequence[str] = (),
) -> Faults:
    """Faults of the PDF at ``path``; ``paragraphs[c]`` are the texts of the paragraphs in
    column ``c`` in order (one list for single-column layouts). Lines not belonging to a
    listed paragraph (title block, captions) count only towards one-line pages. A paragraph
    whose text is in ``headings`` must not end a page."""
    lines, pages = pdf_lines(path, header)
    heading_set = {squash(h) for h in headings}
    faults = Faults(pages=pages)
    per_page: dict[int, int] = {}
    for line in lines:
        per_page[line.page] = per_page.get(line.page, 0) + 1
    faults.one_line_pages = sorted(p for p, n in per_page.items() if n == 1)
    for column, texts in enumerate(paragraphs):
        col_lines = [line for line in lines if line.column == column]
        for line, after in zip(col_lines, col_lines[1:], strict=False):
            # A hyphen the layout added at a line end ("consider-" / "ation") is not text.
            if re.search(r"[a-z]-$", line.text) and after.text[:1].islower():
                line.text = line.text[:-1]
        joined = "".join(line.text for line in col_lines)
        starts = []
        pos = 0
        for line in col_lines:
            starts.append(pos)
            pos += len(line.text)
        starts.append(pos)
        cursor = 0
        for text in texts:
            probe = squash(text)
            if not probe:
                continue
            found = joined.find(probe, cursor)
            if found < 0:
                faults.missing.append(probe[:30])
                continue
            cursor = end = found + len(probe)
            first = _line_at(starts, found)
            last = _line_at(starts, end - 1)
            if (
                probe in heading_set
                and last + 1 < len(col_lines)
                and col_lines[last + 1].page != col_lines[last].page
            ):
                faults.stranded.append(f"p{col_lines[last].page + 1}: {probe}")
            if first == last:
                continue
            tail = col_lines[last]
            tail_text = joined[starts[last] : end]
            if sum(map(_is_content, tail_text)) <= 1:
                faults.runts.append(f"p{tail.page + 1}: {tail_text}")
            if tail.page != col_lines[last - 1].page and last - first >= 1:
                faults.widows.append(f"p{tail.page + 1}: {tail_text}")
            head = col_lines[first]
            if head.page != col_lines[first + 1].page:
                faults.orphans.append(f"p{head.page + 1}: {head.text}")
    return faults


def _line_at(starts: list[int], pos: int) -> int:
    from bisect import bisect_right

    return bisect_right(starts, pos) - 1
