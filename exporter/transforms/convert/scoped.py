"""OpenCC loaded with only the dictionary entries one text can use.

Loading OpenCC's s2hk costs ~100 ms whatever the text (STPhrases' 49,000 entries are
deserialised), more than converting a briefing with it. But OpenCC's segmentation and its first
conversion step only look up keys at positions of the text they are given, so every entry they
can apply is one whose key occurs in that text. For a short text those dictionaries are
replaced by text dictionaries holding just those entries (found with prefix sets kept in the
disk cache), the later conversion steps keep OpenCC's own files, and OpenCC itself converts:
the output is the same by construction, and a test compares it with the full converter on
OpenCC's upstream cases.

Inside ``opencc_scope(text)``, :func:`scoped_converter` serves conversions of ``text`` and
of its substrings; anything else (a correction's target, a review reading) goes to the full
converter. The word guard's phrase index is scoped the same way (:func:`scoped_phrase_index`):
it holds the segmentation phrases that occur in the text, found in the same index, instead of
all ~50,000 (~50 ms to load).
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from ...diskcache import ReadOnlySQLite, entry_path, write_sqlite
from .opencc_data import (
    _config_data,
    _Converter,
    _dict_nodes,
    _opencc_module,
    _PhraseIndex,
    _read_dictionary,
    data_stamp,
)

log = logging.getLogger("exporter.convert")

# Beyond this many characters the scan for keys costs more than OpenCC's load saves.
SCOPE_MAX_CHARS = 50_000
# Smaller dictionaries load in microseconds and are kept whole.
MIN_SCOPED_ENTRIES = 1_000


# Part of the index files' names: a file of an older layout is not read, but rebuilt.
_LAYOUT = 2


T = TypeVar("T")


class _Scope:
    def __init__(self, text: str) -> None:
        self.text = text
        self._made: dict[tuple[str, Callable[..., Any]], Any] = {}
        self._found: dict[str, list[str]] = {}

    def made(self, config: str, make: Callable[[str, _Scope], T]) -> T:
        """``make(config, self)``, once per config and maker."""
        key = (config, make)
        if key not in self._made:
            self._made[key] = make(config, self)
        value: T = self._made[key]
        return value

    def found(self, config: str, index: _Index) -> list[str]:
        """The keys and key prefixes of ``config``'s index that occur in the text."""
        if config not in self._found:
            self._found[config] = index.keys_in(self.text)
        return self._found[config]


_current: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "exporter_opencc_scope", default=None
)


@contextmanager
def opencc_scope(text: str) -> Iterator[None]:
    """Within: conversions of ``text`` or its substrings load only the entries it uses."""
    token = _current.set(_Scope(text) if 0 < len(text) <= SCOPE_MAX_CHARS else None)
    try:
        yield
    finally:
        _current.reset(token)


def _scope_of(text: str) -> _Scope | None:
    """The current scope, if ``text`` lies inside it."""
    scope = _current.get()
    return scope if scope is not None and text in scope.text else None


def scoped_converter(config: str, text: str) -> _Converter | None:
    """A converter for ``config`` loaded with the current scope's entries, if ``text`` lies
    inside the scope; None otherwise (use the full converter)."""
    scope = _scope_of(text)
    return scope.made(config, _build) if scope else None


def scoped_phrase_index(config: str, text: str) -> _PhraseIndex | None:
    """``config``'s segmentation phrases that occur in the current scope, if ``text`` lies
    inside it; None otherwise (use the whole index)."""
    scope = _scope_of(text)
    return scope.made(config, _phrases_in) if scope else None


def _phrases_in(config: str, scope: _Scope) -> _PhraseIndex | None:
    index = _index(config)
    if index is None or not index.phrases:
        return None
    try:
        keys = index.phrases_in(scope.found(config, index))
    except Exception as exc:  # noqa: BLE001 - a damaged index: the whole phrase index
        log.debug("no scoped phrases for %s: %s", config, exc)
        return None
    return _PhraseIndex.of(frozenset(keys), whole=False)


