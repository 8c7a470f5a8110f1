"""Fast start: parsed font metrics come from a cache that gives reportlab exactly what parsing
does, a changed font file is parsed again, and a build loads only what it uses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exporter import fonts

SAMPLE = "中华人民共和国，“香港”。ABC abc 123 — é"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "metrics"
    monkeypatch.setattr(fonts, "metrics_cache_dir", lambda: folder)
    return folder


def _what_reportlab_uses(font: object) -> tuple:
    face = font.face  # type: ignore[attr-defined]
    codes = sorted({ord(ch) for ch in SAMPLE})
    return (
        face.makeSubset(codes),  # the bytes embedded in the PDF
        [font.stringWidth(ch, 11) for ch in SAMPLE],  # type: ignore[attr-defined]
        (face.ascent, face.descent, face.capHeight, face.bbox, face.flags, face.stemV),
        (face.italicAngle, face.defaultWidth, face.name, face.familyName, face.numGlyphs),
    )


def test_cached_metrics_embed_the_same_subset_as_parsing(cache_dir: Path) -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    path = fonts.font_set("Hans").heading.path  # a CJK face
    parsed = TTFont("parsed", str(path))
    first = fonts.load_ttfont("first", path)  # parses and fills the cache
    entries = list(cache_dir.iterdir())
    assert len(entries) == 1 and entries[0].name.startswith(path.stem)
    cached = fonts.load_ttfont("cached", path)
    assert type(cached.face) is not type(parsed.face)  # really restored, not parsed again
    assert _what_reportlab_uses(cached) == _what_reportlab_uses(parsed)
    assert _what_reportlab_uses(first) == _what_reportlab_uses(parsed)
    assert cached.face.glyphToChar == parsed.face.glyphToChar  # unpickled on first use


def test_a_changed_font_file_is_parsed_again(cache_dir: Path, tmp_path: Path) -> None:
    hans = fonts.font_set("Hans")
    target = tmp_path / "face.ttf"
    shutil.copyfile(hans.latin.path, target)
    assert fonts.load_ttfont("a", target).face.name == b"NotoSerif-Regular"
    shutil.copyfile(hans.latin_heading.path, target)  # same name, other font
    assert fonts.load_ttfont("b", target).face.name == b"NotoSans-Bold"
    assert len(list(cache_dir.iterdir())) == 2


def test_a_corrupt_cache_entry_is_ignored(cache_dir: Path) -> None:
    path = fonts.font_set("Hans").latin.path
    fonts.load_ttfont("a", path)
    (entry,) = cache_dir.iterdir()
    entry.write_bytes(b"not a pickle")
    assert fonts.load_ttfont("b", path).face.name == b"NotoSerif-Regular"


_PROBE = """
import json, sys
from pathlib import Path
from exporter.pipeline import BuildOptions, build_document
formats = tuple(sys.argv[3].split(","))
build_document(Path(sys.argv[1]), Path(sys.argv[2]), BuildOptions(formats=formats))
from reportlab.pdfbase import pdfmetrics
heavy = ["jieba", "rjieba", "ctranslate2", "sentencepiece", "docx", "reportlab", "opencc",
         "exporter.translate"]
print(json.dumps({"fonts": sorted(pdfmetrics.getRegisteredFontNames()),
                  "modules": [m for m in heavy if m in sys.modules]}))
"""


@pytest.mark.parametrize("formats", ["pdf", "pdf,docx"])
def test_a_build_loads_only_what_it_uses(seed_path: Path, tmp_path: Path, formats: str) -> None:
    from exporter import segment

    segment.word_index()  # built once per machine (reading jieba's tables); the probe reuses it
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(seed_path), str(tmp_path), formats],
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(proc.stdout.splitlines()[-1])
    hans = fonts.font_set("Hans")
    used = {hans.body.reportlab_name, hans.heading.reportlab_name}
    assert used <= set(seen["fonts"])
    unused = {face.reportlab_name for face in (*hans.alternates, *hans.fallbacks)}
    assert not unused & set(seen["fonts"])  # the seed needs no TC, symbol or emoji face
    # The seed's title breaks between words and its notes quote excerpts ending at word
    # boundaries: the word index segments those, without loading jieba's or rjieba's
    # dictionary.
    assert not {"jieba", "rjieba", "ctranslate2", "sentencepiece", "exporter.translate"} & set(
        seen["modules"]
    )
    assert ("docx" in seen["modules"]) == ("docx" in formats)


def test_the_cli_names_the_starter_glossary_without_importing_translate() -> None:
    from exporter import cli
    from exporter.translate import STARTER_GLOSSARY

    assert cli._starter_glossary() == Path(STARTER_GLOSSARY) and STARTER_GLOSSARY.is_file()
