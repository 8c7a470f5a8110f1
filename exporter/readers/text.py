"""Plain-text reader: detects the encoding of a Chinese text and splits it into lines."""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import Document, Metadata, Paragraph
from .source import MAX_INPUT_BYTES, read_source

__all__ = ["MAX_INPUT_BYTES", "DecodedText", "decode", "read"]

log = logging.getLogger("exporter.read")

# Binary or text is judged on the start of the file, as git and file(1) do: real scraped
# text carries the odd stray NUL or control byte, binary data is full of them.
_SNIFF_BYTES = 8192
_BINARY_SHARE = 0.05
# C0 controls other than tab, newline, carriage return and form feed, plus DEL.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_STRAY = {code: None for code in _CONTROL_BYTES}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Legacy Chinese encodings tried, in order, when the bytes are not UTF-8.
# GB18030 is a superset of GBK and GB2312, so one decoder serves all three.
_LEGACY = ("gb18030", "big5hkscs")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def _looks_binary(data: bytes) -> bool:
    # NUL and most C0 bytes never occur in the 8-bit Chinese encodings or in UTF-8 text;
    # UTF-16 without BOM (half its ASCII bytes are NUL) is not supported and lands here too.
    head = data[:_SNIFF_BYTES]
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > _BINARY_SHARE


def _plausibility(text: str) -> float:
    """Share of characters that are common CJK, ASCII or CJK punctuation."""
    if not text:
        return 0.0
    good = 0
    for ch in text:
        code = ord(ch)
        if (
            0x4E00 <= code <= 0x9FFF
            or 0x20 <= code < 0x7F
            or ch in "\n\r\t"
            or 0x3000 <= code <= 0x303F
            or 0xFF00 <= code <= 0xFFEF
            or ch in "“”‘’…—·"
        ):
            good += 1
    return good / len(text)


def decode(data: bytes, name: str = "input") -> DecodedText:
    """Decode bytes of a Chinese text; raise InputError when they are not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{name}: starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} (byte {exc.start}); re-save it as UTF-8"
                ) from None
    if _looks_binary(data):
        raise InputError(f"{name}: looks like binary data, not text; give a .txt file")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    for encoding in _LEGACY:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), encoding, text))
    if candidates:
        # GB18030 decodes almost any byte string, so judge by how Chinese the
        # result looks; Big5 text decoded as GB18030 is full of rare characters.
        score, encoding, text = max(candidates, key=lambda c: c[0])
        if score >= 0.9:
            return DecodedText(text, encoding)
    raise InputError(
        f"{name}: cannot tell the text encoding (not UTF-8, UTF-16 with BOM, GB18030/GBK "
        "or Big5); re-save it as UTF-8"
    )


@dataclass(frozen=True)
class SourceText:
    """A source file's text as decoded, with what the manifest records about it."""

    text: str
    encoding: str
    sha256: str


def read_text(path: Path, limit: int | None = None) -> SourceText:
    """A text source read safely (see ``read_source``) and decoded; shared by every
    reader of text formats (plain text, Markdown). Line ends become plain ``\n``."""
    source = read_source(path) if limit is None else read_source(path, limit)
    decoded = decode(source.data, str(path))
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    stripped = text.translate(_STRAY)
    if len(stripped) != len(text):
        log.warning(
            "%s: removed %d stray control character(s) (NUL and the like) from the text",
            path, len(text) - len(stripped),
        )  # fmt: skip
        text = stripped
    if not text.strip():
        raise InputError(f"{path}: the file is empty (or only whitespace); nothing to build")
    return SourceText(text, decoded.encoding, source.sha256)


def read(path: Path) -> Document:
    source = read_text(path)
    log.debug("%s: decoded as %s", path, source.encoding)
    lines = tuple(Paragraph(line) for line in source.text.split("\n"))
    return Document(
        meta=Metadata(
            provenance=(("input_encoding", source.encoding), ("input_sha256", source.sha256))
        ),
        blocks=lines,
        name=path.stem,
        source=str(path),
    )
