"""Ambiguity review: one-to-many characters OpenCC converted by default, and the report."""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ...errors import OutputError
from .corrections import _FORMS_STAGE
from .opencc_data import (
    _JOIN,
    FALLBACK_ONE_TO_MANY,
    _config_data,
    _parse_dictionary,
    _phrase_segments,
    _pieces,
    _run_chain,
)


@dataclass(frozen=True)
class ReviewItem:
    """A one-to-many character converted by OpenCC's single-character default."""

    position: int  # offset in the text reviewed (body blocks: in Document.body_text)
    char: str  # the source character
    chosen: str  # what the output has
    alternatives: tuple[str, ...]  # the other readings, in the target's forms
    context: str  # output around the spot, the character marked 【】
    where: str = ""  # part of the document: title, paragraph 5, …
    # "character" (a one-to-many default) or "vocabulary" (a word the lexicon replaced:
    # char is the source word, chosen the local word, alternatives the characters-only form)
    kind: str = "character"


def _review_texts(
    pieces: list[tuple[str, str]], converted: list[str], configs: tuple[str, ...]
) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    body = 0
    for (where, src), out in zip(pieces, converted, strict=True):
        in_body = where.startswith(("heading", "paragraph"))
        for item in review_ambiguities(src, out, configs):
            items.append(
                replace(item, position=item.position + (body if in_body else 0), where=where)
            )
        body += len(src) if in_body else 0
    return items


def review_ambiguities(
    source_text: str, converted_text: str, config: str | Sequence[str], *, width: int = 12
) -> list[ReviewItem]:
    """One-to-many characters (干 -> 乾/幹/干, 后 -> 後/后, …) that no phrase decided.

    A character is listed when OpenCC's longest match left it on its own and the output
    has its default reading; spots the guard or a correction changed are deliberate and
    not listed. Without OpenCC's phrase dictionary every default reading is listed.
    """
    chain = (config,) if isinstance(config, str) else tuple(config)
    data = _config_data(chain[0]) if chain else None
    index, multi = (
        data if data else (None, _parse_dictionary(FALLBACK_ONE_TO_MANY.read_text("utf-8")))
    )
    if not chain or not multi:
        return []
    forms = _FORMS_STAGE.get(chain[-1])
    chars = re.compile("[" + re.escape("".join(sorted(multi))) + "]")
    items: list[ReviewItem] = []
    for s0, s1, o0, o1 in _pieces(source_text, converted_text):
        src, text, shift = source_text[s0:s1], converted_text, o0
        if not chars.search(src):
            continue
        if o1 - o0 != len(src):
            text, shift = _run_chain(chain, src), 0  # approximate: this clause alone
            if len(text) != len(src):
                continue
        covered = (
            {p for s, e in _phrase_segments(src, index) for p in range(s, e)} if index else set()
        )
        for m in chars.finditer(src):
            p, char, at = m.start(), m.group(), m.start() + shift
            chosen = text[at]
            if p in covered or chosen != _default_reading(chain, char):
                continue
            readings = (_run_chain((forms,), r) if forms else r for r in multi[char])
            others = tuple(dict.fromkeys(r for r in readings if r != chosen))
            if not others:  # the forms stage merges the readings (覈 -> 核 in Hong Kong)
                continue
            context = f"{text[max(0, at - width) : at]}【{chosen}】{text[at + 1 : at + 1 + width]}"
            items.append(ReviewItem(s0 + p, char, chosen, others, context.replace(_JOIN, " ")))
    return items


@functools.lru_cache(maxsize=4096)
def _default_reading(chain: tuple[str, ...], char: str) -> str:
    return _run_chain(chain, char)


def write_review_report(
    items: Sequence[ReviewItem], path: Path, *, title: str = "", profile: str = ""
) -> None:
    """Write the review list as plain text (readable as Markdown), atomically."""
    name = " ".join(filter(None, [title, f"({profile})" if profile else ""]))
    words = [it for it in items if it.kind == "vocabulary"]
    items = [it for it in items if it.kind != "vocabulary"]
    lines = [f"# Conversion review{': ' + name if name else ''}", ""]
    lines.append(
        f"{len(items)} spot(s) where a character with several readings was converted by "
        "OpenCC's single-character default, not decided by a phrase. Check each in context; "
        "fix wrong ones with a corrections file (source<TAB>target, see README)."
    )
    counts: dict[str, int] = {}
    for item in items:
        counts[item.char] = counts.get(item.char, 0) + 1
    if counts:
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        lines += ["", "By character: " + ", ".join(f"{c} ×{n}" for c, n in ranked), ""]
    for n, it in enumerate(items, 1):
        where = f"{it.where} @{it.position}" if it.where else f"@{it.position}"
        others = "/".join(it.alternatives) or "-"
        lines.append(f"{n}. {where}: {it.char} -> {it.chosen} (or {others}): {it.context}")
    if words:
        lines += ["", "## Vocabulary", ""]
        lines.append(
            f"{len(words)} word(s) replaced by the regional vocabulary (characters-only form in "
            "brackets). Undo one with a vocabulary file entry 'source<TAB>=' (--vocabulary), "
            "or all with --no-vocabulary."
        )
        lines.append("")
        for n, it in enumerate(words, 1):
            where = f"{it.where} @{it.position}" if it.where else f"@{it.position}"
            chars = "/".join(it.alternatives)
            lines.append(f"{n}. {where}: {it.char} -> {it.chosen} ({chars}): {it.context}")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise OutputError(f"{path}: cannot write the review report ({exc})") from None
