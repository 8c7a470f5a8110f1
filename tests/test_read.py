"""Reading: every common encoding decodes; bad input fails with a clear error."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from exporter.errors import InputError
from exporter.readers import read
from exporter.readers.text import decode

TEXT = "黄埔区一届六次党代会召开\n2020/5/26 9:28\n会议指出，要坚持高质量发展，推进“双区”建设。\n"
BIG5_TEXT = "黃埔區一屆六次黨代會召開\n會議指出，要堅持高質量發展。\n"


@pytest.mark.parametrize(
    ("data", "expected", "encoding"),
    [
        (TEXT.encode("utf-8"), TEXT, "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), TEXT, "utf-8-sig"),
        (TEXT.encode("utf-16"), TEXT, "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), TEXT, "utf-16"),
        (TEXT.encode("gb18030"), TEXT, "gb18030"),
        (TEXT.encode("gbk"), TEXT, "gb18030"),
        (BIG5_TEXT.encode("big5"), BIG5_TEXT, "big5hkscs"),
    ],
    ids=["utf8", "utf8-bom", "utf16-le-bom", "utf16-be-bom", "gb18030", "gbk", "big5"],
)
def test_decodes_common_encodings(data: bytes, expected: str, encoding: str) -> None:
    decoded = decode(data)
    assert decoded.text == expected
    assert decoded.encoding == encoding


def test_crlf_lines_become_plain_lines(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))
    doc = read(path)
    assert [b.text for b in doc.blocks][:3] == TEXT.split("\n")[:3]
    assert not any("\r" in b.text for b in doc.blocks)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t\r\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        (b"abc \xff\xfe\xfd\x80\x81 \xff\xff", "encoding"),
    ],
    ids=["empty", "whitespace", "binary", "undecodable"],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read(path)


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "absent.txt")
