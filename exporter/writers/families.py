"""Font family names a writer asks for, per script (DOCX names them; PDF embeds them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Families:
    body: str  # Song/Ming face for body text
    heading: str  # Hei/sans face for titles and headings
    latin: str  # Latin face for English text
    latin_heading: str


def families_for(script: str) -> Families:
    from ..fonts import font_set

    faces = font_set("Hant" if script == "Hant" else "Hans")
    return Families(
        body=faces.body.family,
        heading=faces.heading.family,
        latin=faces.latin.family,
        latin_heading=faces.latin_heading.family,
    )
