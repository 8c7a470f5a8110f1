"""The font layer: built faces are embeddable TrueType, every character finds a face that has it,
user fonts override built ones, and a missing build says how to fix it.

Needs the built fonts (``make fonts`` runs before the tests)."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from exporter import fontbuild, fonts
from exporter.errors import ExitCode, MissingDependencyError

SIMPLIFIED = "中华人民共和国国务院新闻办公室发布会，记者问：“这是为什么？”"
TRADITIONAL = "臺灣與香港的繁體中文報導：「議會通過條例」，澳門亦然。"
LATIN = "The Ministry said on Tuesday — “quoted” text, café, naïve, 2024 €5."
HK_EXT_B = "\U000282e2"  # 𨋢 (lift, Cantonese): CJK Extension B, only the TC faces have it


@pytest.fixture(params=["Hans", "Hant"])
def font_set(request: pytest.FixtureRequest) -> fonts.FontSet:
    return fonts.font_set(request.param)


def test_docx_family_names_are_the_ones_word_processors_know() -> None:
    hans, hant = fonts.font_set("Hans"), fonts.font_set("Hant")
    assert (hans.body.family, hans.heading.family) == ("Noto Serif SC", "Noto Sans SC")
    assert (hant.body.family, hant.heading.family) == ("Noto Serif TC", "Noto Sans TC")
    assert (hans.latin.family, hans.latin_bold.family) == ("Noto Serif", "Noto Serif")
    assert hans.latin_bold.bold and not hans.latin.bold
    assert (hans.latin_heading.family, hans.latin_heading.bold) == ("Noto Sans", True)
    assert fonts.font_set("Latn") == hans


def test_built_faces_are_truetype_and_embedded_by_reportlab(font_set: fonts.FontSet) -> None:
    from pypdf import PdfReader
    from reportlab.pdfgen.canvas import Canvas

    fonts.register_reportlab(font_set)
    sample = SIMPLIFIED + TRADITIONAL + LATIN + HK_EXT_B + "😀★⟶"
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for y, face in enumerate(font_set.faces):
        assert face.path.read_bytes()[:4] == b"\x00\x01\x00\x00", face.path  # glyf, not CFF
        drawn = "".join(ch for ch in sample if fonts.covers(face, ch))[:20]
        assert drawn, face
        canvas.setFont(face.reportlab_name, 10)
        canvas.drawString(20, 800 - 20 * y, drawn)
    canvas.save()

    embedded = {}
    resources: Any = PdfReader(buffer).pages[0]["/Resources"]
    for ref in resources["/Font"].values():
        font = ref.get_object()
        if font["/Subtype"] == "/Type1":
            continue  # the canvas's initial Helvetica, never used
        descriptor = font["/FontDescriptor"].get_object()
        embedded[str(font["/BaseFont"]).split("+")[-1]] = "/FontFile2" in descriptor
    assert embedded == {face.reportlab_name: True for face in font_set.faces}


@pytest.mark.parametrize(
    ("script", "text"),
    [
        ("Hans", SIMPLIFIED),
        ("Hans", TRADITIONAL),
        ("Hant", TRADITIONAL),
        ("Hant", SIMPLIFIED),
        ("Hans", LATIN),
        ("Hant", LATIN),
        ("Hans", HK_EXT_B),
        ("Hant", HK_EXT_B),
    ],
)
def test_every_character_resolves_to_a_face_that_has_it(script: str, text: str) -> None:
    font_set = fonts.font_set(script)
    for preferred in (font_set.body, font_set.heading, font_set.latin, font_set.latin_heading):
        for ch in text:
            face = fonts.pick_face_for_char(font_set, ch, preferred)
            assert face is not None and fonts.covers(face, ch), (ch, preferred)
    assert fonts.uncovered(font_set, text) == []


def test_main_faces_cover_their_own_script(font_set: fonts.FontSet) -> None:
    own = SIMPLIFIED if font_set.script == "Hans" else TRADITIONAL
    assert all(fonts.covers(font_set.body, ch) for ch in own)
    assert all(fonts.covers(font_set.heading, ch) for ch in own)
    assert all(fonts.covers(font_set.latin, ch) for ch in LATIN)


def test_fallback_keeps_the_style_of_the_preferred_face() -> None:
    hans = fonts.font_set("Hans")
    # Latin inside Chinese text stays in the Chinese face; Chinese inside English text goes to
    # the Chinese face of the same style (serif body, bold sans for a bold sans heading).
    assert fonts.pick_face_for_char(hans, "A", hans.body) == hans.body
    assert fonts.pick_face_for_char(hans, "A", hans.latin) == hans.latin
    assert fonts.pick_face_for_char(hans, "中", hans.latin) == hans.body
    assert fonts.pick_face_for_char(hans, "中", hans.latin_heading) == hans.heading_bold
    assert fonts.pick_face_for_char(hans, "中", hans.heading) == hans.heading
    # 𨋢 in a Simplified document: drawn by the Traditional face of the same style.
    serif = fonts.pick_face_for_char(hans, HK_EXT_B, hans.body)
    sans = fonts.pick_face_for_char(hans, HK_EXT_B, hans.heading)
    assert serif is not None and serif.family == "Noto Serif TC"
    assert sans is not None and sans.family == "Noto Sans TC"


@pytest.mark.parametrize(
    ("char", "family"),
    [("😀", "Noto Emoji"), ("⟶", "DejaVu Sans"), ("⌀", "Noto Sans Symbols")],
)
def test_symbols_and_emoji_fall_back(font_set: fonts.FontSet, char: str, family: str) -> None:
    face = fonts.pick_face_for_char(font_set, char, font_set.body)
    assert face is not None and face.family == family


def test_a_character_no_face_has_resolves_to_none(font_set: fonts.FontSet) -> None:
    private_use = "\ue000"
    assert fonts.pick_face_for_char(font_set, private_use, font_set.body) is None
    assert fonts.uncovered(font_set, f"正文{private_use}正文 \n") == [private_use]


def test_user_fonts_take_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = fonts.font_set("Hans")
    dejavu = next(face for face in built.fallbacks if face.family == "DejaVu Sans")
    shutil.copyfile(dejavu.path, tmp_path / "body-Hans.ttf")
    monkeypatch.setenv(fonts.ENV_DIR, str(tmp_path))

    hans, hant = fonts.font_set("Hans"), fonts.font_set("Hant")
    assert hans.body.family == "DejaVu Sans" and hans.body.path.parent == tmp_path.resolve()
    assert hans.heading == built.heading
    assert hant.body.family == "Noto Serif TC"  # "-Hans" applies to Simplified only
    # Two files with one PostScript name get distinct reportlab names.
    assert hans.body.reportlab_name != dejavu.reportlab_name
    fonts.register_reportlab(hans)

    (tmp_path / "body-Hans.ttf").rename(tmp_path / "body.ttf")  # both scripts
    assert fonts.font_set("Hant").body.family == "DejaVu Sans"


def test_cff_drop_in_is_refused_with_the_conversion_command(tmp_path: Path) -> None:
    otf = fontbuild.source_path(fontbuild.JOBS[3])  # Noto Sans TC, CFF outlines
    (tmp_path / "heading.otf").symlink_to(otf)
    with pytest.raises(MissingDependencyError, match="fontbuild --convert"):
        fonts.font_set("Hant", [tmp_path, *fonts.search_dirs()])


def test_missing_fonts_say_how_to_build_them(tmp_path: Path) -> None:
    with pytest.raises(MissingDependencyError) as caught:
        fonts.font_set("Hans", [tmp_path])
    assert str(caught.value) == fonts.NOT_BUILT
    assert "make fonts" in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.exit_code == ExitCode.MISSING_DEPENDENCY


def test_converted_outlines_match_the_original() -> None:
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    job = fontbuild.JOBS[0]  # Noto Serif SC
    original = TTFont(fontbuild.source_path(job), lazy=True)
    built = TTFont(fonts.font_set("Hans").body.path, lazy=True)
    for ch in "永中國A,、":
        bounds, widths = [], []
        for font in (original, built):
            glyphs = font.getGlyphSet()
            glyph = glyphs[font.getBestCmap()[ord(ch)]]
            pen = BoundsPen(glyphs)
            glyph.draw(pen)
            bounds.append(pen.bounds)
            widths.append(glyph.width)
        assert widths[0] == widths[1], ch
        assert all(abs(a - b) <= 2 for a, b in zip(*bounds, strict=True)), (ch, bounds)


def test_fontbuild_is_idempotent_and_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One variable-font instance and one plain copy: seconds, not minutes.
    wanted = {"NotoSansSymbols-Regular.ttf", "DejaVuSans.ttf"}
    cheap = tuple(job for job in fontbuild.JOBS if job.output in wanted)
    assert len(cheap) == 2
    monkeypatch.setattr(fontbuild, "JOBS", cheap)
    first = fontbuild.build_all(tmp_path, jobs=1)
    assert set(first) == {job.output for job in cheap}
    assert fontbuild.build_all(tmp_path, jobs=1) == {}  # all current: nothing redone

    broken = tmp_path / cheap[0].output
    broken.write_bytes(broken.read_bytes()[:1000])  # as if a copy had been cut short
    assert set(fontbuild.build_all(tmp_path, jobs=1)) == {cheap[0].output}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(job.output for job in cheap)


def test_a_missing_font_package_names_its_install_command() -> None:
    cjk = replace(fontbuild.JOBS[0], package="no_such_font_package")
    with pytest.raises(MissingDependencyError, match="pip install pylopdf-fonts-zh-cn"):
        fontbuild.source_path(cjk)
    dejavu = replace(fontbuild.JOBS[-1], package="no_such_font_package")
    with pytest.raises(MissingDependencyError, match="--no-deps rinoh-typeface-dejavusans"):
        fontbuild.source_path(dejavu)


def test_convert_refuses_a_font_that_needs_no_conversion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ttf = fonts.font_set("Hans").latin.path
    code = fontbuild.main(["--convert", str(ttf), str(tmp_path / "out.ttf")])
    assert code == ExitCode.BAD_INPUT
    assert "no CFF outlines" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
