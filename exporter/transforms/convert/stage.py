"""The conversion itself: text (chunked, optionally in a pool) and the Document stage."""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from ...model import Document, map_text
from .corrections import _find_corrections, corrections_digest, corrections_for
from .guard import _guard_edits, _jieba
from .opencc_data import _JOIN, _config_data, _PhraseIndex, _pieces, _run_chain, opencc_version
from .profiles import Profile, detect_script, resolve_profile
from .review import ReviewItem, _review_texts

log = logging.getLogger("exporter.convert")

# Sentence ends are clause breaks too (opencc_data._CLAUSE_BREAK): a cut there is exact.
_SENTENCE_END = re.compile(r"[。！？!?\n\u2029]")

CHUNK_CHARS = 1 << 20  # bounds the memory OpenCC needs per call
PARALLEL_MIN_CHARS = 200_000  # below this a pool costs more (start-up, pickling) than it saves
GUARD_AUTO_MAX_CHARS = 200_000  # the guard costs ~2.5 µs/char; beyond this it is opt-in


# --- Conversion core ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    configs: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]
    guard: bool


def _fix(src: str, out: str, plan: _Plan, index: _PhraseIndex | None) -> str:
    """Apply the guard and the corrections to a source and its conversion."""
    fixes = _find_corrections(src, plan.corrections)
    if len(src) != len(out):  # cannot align: convert around each correction instead
        if not fixes:
            return out
        parts, pos = [], 0
        for s, e, target in fixes:
            parts += [_run_chain(plan.configs, src[pos:s]), target]
            pos = e
        return "".join([*parts, _run_chain(plan.configs, src[pos:])])
    edits = _guard_edits(src, out, plan.configs, index) if plan.guard and index else []
    # A correction has the last word over a guard edit it overlaps.
    edits = [ed for ed in edits if not any(ed[0] < e and s < ed[1] for s, e, _ in fixes)]
    parts, pos = [], 0
    for s, e, new in sorted(edits + fixes):
        parts += [out[pos:s], new]
        pos = e
    return "".join([*parts, out[pos:]])


def _convert_chunk(text: str, plan: _Plan) -> str:
    out = _run_chain(plan.configs, text)
    if not plan.corrections and not plan.guard:
        return out
    data = _config_data(plan.configs[0]) if plan.guard else None
    index = data[0] if data else None
    if len(out) == len(text):
        return _fix(text, out, plan, index)
    # Lengths changed (s2twp phrases): align clause by clause.
    return "".join(_fix(text[a:b], out[c:d], plan, index) for a, b, c, d in _pieces(text, out))


def _chunks(text: str, size: int) -> Iterator[str]:
    """Pieces of about ``size`` characters cut after sentence ends (exact for OpenCC)."""
    start = 0
    while start < len(text):
        m = _SENTENCE_END.search(text, start + size)
        stop = m.end() if m else len(text)
        yield text[start:stop]
        start = stop


_POOL: tuple[int, ProcessPoolExecutor] | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None or _POOL[0] != workers:
        shutdown_pool()
        import multiprocessing

        # fork: the workers inherit the dictionaries already loaded instead of reloading.
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
        _POOL = (workers, ProcessPoolExecutor(max_workers=workers, mp_context=context))
    return _POOL[1]


def shutdown_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown()
        _POOL = None


