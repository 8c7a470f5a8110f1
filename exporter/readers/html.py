"""Saved news pages (.html/.htm): the article body, title, date and source via trafilatura.

Navigation, adverts, comments and page furniture are left out by trafilatura's
extractor. It is given the page's text only and never a URL, so nothing is fetched.
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import InputError, MissingDependencyError, raise_if_interrupted
from ..model import Block, Document, Heading, Metadata, Paragraph
from ..transforms.structure import parse_date
from . import text as text_reader
from .source import TEXT_BUDGET_BYTES, read_source

log = logging.getLogger("exporter.read")

# A saved page carries scripts, styles and often inline images besides the article:
# four times the text limit, so a page whose article would fit is not refused.
MAX_PAGE_BYTES = 4 * TEXT_BUDGET_BYTES

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# Dates with a time, from the usual article meta tags (htmldate keeps only the day).
_META_DATETIME = re.compile(
    r"""<meta[^>]+(?:article:published_time|datePublished|pubdate|publishdate|PubDate)["']"""
    r"""[^>]*content\s*=\s*["']([^"']+)["']""",
    re.I,
)
# Legacy Chinese labels resolve to the decoder that covers them.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}


def decode_html(data: bytes, name: str) -> text_reader.DecodedText:
    """The page's declared charset when it decodes the page; else the text reader's detection."""
    match = _META_CHARSET.search(data[:8192])
    if match and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        label = match.group(1).decode("ascii").lower()
        encoding = _CHARSET_ALIASES.get(label, label)
        try:
            codecs.lookup(encoding)
            if b"\x00" not in data[:65536]:
                return text_reader.DecodedText(data.decode(encoding), encoding)
        except (LookupError, UnicodeDecodeError):
            log.debug("%s: declared charset %s does not decode the page", name, label)
    return text_reader.decode(data, name)


def _extract(page: str) -> Any:
    try:
        import trafilatura
        from trafilatura.settings import use_config
    except ImportError as exc:
        raise_if_interrupted(exc)
        raise MissingDependencyError(
            "reading HTML pages needs trafilatura; run `make install`"
        ) from None
    config = use_config()
    # Signal-based timeouts do not mix with worker processes; the size limit bounds work.
    if config.has_option("DEFAULT", "EXTRACTION_TIMEOUT"):
        config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return trafilatura.bare_extraction(
        page,
        url=None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        config=config,
    )


def _lines(element: Any) -> list[str]:
    """Text of an element; <lb/> line breaks become separate lines."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        else:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return [line.strip() for line in "".join(parts).split("\n") if line.strip()]


def body_blocks(body: Any) -> list[Block]:
    blocks: list[Block] = []
    for element in body:
        tag = element.tag
        if tag == "head":
            rend = element.get("rend") or "h2"
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
            text = " ".join(_lines(element))
            if text:
                blocks.append(Heading(text, level))
        elif tag == "list":
            ordered = element.get("rend") == "ol"
            items = [item for item in element.iter("item")]
            for number, item in enumerate(items, start=1):
                lines = _lines(item)
                if lines and ordered:
                    lines[0] = f"{number}. {lines[0]}"
                blocks.extend(Paragraph(line) for line in lines)
        elif tag == "table":
            for row in element.iter("row"):
                cells = [" ".join(_lines(cell)) for cell in row.iter("cell")]
                if any(cells):
                    blocks.append(Paragraph(" | ".join(cell for cell in cells if cell)))
        elif tag in ("quote", "div"):
            blocks.extend(body_blocks(element) or [Paragraph(x) for x in _lines(element)])
        else:  # p, code, and anything else that holds text
            blocks.extend(Paragraph(line) for line in _lines(element))
    return blocks


def read(path: Path) -> Document:
    source = read_source(path, MAX_PAGE_BYTES)
    if not source.data.strip():
        raise InputError(f"{path}: the file is empty (or only whitespace); nothing to build")
    decoded = decode_html(source.data, str(path))
    # Stray control characters (a NUL here and there) are not XML; lxml would refuse the page.
    page = decoded.text.translate(text_reader._STRAY)
    try:
        result = _extract(page)
    except (ValueError, TypeError, RecursionError, etree.LxmlError) as exc:
        # Hostile or broken markup that the parser gives up on is bad input, not a bug.
        raise InputError(
            f"{path}: cannot parse this HTML page ({type(exc).__name__}: {exc})"
        ) from None
    body = getattr(result, "body", None) if result is not None else None
    blocks = body_blocks(body) if body is not None else []
    if not any(block.text for block in blocks):
        raise InputError(
            f"{path}: no article text found in this HTML page (only scripts, navigation "
            "or an empty body); save the article page itself"
        )
    title = (result.title or "").strip()
    # The page's <title> often carries the site's name ("标题_新闻中心"); the heading
    # that opens the article is the article's own title.
    if blocks and isinstance(blocks[0], Heading) and (not title or blocks[0].text in title):
        title, blocks = blocks[0].text, blocks[1:]
    date_text = result.date
    found = _META_DATETIME.search(page[:65536])
    if found and (not date_text or found.group(1).startswith(date_text)):
        date_text = found.group(1)
    date = parse_date(date_text.replace("T", " ")) if date_text else None
    credits: list[tuple[str, str]] = []
    if result.sitename:
        credits.append(("source", result.sitename.strip()))
    if result.author:
        credits.append(("author", result.author.strip()))
    if result.url:
        credits.append(("url", result.url.strip()))
    log.debug("%s: decoded as %s, %d blocks from the page", path, decoded.encoding, len(blocks))
    return Document(
        meta=Metadata(
            title=title,
            date=date.iso if date else None,
            date_text=date.text if date else None,
            credits=tuple(credits),
            provenance=(
                ("reader", "html"),
                ("input_encoding", decoded.encoding),
                ("input_sha256", source.sha256),
            ),
        ),
        blocks=tuple(blocks),
        name=path.stem,
        source=str(path),
        structured=True,
    )
