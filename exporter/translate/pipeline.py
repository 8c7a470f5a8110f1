"""The translate stage: a Chinese Document in, the same Document with ``.translation`` out."""

from __future__ import annotations

import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, NamedTuple

from exporter.model import Document, Heading, map_text
from exporter.translate import quality
from exporter.translate.cache import Entry, TranslationCache, default_path
from exporter.translate.engine import Decoding, TextTranslator, load_engine
from exporter.translate.glossary import (
    INLINE,
    PLACEHOLDER,
    Glossary,
    Restored,
    has_leftovers,
    restore,
    shield,
)
from exporter.translate.models import resolve_model
from exporter.translate.segment import segment

log = logging.getLogger("exporter.translate")

DEFAULT_BEAM_SIZE = 4
# Sentences per model call and per cache commit: big enough to keep CTranslate2's batches
# full, small enough that a killed run loses little.
BATCH_SENTENCES = 32


@dataclass(frozen=True)
class TermAudit:
    """How one glossary term fared in a document."""

    source: str
    target: str
    applied: int  # sentences where the target was enforced
    failed: int  # sentences where the model lost the term
    failed_at: tuple[str, ...] = ()  # e.g. ("paragraph 3", "title")


@dataclass(frozen=True)
class TranslationReport:
    model_id: str
    segments: int  # sentences in the document sent through the model (with repeats)
    translated: int  # distinct sentences the model translated in this run
    from_cache: int  # distinct sentences served from the cache
    retried: int  # sentences that needed a second decoding to come out right
    untranslated: tuple[str, ...]  # where sentences were kept in Chinese, one entry each
    glossary_version: str | None = None
    terms: tuple[TermAudit, ...] = ()
    beam_size: int = DEFAULT_BEAM_SIZE

    @property
    def failed_terms(self) -> tuple[TermAudit, ...]:
        return tuple(t for t in self.terms if t.failed)

    def provenance(self) -> tuple[tuple[str, str], ...]:
        """Key/value lines for ``Metadata.provenance`` (cache statistics left out)."""
        # Only what depends on the input: a cached re-run must give identical files.
        out = [("translation_model", self.model_id), ("translation_sentences", str(self.segments))]
        if self.beam_size != DEFAULT_BEAM_SIZE:  # recorded when chosen (--beam)
            out.append(("translation_beam", str(self.beam_size)))
        if self.untranslated:
            out.append(("translation_untranslated", str(len(self.untranslated))))
        if self.glossary_version:
            out.append(("glossary_version", self.glossary_version))
            applied = [f"{t.source}→{t.target} ×{t.applied}" for t in self.terms if t.applied]
            if applied:
                out.append(("glossary_applied", "; ".join(applied)))
            failed = [
                f"{t.source}→{t.target} ×{t.failed} ({', '.join(t.failed_at)})"
                for t in self.failed_terms
            ]
            if failed:
                out.append(("glossary_failed", "; ".join(failed)))
        return tuple(out)


@dataclass(frozen=True)
class TranslationResult:
    document: Document  # the source document with .translation set
    report: TranslationReport


@dataclass
class _Unit:
    where: str  # "title", "credit source", "paragraph 3", …
    segments: list[str]
    verbatim: str | None = None  # copied as is (URLs)