def _share_dir() -> Path | None:
    """The official binding's dictionary folder (the reimplemented one has no scoping)."""
    share = Path(_opencc_module().__file__).resolve().parent / "clib" / "share" / "opencc"
    return share if share.is_dir() else None


def _config_path(config: str) -> Path | None:
    share = _share_dir()
    return share / f"{config}.json" if share and (share / f"{config}.json").is_file() else None


def _first_pass(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The dictionary trees that read the text itself: segmentation and the first conversion
    step (later steps read converted text)."""
    chain = spec.get("conversion_chain", [])
    return [spec.get("segmentation", {}).get("dict", {}), *(chain[:1] and [chain[0]["dict"]])]


def _derive(config: str, path: Path) -> None:
    """Write ``path``: the config, the entries of its first-pass dictionaries (segmentation
    and first conversion step) big enough to scope, the word guard's phrases (its phrase
    index's keys), every prefix of both's keys, and the keys of its normalization step
    (which rewrites the text before any lookup)."""
    source = _config_path(config)
    if source is None:
        raise FileNotFoundError(f"{config}.json")
    spec = json.loads(source.read_text(encoding="utf-8"))
    entries: dict[str, dict[str, tuple[str, ...]]] = {}
    for node in (n for tree in _first_pass(spec) for n in _dict_nodes(tree)):
        name = node["file"]
        if node.get("type") == "ocd2" and name not in entries:
            table = _read_dictionary(name)
            if len(table) >= MIN_SCOPED_ENTRIES:
                entries[name] = table
    data = _config_data(config)
    phrases = sorted(data[0].keys) if data else []
    keys = [k for table in entries.values() for k in table] + phrases
    stems = {k[:n] for k in keys for n in range(1, len(k) + 1)}
    normalizing = {
        key
        for node in (n for step in spec.get("normalization", []) for n in _dict_nodes(step["dict"]))
        for key in _read_dictionary(node["file"])
    }

    def fill(db: Any) -> None:
        db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT)")
        meta = {
            "spec": spec,
            "scoped": sorted(entries),
            "normalizing": sorted(normalizing),
            "phrases": bool(phrases),
        }
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [(k, json.dumps(v, ensure_ascii=False)) for k, v in meta.items()],
        )
        db.execute("CREATE TABLE stems (s TEXT PRIMARY KEY) WITHOUT ROWID")
        db.executemany("INSERT INTO stems VALUES (?)", ((s,) for s in sorted(stems)))
        db.execute(
            "CREATE TABLE entries (k TEXT, d TEXT, v TEXT, PRIMARY KEY (k, d)) WITHOUT ROWID"
        )
        db.executemany(
            "INSERT INTO entries VALUES (?, ?, ?)",
            sorted((k, d, " ".join(v)) for d, table in entries.items() for k, v in table.items()),
        )
        db.execute("CREATE TABLE phrases (k TEXT PRIMARY KEY) WITHOUT ROWID")
        db.executemany("INSERT INTO phrases VALUES (?)", ((k,) for k in phrases))

    write_sqlite(path, fill)


class _Index:
    """One config's scoping data, read from its SQLite file in the user's cache; ``share``
    is the binding's dictionary folder the scoped config's other dictionaries come from."""

    def __init__(self, config: str, share: Path) -> None:
        self.share = share
        path = entry_path("opencc-scoped", f"{config}|{data_stamp()}|{_LAYOUT}", ".sqlite")
        if not path.is_file():
            _derive(config, path)
        self._db = ReadOnlySQLite(path)
        meta = {k: json.loads(v) for k, v in self._db.execute("SELECT k, v FROM meta")}
        self.spec: dict[str, Any] = meta["spec"]
        self.scoped: list[str] = meta["scoped"]
        self.normalizing: list[str] = meta["normalizing"]
        self.phrases: bool = meta["phrases"]
        self.config = config

    def keys_in(self, text: str) -> list[str]:
        """Every key prefix (and key) occurring in ``text``: length by length, extending
        only the substrings that are prefixes."""
        found: list[str] = []
        live = list(range(len(text)))
        length = 1
        while live:
            wanted = sorted({text[k : k + length] for k in live if k + length <= len(text)})
            hits = {s for (s,) in self._db.select_in("SELECT s FROM stems WHERE s IN ({})", wanted)}
            found += sorted(hits)
            live = [k for k in live if k + length <= len(text) and text[k : k + length] in hits]
            length += 1
        return found

    def phrases_in(self, keys: list[str]) -> list[str]:
        """Those of ``keys`` that are the word guard's phrases."""
        return [k for (k,) in self._db.select_in("SELECT k FROM phrases WHERE k IN ({})", keys)]

    def entries(self, keys: list[str]) -> dict[str, list[tuple[str, str]]]:
        """dictionary file -> [(key, values)] for those of ``keys`` that are entries."""
        out: dict[str, list[tuple[str, str]]] = {name: [] for name in self.scoped}
        for key, name, values in self._db.select_in(
            "SELECT k, d, v FROM entries WHERE k IN ({})", keys
        ):
            out[name].append((key, values))
        return out


@functools.cache
def _index(config: str) -> _Index | None:
    """None where there is nothing to scope: the reimplemented binding (no dictionary
    folder) or unreadable dictionaries; the full converter and phrase index serve then."""
    share = _share_dir()
    if share is None:
        return None
    try:
        return _Index(config, share)
    except Exception as exc:  # noqa: BLE001 - unreadable dictionaries: the full converter
        log.debug("no scoped OpenCC for %s: %s", config, exc)
        return None


def _build(config: str, scope: _Scope) -> _Converter | None:
    index = _index(config)
    if index is None or not index.scoped:
        return None
    text, normalizing = scope.text, index.normalizing
    chars = set(text)
    if any((key in chars) if len(key) == 1 else (key in text) for key in normalizing):
        return None  # normalization rewrites the text before lookup: the full dictionaries
    try:
        entries = index.entries(scope.found(config, index))
    except Exception as exc:  # noqa: BLE001 - a damaged index: the full converter
        log.debug("no scoped OpenCC for %s: %s", config, exc)
        return None
    try:
        return _load(config, index, entries)
    except OSError as exc:  # no writable temporary folder: the full converter
        log.debug("no scoped OpenCC for %s: %s", config, exc)
        return None


def _load(
    config: str, index: _Index, entries: dict[str, list[tuple[str, str]]]
) -> _Converter | None:
    """OpenCC from a copy of ``index``'s config whose first-pass dictionaries are ``entries``."""
    with tempfile.TemporaryDirectory(prefix="exporter-opencc-") as tmp:
        folder = Path(tmp)
        for name, rows in entries.items():
            lines = "".join(f"{key}\t{values}\n" for key, values in sorted(rows))
            (folder / f"{name}.txt").write_text(lines, encoding="utf-8")
        spec = json.loads(json.dumps(index.spec))
        first_pass = {id(node) for tree in _first_pass(spec) for node in _dict_nodes(tree)}
        every = [spec.get("segmentation", {}).get("dict", {})]
        every += [step["dict"] for step in spec.get("conversion_chain", [])]
        every += [step["dict"] for step in spec.get("normalization", [])]
        for node in (n for tree in every for n in _dict_nodes(tree)):
            if id(node) in first_pass and node["file"] in entries:
                node.update(type="text", file=str(folder / f"{node['file']}.txt"))
            else:
                node["file"] = str(index.share / node["file"])
        config_file = folder / f"{config}.json"
        config_file.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        try:
            converter: _Converter = _opencc_module().OpenCC(str(config_file))
        except Exception as exc:  # noqa: BLE001 - e.g. a binding without text dictionaries
            log.debug("no scoped OpenCC for %s: %s", config, exc)
            return None
    return converter
