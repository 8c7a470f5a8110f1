"""Hong Kong and Macau vocabulary: mainland words that formal local writing words differently.

The lexicon is ``exporter/data/vocabulary_hk.tsv`` (source, target, editions, rationale)
plus an optional user file of the same format. An entry scoped to zh-HK also serves zh-MO;
one scoped to zh-MO serves Macau alone and overrides a Hong Kong entry for the same word.
Words are found with one Aho–Corasick pass over the Simplified source and replaced only
where jieba puts word boundaries at both ends (出租车 in 出租车司机, not in 出租车辆).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from .corrections import edition_chain, read_user_file
from .matching import find_longest
from .opencc_data import _CLAUSE_BREAK, DATA_DIR, _converter
from .profiles import resolve_profile

PACKAGED_VOCABULARY = DATA_DIR / "vocabulary_hk.tsv"
# Editions that get the packaged vocabulary by default.
VOCABULARY_EDITIONS = ("zh-HK", "zh-MO")
# A target that keeps the characters-only conversion (guards a longer word).
KEEP = "="


@dataclass(frozen=True)
class VocabularyEntry:
    source: str  # the mainland word, Simplified
    target: str  # the local word, in Hong Kong forms
    editions: frozenset[str]
    note: str = ""


def parse_vocabulary(text: str, origin: str) -> list[VocabularyEntry]:
    """Parse ``source<TAB>target[<TAB>editions[<TAB>rationale]]``; # starts a comment line.

    A target of ``=`` keeps the characters-only conversion (it guards a longer word).
    """
    out: list[VocabularyEntry] = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = [f.strip() for f in line.split("\t")]
        if not fields[0] or fields[0].startswith("#"):
            continue
        where = f"{origin}:{number}"
        if not 2 <= len(fields) <= 4 or not fields[1]:
            raise InputError(
                f"{where}: expected 'source<TAB>target[<TAB>editions[<TAB>rationale]]', "
                f"got {line!r}"
            )
        if _CLAUSE_BREAK.search(fields[0]):
            raise InputError(f"{where}: {fields[0]!r} holds punctuation; give a word without")
        tokens = [t.strip() for t in (fields[2] if len(fields) > 2 else "").split(",")]
        editions = frozenset(resolve_profile(t).name for t in tokens if t) or frozenset({"zh-HK"})
        note = fields[3] if len(fields) > 3 else ""
        out.append(VocabularyEntry(fields[0], fields[1], editions, note))
    return out


@functools.cache
def _packaged() -> tuple[VocabularyEntry, ...]:
    text = PACKAGED_VOCABULARY.read_text("utf-8")
    return tuple(parse_vocabulary(text, PACKAGED_VOCABULARY.name))


def _user(path: Path) -> list[VocabularyEntry]:
    return parse_vocabulary(read_user_file(path, "vocabulary"), str(path))


def vocabulary_for(
    edition: str, user_vocabulary: Path | None = None, *, packaged: bool = True
) -> tuple[tuple[str, str], ...]:
    """The (source, target) pairs for an edition: Hong Kong's, then Macau's, then the user's.

    ``packaged=False`` leaves out our lexicon (the user's file still applies).
    """
    chain = edition_chain(resolve_profile(edition).name)
    files = [list(_packaged())] if packaged else []
    files += [_user(user_vocabulary)] if user_vocabulary else []
    chosen: dict[str, str] = {}
    for entries in files:
        for scope in chain:  # general first, so the narrower edition overrides
            for entry in entries:
                if scope in entry.editions:
                    chosen[entry.source] = entry.target
    forms = resolve_profile(edition).forms
    if forms:  # a target written in any Traditional form comes out in the edition's
        stage = _converter(f"t2{forms}")
        chosen = {k: v if v == KEEP else stage.convert(v) for k, v in chosen.items()}
    return tuple(sorted(chosen.items()))


def vocabulary_digest(pairs: Iterable[tuple[str, str]]) -> str:
    data = "\n".join(f"{s}\t{t}" for s, t in pairs).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:12]


def find_vocabulary(src: str, pairs: Sequence[tuple[str, str]]) -> list[tuple[int, int, str, str]]:
    """Leftmost-longest occurrences of the entries' sources: (start, end, source, target).

    The caller keeps those on word boundaries (``guard.WordBounds.is_word``).
    """
    return [(s, e, pairs[k][0], pairs[k][1]) for k, s, e in find_longest(src, pairs)]
