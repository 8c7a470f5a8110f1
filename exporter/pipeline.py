"""The build: read -> clean -> convert / translate -> write, for one source document."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import StrictModeError
from .model import Document
from .output import OUTPUT_ERRNOS, StagedOutputs, output_error
from .readers import read
from .style import Style, load_style
from .transforms.clean import clean
from .transforms.punctuation import punctuate
from .writers import write_staged
from .writers.forked import WriteJob, write_all

log = logging.getLogger("exporter")

SOURCE_LANG = "zh-CN"
ENGLISH = "en"


@dataclass(frozen=True)
class BuildOptions:
    formats: tuple[str, ...] = ("docx", "pdf")
    # Editions to build: Chinese profiles (zh-CN, zh-HK, zh-MO, zh-TW, …) and/or "en".
    langs: tuple[str, ...] = (SOURCE_LANG,)
    # Bilingual Chinese–English layouts: "interleaved", "side-by-side".
    bilingual: tuple[str, ...] = ()
    corrections: Path | None = None
    review: bool = False
    # Hong Kong / Macau vocabulary (packaged lexicon) on zh-HK and zh-MO; False: characters only.
    vocabulary: bool = True
    user_vocabulary: Path | None = None
    glossary: Path | None = None
    model: str | None = None
    beam_size: int | None = None  # translation beam (None: the translator's default, 4)
    cache: Path | None = None
    use_cache: bool = True
    strict: bool = False
    progress: bool = False
    # Where documents are built: "local" (process pool) or "ray" (a Ray cluster at
    # ray_address, $RAY_ADDRESS, or a local instance); see exporter/executors.
    executor: str = "local"
    ray_address: str | None = None
    style: Path | None = None  # house style TOML (None: the shipped default)
    # Write a document's DOCX in a forked child while its PDF is written here: set for a
    # one-document build with a spare core (exporter/writers/forked.py).
    fork_writers: bool = False

    @property
    def needs_translation(self) -> bool:
        return ENGLISH in self.langs or bool(self.bilingual)


@dataclass
class BuildResult:
    source: Path
    outputs: list[Path] = field(default_factory=list)
    # For the provenance manifest: output path -> what made it.
    records: dict[str, dict[str, object]] = field(default_factory=dict)
    warnings: int = 0
    # Written but not yet renamed into place (see stage_document / commit_document).
    staged: StagedOutputs = field(default_factory=StagedOutputs)


class _WarningCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def output_name(stem: str, edition: str, fmt: str) -> str:
    return f"{stem}.{edition}.{fmt}"


def _editions(
    doc: Document, options: BuildOptions, reviews: dict[str, list]
) -> Iterator[tuple[str, Document, str]]:
    """(edition name, document to write, layout) for every edition asked for."""
    from .transforms import convert

    translated: Document | None = None
    if options.needs_translation:
        from .translate import translate_document

        beam = {} if options.beam_size is None else {"beam_size": options.beam_size}
        translated = translate_document(
            doc,
            model=options.model,
            glossary=options.glossary,
            cache=options.cache if options.use_cache else False,
            progress=options.progress,
            **beam,
        )
    for lang in options.langs:
        if lang == ENGLISH:
            assert translated is not None and translated.translation is not None
            # The English reader is told about the source's damage too (excerpts stay
            # in Chinese: they quote the source).
            yield ENGLISH, replace(translated.translation, notes=doc.notes), "mono"
        else:
            review: list | None = [] if options.review else None
            converted = convert.convert_document(
                doc,
                lang,
                user_corrections=options.corrections,
                review=review,
                vocabulary=None if options.vocabulary else False,
                user_vocabulary=options.user_vocabulary,
            )
            converted = punctuate(converted)
            if review is not None:
                reviews[lang] = review
            yield lang, converted, "mono"
    for layout in options.bilingual:
        assert translated is not None
        # The Chinese side is the source's script: a Traditional source stays Traditional
        # (and is named and tagged so), a Simplified one Simplified; its punctuation is
        # that script's, as in the monolingual editions (「」 for Traditional).
        yield f"{translated.meta.lang}_en.{layout}", punctuate(translated), layout


def _tag_script(doc: Document) -> Document:
    """Tag a Traditional source zh-Hant (the reader cannot know; zh-CN is its default)."""
    from .transforms.convert import detect_script

    guess = detect_script(doc.meta.title + doc.body_text)
    if guess.script != "Hant":
        return doc
    lang = {"hk": "zh-HK", "tw": "zh-TW"}.get(guess.variant, "zh-Hant")
    return replace(doc, meta=replace(doc.meta, lang=lang))


def _provenance(doc: Document) -> dict[str, str]:
    """What made a document; a bilingual one also names its translation's model and glossary."""
    record = dict(doc.meta.provenance)
    if doc.translation is not None:
        record.update(doc.translation.meta.provenance)
    return record


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_document(source: Path, out_dir: Path, options: BuildOptions) -> BuildResult:
    """Build every requested edition and format of one source; all-or-nothing per source."""
    return commit_document(stage_document(source, out_dir, options))