def _run_plan(text: str, plan: _Plan, workers: int) -> str:
    if not plan.configs or not text:
        return text
    if workers > 1 and len(text) >= PARALLEL_MIN_CHARS:
        _convert_chunk(text[:1000], plan)  # load the dictionaries before forking
        if plan.guard:
            _jieba()
        chunks = list(_chunks(text, len(text) // (workers * 2) + 1))
        return "".join(_pool(workers).map(_convert_chunk, chunks, [plan] * len(chunks)))
    return "".join(_convert_chunk(chunk, plan) for chunk in _chunks(text, CHUNK_CHARS))


def _make_plan(configs: tuple[str, ...], pairs: tuple[tuple[str, str], ...], guard: bool) -> _Plan:
    has_jieba = importlib.util.find_spec("jieba") is not None
    guard = guard and bool(configs) and configs[0].startswith("s2") and has_jieba
    return _Plan(configs, pairs, guard)


def convert_text(
    text: str,
    configs: str | Sequence[str],
    *,
    corrections: Sequence[tuple[str, str]] | None = None,
    word_guard: bool = False,
    workers: int = 1,
) -> str:
    """Convert with an OpenCC config (or chain), then the guard and the corrections.

    ``corrections=None`` uses the packaged ones; ``()`` gives plain OpenCC output.
    """
    chain = (configs,) if isinstance(configs, str) else tuple(configs)
    pairs = corrections_for(chain) if corrections is None else tuple(corrections)
    return _run_plan(text, _make_plan(chain, pairs, word_guard), workers)


# --- Document stage -----------------------------------------------------------------------


def _document_texts(doc: Document) -> list[tuple[str, str]]:
    """(where, text) for everything a reader sees, in a fixed order."""
    meta = doc.meta
    texts = [("title", meta.title)] + ([("date", meta.date_text)] if meta.date_text else [])
    texts += [(f"credit {key}", value) for key, value in meta.credits]
    texts += [(f"{type(b).__name__.lower()} {n}", b.text) for n, b in enumerate(doc.blocks, 1)]
    return texts + [(f"source note {n}", note.excerpt) for n, note in enumerate(doc.notes, 1)]


def convert_document(
    doc: Document,
    profile: str | Profile,
    *,
    user_corrections: Path | None = None,
    review: list[ReviewItem] | None = None,
    word_guard: bool | None = None,
    workers: int = 1,
) -> Document:
    """Convert everything a reader sees into the profile's script and forms.

    The translation (English) is left alone. ``review``, when a list, receives the spots
    a translator should check. ``word_guard=None`` runs the jieba guard on documents up
    to ``GUARD_AUTO_MAX_CHARS`` characters. ``workers > 1`` converts long texts in a pool.
    """
    prof = profile if isinstance(profile, Profile) else resolve_profile(profile)
    pieces = _document_texts(doc)
    joined = _JOIN.join(text for _, text in pieces)
    guess = detect_script(joined)
    configs = prof.configs_for(guess.script, guess.variant)
    log.info("source is %s; %s uses %s", guess.describe(), prof.name, "+".join(configs) or "-")
    if prof.s2 == "s2twp" and guess.script == "Hant":
        log.warning("Taiwan vocabulary (s2twp) needs a Simplified source; converted forms only")
    if word_guard is None:
        word_guard = len(joined) <= GUARD_AUTO_MAX_CHARS
        if not word_guard:
            log.info(
                "word-boundary guard off for %d characters (force it with the API)", len(joined)
            )
    plan = _make_plan(configs, corrections_for(configs, user_corrections), word_guard)
    if any(_JOIN in text for _, text in pieces):
        converted = [_run_plan(text, plan, 1) for _, text in pieces]
    else:
        converted = _run_plan(joined, plan, workers).split(_JOIN)
    if review is not None and configs:
        review.extend(_review_texts(pieces, converted, configs))
    provenance = [
        ("source_script", guess.describe()),
        ("opencc_config", "+".join(configs) or "none (already in the target script)"),
        ("opencc", opencc_version()),
        ("corrections", f"{corrections_digest(plan.corrections)} ({len(plan.corrections)})"),
    ]
    provenance += [("word_guard", "jieba")] if plan.guard else []
    it = iter(converted)
    meta = doc.meta
    new_meta = replace(
        meta,
        title=next(it),
        date_text=next(it) if meta.date_text else meta.date_text,
        credits=tuple((key, next(it)) for key, _ in meta.credits),
        lang=prof.lang,
        provenance=meta.provenance + tuple(provenance),
    )
    blocks = tuple(map_text(block, next(it)) for block in doc.blocks)
    notes = tuple(replace(note, excerpt=next(it)) for note in doc.notes)
    return replace(doc, meta=new_meta, blocks=blocks, notes=notes)
