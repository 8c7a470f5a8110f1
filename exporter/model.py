"""The Document model: what readers produce, stages transform and writers consume."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside the body (the title lives in Metadata)."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str


Block = Heading | Paragraph


@dataclass(frozen=True)
class SourceNote:
    """Damage found in the source that cleaning could not repair.

    ``position`` is a character offset into the cleaned body text (blocks joined
    without separators), so a reader can find the spot; ``excerpt`` is the text
    around it exactly as it stands.
    """

    kind: str
    position: int
    excerpt: str
    # "body" (position counts into the body text) or "title".
    where: str = "body"
    # The body paragraph (block) it is in, counting from 1; 0 for the title.
    paragraph: int = 0
    # Offsets into ``excerpt`` where text is missing (a writer marks them; the excerpt
    # itself stays the source's text).
    gaps: tuple[int, ...] = ()
    # Offset of the excerpt's first character in the same text as ``position``.
    excerpt_at: int = 0


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    # ISO 8601 (``2020-05-26T09:28``); ``date_text`` keeps the form the source used.
    date: str | None = None
    date_text: str | None = None
    # Byline / 来源 / 记者 / 责任编辑 / 原标题 / URL, in source order, as (label key, value).
    # Label keys are stable identifiers (``source``, ``reporter``, ``editor``,
    # ``original_title``, ``url``, ``byline``); writers localise them.
    credits: tuple[tuple[str, str], ...] = ()
    # BCP 47 tag of the text: zh-CN, zh-HK, zh-MO, zh-TW, zh-Hant, en.
    lang: str = "zh-CN"
    # Free-form record of what made this document (conversion config, model id, …).
    provenance: tuple[tuple[str, str], ...] = ()

    @property
    def source(self) -> str | None:
        for key, value in self.credits:
            if key in ("source", "byline"):
                return value
        return None


@dataclass(frozen=True)
class Document:
    meta: Metadata
    blocks: tuple[Block, ...]
    notes: tuple[SourceNote, ...] = ()
    # Name of the input (file stem) used to name outputs.
    name: str = "document"
    # Where it was read from, for messages.
    source: str = ""
    # A bilingual document carries its translation: same number of blocks, same
    # kinds, in the same order (block i of ``translation`` translates block i).
    translation: Document | None = field(default=None, compare=True)
    # Set by readers of structured formats (Word, Markdown, HTML): ``meta.title`` and the
    # Heading blocks are the source's own, so cleaning keeps them instead of guessing
    # the title from the first line and headings from the shape of lines.
    structured: bool = False

    def with_blocks(self, blocks: tuple[Block, ...]) -> Document:
        return replace(self, blocks=blocks)

    @property
    def body_text(self) -> str:
        return "".join(block.text for block in self.blocks)


def map_text(block: Block, text: str) -> Block:
    """The same kind of block with new text (used by stages that rewrite text)."""
    return replace(block, text=text)


@dataclass(frozen=True)
class Pack:
    """A briefing pack: a cover, a table of contents, then each article as its own section.

    Every article is an ordinary Document (cleaned, converted or translated like a
    single briefing), so the writers render it with the same blocks and styles.
    """

    title: str
    articles: tuple[Document, ...]
    # BCP 47 tag of the pack's words (cover, contents, notes): the edition's language.
    lang: str = "zh-CN"
    date: str | None = None
    # Name of the outputs (``NAME.zh-CN.pdf``).
    name: str = "pack"
    # The English title under the Chinese one in bilingual packs.
    subtitle: str | None = None
