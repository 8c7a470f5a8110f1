"""Glossary enforcement: shield terms from the model, then put the glossary's target back.

A glossary is a UTF-8 file of ``source<TAB>target`` lines (``#`` starts a comment). Before
translation each term is replaced by a placeholder made of Latin letters, which SentencePiece
keeps as plain pieces and translation models copy through; after translation the placeholder
is replaced by the target, exactly as the glossary spells it. When a model drops or mangles a
placeholder, the pipeline retries with the target written inline (models copy Latin names
inside Chinese text) and otherwise reports the term as failed for that sentence.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from exporter.errors import InputError

log = logging.getLogger("exporter.translate")

STARTER_GLOSSARY = Path(__file__).resolve().parent.parent / "data" / "glossary_zh_en.tsv"

PLACEHOLDER = "placeholder"  # term → ZXQA, ZXQB, … restored after translation
INLINE = "inline"  # term → its target, checked and normalised after translation
NONE = "none"  # term left to the model, only checked

_STEM = "ZXQ"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Glossary:
    entries: tuple[tuple[str, str], ...]
    path: Path | None = None
    version: str = ""
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_entries(cls, entries: dict[str, str], path: Path | None = None) -> Glossary:
        items = tuple(sorted(entries.items()))
        digest = hashlib.sha256("".join(f"{s}\t{t}\n" for s, t in items).encode("utf-8"))
        # Longest first: Python's alternation takes the first branch that matches, so this
        # gives leftmost-longest matching (广州开发区 before 开发区).
        terms = sorted((s for s, _ in items), key=lambda s: (-len(s), s))
        pattern = re.compile("|".join(map(re.escape, terms))) if terms else None
        return cls(items, path, digest.hexdigest()[:12], pattern)

    @classmethod
    def load(cls, path: Path) -> Glossary:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputError(f"Glossary {path} not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"Glossary {path} is unreadable (UTF-8 expected): {exc}") from None
        entries: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            source, tab, target = line.partition("\t")
            source, target = source.strip(), target.strip()
            if not tab or not source or not target:
                raise InputError(
                    f"{path}:{number}: expected 'source<TAB>target', got {line.strip()!r}"
                )
            if source in entries and entries[source] != target:
                log.warning("%s:%d: %s listed twice; using %r", path, number, source, target)
            entries[source] = target
        return cls.from_entries(entries, Path(path))

    @property
    def targets(self) -> dict[str, str]:
        return dict(self.entries)

    def find(self, text: str) -> list[str]:
        """Terms occurring in ``text``, in order of first occurrence."""
        if self._pattern is None:
            return []
        return list(dict.fromkeys(m.group() for m in self._pattern.finditer(text)))


@dataclass(frozen=True)
class Slot:
    source: str
    target: str
    token: str


@dataclass(frozen=True)
class Shielded:
    text: str  # what the model sees
    slots: tuple[Slot, ...]
    mode: str


@dataclass(frozen=True)
class Restored:
    text: str
    applied: tuple[str, ...]
    failed: tuple[str, ...]


def _token(index: int) -> str:
    if index < len(_LETTERS):
        return _STEM + _LETTERS[index]
    return _STEM + _LETTERS[index // len(_LETTERS) - 1] + _LETTERS[index % len(_LETTERS)]


def _flexible(text: str, *, letters: bool) -> re.Pattern[str]:
    """Match ``text`` allowing the spacing/case changes a model makes when copying it."""
    if letters:  # ZXQA may come back as "ZXQ A", "zxqa", "Zxq-A"
        body = r"[\s\-]?".join(map(re.escape, text))
    else:  # "High-tech Zone" may come back as "high - tech zone"
        words = [re.escape(w) for w in re.split(r"[\s\-]+", text) if w]
        body = r"\s*[\s\-]\s*".join(words) if words else re.escape(text)
    return re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])", re.IGNORECASE)


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def shield(sentence: str, glossary: Glossary | None, mode: str = PLACEHOLDER) -> Shielded:
    """Replace glossary terms in ``sentence`` according to ``mode``."""
    if glossary is None or glossary._pattern is None:
        return Shielded(sentence, (), NONE)
    terms = glossary.find(sentence)
    if not terms:
        return Shielded(sentence, (), NONE)
    if mode == PLACEHOLDER and _STEM.lower() in sentence.lower():
        mode = INLINE  # the source itself contains our placeholder stem
    targets = glossary.targets
    slots = tuple(Slot(term, targets[term], _token(i)) for i, term in enumerate(terms))
    if mode == NONE:
        return Shielded(sentence, slots, NONE)
    by_term = {slot.source: slot for slot in slots}
    pattern = glossary._pattern
    assert pattern is not None

    def replace(match: re.Match[str]) -> str:
        slot = by_term[match.group()]
        # Spaces keep each replacement a word of its own, even next to another one.
        return " " + (slot.token if mode == PLACEHOLDER else slot.target) + " "

    text = re.sub(r" {2,}", " ", pattern.sub(replace, sentence)).strip()
    return Shielded(text, slots, mode)


def restore(output: str, shielded: Shielded) -> Restored:
    """Put each slot's target into ``output``; report which terms made it through."""
    text = output
    applied: list[str] = []
    failed: list[str] = []
    for slot in shielded.slots:
        if shielded.mode == PLACEHOLDER:
            pattern = _flexible(slot.token, letters=True)
        else:
            pattern = _flexible(slot.target, letters=False)
        # A function replacement: the target is literal text, not a regex template.
        text, count = pattern.subn(_literal(slot.target), text)
        (applied if count else failed).append(slot.source)
    if shielded.slots:
        text = re.sub(r"[ \t]{2,}", " ", text).strip()
    return Restored(text, tuple(applied), tuple(failed))


def has_leftovers(text: str) -> bool:
    """A placeholder the model mangled beyond recognition (e.g. ``ZXQ`` alone) is garbage."""
    return _STEM.lower() in text.lower()