def commit_document(result: BuildResult) -> BuildResult:
    """Rename a staged document's outputs into place, all of them or none."""
    result.outputs = result.staged.commit()
    return result


def _write_job(
    fmt: str, doc: Document, path: Path, target: Path, layout: str, style: Style
) -> WriteJob:
    """Writing ``doc`` as ``fmt`` to its staged ``path``; a full disk names the ``target``."""
    return WriteJob(fmt, functools.partial(write_staged, fmt, doc, path, target, layout, style))


def stage_document(source: Path, out_dir: Path, options: BuildOptions) -> BuildResult:
    """Write every output of one source to temporary files beside their targets.

    Nothing visible changes until :func:`commit_document`; on failure the temporary
    files are removed. Runs in a worker process; the driver commits.
    """
    counter = _WarningCounter()
    root = logging.getLogger("exporter")
    root.addHandler(counter)
    staged = StagedOutputs()
    result = BuildResult(source=source)
    target = out_dir
    try:
        log.info("building %s", source)
        doc = _tag_script(clean(read(source)))
        input_sha = dict(doc.meta.provenance).get("input_sha256") or sha256_file(source)
        reviews: dict[str, list] = {}
        style = load_style(options.style)
        jobs: list[WriteJob] = []
        for edition, edition_doc, layout in _editions(doc, options, reviews):
            for fmt in options.formats:
                target = out_dir / output_name(doc.name, edition, fmt)
                jobs.append(
                    _write_job(fmt, edition_doc, staged.stage(target), target, layout, style)
                )
                result.records[str(target)] = {
                    "input": str(source),
                    "input_sha256": input_sha,
                    "edition": edition,
                    "format": fmt,
                    "layout": layout,
                    "provenance": _provenance(edition_doc),
                }
        write_all(jobs, fork=options.fork_writers)
        for lang, items in reviews.items():
            from .transforms import convert

            target = out_dir / output_name(doc.name, lang, "review.txt")
            convert.write_review_report(
                items, staged.stage(target), title=doc.meta.title, profile=lang
            )
            result.records[str(target)] = {
                "input": str(source),
                "input_sha256": input_sha,
                "edition": lang,
                "format": "review",
            }
        if options.strict and counter.count:
            raise StrictModeError(
                f"{source}: {counter.count} warning(s) with --strict; nothing written for it"
            )
        # Hash the bytes that will be renamed into place (a later build may replace them).
        for tmp, final in staged.pending:
            result.records[str(final)]["output_sha256"] = sha256_file(tmp)
        result.staged, staged = staged, StagedOutputs()
        result.warnings = counter.count
        return result
    except OSError as exc:
        if exc.errno in OUTPUT_ERRNOS:
            raise output_error(target, exc) from None
        raise
    finally:
        staged.discard()
        root.removeHandler(counter)
