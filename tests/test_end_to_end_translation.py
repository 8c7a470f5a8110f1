"""A user's path to English and bilingual briefings, with the tiny test model of the real format."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path

import pytest
import sentencepiece

from exporter.errors import ExitCode
from exporter.readers import read
from exporter.testing.tiny_model import PACKAGE_FOLDER, expected_translation
from exporter.transforms.clean import clean
from exporter.translate.segment import segment

from .briefing_checks import docx_text, has_poppler, pdf_text_pdfminer, squash

pytestmark = pytest.mark.slow


@pytest.fixture
def model_env(tmp_path: Path, tiny_archive: Path, run_cli) -> dict[str, str]:
    env = {
        "ARGOS_PACKAGES_DIR": str(tmp_path / "packages"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    installed = run_cli("models", "install", "--file", tiny_archive, env=env)
    assert installed.returncode == 0, installed.stderr
    listed = run_cli("models", "list", env=env)
    assert "zh->en" in listed.stdout
    assert run_cli("models", "check", "zh", "en", env=env).returncode == 0
    return env


def test_english_and_bilingual_briefings(
    run_cli, model_env, seed_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "build", seed_path, "--out", out, "--lang", "en",
        "--bilingual", "interleaved,side-by-side", "--no-glossary", env=model_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in result.paths)
    assert names == sorted(
        f"000_4bb12e1a55d9fe7f.{e}.{f}"
        for e in ("en", "zh-CN_en.interleaved", "zh-CN_en.side-by-side")
        for f in ("pdf", "docx")
    )
    # The manifest names the model behind every English-bearing output.
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    for path in result.paths:
        assert manifest[path.name]["provenance"]["translation_model"].startswith(PACKAGE_FOLDER), (
            path.name
        )
    doc = clean(read(seed_path))
    sp = sentencepiece.SentencePieceProcessor(
        model_file=str(
            Path(model_env["ARGOS_PACKAGES_DIR"]) / PACKAGE_FOLDER / "sentencepiece.model"
        )
    )
    english = [" ".join(expected_translation(sp, s) for s in segment(b.text)) for b in doc.blocks]
    # Every paragraph comes back in order, in every layout and format: the Chinese in the
    # bilingual ones, the model's Latin words in all (the PDF's English is hyphenated at line
    # ends, so there only a paragraph's first word is looked for).
    for path in result.paths:
        text = squash(docx_text(path) if path.suffix == ".docx" else pdf_text_pdfminer(path))
        text = unicodedata.normalize("NFKC", text)
        cursor = 0
        for block, target in zip(doc.blocks, english, strict=True):
            probes = []
            if "zh-CN_en" in path.name:
                # Side by side, a PDF's text interleaves the two columns line by line.
                size = 10 if path.name.endswith("side-by-side.pdf") else 40
                probes.append(squash(unicodedata.normalize("NFKC", block.text))[:size])
            first = target.split(" ")[0] if path.suffix == ".pdf" else target
            probes.append(squash(first)[:40])
            # A block's source and translation may come out in either order (two columns).
            found = [text.find(probe, cursor) for probe in probes]
            assert min(found) >= 0, (path.name, probes, found)
            cursor = min(found)
        if path.name.endswith((".en.pdf", ".en.docx")):
            assert "[untranslated]" not in text


@pytest.mark.poppler
@pytest.mark.skipif(not has_poppler(), reason="poppler-utils (pdffonts) not installed")
def test_every_layout_embeds_every_font(run_cli, model_env, tmp_path: Path) -> None:
    """No base-14 font (Helvetica, …) anywhere: the side-by-side table once set one."""
    src = tmp_path / "brief.txt"
    src.write_text("黄埔区召开工作会议\n会议指出，要坚持高质量发展。\n", encoding="utf-8")
    result = run_cli(
        "build", src, "--out", tmp_path / "out", "--format", "pdf", "--lang", "zh-CN,en",
        "--bilingual", "interleaved,side-by-side", "--no-glossary", env=model_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(result.paths) == 4
    for pdf in result.paths:
        listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        rows = listing.splitlines()[2:]
        assert rows, pdf.name
        for row in rows:
            assert "Helvetica" not in row and "Times" not in row, (pdf.name, row)
            assert row.split()[-5] == "yes", (pdf.name, row)  # the "emb" column


def test_make_style_model_check_fails_clearly_without_model(run_cli, tmp_path: Path) -> None:
    env = {"ARGOS_PACKAGES_DIR": str(tmp_path / "none"), "XDG_DATA_HOME": str(tmp_path)}
    result = run_cli("models", "check", "zh", "en", env=env)
    assert result.returncode == ExitCode.MISSING_DEPENDENCY
    assert "make models" in result.stderr


def test_bilingual_chinese_side_takes_its_scripts_quotes(
    run_cli, model_env, tmp_path: Path
) -> None:
    """A Traditional source's bilingual edition quotes with 「」『』, a Simplified one “”‘’."""
    sources = {
        "hant.txt": "政府宣佈新措施\n\n局長表示：“市民可以在網上申請，‘秒批’服務今日起推行。”"
        "當局會繼續聽取各界意見，並適時檢討。\n",
        "hans.txt": "政府宣布新措施\n\n局长表示：\"市民可以在网上申请，'秒批'服务今日起推行。\""
        "当局会继续听取各界意见，并适时检讨。\n",
    }
    for name, text in sources.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(
        "build", tmp_path / "hant.txt", tmp_path / "hans.txt", "--out", out,
        "--bilingual", "interleaved", "--format", "docx", "--no-glossary", env=model_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    texts = {p.name.split(".")[0]: docx_text(p) for p in result.paths}
    assert "「市民可以在網上申請，『秒批』服務今日起推行。」" in texts["hant"]
    assert "“市民可以在网上申请，‘秒批’服务今日起推行。”" in texts["hans"]


def test_beam_option_decodes_with_the_chosen_beam_and_records_it(
    run_cli, model_env, tmp_path: Path
) -> None:
    """--beam N reaches the decoder (a separate cache entry) and the manifest; bad values are
    a usage error."""
    import json

    src = tmp_path / "brief.txt"
    src.write_text("政府宣布新措施\n\n当局会继续听取各界意见，并适时检讨。\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(
        "build", src, "--out", out, "--lang", "en", "--format", "docx", "--beam", "1",
        env=model_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    provenance = next(iter(record["outputs"].values()))["provenance"]
    assert provenance["translation_beam"] == "1"
    bad = run_cli("build", src, "--out", out, "--lang", "en", "--beam", "0", env=model_env)
    assert bad.returncode == 2
    assert "--beam must be between 1 and 16" in bad.stderr
