"""The corrections dictionary: parse, load (packaged + user file), digest and find."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from .matching import find_longest
from .opencc_data import _CLAUSE_BREAK, DATA_DIR, _converter
from .profiles import resolve_profile

PACKAGED_CORRECTIONS = DATA_DIR / "corrections.tsv"


@dataclass(frozen=True)
class Correction:
    source: str  # as the input has it
    target: str  # what the output must read; adapted to the config's forms
    configs: frozenset[str] | None  # None: every Simplified -> Traditional config (s2*)
    # Profiles the entry was scoped to by name (zh-MO, …): it applies to those editions only
    # (zh-MO inherits zh-HK), even where another edition shares the OpenCC config.
    editions: frozenset[str] = frozenset()
    # The configs named as such (s2hk, *): these apply to every edition using them.
    named_configs: frozenset[str] = frozenset()


def parse_corrections(text: str, origin: str) -> list[Correction]:
    """Parse ``source<TAB>target[<TAB>configs]`` lines; lines starting with # are comments.

    ``configs``: comma-separated OpenCC configs (s2hk, t2s, …) or profile names (zh-HK
    means its config from Simplified); ``*`` means every config.
    """
    out: list[Correction] = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = [f.strip() for f in line.split("\t")]
        if not fields[0] or fields[0].startswith("#"):
            continue
        if fields[-1].startswith("#"):
            fields.pop()
        where = f"{origin}:{number}"
        if len(fields) not in (2, 3) or not fields[1]:
            raise InputError(f"{where}: expected 'source<TAB>target[<TAB>configs]', got {line!r}")
        if _CLAUSE_BREAK.search(fields[0]):
            raise InputError(f"{where}: {fields[0]!r} holds punctuation; give a phrase without")
        scope: set[str] | None = None
        editions: set[str] = set()
        named: set[str] = set()
        if len(fields) == 3:
            scope = set()
            for token in filter(None, (t.strip() for t in fields[2].split(","))):
                if token == "*" or re.fullmatch(r"[a-z]+2[a-z]+", token):
                    scope.add(token)
                    named.add(token)
                else:
                    profile = resolve_profile(token)
                    editions.add(profile.name)
                    scope.add(profile.s2 or "t2s")
                    scope.update(() if profile.s2 else ("hk2s", "tw2s"))
        configs = None if scope is None else frozenset(scope)
        out.append(Correction(fields[0], fields[1], configs, frozenset(editions), frozenset(named)))
    return out


def edition_chain(edition: str) -> tuple[str, ...]:
    """The editions whose scoped entries an edition takes, general first: Macau inherits Hong
    Kong's and then overrides them."""
    return ("zh-HK", "zh-MO") if edition == "zh-MO" else (edition,)


def _applies(entry: Correction, configs: Sequence[str], edition: str | None) -> bool:
    if entry.configs is None:
        return configs[0].startswith("s2")
    if "*" in entry.named_configs or not entry.named_configs.isdisjoint(configs):
        return True
    if entry.configs.isdisjoint(configs):
        return False
    return edition is None or not entry.editions.isdisjoint(edition_chain(edition))


@functools.cache
def _packaged_corrections() -> tuple[Correction, ...]:
    return tuple(parse_corrections(PACKAGED_CORRECTIONS.read_text("utf-8"), "corrections.tsv"))


def read_user_file(path: Path, what: str) -> str:
    """A user's TSV (UTF-8, a BOM allowed); unreadable is bad input naming ``what`` it is."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the {what} file ({exc})") from None


def _user_corrections(path: Path) -> list[Correction]:
    return parse_corrections(read_user_file(path, "corrections"), str(path))


_FORMS_STAGE = {"s2hk": "t2hk", "s2hkp": "t2hk", "t2hk": "t2hk"}
_FORMS_STAGE.update({"s2tw": "t2tw", "s2twp": "t2tw", "t2tw": "t2tw"})


def corrections_for(
    configs: Sequence[str], user_corrections: Path | None = None, edition: str | None = None
) -> tuple[tuple[str, str], ...]:
    """The (source, target) pairs for this config chain and edition; a user entry replaces
    ours, and a Macau entry a Hong Kong one. ``edition=None``: by config only."""
    if not configs:
        return ()
    chosen: dict[str, str] = {}
    files = [list(_packaged_corrections())]
    files += [_user_corrections(user_corrections)] if user_corrections else []
    for entries in files:
        # The narrower scope wins: entries for zh-MO alone come after the others.
        for entry in sorted(entries, key=lambda e: e.editions == {"zh-MO"}):
            if _applies(entry, configs, edition):
                chosen[entry.source] = entry.target
    stage = _FORMS_STAGE.get(configs[-1])
    if stage:  # write a target once, get Hong Kong or Taiwan forms as the config needs
        chosen = {k: _converter(stage).convert(v) for k, v in chosen.items()}
    return tuple(sorted(chosen.items()))


def corrections_digest(pairs: Iterable[tuple[str, str]]) -> str:
    data = "\n".join(f"{s}\t{t}" for s, t in pairs).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:12]


def _find_corrections(src: str, pairs: Sequence[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Leftmost-longest, non-overlapping occurrences of the sources: (start, end, target).

    One pass of an Aho–Corasick automaton, whatever the number of entries.
    """
    return [(s, e, pairs[k][1]) for k, s, e in find_longest(src, pairs)]
