"""Which font files draw the text: lookup with user overrides, reportlab registration, coverage.

The faces are built once by ``python -m exporter.fontbuild`` (fonts/README.md says what each one
is). Lookup order for every role, first hit wins:

1. the folder named by ``$EXPORTER_FONT_DIR``;
2. ``fonts/`` in the checkout: the user's own drop-ins;
3. ``fonts/build/``: what fontbuild made.

In each folder a role is looked up as ``<role>-<script>.ttf``, then ``<role>.ttf`` (``.otf`` is
accepted if it has TrueType outlines), then the built face's own file name. Roles are ``body``,
``heading``, ``heading-bold``, ``latin``, ``latin-bold`` and ``latin-heading``; scripts ``Hans`` and ``Hant``.
Extra fallback faces are picked up as ``fallback*.ttf`` from the same folders.
"""

from __future__ import annotations

import logging
import os
import struct
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from .errors import MissingDependencyError

log = logging.getLogger("exporter.fonts")

ENV_DIR = "EXPORTER_FONT_DIR"
NOT_BUILT = "Fonts not built: run `make fonts` (or python -m exporter.fontbuild)"

ROLES = ("body", "heading", "heading-bold", "latin", "latin-bold", "latin-heading")
SCRIPTS = ("Hans", "Hant")

# The file fontbuild writes for each role; the Chinese roles differ per script.
BUILT: dict[tuple[str, str], str] = {
    ("body", "Hans"): "NotoSerifSC-Regular.ttf",
    ("heading", "Hans"): "NotoSansSC-Regular.ttf",
    ("body", "Hant"): "NotoSerifTC-Regular.ttf",
    ("heading", "Hant"): "NotoSansTC-Regular.ttf",
    ("heading-bold", "Hans"): "NotoSansSC-Bold.ttf",
    ("heading-bold", "Hant"): "NotoSansTC-Bold.ttf",
}
BUILT_LATIN = {
    "latin": "NotoSerif-Regular.ttf",
    "latin-bold": "NotoSerif-Bold.ttf",
    "latin-heading": "NotoSans-Bold.ttf",
}
# Tried, in this order, for characters no main face has (symbols, emoji).
BUILT_FALLBACKS = ("NotoSansSymbols-Regular.ttf", "NotoEmoji-Regular.ttf", "DejaVuSans.ttf")


@dataclass(frozen=True)
class FontFace:
    family: str  # the family name a DOCX names and a word processor matches ("Noto Serif SC")
    path: Path
    reportlab_name: str  # the name it is registered under with reportlab
    bold: bool = False  # DOCX: ask for the family's bold style


@dataclass(frozen=True)
class FontSet:
    """The faces one document is set in."""

    script: str  # "Hans" or "Hant": which Chinese faces are the main ones
    body: FontFace  # Song/Ming (serif) face for Chinese body text
    heading: FontFace  # Hei (sans) face for Chinese titles and headings
    heading_bold: FontFace  # its bold
    latin: FontFace  # serif face for English text
    latin_bold: FontFace
    latin_heading: FontFace  # bold sans face for English headings
    # The other Chinese script's (serif, sans) faces: characters only they have, such as the
    # Hong Kong characters of CJK Extension B (e.g. U+282E2) that the SC faces lack.
    alternates: tuple[FontFace, ...] = ()
    fallbacks: tuple[FontFace, ...] = ()  # symbols and emoji, last resort

    @property
    def faces(self) -> tuple[FontFace, ...]:
        """Every face, each once."""
        every = (
            self.body,
            self.heading,
            self.heading_bold,
            self.latin,
            self.latin_bold,
            self.latin_heading,
            *self.alternates,
            *self.fallbacks,
        )
        return tuple(dict.fromkeys(every))


def default_font_root() -> Path:
    """``fonts/`` of the checkout; outside a checkout, a per-user data folder."""
    repo = Path(__file__).resolve().parents[1]
    if (repo / "pyproject.toml").is_file():
        return repo / "fonts"
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "exporter" / "fonts"


