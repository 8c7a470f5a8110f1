"""The clean stage: normalise characters, recover structure, report damage."""

from __future__ import annotations

import logging
from dataclasses import replace
from itertools import accumulate

from ..errors import InputError
from ..model import Block, Document, Heading, Paragraph
from . import damage, structure
from .normalize import normalize_line

log = logging.getLogger("exporter.clean")
MAX_LOGGED_EXAMPLES = 3


def clean(doc: Document) -> Document:
    lines = [normalize_line(block.text) for block in doc.blocks]
    # Structured readers (Word, Markdown, HTML) know the title and headings; plain text
    # does not, and may be hard-wrapped.
    given_title = normalize_line(doc.meta.title) if doc.structured else ""
    headings: dict[str, int] = {}
    if doc.structured:
        headings = {
            lines[i]: block.level
            for i, block in enumerate(doc.blocks)
            if isinstance(block, Heading) and lines[i]
        }
    else:
        lines = structure.join_hard_wrapped(lines)
    lines = [line for line in lines if line]
    if not lines and not given_title:
        raise InputError(
            f"{doc.source or doc.name}: no visible text left after removing control and "
            "invisible characters"
        )

    title, rest = (given_title, lines) if given_title else (lines[0], lines[1:])
    # A short title may carry the date; a long one only quotes dates in passing.
    date = structure.parse_date(title) if len(title) <= 40 else None
    credits: list[tuple[str, str]] = []
    body_lines: list[str] = []
    for index, line in enumerate(rest):
        # Metadata lines sit right under the title or at the very end.
        near_edge = index < 3 or index >= len(rest) - 3
        found = structure.parse_date(line) if near_edge and date is None else None
        if found and len(line) - len(found.text) <= 30:
            date = found
            remainder = line.replace(found.text, "", 1).strip()
            credit = structure.parse_credit_line(remainder) if remainder else None
            if credit:
                credits.append(credit)
            elif remainder:
                body_lines.append(remainder)
            continue
        credit = structure.parse_credit_line(line) if near_edge else None
        if credit:
            credits.append(credit)
            continue
        body_lines.append(line)

    if body_lines:
        reporter, body_lines[0] = structure.split_leading_reporter(body_lines[0])
        if reporter:
            credits.append(("reporter", reporter))
        body, byline = structure.split_trailing_byline(body_lines[-1])
        if byline:
            credits.append(("byline", byline))
            body_lines[-1] = body

    blocks: list[Block] = []
    for line in body_lines:
        if not line:
            continue
        if line in headings:
            blocks.append(Heading(line, headings[line]))
        elif structure.is_heading(line):
            blocks.append(Heading(line))
        else:
            blocks.extend(Paragraph(text) for text in structure.split_paragraph(line))

    # A date or credit the text itself shows wins; the reader's metadata (front matter,
    # a page's meta tags) fills in what the text does not say.
    given_credits = tuple(c for c in doc.meta.credits if c not in credits)
    meta = replace(
        doc.meta,
        title=title,
        date=date.iso if date else doc.meta.date,
        date_text=date.text if date else doc.meta.date_text,
        credits=given_credits + tuple(credits),
    )
    cleaned = Document(meta=meta, blocks=tuple(blocks), name=doc.name, source=doc.source)
    starts = [0, *accumulate(len(block.text) for block in cleaned.blocks)][:-1]
    notes = damage.find_damage(title, where="title") + damage.find_damage(
        cleaned.body_text, starts=starts
    )
    _log_damage(doc.name, notes)
    return replace(cleaned, notes=notes)


def _log_damage(name: str, notes: tuple) -> None:
    if not notes:
        return
    counts = damage.summarize(notes)
    summary = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.most_common())
    examples = "; ".join(
        f"{'title' if n.where == 'title' else '@' + str(n.position)} «{n.excerpt}»"
        for n in notes[:MAX_LOGGED_EXAMPLES]
    )
    log.warning(
        "%s: the source is damaged in %d places (%s), e.g. %s — reported, not repaired",
        name, len(notes), summary, examples,
    )  # fmt: skip
