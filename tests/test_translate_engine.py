"""Engine details: target pieces the package's SentencePiece model does not know."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from exporter.translate import install_from_file
from exporter.translate.engine import Decoding, Engine, detokenize

from .test_translate import isolate


class _UnknownPieces:
    """Stands for the CTranslate2 translator of a package converted from OPUS-MT: its target
    vocabulary is not the SentencePiece model's, so every English piece is unknown to it."""

    def translate_batch(self, tokens: list[list[str]], **_options: Any) -> list[Any]:
        words = ["▁The", "▁district", "▁held", "▁its", "▁congress", "."]
        return [SimpleNamespace(hypotheses=[words]) for _ in tokens]

    def unload_model(self) -> None:
        pass


def test_unknown_target_pieces_lose_their_word_marker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_archive: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    engine = Engine(install_from_file(tiny_archive))
    assert engine._sp.decode(["▁district", "▁held"]) == "▁district▁held"  # the bug's cause
    engine._translator = _UnknownPieces()
    out = engine.translate(["黄埔区召开党代会。", "区委作报告。"], Decoding())
    assert out == ["The district held its congress."] * 2
    assert detokenize(engine._sp, ["▁", "▁A", "▁▁B", "▁"]) == "A B"
