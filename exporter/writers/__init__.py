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


def write_staged(
    fmt: str, doc: Document, path: Path, target: Path, layout: str, style: Style
) -> None:
    """Write ``doc`` as ``fmt`` to its staged ``path``; a full disk names the ``target``.

    A module-level function, so a job made of it pickles (writers/forked.py sends jobs to a
    writer process started before the document was read)."""
    from ..output import OUTPUT_ERRNOS, output_error

    try:
        WRITERS[fmt](doc, path, layout=layout, style=style)
    except OSError as exc:
        if exc.errno in OUTPUT_ERRNOS:
            raise output_error(target, exc) from None
        raise


def prepare_shared(style_path: Path | None) -> None:
    """Import what every writer needs and load the style: done before a writer process is
    forked (writers/forked.py), both processes have it without doing it twice."""
    from ..style import load_style
    from . import content, families  # noqa: F401 - imported for both processes

    load_style(style_path)


def prepare(fmt: str, langs: tuple[str, ...], style_path: Path | None) -> None:
    """Do now what writing ``fmt`` in ``langs`` will need whatever the document: import its
    library; register the faces the style uses (PDF) or load its templates (DOCX)."""
    from ..style import load_style

    style = load_style(style_path)
    if fmt == "pdf":
        from ..labels import script_of
        from . import pdf

        pdf.prepare(sorted({script_of(lang) for lang in langs}), style)
    elif fmt == "docx":
        from . import docx

        docx.prepare(langs, style)


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
