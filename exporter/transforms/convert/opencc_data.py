"""OpenCC: loading the binding, reading its dictionaries, replaying its phrase matching."""

from __future__ import annotations

import functools
import json
import logging
import re
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ...errors import MissingDependencyError, raise_if_interrupted

log = logging.getLogger("exporter.convert")

DATA_DIR = Path(__file__).resolve().parents[2] / "data"  # exporter/data
# OpenCC 1.4.2's one-to-many characters, for the review when the installed OpenCC's
# dictionaries cannot be read (the review then cannot tell phrase matches apart).
FALLBACK_ONE_TO_MANY = DATA_DIR / "opencc_one_to_many.tsv"

# No OpenCC dictionary key or value contains these ('·' and '-' do occur), so OpenCC's
# matching never crosses them and text cut there converts exactly as a whole.
_CLAUSE_BREAK = re.compile(r"[。！？；，、：\n\u2029!?;,:（）()「」『』“”]")
_JOIN = "\u2029"  # joins a document's texts for one OpenCC call


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


def _opencc_module() -> Any:
    try:
        import opencc
    except ImportError as exc:
        raise_if_interrupted(exc)
        raise MissingDependencyError(
            "Chinese script conversion needs OpenCC: pip install opencc "
            "(opencc-python-reimplemented works too, with older dictionaries)"
        ) from None
    return opencc


@functools.cache
def _converter(config: str) -> _Converter:
    # Both bindings take the bare name; the reimplemented one appends ".json" itself.
    try:
        converter: _Converter = _opencc_module().OpenCC(config)
    except MissingDependencyError:
        raise
    except Exception as exc:
        raise_if_interrupted(exc)
        raise MissingDependencyError(
            f"the installed OpenCC has no usable {config!r} conversion ({exc}); "
            "install the official binding: pip install -U opencc"
        ) from None
    return converter


def _run_chain(configs: Sequence[str], text: str) -> str:
    from .scoped import scoped_converter

    for step, config in enumerate(configs):
        # The first step reads the text itself: inside an opencc_scope, OpenCC loaded with
        # only the entries that text uses (scoped.py); later steps read converted text.
        scoped = scoped_converter(config, text) if step == 0 else None
        text = (scoped or _converter(config)).convert(text)
    return text


@functools.cache
def opencc_version() -> str:
    """Which OpenCC implementation and version converts, for provenance."""
    opencc = _opencc_module()
    if (Path(opencc.__file__).parent / "clib").is_dir() and getattr(opencc, "__version__", None):
        # The official binding reports its version itself; importlib.metadata would cost
        # every cold run ~20 ms.
        return f"opencc {opencc.__version__}"
    from importlib import metadata

    for dist in ("opencc", "opencc-python-reimplemented"):
        try:
            return f"{dist} {metadata.version(dist)}"
        except metadata.PackageNotFoundError:
            continue
    return f"opencc {getattr(opencc, '__version__', 'unknown')}"


def _data_dirs() -> list[Path]:
    root = Path(_opencc_module().__file__).resolve().parent
    # official wheel: clib/share/opencc; opencc-python-reimplemented: config/ + dictionary/
    return [root / "clib" / "share" / "opencc", root / "config", root / "dictionary"]


def _dict_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The dictionary nodes (those naming a "file") of a config's dictionary tree."""
    if node.get("type") == "group":
        for sub in node.get("dicts", []):
            yield from _dict_nodes(sub)
    elif "file" in node:
        yield node


def _dict_files(node: dict[str, Any]) -> list[str]:
    return [leaf["file"] for leaf in _dict_nodes(node)]


def _parse_dictionary(text: str) -> dict[str, tuple[str, ...]]:
    entries: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        key, _, values = line.partition("\t")
        if key and values and not key.startswith("#"):
            entries[key] = tuple(values.split(" "))
    return entries


@functools.cache
def _read_dictionary(name: str) -> dict[str, tuple[str, ...]]:
    """One OpenCC dictionary: a text file, or ``.ocd2`` dumped with OpenCC's own tool."""
    stem = Path(name).stem
    for directory in _data_dirs():
        if (directory / f"{stem}.txt").is_file():
            return _parse_dictionary((directory / f"{stem}.txt").read_text(encoding="utf-8"))
    tool = Path(_opencc_module().__file__).resolve().parent / "clib" / "bin" / "opencc_dict"
    for directory in _data_dirs():
        if (directory / f"{stem}.ocd2").is_file() and tool.is_file():
            with tempfile.TemporaryDirectory(prefix="exporter-opencc-") as tmp:
                out = Path(tmp) / f"{stem}.txt"
                args = ["-i", str(directory / f"{stem}.ocd2"), "-o", str(out), "-f", "ocd2"]
                subprocess.run([str(tool), *args, "-t", "text"], check=True, capture_output=True)
                return _parse_dictionary(out.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"{stem}.ocd2 / {stem}.txt")


@dataclass(frozen=True)
class _PhraseIndex:
    """OpenCC's segmentation dictionary, to replay its forward maximum matching.

    ``whole`` is False for an index holding only the phrases that occur in one text
    (scoped.py): lookups inside that text find what the whole index finds there."""

    keys: frozenset[str]
    prefixes: frozenset[str]
    whole: bool = True

    @classmethod
    def of(cls, keys: frozenset[str], *, whole: bool = True) -> _PhraseIndex:
        return cls(keys, frozenset(k[:n] for k in keys for n in range(1, len(k))), whole)


