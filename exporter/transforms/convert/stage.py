"""The conversion itself: text (chunked, optionally in a pool) and the Document stage."""

from __future__ import annotations

import bisect
import importlib.util
import logging
import operator
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ...model import Document, map_text
from ...segment import _cutter
from .corrections import corrections_digest, corrections_for
from .guard import WordBounds, _decisive, _guard_edits
from .matching import find_groups, leftmost_longest
from .opencc_data import (
    _JOIN,
    _config_data,
    _converter,
    _PhraseIndex,
    _pieces,
    _run_chain,
    opencc_version,
)
from .patterns import find_patterns
from .profiles import Profile, detect_script, resolve_profile
from .review import ReviewItem, _review_texts
from .scoped import opencc_scope, scoped_phrase_index
from .vocabulary import (
    KEEP,
    VOCABULARY_EDITIONS,
    vocabulary_digest,
    vocabulary_for,
)

if TYPE_CHECKING:  # a pool only for very large texts: not imported by every cold run
    from concurrent.futures import ProcessPoolExecutor

log = logging.getLogger("exporter.convert")

# Sentence ends are clause breaks too (opencc_data._CLAUSE_BREAK): a cut there is exact.
_SENTENCE_END = re.compile(r"[。！？!?\n\u2029]")

CHUNK_CHARS = 1 << 20  # bounds the memory OpenCC needs per call
PARALLEL_MIN_CHARS = 200_000  # below this a pool costs more (start-up, pickling) than it saves


# --- Conversion core ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    configs: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]
    guard: bool
    vocabulary: tuple[tuple[str, str], ...] = ()
    patterns: bool = False  # the context rules of ``patterns`` (Simplified sources)


# A vocabulary replacement: (offset in the output, source word, target, characters-only form).
Hit = tuple[int, str, str, str]


