"""Writers turn a Document into a file. Looked up by output format name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..model import Document, Pack

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


class PackWriter(Protocol):
    def __call__(
        self, pack: Pack, path: Path, *, layout: str = "mono", style: Style | None = None
    ) -> None: ...


def _docx_pack(pack: Pack, path: Path, *, layout: str = "mono", style: Style | None = None) -> None:
    from . import pack_docx

    pack_docx.write(pack, path, layout=layout, style=style)


def _pdf_pack(pack: Pack, path: Path, *, layout: str = "mono", style: Style | None = None) -> None:
    from . import pack_pdf

    pack_pdf.write(pack, path, layout=layout, style=style)


# Briefing packs (exporter pack): many articles under one cover and contents.
PACK_WRITERS: dict[str, PackWriter] = {"docx": _docx_pack, "pdf": _pdf_pack}
