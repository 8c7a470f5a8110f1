"""Markdown reader (CommonMark via markdown-it-py): headings, paragraphs, lists, front matter.

Emphasis, links and code spans keep their text and lose their marks: the Document
model has plain-text blocks, so no writer could show them (see README "Reading").
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from ..errors import InputError, MissingDependencyError, raise_if_interrupted
from ..model import Block, Document, Heading, Metadata, Paragraph
from ..transforms.normalize import is_cjk
from ..transforms.structure import parse_date
from . import text as text_reader

log = logging.getLogger("exporter.read")

_FRONT_MATTER = re.compile(
    r"\A(?:---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*[:=]\s*(.*)$")
# Front-matter keys -> credit label keys the writers know.
_CREDIT_KEYS = {"source": "source", "author": "author", "url": "url", "byline": "byline"}


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """``key: value`` lines between ``---`` fences (YAML's simple subset), and the rest."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields: dict[str, str] = {}
    for line in match.group(1).split("\n"):
        found = _KEY.match(line.strip())
        if found:
            value = found.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            fields[found.group(1).lower()] = value
    return fields, text[match.end() :]


def _join_soft(left: str, right: str) -> str:
    """A soft line break is a space, except between two Chinese characters (CJK wrapping)."""
    if left and right and (is_cjk(left[-1]) or is_cjk(right[0])):
        return left + right
    return f"{left} {right}" if left and right else left + right


def _inline_text(token: Any) -> str:
    """Plain text of an inline token: marks dropped, hard breaks kept as new lines."""
    # Soft breaks split the text into pieces joined once both sides are known.
    pieces = [""]
    for child in token.children or ():
        kind = child.type
        if kind in ("text", "code_inline"):
            pieces[-1] += child.content
        elif kind == "softbreak":
            pieces.append("")
        elif kind == "hardbreak":
            pieces[-1] += "\n"
        elif kind == "image":
            pieces[-1] += "".join(c.content for c in child.children or ())
        # em/strong/link open-close marks and raw inline HTML carry no text.
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = _join_soft(joined, piece)
    return joined


def _parser() -> Any:
    try:
        from markdown_it import MarkdownIt
    except ImportError as exc:
        raise_if_interrupted(exc)
        raise MissingDependencyError(
            "reading Markdown needs markdown-it-py; run `make install`"
        ) from None
    return MarkdownIt("commonmark").enable("table")


def parse_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    tokens = _parser().parse(text)
    lists: list[list[int | None]] = []  # stack of [next number or None for bullets]
    prefix = ""
    row: list[str] | None = None
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "ordered_list_open":
            lists.append([int(token.attrs.get("start", 1) or 1)])
        elif kind == "bullet_list_open":
            lists.append([None])
        elif kind in ("ordered_list_close", "bullet_list_close"):
            lists.pop()
        elif kind == "list_item_open" and lists:
            number = lists[-1][0]
            prefix = f"{number}. " if number is not None else ""
            if number is not None:
                lists[-1][0] = number + 1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            if any(row):
                blocks.append(Paragraph(" | ".join(cell for cell in row if cell)))
            row = None
        elif kind == "inline":
            content = _inline_text(token)
            parent = tokens[index - 1].type if index else ""
            if row is not None:
                row.append(" ".join(content.split("\n")).strip())
            elif parent == "heading_open":
                level = int(tokens[index - 1].tag[1:])
                heading = " ".join(line.strip() for line in content.split("\n")).strip()
                if heading:
                    blocks.append(Heading(heading, level))
            else:
                lines = [line for line in content.split("\n") if line.strip()]
                if lines and prefix:
                    lines[0] = prefix + lines[0]
                    prefix = ""
                blocks.extend(Paragraph(line) for line in lines)
        elif kind in ("fence", "code_block"):
            blocks.extend(Paragraph(line) for line in token.content.split("\n") if line.strip())
    return blocks


def read(path: Path) -> Document:
    decoded = text_reader.read_text(path)
    fields, body = front_matter(decoded.text)
    blocks = parse_blocks(body)
    title = fields.get("title", "")
    # A first-level heading that opens the file is its title, as a reader expects.
    if blocks and isinstance(blocks[0], Heading) and blocks[0].level == 1:
        if not title:
            title, blocks = blocks[0].text, blocks[1:]
        elif blocks[0].text == title:  # the front matter's title repeated as the heading
            blocks = blocks[1:]
    if not title and not blocks:
        raise InputError(f"{path}: the Markdown file has no text; nothing to build")
    date = parse_date(fields["date"]) if fields.get("date") else None
    credits = tuple(
        (_CREDIT_KEYS[key], value) for key, value in fields.items() if key in _CREDIT_KEYS and value
    )
    log.debug("%s: decoded as %s, %d blocks", path, decoded.encoding, len(blocks))
    return Document(
        meta=Metadata(
            title=title,
            date=date.iso if date else None,
            date_text=(date.text if date else fields.get("date")) or None,
            credits=credits,
            provenance=(
                ("reader", "markdown"),
                ("input_encoding", decoded.encoding),
                ("input_sha256", decoded.sha256),
            ),
        ),
        blocks=tuple(blocks),
        name=path.stem,
        source=str(path),
        structured=True,
    )
