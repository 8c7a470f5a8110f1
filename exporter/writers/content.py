"""What a briefing says besides the body, shared by every writer so PDF and DOCX agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..labels import labels
from ..model import Document, SourceNote

EXAMPLES_PER_KIND = 3


@dataclass(frozen=True)
class NotesSection:
    heading: str
    intro: str
    items: tuple[str, ...]


def display_date(doc: Document) -> str | None:
    return doc.meta.date.replace("T", " ") if doc.meta.date else doc.meta.date_text


def info_lines(doc: Document) -> tuple[str, ...]:
    """``日期：2020-05-26 09:28``, ``来源：中国日报广东记者站`` … in the document's language."""
    words = labels(doc.meta.lang)
    colon = words["colon"]
    lines = []
    date = display_date(doc)
    if date:
        lines.append(f"{words['date']}{colon}{date}")
    for key, value in doc.meta.credits:
        lines.append(f"{words.get(key, key)}{colon}{value}")
    return tuple(lines)


def notes_section(doc: Document) -> NotesSection | None:
    """The "notes on the source" section: damage counts and examples, never repairs."""
    if not doc.notes:
        return None
    words = labels(doc.meta.lang)
    by_kind: dict[str, list[SourceNote]] = defaultdict(list)
    for note in doc.notes:
        by_kind[note.kind].append(note)
    items = []
    for kind, notes in sorted(by_kind.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        shown = []
        for note in notes[:EXAMPLES_PER_KIND]:
            where = words["in_title"] if note.where == "title" else f"@{note.position}"
            shown.append(f"{where} {words['quote'].format(text=note.excerpt)}")
        count = words["count"].format(count=len(notes))
        text = f"{words.get(kind, kind)}{count}{words['colon']}{words['list_sep'].join(shown)}"
        if len(notes) > EXAMPLES_PER_KIND:
            more = words["notes_more"].format(count=len(notes) - EXAMPLES_PER_KIND)
            text += words["list_sep"] + more
        items.append(text)
    return NotesSection(
        heading=words["notes_heading"],
        intro=words["notes_intro"].format(count=len(doc.notes)),
        items=tuple(items),
    )
