"""The house style both writers read: page, faces per role, text styles, rules, header, footer.

The default ships as ``exporter/data/style.toml`` (``exporter style --print-default``); a user's
file (``exporter build … --style FILE``) overrides any of its keys. Loading validates every key
and raises InputError with the file, key and what is allowed, so a typo never reaches a writer.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MM = 72 / 25.4
PAGE_SIZES = {"A4": (210 * MM, 297 * MM), "Letter": (612.0, 792.0)}
CJK_FACES = ("serif", "sans", "sans-bold")
LATIN_FACES = ("serif", "serif-bold", "sans-bold")
ALIGNS = ("left", "justify", "center")
ROLES = ("body", "heading", "caption")
TEXT_STYLES = (
    "title", "subtitle", "info", "marking", "heading", "heading_en", "body", "body_en",
    "translation", "notes_heading", "notes", "header", "footer",
)  # fmt: skip
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Page:
    size: str
    margin_top: float  # mm
    margin_bottom: float
    margin_left: float
    margin_right: float
    cover: bool

    @property
    def width(self) -> float:
        """Page width in pt."""
        return PAGE_SIZES[self.size][0]

    @property
    def height(self) -> float:
        return PAGE_SIZES[self.size][1]

    def margins_pt(self) -> tuple[float, float, float, float]:
        """(top, bottom, left, right) in pt."""
        return (self.margin_top * MM, self.margin_bottom * MM,
                self.margin_left * MM, self.margin_right * MM)  # fmt: skip

    @property
    def text_width(self) -> float:
        return self.width - (self.margin_left + self.margin_right) * MM


@dataclass(frozen=True)
class Fonts:
    body: str  # Chinese body face: serif | sans | sans-bold
    heading: str
    caption: str  # info lines, header, marking
    latin: str  # Latin (English) body face: serif | serif-bold | sans-bold
    latin_heading: str
    latin_caption: str


@dataclass(frozen=True)
class TextStyle:
    font: str  # role: "body" | "heading" | "caption"
    size: float  # pt
    leading: float  # pt, baseline to baseline
    color: str  # "#RRGGBB"
    space_before: float = 0.0
    space_after: float = 0.0
    indent: float = 0.0  # first-line indent in em
    align: str = "left"

    @property
    def rgb(self) -> tuple[float, float, float]:
        return hex_rgb(self.color)


@dataclass(frozen=True)
class Rule:
    show: bool
    width: float  # pt
    color: str
    space_before: float
    space_after: float


@dataclass(frozen=True)
class Header:
    text: str  # "{title}", "{marking}" or literal text; "" = none
    rule: bool
    rule_color: str


@dataclass(frozen=True)
class Footer:
    page_numbers: bool


@dataclass(frozen=True)
class Marking:
    text: str


@dataclass(frozen=True)
class Logo:
    path: Path | None
    width: float  # mm


@dataclass(frozen=True)
class Style:
    page: Page
    fonts: Fonts
    text: dict[str, TextStyle]
    rule: Rule
    header: Header
    footer: Footer
    marking: Marking
    logo: Logo
    source: str  # where it was loaded from (for messages and the manifest)

    def __hash__(self) -> int:  # the dict field is not hashable; the source names the style
        return hash((self.source, self.page, self.fonts))

    def header_text(self, title: str) -> str:
        return self.header.text.format(title=title, marking=self.marking.text)


def hex_rgb(color: str) -> tuple[float, float, float]:
    """ "#1F2A44" -> (r, g, b) in 0..1."""
    return tuple(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def default_text() -> str:
    """The shipped default style file, as text (what ``exporter style --print-default`` prints)."""
    return resources.files("exporter").joinpath("data/style.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _default_data() -> dict[str, Any]:
    return tomllib.loads(default_text())


def default_style() -> Style:
    return load_style(None)


@lru_cache(maxsize=8)
def load_style(path: Path | None) -> Style:
    """The default style, with the keys of the TOML file at ``path`` (if given) laid over it."""
    data = _default_data()
    where = "default style"
    base = Path.cwd()
    if path is not None:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"style {path}: cannot read it ({error})") from None
        try:
            user = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InputError(f"style {path}: not valid TOML: {error}") from None
        data = _merge(data, user, where, "")
        base = Path(path).resolve().parent
    return _build(data, where, base)


def _merge(
    default: dict[str, Any], user: dict[str, Any], where: str, prefix: str
) -> dict[str, Any]:
    """``user`` laid over ``default``; an unknown key is an error (it is most likely a typo)."""
    merged = dict(default)
    for key, value in user.items():
        name = f"{prefix}{key}"
        if key not in default:
            known = ", ".join(sorted(default))
            raise InputError(f"style {where}: unknown key {name!r} (known here: {known})")
        if isinstance(default[key], dict):
            if not isinstance(value, dict):
                raise InputError(f"style {where}: {name!r} must be a table ([{name}])")
            merged[key] = _merge(default[key], value, where, f"{name}.")
        else:
            merged[key] = value
    return merged


class _Reader:
    """Typed access to one table of the merged data, with errors that name the key."""

    def __init__(self, data: dict[str, Any], where: str, table: str) -> None:
        self.data, self.where, self.table = data, where, table

    def fail(self, key: str, message: str) -> InputError:
        return InputError(f"style {self.where}: [{self.table}] {key}: {message}")

    def number(self, key: str, low: float, high: float) -> float:
        value = self.data.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"{value!r} is not a number")
        if not low <= value <= high:
            raise self.fail(key, f"{value} is out of range ({low:g} to {high:g})")
        return float(value)

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.data.get(key)
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            raise self.fail(key, f"{value!r} is not true or false")
        return value

    def string(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str):
            raise self.fail(key, f"{value!r} is not a string")
        return value

    def color(self, key: str) -> str:
        value = self.string(key)
        if not _COLOR.fullmatch(value):
            raise self.fail(key, f'{value!r} is not a colour like "#1F2A44"')
        return value.upper()


def _text_style(data: dict[str, Any], where: str, name: str) -> TextStyle:
    r = _Reader(data, where, f"text.{name}")
    style = TextStyle(
        font=r.choice("font", ROLES),
        size=r.number("size", 4, 72),
        leading=r.number("leading", 4, 144),
        color=r.color("color"),
        space_before=r.number("space_before", 0, 144),
        space_after=r.number("space_after", 0, 144),
        indent=r.number("indent", 0, 10),
        align=r.choice("align", ALIGNS) if "align" in data else "left",
    )
    if style.leading < style.size:
        raise r.fail("leading", f"{style.leading:g} is less than the size {style.size:g}")
    return style


def _build(data: dict[str, Any], where: str, base: Path) -> Style:
    page = _Reader(data["page"], where, "page")
    margins = {key: page.number(key, 0, 100) for key in
               ("margin_top", "margin_bottom", "margin_left", "margin_right")}  # fmt: skip
    size = page.choice("size", tuple(PAGE_SIZES))
    if (margins["margin_left"] + margins["margin_right"]) * MM > PAGE_SIZES[size][0] - 144:
        raise page.fail("margin_left", "left and right margins leave less than 2 inches of text")
    fonts = _Reader(data["fonts"], where, "fonts")
    text_tables = data["text"]
    missing = [name for name in TEXT_STYLES if name not in text_tables]
    if missing:  # only possible if the shipped default lost a table
        raise InputError(f"style {where}: no [text.{missing[0]}] table")
    rule = _Reader(data["rule"], where, "rule")
    header = _Reader(data["header"], where, "header")
    header_text = header.string("text")
    try:
        header_text.format(title="", marking="")
    except (KeyError, IndexError, ValueError):
        raise header.fail("text", f"{header_text!r}: only {{title}} and {{marking}} may be "
                          "used in braces") from None  # fmt: skip
    logo = _Reader(data["logo"], where, "logo")
    logo_path: Path | None = None
    if logo.string("path"):
        logo_path = (base / logo.string("path")).resolve()
        if not logo_path.is_file():
            raise logo.fail("path", f"{logo_path} does not exist")
        if logo_path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise logo.fail("path", f"{logo_path.name}: use a PNG or JPEG image")
    return Style(
        page=Page(size=size, cover=page.flag("cover"), **margins),
        fonts=Fonts(
            body=fonts.choice("body", CJK_FACES),
            heading=fonts.choice("heading", CJK_FACES),
            caption=fonts.choice("caption", CJK_FACES),
            latin=fonts.choice("latin", LATIN_FACES),
            latin_heading=fonts.choice("latin_heading", LATIN_FACES),
            latin_caption=fonts.choice("latin_caption", LATIN_FACES),
        ),
        text={name: _text_style(text_tables[name], where, name) for name in TEXT_STYLES},
        rule=Rule(
            show=rule.flag("show"),
            width=rule.number("width", 0, 10),
            color=rule.color("color"),
            space_before=rule.number("space_before", 0, 144),
            space_after=rule.number("space_after", 0, 144),
        ),
        header=Header(
            text=header_text, rule=header.flag("rule"), rule_color=header.color("rule_color")
        ),
        footer=Footer(page_numbers=_Reader(data["footer"], where, "footer").flag("page_numbers")),
        marking=Marking(text=_Reader(data["marking"], where, "marking").string("text")),
        logo=Logo(path=logo_path, width=logo.number("width", 1, 200)),
        source=where,
    )