@functools.cache
def data_stamp() -> str:
    """What OpenCC's derived data depends on: its version and its dictionary files."""
    from ...diskcache import files_stamp

    # The binding's own files stand for its version (importlib.metadata costs a cold run
    # ~20 ms); the dictionaries are what the data is derived from.
    binding = Path(_opencc_module().__file__).resolve().parent
    files = [f for d in [binding, *_data_dirs()] if d.is_dir() for f in d.iterdir()]
    return files_stamp(files)


@functools.cache
def _config_data(config: str) -> tuple[_PhraseIndex, dict[str, tuple[str, ...]]] | None:
    """The phrase index and the one-to-many characters of a config; None if unreadable.

    Derived once per installed OpenCC and kept in the user's cache (exporter.diskcache).
    """
    from ...diskcache import load_or_build

    try:
        data = load_or_build(
            "opencc-config", f"{config}|{data_stamp()}", lambda: _derive_config_data(config)
        )
    except _UnreadableDictionaries as exc:  # not cached: said on every run until mended
        log.info("OpenCC dictionaries for %s unreadable (%s): no guard, rough review", config, exc)
        return None
    if data is None:  # nothing one-to-many to guard (t2hk only swaps variants)
        return None
    keys, prefixes, multi = data
    return _PhraseIndex(keys, prefixes), multi


@functools.cache
def script_characters() -> tuple[frozenset[str], frozenset[str]] | None:
    """The characters s2t changes and those t2s changes (OpenCC's STCharacters and
    TSCharacters, first candidates), for telling scripts apart; None if unreadable."""
    from ...diskcache import load_or_build

    def derive() -> tuple[frozenset[str], frozenset[str]]:
        tables = [_read_dictionary(name) for name in ("STCharacters", "TSCharacters")]
        return tuple(  # type: ignore[return-value]
            frozenset(k for k, v in table.items() if len(k) == 1 and v[0] != k) for table in tables
        )

    try:  # a failure is not cached: the next run tries again
        return load_or_build("opencc-script-chars", data_stamp(), derive)
    except (OSError, subprocess.CalledProcessError, MissingDependencyError):
        return None


class _UnreadableDictionaries(Exception):
    """OpenCC's files for a config could not be read (a failure, so never cached)."""


def _derive_config_data(
    config: str,
) -> tuple[frozenset[str], frozenset[str], dict[str, tuple[str, ...]]] | None:
    names = ("STCharacters", "TSCharacters")
    try:
        path = next(d / f"{config}.json" for d in _data_dirs() if (d / f"{config}.json").is_file())
        spec = json.loads(path.read_text(encoding="utf-8"))
        steps = [_dict_files(step["dict"]) for step in spec.get("conversion_chain", [])]
        step = next((s for s in steps if any(Path(f).stem in names for f in s)), None)
        if step is None:
            return None
        table = _read_dictionary(next(f for f in step if Path(f).stem in names))
        # Without a segmentation entry OpenCC matches with the conversion step's phrases.
        segmenting = _dict_files(spec.get("segmentation", {}).get("dict", {}))
        entries: dict[str, tuple[str, ...]] = {}
        for name in segmenting or [f for f in step if "Characters" not in f]:
            entries.update(_read_dictionary(name))
    except StopIteration:
        raise _UnreadableDictionaries(f"no {config}.json") from None
    except (OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
        raise _UnreadableDictionaries(str(exc) or type(exc).__name__) from exc
    phrases = frozenset(k for k in entries if len(k) > 1)
    multi = _live_readings(table, {k: entries[k][0] for k in phrases})
    index = _PhraseIndex.of(phrases)
    return phrases, index.prefixes, multi


def _live_readings(
    table: dict[str, tuple[str, ...]], phrases: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """One-to-many characters whose other readings OpenCC's phrases really use.

    STCharacters also lists rare variants (广 -> 廣/广, 家 -> 家/傢); a reading counts when
    at least 20 phrases per 50,000 pick it, which keeps 干/乾/幹, 出/齣, 钟/鐘/鍾, ….
    """
    multi = {k: v for k, v in table.items() if len(k) == 1 and len(v) > 1}
    seen: dict[tuple[str, str], int] = {}
    for key, value in phrases.items():
        if len(key) == len(value):
            for a, b in zip(key, value, strict=True):
                if a in multi:
                    seen[a, b] = seen.get((a, b), 0) + 1
    need = max(1, round(20 * len(phrases) / 50_000))
    return {c: v for c, v in multi.items() if any(seen.get((c, r), 0) >= need for r in v[1:])}


def phrase_ends(text: str, start: int, index: _PhraseIndex) -> Iterator[int]:
    """Ends of the dictionary phrases that start at ``start`` in ``text``, shortest first."""
    keys, prefixes = index.keys, index.prefixes
    end, n = start + 1, len(text)
    while end < n and text[start:end] in prefixes:
        end += 1
        if text[start:end] in keys:
            yield end


def _phrase_segments(text: str, index: _PhraseIndex) -> Iterator[tuple[int, int]]:
    """Multi-character segments of OpenCC's forward maximum matching (singles omitted)."""
    i, n = 0, len(text)
    while i < n:
        best = max(phrase_ends(text, i, index), default=0)
        if best:
            yield i, best
            i = best
        else:
            i += 1


def _pieces(src: str, out: str) -> Iterator[tuple[int, int, int, int]]:
    """Matching clause spans of a text and its conversion (OpenCC keeps punctuation)."""
    cuts_s = [m.end() for m in _CLAUSE_BREAK.finditer(src)]
    cuts_o = [m.end() for m in _CLAUSE_BREAK.finditer(out)]
    if len(cuts_s) != len(cuts_o):
        cuts_s, cuts_o = [], []
    yield from zip(
        [0, *cuts_s], [*cuts_s, len(src)], [0, *cuts_o], [*cuts_o, len(out)], strict=True
    )
