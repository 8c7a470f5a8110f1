"""Readers turn a file into a Document. Looked up by file suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..model import Document
from . import text


def _docx(path: Path) -> Document:
    from . import docx

    return docx.read(path)


def _markdown(path: Path) -> Document:
    from . import markdown

    return markdown.read(path)


def _html(path: Path) -> Document:
    from . import html

    return html.read(path)


# Each reader imports its library only when used.
READERS: dict[str, Callable[[Path], Document]] = {
    ".txt": text.read,
    ".text": text.read,
    ".md": _markdown,
    ".markdown": _markdown,
    ".docx": _docx,
    ".html": _html,
    ".htm": _html,
}


def read(path: Path) -> Document:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(f"{path}: unsupported file type {path.suffix!r}; supported: {known}")
    return reader(path)
