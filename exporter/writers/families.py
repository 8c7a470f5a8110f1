"""The faces a style's roles resolve to, per script (DOCX names their families; PDF embeds them)."""

from __future__ import annotations

from dataclasses import dataclass

from ..fonts import FontFace, FontSet
from ..style import ROLES, Fonts


@dataclass(frozen=True)
class Families:
    """Family names per role, and whether each role's face is bold: a DOCX asks for bold only
    where a bold face exists, so a word processor never smears a regular face."""

    cjk: tuple[tuple[str, str, bool], ...]  # (role, family, bold) for Chinese text
    latin_faces: tuple[tuple[str, str, bool], ...]  # the same for English text

    def family(self, role: str, *, english: bool = False) -> str:
        return next(f for r, f, _b in (self.latin_faces if english else self.cjk) if r == role)

    def bold(self, role: str, *, english: bool = False) -> bool:
        return next(b for r, _f, b in (self.latin_faces if english else self.cjk) if r == role)

    @property
    def body(self) -> str:
        return self.family("body")

    @property
    def heading(self) -> str:
        return self.family("heading")

    @property
    def latin(self) -> str:
        return self.family("body", english=True)

    @property
    def latin_heading(self) -> str:
        return self.family("heading", english=True)


def faces_for(fonts: FontSet, choice: Fonts) -> dict[tuple[str, bool], FontFace]:
    """(role, english) -> the face the style chose; roles are "body", "heading", "caption"."""
    cjk = {"serif": fonts.body, "sans": fonts.heading, "sans-bold": fonts.heading_bold}
    latin = {"serif": fonts.latin, "serif-bold": fonts.latin_bold, "sans-bold": fonts.latin_heading}
    chosen = {
        ("body", False): cjk[choice.body],
        ("heading", False): cjk[choice.heading],
        ("caption", False): cjk[choice.caption],
        ("body", True): latin[choice.latin],
        ("heading", True): latin[choice.latin_heading],
        ("caption", True): latin[choice.latin_caption],
    }
    assert {role for role, _en in chosen} == set(ROLES)
    return chosen


def families_for(script: str, choice: Fonts) -> Families:
    from ..fonts import font_set

    faces = faces_for(font_set("Hant" if script == "Hant" else "Hans"), choice)

    def table(english: bool) -> tuple[tuple[str, str, bool], ...]:
        return tuple(
            (role, faces[role, english].family, faces[role, english].bold) for role in ROLES
        )

    return Families(cjk=table(False), latin_faces=table(True))
