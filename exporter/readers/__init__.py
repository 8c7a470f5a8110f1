"""Readers turn a file into a Document. Looked up by file suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..model import Document
from . import text

READERS: dict[str, Callable[[Path], Document]] = {
    ".txt": text.read,
    ".text": text.read,
}


def read(path: Path) -> Document:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(f"{path}: unsupported file type {path.suffix!r}; supported: {known}")
    return reader(path)