def search_dirs() -> tuple[Path, ...]:
    """Folders searched for fonts, first match wins (see the module docstring)."""
    root = default_font_root()
    dirs = [root, root / "build"]
    env = os.environ.get(ENV_DIR)
    if env:
        dirs.insert(0, Path(env).expanduser())
    return tuple(dirs)


def script_for(script: str) -> str:
    """Font script for a labels.script_of() value: English uses the Simplified faces."""
    if script in SCRIPTS:
        return script
    if script == "Latn":
        return "Hans"
    raise ValueError(f"unknown script {script!r}: expected one of Hans, Hant, Latn")


def font_set(script: str = "Hans", dirs: Sequence[Path] | None = None) -> FontSet:
    """The faces for documents in ``script`` ("Hans", "Hant"; "Latn" = Hans).

    MissingDependencyError if a main face is found nowhere (fonts not built).
    """
    folders = tuple(dirs) if dirs is not None else search_dirs()
    # A folder's mtime changes when a font is added, removed or renamed in it.
    stamps = tuple(folder.stat().st_mtime_ns if folder.is_dir() else 0 for folder in folders)
    return _font_set(script_for(script), folders, stamps)


@lru_cache(maxsize=16)
def _font_set(script: str, dirs: tuple[Path, ...], _stamps: tuple[int, ...]) -> FontSet:
    other = "Hant" if script == "Hans" else "Hans"

    def required(role: str) -> FontFace:
        face = _find_role(dirs, role, script)
        if face is None:
            log.debug("no %s face for %s in %s", role, script, ", ".join(map(str, dirs)))
            raise MissingDependencyError(NOT_BUILT)
        return face

    main = {role: required(role) for role in ROLES}
    alternates = [_find_role(dirs, role, other) for role in ("body", "heading")]
    fallbacks: list[FontFace | None] = [_face(p) for p in _user_fallbacks(dirs)]
    for name in BUILT_FALLBACKS:
        path = _first_existing(dirs, [name])
        if path is None:
            log.warning("fallback font %s not found: characters only it has will be blank", name)
        fallbacks.append(_face(path) if path else None)
    return FontSet(
        script=script,
        body=main["body"],
        heading=main["heading"],
        heading_bold=main["heading-bold"],
        latin=main["latin"],
        latin_bold=main["latin-bold"],
        latin_heading=main["latin-heading"],
        alternates=tuple(face for face in alternates if face is not None),
        fallbacks=tuple(face for face in fallbacks if face is not None),
    )


def _first_existing(dirs: Iterable[Path], names: Sequence[str]) -> Path | None:
    for folder in dirs:
        for name in names:
            path = folder / name
            if path.is_file():
                return path
    return None


def _find_role(dirs: Sequence[Path], role: str, script: str) -> FontFace | None:
    built = BUILT.get((role, script)) or BUILT_LATIN[role]
    names = [f"{stem}{ext}" for stem in (f"{role}-{script}", role) for ext in (".ttf", ".otf")]
    path = _first_existing(dirs, [*names, built])
    return _face(path) if path else None


def _user_fallbacks(dirs: Sequence[Path]) -> list[Path]:
    found: dict[str, Path] = {}
    for folder in dirs:
        if folder.is_dir():
            for path in sorted(folder.glob("fallback*.[to]tf")):
                found.setdefault(path.name, path)
    return list(found.values())


# --- reading the font files (by hand: fontTools takes ~0.3 s to decode a CJK cmap) -----------


@dataclass(frozen=True)
class _Info:
    family: str
    ps_name: str
    bold: bool


def _stamp(path: Path) -> tuple[Path, int, int]:
    stat = path.stat()
    return path.resolve(), stat.st_mtime_ns, stat.st_size


def _tables(path: Path, wanted: Sequence[bytes]) -> dict[bytes, bytes]:
    """The ``wanted`` tables of a TrueType file, read without loading the rest."""
    with path.open("rb") as file:
        head = file.read(12)
        tag = head[:4]
        if tag == b"OTTO":
            raise MissingDependencyError(
                f"{path} has PostScript (CFF) outlines, which the PDF writer cannot embed: "
                f"convert it with `python -m exporter.fontbuild --convert {path} OUT.ttf`"
            )
        if tag == b"ttcf":
            raise MissingDependencyError(
                f"{path} is a font collection (.ttc): extract the face you want into a .ttf"
            )
        if len(head) < 12 or tag not in (b"\x00\x01\x00\x00", b"true"):
            raise MissingDependencyError(f"{path} is not a TrueType font")
        (count,) = struct.unpack_from(">H", head, 4)
        directory = file.read(16 * count)
        tables = {}
        for i in range(count):
            name, _checksum, offset, length = struct.unpack_from(">4sIII", directory, 16 * i)
            if name in wanted:
                file.seek(offset)
                tables[name] = file.read(length)
    return tables


