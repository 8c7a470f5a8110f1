"""Multi-pattern matching with an Aho–Corasick automaton (ahocorasick-rs): one pass per text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...errors import MissingDependencyError, raise_if_interrupted


def _module() -> Any:
    try:
        import ahocorasick_rs
    except ImportError as exc:
        raise_if_interrupted(exc)
        raise MissingDependencyError(
            "Chinese conversion needs ahocorasick-rs for its dictionaries: pip install ahocorasick-rs"
        ) from None
    return ahocorasick_rs


# Automatons by the identity of the sequence they were built from: the callers pass the
# same tuple (a plan's pairs, a config's keys) for every clause, and hashing a tuple of
# 50,000 keys per call would cost more than the search.
_CACHE: dict[tuple[int, bool], tuple[Sequence[Any], Any]] = {}


def _automaton(entries: Sequence[Any], overlapping: bool) -> Any:
    """An automaton over ``entries``: strings, or pairs whose first item is the key."""
    cached = _CACHE.get((id(entries), overlapping))
    if cached and cached[0] is entries:
        return cached[1]
    ac = _module()
    keys = [e if isinstance(e, str) else e[0] for e in entries]
    kind = ac.MatchKind.Standard if overlapping else ac.MatchKind.LeftmostLongest
    automaton = ac.AhoCorasick(keys, matchkind=kind, implementation=ac.Implementation.ContiguousNFA)
    if len(_CACHE) >= 64:
        _CACHE.clear()
    _CACHE[id(entries), overlapping] = (entries, automaton)
    return automaton


def find_longest(text: str, entries: Sequence[Any]) -> list[tuple[int, int, int]]:
    """Leftmost-longest, non-overlapping occurrences: (entry index, start, end) in characters.

    ``entries``: keys, or (key, value) pairs; pass the same sequence object each time.
    """
    if not entries or not text:
        return []
    found: list[tuple[int, int, int]] = _automaton(entries, False).find_matches_as_indexes(text)
    return found


def find_all(text: str, entries: Sequence[Any]) -> list[tuple[int, int, int]]:
    """Every occurrence, overlapping ones too: (entry index, start, end), by end position."""
    if not entries or not text:
        return []
    found: list[tuple[int, int, int]] = _automaton(entries, True).find_matches_as_indexes(
        text, overlapping=True
    )
    return found


# Below this many characters, find_groups walks the text through a set of the keys'
# prefixes (~1 µs a character) instead of building an automaton over ~10,000 keys (~35 ms,
# a tenth of a cold zh-HK build); above it the automaton's pass pays for its build.
WALK_MAX_CHARS = 30_000


class _Groups:
    """The keys of a combination of groups: who owns each key, and (built when first needed)
    the set of the keys' prefixes or the automaton."""

    def __init__(self, groups: Sequence[Sequence[Any]]) -> None:
        self.groups = tuple(groups)
        owners: dict[str, list[tuple[int, int]]] = {}
        for g, entries in enumerate(groups):
            for i, entry in enumerate(entries):
                owners.setdefault(entry if isinstance(entry, str) else entry[0], []).append((g, i))
        self.owners = owners
        self._stems: frozenset[str] | None = None
        self._automaton: Any = None

    def stems(self) -> frozenset[str]:
        if self._stems is None:
            self._stems = frozenset(k[:n] for k in self.owners for n in range(1, len(k) + 1))
        return self._stems

    def automaton(self) -> tuple[Any, list[list[tuple[int, int]]]]:
        if self._automaton is None:
            ac = _module()
            self._automaton = ac.AhoCorasick(
                list(self.owners), implementation=ac.Implementation.ContiguousNFA
            )
        return self._automaton, list(self.owners.values())


_GROUPS: dict[tuple[int, ...], _Groups] = {}


def find_groups(text: str, groups: Sequence[Sequence[Any]]) -> list[list[tuple[int, int, int]]]:
    """Every occurrence of every group's keys: per group, (index, start, end), by end, then
    start (the automaton's order).

    The groups (strings, or pairs keyed by their first item) are indexed together, once per
    combination of sequence objects; a key in several groups is reported in each.
    """
    out: list[list[tuple[int, int, int]]] = [[] for _ in groups]
    if not text or not any(groups):
        return out
    ident = tuple(id(g) for g in groups)
    cached = _GROUPS.get(ident)
    if not cached or any(a is not b for a, b in zip(cached.groups, groups, strict=True)):
        if len(_GROUPS) >= 16:
            _GROUPS.clear()
        cached = _GROUPS[ident] = _Groups(groups)
    if len(text) <= WALK_MAX_CHARS:
        for s, e, owners in _walk(text, cached.stems(), cached.owners):
            for g, i in owners:
                out[g].append((i, s, e))
        return out
    automaton, by_key = cached.automaton()
    for k, s, e in automaton.find_matches_as_indexes(text, overlapping=True):
        for g, i in by_key[k]:
            out[g].append((i, s, e))
    return out


def _walk(
    text: str, stems: frozenset[str], owners: dict[str, list[tuple[int, int]]]
) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """(start, end, owners) of every key occurring in ``text``, by end, then start."""
    hits = []
    n = len(text)
    for start in range(n):
        end = start + 1
        while end <= n:
            piece = text[start:end]
            if piece not in stems:
                break
            if piece in owners:
                hits.append((start, end, owners[piece]))
            end += 1
    hits.sort(key=lambda hit: (hit[1], hit[0]))
    return hits


def leftmost_longest(matches: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Of overlapping matches (index, start, end): the leftmost-longest, non-overlapping ones."""
    found: list[tuple[int, int, int]] = []
    for k, s, e in sorted(matches, key=lambda m: (m[1], -m[2])):
        if not found or s >= found[-1][2]:
            found.append((k, s, e))
    return found
