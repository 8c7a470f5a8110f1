"""Plain-text reader: detects the encoding of a Chinese text and splits it into lines."""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import Document, Metadata, Paragraph

log = logging.getLogger("exporter.read")

# Larger inputs are almost certainly not a briefing source (and would make the
# PDF run to thousands of pages); the limit is generous and overridable.
MAX_INPUT_BYTES = 50 * 1024 * 1024

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
    # NUL bytes never occur in the 8-bit Chinese encodings or in UTF-8 text;
    # UTF-16 without BOM is not supported (ambiguous) and lands here too.
    return b"\x00" in data[:65536]


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


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing missing, oversized and unreadable files (every reader)."""
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(
                f"{path}: {size / 1e6:.0f} MB is larger than the {MAX_INPUT_BYTES // 2**20} MiB "
                "limit for one source; split it into several files"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a text file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; check the file's permissions") from None
    return data


def read_text(path: Path) -> DecodedText:
    """The file decoded (see ``decode``), line ends made plain; refuses an empty file."""
    decoded = decode(read_bytes(path), str(path))
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{path}: the file is empty (or only whitespace); nothing to build")
    return DecodedText(text, decoded.encoding)


def read(path: Path) -> Document:
    decoded = read_text(path)
    log.debug("%s: decoded as %s", path, decoded.encoding)
    lines = tuple(Paragraph(line) for line in decoded.text.split("\n"))
    return Document(
        meta=Metadata(provenance=(("input_encoding", decoded.encoding),)),
        blocks=lines,
        name=path.stem,
        source=str(path),
    )