@lru_cache(maxsize=64)
def _info(stamp: tuple[Path, int, int]) -> _Info:
    path = stamp[0]
    tables = _tables(path, (b"name", b"OS/2"))
    names: dict[int, str] = {}
    if b"name" in tables:
        data, base = tables[b"name"], 0
        _fmt, count, strings = struct.unpack_from(">HHH", data, base)
        ranked: dict[int, tuple[int, str]] = {}
        for i in range(count):
            pid, eid, lang, nid, length, offset = struct.unpack_from(
                ">HHHHHH", data, base + 6 + 12 * i
            )
            raw = data[base + strings + offset : base + strings + offset + length]
            if pid == 3 and eid in (0, 1, 10):
                rank, text = (0 if lang == 0x409 else 1), raw.decode("utf-16-be", "replace")
            elif pid == 1 and eid == 0:
                rank, text = 2, raw.decode("mac_roman", "replace")
            else:
                continue
            if nid not in ranked or rank < ranked[nid][0]:
                ranked[nid] = (rank, text)
        names = {nid: text for nid, (_rank, text) in ranked.items()}
    weight = 400
    if b"OS/2" in tables:
        (weight,) = struct.unpack_from(">H", tables[b"OS/2"], 4)
    family = names.get(16) or names.get(1) or path.stem
    ps_name = (names.get(6) or path.stem).replace(" ", "")
    return _Info(family=family, ps_name=ps_name, bold=weight >= 600)