def _free(
    spans: Sequence[tuple[int, int, str]], taken: Sequence[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    """The spans (sorted) that overlap none of ``taken`` (sorted, not overlapping)."""
    out: list[tuple[int, int, str]] = []
    k = 0
    for span in spans:
        while k < len(taken) and taken[k][1] <= span[0]:
            k += 1
        if k == len(taken) or taken[k][0] >= span[1]:
            out.append(span)
    return out


def _fix(src: str, out: str, plan: _Plan, index: _PhraseIndex | None) -> tuple[str, list[Hit]]:
    """Apply the guard, the context rules, the corrections and the vocabulary."""
    aligned = len(src) == len(out)
    # One automaton pass finds the corrections, the vocabulary and the guard's phrases.
    decisive = _decisive(plan.configs, index) if plan.guard and index and aligned else ()
    found_d, found_c, found_v = find_groups(src, (decisive, plan.corrections, plan.vocabulary))
    fixes = [(s, e, plan.corrections[k][1]) for k, s, e in leftmost_longest(found_c)]
    if plan.patterns:  # a correction has the last word over a context rule
        fixes = sorted(fixes + _free(find_patterns(src), fixes))
    bounds = WordBounds(src)
    words: list[tuple[int, int, str]] = []
    sources: dict[int, str] = {}
    vocabulary = [
        (s, e, plan.vocabulary[k][0], plan.vocabulary[k][1])
        for k, s, e in leftmost_longest(found_v)
    ]
    # A KEEP entry guards a longer word: the characters-only conversion stands there.
    found = [(s, e, t) for s, e, _, t in vocabulary if t != KEEP]
    if found:
        names = {s: source for s, _, source, _ in vocabulary}
        for s, e, target in _free(found, fixes):
            if bounds.is_word(s, e):
                words.append((s, e, target))
                sources[s] = names[s]
    fixes = sorted(fixes + words)
    if not aligned and not fixes:
        return out, []
    edits = []
    if aligned and plan.guard and index:
        # A correction or a vocabulary word has the last word over a guard edit it overlaps.
        edits = _guard_edits(src, out, plan.configs, index, bounds, found_d)
        edits = _free(edits, fixes)
    parts: list[str] = []
    hits: list[Hit] = []
    pos = size = 0
    for s, e, new in sorted(edits + fixes):
        before = out[pos:s] if aligned else _run_chain(plan.configs, src[pos:s])
        parts += [before, new]
        if s in sources:
            chars = out[s:e] if aligned else _run_chain(plan.configs, src[s:e])
            hits.append((size + len(before), sources[s], new, chars))
        size += len(before) + len(new)
        pos = e
    rest = out[pos:] if aligned else _run_chain(plan.configs, src[pos:])
    return "".join([*parts, rest]), hits


def _guard_index(config: str, text: str) -> _PhraseIndex | None:
    """The word guard's phrases: those of the current scope's text, else all of them."""
    scoped = scoped_phrase_index(config, text)
    if scoped is not None:
        return scoped
    data = _config_data(config)
    return data[0] if data else None


def _convert_chunk(text: str, plan: _Plan) -> tuple[str, list[Hit]]:
    out = _run_chain(plan.configs, text)
    if not plan.corrections and not plan.guard and not plan.vocabulary and not plan.patterns:
        return out, []
    index = _guard_index(plan.configs[0], text) if plan.guard else None
    if len(out) == len(text):
        return _fix(text, out, plan, index)
    # Lengths changed (s2twp phrases): align clause by clause.
    parts: list[str] = []
    hits: list[Hit] = []
    size = 0
    for a, b, c, d in _pieces(text, out):
        piece, found = _fix(text[a:b], out[c:d], plan, index)
        hits += [(at + size, src, dst, chars) for at, src, dst, chars in found]
        parts.append(piece)
        size += len(piece)
    return "".join(parts), hits


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
        from concurrent.futures import ProcessPoolExecutor

        # fork: the workers inherit the dictionaries already loaded instead of reloading.
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
        _POOL = (workers, ProcessPoolExecutor(max_workers=workers, mp_context=context))
    return _POOL[1]


def shutdown_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown()
        _POOL = None


def _run_plan(text: str, plan: _Plan, workers: int) -> tuple[str, list[Hit]]:
    if not plan.configs or not text:
        return text, []
    if workers > 1 and len(text) >= PARALLEL_MIN_CHARS:
        _convert_chunk(text[:1000], plan)  # load the dictionaries before forking
        if plan.guard or plan.vocabulary:
            _cutter(hmm=False)
        chunks = list(_chunks(text, len(text) // (workers * 2) + 1))
        results = list(_pool(workers).map(_convert_chunk, chunks, [plan] * len(chunks)))
    else:
        with opencc_scope(text):
            results = [_convert_chunk(chunk, plan) for chunk in _chunks(text, CHUNK_CHARS)]
    hits: list[Hit] = []
    size = 0
    for piece, found in results:
        hits += [(at + size, src, dst, chars) for at, src, dst, chars in found]
        size += len(piece)
    return "".join(piece for piece, _ in results), hits


def _make_plan(
    configs: tuple[str, ...],
    pairs: tuple[tuple[str, str], ...],
    guard: bool,
    vocabulary: tuple[tuple[str, str], ...] = (),
) -> _Plan:
    has_jieba = any(importlib.util.find_spec(m) is not None for m in ("rjieba", "jieba"))
    simplified = bool(configs) and configs[0].startswith("s2")
    guard = guard and simplified and has_jieba
    # The vocabulary is found in a Simplified source, on jieba's word boundaries.
    vocabulary = vocabulary if simplified and has_jieba else ()
    return _Plan(configs, pairs, guard, vocabulary, simplified)


def convert_text(
    text: str,
    configs: str | Sequence[str],
    *,
    corrections: Sequence[tuple[str, str]] | None = None,
    word_guard: bool = False,
    workers: int = 1,
    vocabulary: Sequence[tuple[str, str]] = (),
) -> str:
    """Convert with an OpenCC config (or chain), then the guard, the context rules, the
    corrections and ``vocabulary`` (pairs from ``vocabulary_for``).

    ``corrections=None`` uses the packaged ones; ``()`` with ``word_guard=False`` gives
    OpenCC's output with the context rules (``patterns``) only.
    """
    chain = (configs,) if isinstance(configs, str) else tuple(configs)
    pairs = corrections_for(chain) if corrections is None else tuple(corrections)
    plan = _make_plan(chain, pairs, word_guard, tuple(vocabulary))
    return _run_plan(text, plan, workers)[0]


# --- Document stage -----------------------------------------------------------------------


def _document_texts(doc: Document) -> list[tuple[str, str]]:
    """(where, text) for everything a reader sees, in a fixed order."""
    meta = doc.meta
    texts = [("title", meta.title)] + ([("date", meta.date_text)] if meta.date_text else [])
    texts += [(f"credit {key}", value) for key, value in meta.credits]
    texts += [(f"{type(b).__name__.lower()} {n}", b.text) for n, b in enumerate(doc.blocks, 1)]
    return texts + [(f"source note {n}", note.excerpt) for n, note in enumerate(doc.notes, 1)]


def _traditional_pieces(pieces: list[tuple[str, str]]) -> list[bool]:
    """Which texts of a Simplified source are in fact Traditional (a quoted paragraph)."""
    t2s = _converter("t2s")
    joined = _JOIN.join(text for _, text in pieces)
    if t2s.convert(joined) == joined:  # the usual case: nothing Traditional-only at all
        return [False] * len(pieces)
    s2t = _converter("s2t")
    out = []
    for _, text in pieces:
        traditional = sum(map(operator.ne, text, t2s.convert(text)))
        out.append(traditional > sum(map(operator.ne, text, s2t.convert(text))))
    return out


def _vocabulary_items(
    pieces: list[tuple[str, str]], converted: list[str], hits: list[list[Hit]], width: int = 12
) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    body = 0
    for (where, _), out, found in zip(pieces, converted, hits, strict=True):
        in_body = where.startswith(("heading", "paragraph"))
        for at, source, target, chars in found:
            context = f"{out[max(0, at - width) : at]}【{target}】"
            context += out[at + len(target) : at + len(target) + width]
            position = at + (body if in_body else 0)
            items.append(
                ReviewItem(position, source, target, (chars,), context, where, "vocabulary")
            )
        body += len(out) if in_body else 0
    return items


def _split_hits(converted: list[str], hits: list[Hit]) -> list[list[Hit]]:
    """Hits in the joined output, per text (offsets made relative to each text)."""
    starts, at = [], 0
    for text in converted:
        starts.append(at)
        at += len(text) + len(_JOIN)
    out: list[list[Hit]] = [[] for _ in converted]
    for pos, *rest in hits:
        k = bisect.bisect_right(starts, pos) - 1
        out[k].append((pos - starts[k], *rest))  # type: ignore[arg-type]
    return out


def convert_document(
    doc: Document,
    profile: str | Profile,
    *,
    user_corrections: Path | None = None,
    review: list[ReviewItem] | None = None,
    word_guard: bool = True,
    workers: int = 1,
    vocabulary: bool | None = None,
    user_vocabulary: Path | None = None,
) -> Document:
    """Convert everything a reader sees into the profile's script, forms and vocabulary.

    The translation (English) is left alone. ``review``, when a list, receives the spots
    a translator should check and every vocabulary replacement. ``vocabulary=None``
    applies the packaged lexicon to zh-HK and zh-MO (and ``user_vocabulary`` to any
    edition); ``False`` gives characters-only output. ``workers > 1`` converts long texts
    in a pool. A Simplified source's Traditional paragraphs become Simplified in zh-CN.
    """
    prof = profile if isinstance(profile, Profile) else resolve_profile(profile)
    pieces = _document_texts(doc)
    joined = _JOIN.join(text for _, text in pieces)
    guess = detect_script(joined)
    configs = prof.configs_for(guess.script, guess.variant)
    log.info("source is %s; %s uses %s", guess.describe(), prof.name, "+".join(configs) or "-")
    if prof.s2 == "s2twp" and guess.script == "Hant":
        log.warning("Taiwan vocabulary (s2twp) needs a Simplified source; converted forms only")
    words: tuple[tuple[str, str], ...] = ()
    if vocabulary is not False and (user_vocabulary or prof.name in VOCABULARY_EDITIONS):
        packaged = prof.name in VOCABULARY_EDITIONS
        words = vocabulary_for(prof.name, user_vocabulary, packaged=packaged)
    corrections = corrections_for(configs, user_corrections, prof.name)
    plan = _make_plan(configs, corrections, word_guard, words)
    hits: list[list[Hit]]
    mixed = 0
    if not configs and not prof.s2:  # Simplified to Simplified: any Traditional paragraph?
        flags = _traditional_pieces(pieces)
        mixed = sum(flags)
        step = _make_plan(("t2s",), corrections_for(("t2s",), user_corrections, prof.name), False)
        converted = [
            _run_plan(t, step, 1)[0] if f else t for (_, t), f in zip(pieces, flags, strict=True)
        ]
        hits = [[] for _ in pieces]
    elif any(_JOIN in text for _, text in pieces):
        runs = [_run_plan(text, plan, 1) for _, text in pieces]
        converted, hits = [text for text, _ in runs], [found for _, found in runs]
    else:
        text, found = _run_plan(joined, plan, workers)
        converted = text.split(_JOIN)
        hits = _split_hits(converted, found)
    if review is not None and configs:
        review.extend(_review_texts(pieces, converted, configs))
    if review is not None:
        review.extend(_vocabulary_items(pieces, converted, hits))
    provenance = [
        ("source_script", guess.describe()),
        ("opencc_config", "+".join(configs) or "none (already in the target script)"),
        ("opencc", opencc_version()),
        ("corrections", f"{corrections_digest(plan.corrections)} ({len(plan.corrections)})"),
    ]
    provenance += [("word_guard", "jieba")] if plan.guard else []
    if plan.vocabulary:
        count = sum(len(found) for found in hits)
        provenance += [
            ("vocabulary", f"{vocabulary_digest(plan.vocabulary)} ({len(plan.vocabulary)})"),
            ("vocabulary_replacements", str(count)),
        ]
    provenance += [("traditional_blocks_to_simplified", str(mixed))] if mixed else []
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
