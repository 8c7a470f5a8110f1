"""Briefing packs: many sources -> one briefing per edition and format (``exporter pack``).

Each source goes through the same stages as a single briefing (read, clean, convert or
translate); the pack writers then put the articles under one cover and contents.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InputError, StrictModeError
from .model import Document, Metadata, Pack
from .output import OUTPUT_ERRNOS, StagedOutputs, claim_run, output_error
from .pipeline import (
    BuildOptions,
    _editions,
    _provenance,
    _tag_script,
    _WarningCounter,
    output_name,
    sha256_file,
)
from .readers import read
from .style import load_style
from .transforms.clean import clean
from .writers import pack_content

log = logging.getLogger("exporter")

SORTS = ("given", "date")


@dataclass(frozen=True)
class PackOptions:
    title: str | None = None
    date: str | None = None
    sort: str = "given"
    name: str = "pack"


@dataclass
class PackResult:
    outputs: list[Path] = field(default_factory=list)
    records: dict[str, dict[str, object]] = field(default_factory=dict)
    # Sources that could not be read, with their one-line reasons.
    failed: list[tuple[Path, InputError]] = field(default_factory=list)
    # How many articles the pack holds.
    articles: int = 0


def _read_all(sources: list[Path], strict: bool) -> tuple[list[tuple[Path, Document]], list]:
    articles: list[tuple[Path, Document]] = []
    failed: list[tuple[Path, InputError]] = []
    for source in sources:
        try:
            articles.append((source, _tag_script(clean(read(source)))))
        except InputError as exc:
            failed.append((source, exc))
            print(f"exporter: error: {exc}", file=sys.stderr)
    if failed and strict:
        raise InputError(
            f"{len(failed)} of {len(sources)} source(s) could not be read; --strict refuses "
            "the whole pack (nothing written)"
        )
    if not articles:
        raise InputError("no source of the pack could be read; nothing written")
    return articles, failed


def _sorted(articles: list[tuple[Path, Document]], sort: str) -> list[tuple[Path, Document]]:
    if sort != "date":
        return articles
    # Undated articles keep their order, after the dated ones; the sort is stable.
    return sorted(articles, key=lambda item: (item[1].meta.date is None, item[1].meta.date or ""))


def _pack_title(title: str | None, lang: str) -> str:
    """The pack's title in the edition's script (a Traditional edition converts it)."""
    if not title:
        return pack_content.pack_words(lang)["pack_title"]
    if lang.startswith("zh") and lang != "zh-CN":
        from .transforms import convert

        if lang in convert.PROFILES:
            doc = Document(meta=Metadata(title=title), blocks=())
            return convert.convert_document(doc, lang).meta.title
    return title


def _edition_name(names: list[str]) -> str:
    """One name for an edition across articles (bilingual names follow each source's script)."""
    if len(set(names)) == 1:
        return names[0]
    return "zh_en." + names[0].split(".", 1)[1]


def build_pack(
    sources: list[Path], out_dir: Path, options: BuildOptions, pack_options: PackOptions
) -> PackResult:
    """Build every requested edition and format of one pack; all-or-nothing."""
    from .writers import PACK_WRITERS

    claim_run()
    counter = _WarningCounter()
    root = logging.getLogger("exporter")
    root.addHandler(counter)
    staged = StagedOutputs()
    result = PackResult()
    try:
        articles, result.failed = _read_all(sources, options.strict)
        articles = _sorted(articles, pack_options.sort)
        result.articles = len(articles)
        inputs = [
            {
                "input": str(path),
                # The hash of the very bytes read, when the reader kept it.
                "input_sha256": dict(doc.meta.provenance).get("input_sha256") or sha256_file(path),
            }
            for path, doc in articles
        ]
        options = replace(options, review=False)
        style = load_style(options.style)
        per_article = [list(_editions(doc, options, {})) for _, doc in articles]
        dates = sorted(d for _, doc in articles if (d := doc.meta.date))
        date = pack_options.date or (dates[-1][:10] if dates else None)
        for position in range(len(per_article[0])):
            editions = [eds[position] for eds in per_article]
            edition = _edition_name([name for name, _, _ in editions])
            layout = editions[0][2]
            docs = tuple(doc for _, doc, _ in editions)
            lang = docs[0].meta.lang
            pack = Pack(
                title=_pack_title(pack_options.title, lang),
                articles=docs,
                lang=lang,
                date=date,
                name=pack_options.name,
                subtitle=pack_content.pack_words("en")["pack_title"] if layout != "mono" else None,
            )
            for fmt in options.formats:
                target = out_dir / output_name(pack_options.name, edition, fmt)
                PACK_WRITERS[fmt](pack, staged.stage(target), layout=layout, style=style)
                result.records[str(target)] = {
                    "pack": True,
                    "inputs": inputs,
                    "edition": edition,
                    "format": fmt,
                    "layout": layout,
                    "provenance": [_provenance(doc) for doc in docs],
                }
        if options.strict and counter.count:
            raise StrictModeError(
                f"{counter.count} warning(s) with --strict; the pack was not written"
            )
        for tmp, final in staged.pending:
            result.records[str(final)]["output_sha256"] = sha256_file(tmp)
        result.outputs = staged.commit()
        return result
    except OSError as exc:
        if exc.errno in OUTPUT_ERRNOS:
            raise output_error(out_dir, exc) from None
        raise
    finally:
        staged.discard()
        root.removeHandler(counter)