@lru_cache(maxsize=64)
def _coverage(stamp: tuple[Path, int, int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Sorted, disjoint (starts, ends) of the code points the font's Unicode cmap maps."""
    data = _tables(stamp[0], (b"cmap",)).get(b"cmap")
    if data is None:
        return (), ()
    base = 0
    (count,) = struct.unpack_from(">H", data, base + 2)
    subtables: dict[tuple[int, int], int] = {}
    for i in range(count):
        pid, eid, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
        (fmt,) = struct.unpack_from(">H", data, base + offset)
        subtables.setdefault((fmt, pid * 100 + eid), base + offset)
    ranges: list[tuple[int, int]] = []
    # Prefer the full-Unicode table; else the BMP one.
    for fmt, keys in ((12, (310, 4, 6)), (4, (301, 3, 2, 1, 0))):
        start = next((subtables[(fmt, key)] for key in keys if (fmt, key) in subtables), None)
        if start is not None:
            ranges = _format12(data, start) if fmt == 12 else _format4(data, start)
            break
    starts: list[int] = []
    ends: list[int] = []
    for lo, hi in sorted(ranges):
        if starts and lo <= ends[-1] + 1:
            ends[-1] = max(ends[-1], hi)
        else:
            starts.append(lo)
            ends.append(hi)
    return tuple(starts), tuple(ends)


def _format12(data: bytes, at: int) -> list[tuple[int, int]]:
    (groups,) = struct.unpack_from(">I", data, at + 12)
    out = []
    for i in range(groups):
        lo, hi, glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
        if glyph == 0 and lo == hi:
            continue  # mapped to .notdef: not really there
        out.append((lo, hi))
    return out


def _format4(data: bytes, at: int) -> list[tuple[int, int]]:
    (seg2,) = struct.unpack_from(">H", data, at + 6)
    segs = seg2 // 2
    ends = struct.unpack_from(f">{segs}H", data, at + 14)
    starts = struct.unpack_from(f">{segs}H", data, at + 16 + seg2)
    deltas = struct.unpack_from(f">{segs}H", data, at + 16 + 2 * seg2)
    offsets_at = at + 16 + 3 * seg2
    offsets = struct.unpack_from(f">{segs}H", data, offsets_at)
    out: list[tuple[int, int]] = []
    for i in range(segs):
        lo, hi = starts[i], ends[i]
        if lo == 0xFFFF:
            continue
        if offsets[i] == 0:
            # Glyph = code + delta (mod 65536): only the code that lands on 0 is unmapped.
            hole = (-deltas[i]) & 0xFFFF
            if lo <= hole <= hi:
                out.extend(r for r in ((lo, hole - 1), (hole + 1, hi)) if r[0] <= r[1])
            else:
                out.append((lo, hi))
            continue
        for c in range(lo, hi + 1):
            where = offsets_at + 2 * i + offsets[i] + 2 * (c - lo)
            (glyph,) = struct.unpack_from(">H", data, where)
            if glyph:
                out.append((c, c))
    return out


# reportlab names already given out in this process: name -> file (keeps them unique).
_CLAIMED: dict[str, Path] = {}


def _face(path: Path) -> FontFace:
    stamp = _stamp(path)
    info = _info(stamp)
    name, n = info.ps_name, 1
    while _CLAIMED.setdefault(name, stamp[0]) != stamp[0]:
        n += 1
        name = f"{info.ps_name}~{n}"
    return FontFace(family=info.family, path=stamp[0], reportlab_name=name, bold=info.bold)


@cache
def _face_coverage(face: FontFace) -> tuple[tuple[int, ...], tuple[int, ...]]:
    # Per face, not per call: stat()+resolve() on every character cost more than
    # the lookup itself (0.2 s of a 0.6 s seed PDF). Kept in the disk cache between runs:
    # reading a CJK face's cmap in Python is 10-30 ms of every cold build.
    from .diskcache import load_or_build

    stamp = _stamp(face.path)
    return load_or_build("font-coverage", repr(stamp), lambda: _coverage(stamp))


def covers(face: FontFace, char: str) -> bool:
    """True if ``face`` has a glyph for ``char`` (one character)."""
    starts, ends = _face_coverage(face)
    code = ord(char)
    i = bisect_right(starts, code) - 1
    return i >= 0 and code <= ends[i]


@lru_cache(maxsize=64)
def _chain(fonts: FontSet, preferred: FontFace | None) -> tuple[FontFace, ...]:
    sans = preferred in (fonts.heading, fonts.heading_bold, fonts.latin_heading)
    if sans:
        # A bold face's missing characters come from the bold Hei first: headings stay bold.
        hei = (
            [fonts.heading_bold, fonts.heading]
            if preferred and preferred.bold
            else [fonts.heading, fonts.heading_bold]
        )
        order = [*hei, fonts.body, fonts.latin_heading, fonts.latin]
        alternates = list(reversed(fonts.alternates))
    else:
        order = [fonts.body, fonts.heading, fonts.latin, fonts.latin_heading]
        alternates = list(fonts.alternates)
    first = [preferred] if preferred is not None else []
    return tuple(dict.fromkeys([*first, *order, *alternates, *fonts.fallbacks]))


def pick_face_for_char(
    fonts: FontSet, char: str, preferred: FontFace | None = None
) -> FontFace | None:
    """The face to draw ``char`` with: ``preferred`` if it has it, else the first face that does
    (main faces of the same style first, then the other script's, then symbols and emoji).
    None if no face has it."""
    for face in _chain(fonts, preferred):
        if covers(face, char):
            return face
    return None


# Controls and format characters (ZWJ, soft hyphen, BOM, …) need no glyph.
_INVISIBLE = {"Cc", "Cf"}


def uncovered(fonts: FontSet, text: str) -> list[str]:
    """Characters of ``text`` (whitespace and controls aside) that no face can draw, in order."""
    missing = dict.fromkeys(
        ch
        for ch in text
        if not ch.isspace()
        and unicodedata.category(ch) not in _INVISIBLE
        and pick_face_for_char(fonts, ch) is None
    )
    return list(missing)


# --- reportlab ---------------------------------------------------------------------------------

# reportlab parses a TrueType file in pure Python (0.1-0.2 s per CJK face). What it parses is
# kept in a cache file per face, so that registering a face costs a file read. The key is the
# file's size plus a hash of its table directory (which holds every table's checksum) and the
# reportlab and Python versions, so an edited, rebuilt or replaced font is parsed again.
METRICS_FORMAT = "rl-ttf-2"


def metrics_cache_dir() -> Path:
    """``fonts/build/.metrics`` next to the built fonts when writable, else a user cache."""
    built = default_font_root() / "build"
    if built.is_dir() and os.access(built, os.W_OK):
        return built / ".metrics"
    from .diskcache import cache_dir

    return cache_dir() / "font-metrics"


def _metrics_key(path: Path) -> str:
    import hashlib
    import sys

    from reportlab import Version

    with path.open("rb") as file:
        head = file.read(12)
        (count,) = struct.unpack_from(">H", head, 4) if len(head) == 12 else (0,)
        directory = file.read(16 * count)
        size = file.seek(0, os.SEEK_END)
    digest = hashlib.sha256(head + directory)
    digest.update(f"{size};{Version};{sys.version_info[:2]};{METRICS_FORMAT}".encode())
    return digest.hexdigest()[:20]


def _file_bytes(path: Path) -> Any:
    """The font file's bytes, memory-mapped: subsetting reads only the glyphs it embeds."""
    import mmap

    with path.open("rb") as file:
        try:
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # an empty or unmappable file
            return file.read()


def _scale_to_1000(units_per_em: int) -> Callable[[float], float]:
    factor = 1000 / units_per_em
    return lambda x: x * factor


# Parsed tables only subsetting (hmetrics, glyphPos) or shaping (glyphToChar) reads: kept
# pickled in the cache entry and unpickled on first use, not at registration.
_LAZY_TABLES = ("glyphToChar", "hmetrics", "glyphPos")


@lru_cache(maxsize=1)
def _cached_face_class() -> type:
    from reportlab.pdfbase.ttfonts import TTFontFace

    class CachedFace(TTFontFace):
        """A ``TTFontFace`` restored from the metrics cache instead of parsed."""

        def __getattr__(self, name: str) -> Any:
            lazy = self.__dict__.get("_exporter_lazy")
            if lazy is None or name not in lazy:
                raise AttributeError(name)
            value = _restore_table(name, lazy.pop(name))
            setattr(self, name, value)
            return value

        def get_table(self, tag: str) -> Any:
            # Subsetting reads a few glyphs out of 'glyf' (13 MB in a CJK face), but
            # reportlab slices the whole table out of the file first, once per face and
            # document: hand it a view whose slices read only the glyphs asked for.
            if tag == "glyf" and not isinstance(self._ttf_data, bytes):
                return _TableView(self._ttf_data, *self.get_table_pos(tag))
            return super().get_table(tag)

    return CachedFace


class _PairTable:
    """``hmetrics`` (one (advance, left side bearing) pair per glyph) over two int arrays:
    restored from bytes in microseconds, where unpickling 30,000 tuples took ~7 ms a face."""

    def __init__(self, first: Any, second: Any) -> None:
        self._first, self._second = first, second

    def __len__(self) -> int:
        return len(self._first)

    def __getitem__(self, index: int) -> tuple[int, int]:
        return self._first[index], self._second[index]


def _pack_table(name: str, value: Any) -> tuple[str, bytes, bytes]:
    """A lazy table as bytes: int arrays for the glyph-indexed lists (see _restore_table)."""
    import array
    import pickle

    try:
        if name == "glyphPos":
            return ("q", array.array("q", value).tobytes(), b"")
        if name == "hmetrics":
            first, second = zip(*value, strict=True) if value else ((), ())
            return ("qq", array.array("q", first).tobytes(), array.array("q", second).tobytes())
    except (TypeError, ValueError, OverflowError):
        pass
    return ("pickle", pickle.dumps(value, protocol=5), b"")


def _restore_table(name: str, packed: tuple[str, bytes, bytes]) -> Any:
    import array

    kind, first, second = packed
    if kind == "q":
        return array.array("q", first)
    if kind == "qq":
        return _PairTable(array.array("q", first), array.array("q", second))
    import pickle

    return pickle.loads(first)


class _TableView:
    """``data[offset : offset + length]`` without the copy: slicing returns bytes."""

    def __init__(self, data: Any, offset: int, length: int) -> None:
        self._data, self._offset, self._length = data, offset, length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key: slice) -> bytes:
        start, stop, step = key.indices(self._length)
        if step != 1:
            raise ValueError("a table view is sliced with step 1 only")
        return bytes(self._data[self._offset + start : self._offset + max(start, stop)])


def load_ttfont(name: str, path: Path) -> Any:
    """A reportlab ``TTFont`` of ``path`` registered as ``name``, from the metrics cache when it
    holds this very file, else parsed (and cached for next time)."""
    import gc
    import pickle
    from weakref import WeakKeyDictionary

    from reportlab.pdfbase.ttfonts import TTFont

    try:
        key = _metrics_key(path)
    except OSError:
        return TTFont(name, str(path))
    cache_file = metrics_cache_dir() / f"{path.stem}-{key}.pickle"
    collecting = gc.isenabled()
    gc.disable()  # unpickling allocates ~10⁵ objects: no point scanning them mid-load
    try:
        with cache_file.open("rb") as file:
            state = pickle.load(file)
        font = TTFont.__new__(TTFont)
        font.__dict__.update(state["font"])
        face_class: Any = _cached_face_class()
        face = face_class.__new__(face_class)
        face.__dict__.update(state["face"])
        face._exporter_lazy = dict(state["lazy"])
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, AttributeError, TypeError):
        font = None
    finally:
        if collecting:
            gc.enable()
    if font is None:
        font = TTFont(name, str(path))
        _store_metrics(font, cache_file)
        return font
    face._ttf_data = _file_bytes(path)
    face.filename = str(path)
    face._pdfScale = _scale_to_1000(face.unitsPerEm)
    font.face, font.fontName, font.state = face, name, WeakKeyDictionary()
    return font


