"""What a briefing says besides the body, shared by every writer so PDF and DOCX agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..labels import labels
from ..model import Document, SourceNote

# Marks a damaged paragraph (beside it, with its number) and a place where the source lost
# text (inside a quoted excerpt). Both are in every CJK face the briefings embed.
NOTE_MARK = "※"
GAP_MARK = "□"


@dataclass(frozen=True)
class NotesSection:
    heading: str
    intros: tuple[str, ...]
    items: tuple[str, ...]
    # One line per language for under the title block: the text is damaged, see the notes.
    notice: tuple[str, ...] = ()


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


def _note_langs(doc: Document) -> list[dict[str, str]]:
    """Label sets the notes are written in: the edition's language, and English too for a
    bilingual edition."""
    langs = [labels(doc.meta.lang)]
    if doc.translation is not None and labels(doc.translation.meta.lang) is not langs[0]:
        langs.append(labels(doc.translation.meta.lang))
    return langs


def paragraph_marks(doc: Document) -> dict[int, str]:
    """Block index -> the mark printed beside that damaged paragraph (``※3``)."""
    return {
        note.paragraph - 1: f"{NOTE_MARK}{note.paragraph}"
        for note in doc.notes
        if note.where == "body" and note.paragraph > 0
    }


def _excerpts(notes: list[SourceNote]) -> list[str]:
    """The group's excerpts with □ at every gap; overlapping excerpts are merged into one."""
    merged: list[tuple[int, str, set[int]]] = []  # (start, text, gap offsets in text)
    for note in sorted(notes, key=lambda n: (n.excerpt_at, n.position)):
        gaps = {g for g in note.gaps if 0 <= g <= len(note.excerpt)}
        if merged and "…" not in note.excerpt:
            at, text, marks = merged[-1]
            overlap = at + len(text) - note.excerpt_at
            if (
                "…" not in text
                and 0 <= overlap <= len(note.excerpt)
                and note.excerpt_at >= at
                and text[note.excerpt_at - at :] == note.excerpt[:overlap]
            ):
                shift = note.excerpt_at - at
                merged[-1] = (
                    at,
                    text + note.excerpt[overlap:],
                    marks | {g + shift for g in gaps},
                )
                continue
        merged.append((note.excerpt_at, note.excerpt, gaps))
    out = []
    for _, text, marks in merged:
        pieces = []
        for i, ch in enumerate(text):
            if i in marks:
                pieces.append(GAP_MARK)
            pieces.append(ch)
        if len(text) in marks:
            pieces.append(GAP_MARK)
        out.append("".join(pieces))
    return out


def _group_head(words: dict[str, str], paragraph: int, notes: list[SourceNote]) -> str:
    head = words["in_title"] if paragraph == 0 else words["paragraph_no"].format(number=paragraph)
    kinds: dict[str, int] = defaultdict(int)
    for note in notes:
        kinds[note.kind] += 1
    listed = words["kinds_sep"].join(
        words.get(f"short_{kind}", kind)
        if count == 1
        else words["kind_count"].format(kind=words.get(f"short_{kind}", kind), count=count)
        for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    places = words["one_place"] if len(notes) == 1 else words["places"].format(count=len(notes))
    if words["colon"] == "：":
        return f"{head}（{places}{words['colon']}{listed}）"
    return f"{head} ({places}{words['colon']}{listed})"


def notes_section(doc: Document) -> NotesSection | None:
    """The "notes on the source" section: every damaged place, by paragraph, never repaired;
    in the edition's language (both languages for a bilingual edition)."""
    if not doc.notes:
        return None
    langs = _note_langs(doc)
    main = langs[0]
    groups: dict[int, list[SourceNote]] = defaultdict(list)
    for note in doc.notes:
        groups[0 if note.where == "title" else note.paragraph].append(note)
    items = []
    for paragraph in sorted(groups):
        notes = groups[paragraph]
        head = " / ".join(_group_head(words, paragraph, notes) for words in langs)
        quotes = [main["quote"].format(text=text) for text in _excerpts(notes)]
        items.append(f"{head}{main['colon']}{main['list_sep'].join(quotes)}")
    heading = " / ".join(words["notes_heading"] for words in langs)
    return NotesSection(
        heading=heading,
        intros=tuple(words["notes_intro"].format(count=len(doc.notes)) for words in langs),
        items=tuple(items),
        notice=tuple(
            words["notes_notice"].format(count=len(doc.notes), heading=words["notes_heading"])
            for words in langs
        ),
    )
