"""Multi-pattern matching with an Aho–Corasick automaton (ahocorasick-rs): one pass per text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...errors import MissingDependencyError


def _module() -> Any:
    try:
        import ahocorasick_rs
    except ImportError:
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