def _store_metrics(font: Any, cache_file: Path) -> None:
    """Write what parsing ``font`` found (not the file's bytes) to ``cache_file``, atomically;
    a cache that cannot be written only costs the next run a parse."""
    import pickle

    skip = {"_ttf_data", "_pdfScale", *_LAZY_TABLES}
    face = {k: v for k, v in font.face.__dict__.items() if k not in skip}
    plain = {k: v for k, v in font.__dict__.items() if k not in ("face", "state", "fontName")}
    try:
        lazy = {k: _pack_table(k, getattr(font.face, k)) for k in _LAZY_TABLES}
        data = pickle.dumps({"font": plain, "face": face, "lazy": lazy}, protocol=5)
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.part")
        tmp.write_bytes(data)
        tmp.replace(cache_file)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        log.debug("font metrics not cached (%s): %s", cache_file, exc)


def register_face(fonts: FontSet, face: FontFace) -> str:
    """Register ``face`` with reportlab (once per process; reportlab's registry is global) and
    return its name. Faces are registered when a document first uses them: a cold start pays
    only for the faces it draws with. The Latin body and the Chinese heading faces bring
    their bold cuts, for ``<b>``."""
    _register_face(face)
    bold = {fonts.latin: fonts.latin_bold, fonts.heading: fonts.heading_bold}.get(face)
    if bold is not None:
        _register_face(bold)
        _register_family(face, bold)
    else:
        _register_family(face, face)  # no bold cut: <b> keeps the same face
    return face.reportlab_name


def register_reportlab(fonts: FontSet) -> None:
    """Register every face of ``fonts`` with reportlab, with font families so that ``<b>``
    picks the bold Latin face."""
    for face in fonts.faces:
        register_face(fonts, face)


@cache
def _register_face(face: FontFace) -> None:
    from reportlab.pdfbase import pdfmetrics

    if face.reportlab_name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(load_ttfont(face.reportlab_name, face.path))


@cache
def _register_family(normal: FontFace, bold: FontFace) -> None:
    from reportlab.lib.fonts import addMapping

    for is_bold in (0, 1):
        for is_italic in (0, 1):
            name = (bold if is_bold else normal).reportlab_name
            addMapping(normal.reportlab_name, is_bold, is_italic, name)
