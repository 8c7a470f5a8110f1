"""What a briefing pack says besides its articles (cover, contents, notes), for every writer."""

from __future__ import annotations

from dataclasses import dataclass

from ..labels import labels, script_of
from ..model import Document, Pack
from . import content

_WORDS = {
    "Hans": {
        "pack_title": "简报汇编",
        "contents": "目录",
        "items": "共 {count} 篇",
        "sources_heading": "关于各篇原文的说明",
        "file": "原文件",
        "no_damage": "未发现明显缺损。",
    },
    "Hant": {
        "pack_title": "簡報彙編",
        "contents": "目錄",
        "items": "共 {count} 篇",
        "sources_heading": "關於各篇原文的說明",
        "file": "原文件",
        "no_damage": "未發現明顯缺損。",
    },
    "Latn": {
        "pack_title": "Briefing pack",
        "contents": "Contents",
        "items": "{count} items",
        "sources_heading": "Notes on the sources",
        "file": "File",
        "no_damage": "No evident damage found.",
    },
}


def pack_words(lang: str) -> dict[str, str]:
    return _WORDS[script_of(lang)]


def cover_lines(pack: Pack) -> tuple[str, ...]:
    """``日期：2020-05-26``, ``共 10 篇`` under the pack's title."""
    words = labels(pack.lang)
    lines = []
    if pack.date:
        lines.append(f"{words['date']}{words['colon']}{pack.date}")
    lines.append(pack_words(pack.lang)["items"].format(count=len(pack.articles)))
    return tuple(lines)


@dataclass(frozen=True)
class SourceEntry:
    """One item of the pack's notes-on-the-sources section."""

    heading: str
    lines: tuple[str, ...]


def source_entries(pack: Pack) -> tuple[SourceEntry, ...]:
    """For every article: where it came from and the damage found in it (or that none was)."""
    words = labels(pack.lang)
    mine = pack_words(pack.lang)
    entries = []
    for number, article in enumerate(pack.articles, start=1):
        lines = []
        if article.source:
            name = article.source.rsplit("/", 1)[-1]
            lines.append(f"{mine['file']}{words['colon']}{name}")
        notes = content.notes_section(_in_pack_lang(article, pack.lang))
        if notes:
            lines.extend(notes.intros)
            lines.extend(notes.items)
        else:
            lines.append(mine["no_damage"])
        entries.append(SourceEntry(f"{number}. {article.meta.title}", tuple(lines)))
    return tuple(entries)


def _in_pack_lang(article: Document, lang: str) -> Document:
    """Notes are worded in the pack's language (an English pack of Chinese sources)."""
    from dataclasses import replace

    return replace(article, meta=replace(article.meta, lang=lang))