class _Progress:
    """A one-line counter on stderr, only when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled and total > 0 and sys.stderr.isatty()

    def advance(self, count: int) -> None:
        self.done += count
        if self.enabled:
            percent = 100 * self.done // self.total
            sys.stderr.write(f"\rTranslating: {self.done}/{self.total} sentences ({percent}%)")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _needs_model(text: str) -> bool:
    return bool(quality._CJK.search(text))


def _units(doc: Document, engine: TextTranslator) -> list[_Unit]:
    def cut(text: str) -> list[str]:
        return segment(text, max_tokens=engine.max_source_tokens, measure=engine.count_tokens)

    units = [_Unit("title", cut(doc.meta.title))]
    for key, value in doc.meta.credits:
        if key == "url":
            units.append(_Unit(f"credit {key}", [], verbatim=value))
        else:
            units.append(_Unit(f"credit {key}", cut(value)))
    for index, block in enumerate(doc.blocks, 1):
        kind = "heading" if isinstance(block, Heading) else "paragraph"
        units.append(_Unit(f"{kind} {index}", cut(block.text)))
    return units


class _Outcome(NamedTuple):
    restored: Restored
    issue: str | None  # why the output is unusable, None when it is fine


def _attempt(
    engine: TextTranslator,
    sentences: Sequence[str],
    glossary: Glossary | None,
    modes: Sequence[str],
    decoding: Decoding,
) -> list[_Outcome]:
    shielded = [shield(s, glossary, mode) for s, mode in zip(sentences, modes, strict=True)]
    outputs = engine.translate([sh.text for sh in shielded], decoding)
    results: list[_Outcome] = []
    for source, sh, output in zip(sentences, shielded, outputs, strict=True):
        restored = restore(output, sh)
        issue = quality.problem(source, restored.text)
        if issue is None and sh.slots and has_leftovers(restored.text):
            issue = "mangled glossary placeholder"
        results.append(_Outcome(restored, issue))
    return results


def _choose(
    source: str, first: _Outcome, second: _Outcome | None, glossary: Glossary | None
) -> Entry:
    usable = [
        (outcome, status)
        for outcome, status in ((first, "ok"), (second, "retried"))
        if outcome is not None and outcome.issue is None
    ]
    if not usable:
        log.debug("Untranslatable (%s): %s", first.issue, source)
        lost = tuple(glossary.find(source)) if glossary else ()
        return Entry(quality.mark_untranslated(source), "untranslated", (), lost)
    # Fewest lost glossary terms wins; on a tie, the first attempt.
    outcome, status = min(usable, key=lambda u: len(u[0].restored.failed))
    best = outcome.restored
    return Entry(best.text, status, best.applied, best.failed)


def _translate_batch(
    engine: TextTranslator,
    sentences: Sequence[str],
    glossary: Glossary | None,
    decoding: Decoding,
) -> list[tuple[str, Entry]]:
    first = _attempt(engine, sentences, glossary, [PLACEHOLDER] * len(sentences), decoding)
    # Lost glossary terms are retried with the targets written inline, same decoding;
    # broken output with penalties that break loops (and inline terms if some were lost).
    lost = [i for i, o in enumerate(first) if o.issue is None and o.restored.failed]
    broken = [i for i, o in enumerate(first) if o.issue is not None]
    second: dict[int, _Outcome] = {}
    for group, retry_decoding in ((lost, decoding), (broken, quality.RETRY_DECODING)):
        if group:
            modes = [INLINE if first[i].restored.failed else PLACEHOLDER for i in group]
            again = _attempt(engine, [sentences[i] for i in group], glossary, modes, retry_decoding)
            second.update(zip(group, again, strict=True))
    return [(s, _choose(s, first[i], second.get(i), glossary)) for i, s in enumerate(sentences)]


def _open_cache(cache: Path | Literal[False] | None) -> TranslationCache:
    if cache is False:
        return TranslationCache(None)
    return TranslationCache(Path(cache) if cache is not None else default_path())


def translate_with_report(
    doc: Document,
    *,
    model: str | Path | None = None,
    glossary: Path | None = None,
    cache: Path | Literal[False] | None = None,
    progress: bool = False,
    beam_size: int = DEFAULT_BEAM_SIZE,
    engine: TextTranslator | None = None,
    batch_sentences: int = BATCH_SENTENCES,
) -> TranslationResult:
    """Translate ``doc`` to English; see :func:`translate_document`. Also returns the report."""
    terms = Glossary.load(glossary) if glossary is not None else None
    if engine is None:
        engine = load_engine(resolve_model(model))
    decoding = Decoding(beam_size=beam_size)
    config = f"beam={beam_size};glossary={terms.version if terms else '-'}"
    units = _units(doc, engine)
    wanted = list(dict.fromkeys(s for u in units for s in u.segments if _needs_model(s)))

    done: dict[str, Entry] = {}
    translated = 0
    with _open_cache(cache) as store:
        done.update(store.get_many(engine.model_id, config, wanted))
        from_cache = len(done)
        # Similar lengths in one batch waste less padding.
        pending = sorted((s for s in wanted if s not in done), key=len)
        bar = _Progress(len(pending), progress)
        try:
            for start in range(0, len(pending), batch_sentences):
                batch = pending[start : start + batch_sentences]
                results = _translate_batch(engine, batch, terms, decoding)
                store.put_many(engine.model_id, config, results)
                done.update(results)
                translated += len(batch)
                bar.advance(len(batch))
        finally:
            bar.close()

    report = _report(units, done, terms, engine.model_id, translated, from_cache)
    report = replace(report, beam_size=beam_size)
    _warn(report)
    return TranslationResult(replace(doc, translation=_english(doc, units, done, report)), report)


def _report(
    units: list[_Unit],
    done: dict[str, Entry],
    terms: Glossary | None,
    model_id: str,
    translated: int,
    from_cache: int,
) -> TranslationReport:
    """Count per occurrence: a sentence repeated in two paragraphs is reported in both."""
    untranslated: list[str] = []
    applied: Counter[str] = Counter()
    failed: dict[str, list[str]] = defaultdict(list)
    retried = segments = 0
    for unit in units:
        for entry in (done[s] for s in unit.segments if s in done):
            segments += 1
            retried += entry.status == "retried"
            if entry.status == "untranslated":
                untranslated.append(unit.where)
            applied.update(entry.applied)
            for term in entry.failed:
                failed[term].append(unit.where)
    audit = tuple(
        TermAudit(src, tgt, applied[src], len(failed[src]), tuple(dict.fromkeys(failed[src])))
        for src, tgt in (terms.entries if terms else ())
        if applied[src] or failed[src]
    )
    return TranslationReport(
        model_id=model_id,
        segments=segments,
        translated=translated,
        from_cache=from_cache,
        retried=retried,
        untranslated=tuple(untranslated),
        glossary_version=terms.version if terms else None,
        terms=audit,
    )


def _english(
    doc: Document, units: list[_Unit], done: dict[str, Entry], report: TranslationReport
) -> Document:
    """The translation: block i translates block i; title and credits too."""

    def text(unit: _Unit) -> str:
        if unit.verbatim is not None:
            return unit.verbatim
        return " ".join(done[s].target if s in done else s for s in unit.segments)

    texts = [text(unit) for unit in units]
    n_credits = len(doc.meta.credits)
    credits = tuple((key, texts[1 + i]) for i, (key, _value) in enumerate(doc.meta.credits))
    blocks = tuple(
        map_text(block, body)
        for block, body in zip(doc.blocks, texts[1 + n_credits :], strict=True)
    )
    meta = replace(
        doc.meta,
        title=texts[0],
        credits=credits,
        lang="en",
        provenance=doc.meta.provenance + report.provenance(),
    )
    return Document(meta=meta, blocks=blocks, notes=(), name=doc.name)


def _warn(report: TranslationReport) -> None:
    if report.untranslated:
        places = ", ".join(dict.fromkeys(report.untranslated))
        log.warning(
            "%d of %d sentences could not be translated and are kept in Chinese, marked %s (%s)",
            len(report.untranslated),
            report.segments,
            quality.UNTRANSLATED_MARK,
            places,
        )
    for term in report.failed_terms:
        log.warning(
            "Glossary term %s → %s could not be enforced in %d sentence(s) (%s)",
            term.source,
            term.target,
            term.failed,
            ", ".join(term.failed_at),
        )


def translate_document(
    doc: Document,
    *,
    model: str | Path | None = None,
    glossary: Path | None = None,
    cache: Path | Literal[False] | None = None,
    progress: bool = False,
    beam_size: int = DEFAULT_BEAM_SIZE,
) -> Document:
    """``doc`` with ``.translation`` set to its English version (same blocks, same order).

    ``model`` is an installed model id, a language pair or a package folder (default: the
    installed zh→en model). ``glossary`` is a ``source<TAB>target`` file. ``cache`` is the
    SQLite cache file (default under ``$XDG_CACHE_HOME/exporter``; ``False`` disables it).
    Sentences the model cannot translate are kept in Chinese, marked ``[untranslated]``, and
    reported with glossary failures as warnings on the ``exporter.translate`` logger.
    """
    return translate_with_report(
        doc, model=model, glossary=glossary, cache=cache, progress=progress, beam_size=beam_size
    ).document
