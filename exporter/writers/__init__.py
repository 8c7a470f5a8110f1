"""Writers turn a Document into a file. Looked up by output format name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..model import Document

if TYPE_CHECKING:
    from ..style import Style


class Writer(Protocol):
    def __call__(
        self, doc: Document, path: Path, *, layout: str = "mono", style: Style | None = None
    ) -> None: ...


def _docx(doc: Document, path: Path, *, layout: str = "mono", style: Style | None = None) -> None:
    from . import docx

    docx.write(doc, path, layout=layout, style=style)


def _pdf(doc: Document, path: Path, *, layout: str = "mono", style: Style | None = None) -> None:
    from . import pdf

    pdf.write(doc, path, layout=layout, style=style)


# Each writer imports its library only when used.
WRITERS: dict[str, Writer] = {"docx": _docx, "pdf": _pdf}
LAYOUTS = ("interleaved", "side-by-side")
