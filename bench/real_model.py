"""A random-weight Argos zh→en package with the real model's shapes, for speed benchmarks.

No real zh→en model can be downloaded here, and the identity test model (one layer, tiny
width) costs nothing to run, so a benchmark on it measures only overhead. This package has
the shapes of Argos's zh→en model as LibreTranslate's Locomotive trains it (train.py
defaults: Transformer base, 6 + 6 layers, d_model 512, 8 heads, FFN 2048, shared embeddings,
a shared SentencePiece vocabulary of 50,000 pieces, int8 weights), so a decoding step costs
what a real one costs. Its weights are random (seeded): the English is gibberish.

Output length: random weights end a sentence at random, so :class:`ForcedLength` wraps a
CTranslate2 translator to decode ``ceil(1.3 × source tokens)`` target tokens (English runs
about 1.3 tokens per Chinese token), whoever calls it: argostranslate one sentence at a time
(exact per sentence), or exporter's stage in batches, where every sentence of a call decodes
1.3 × the batch's mean length, the same total work as a real model whose sentences stop at
their own ends.

The tokenizer is the test model's SentencePiece model (about one piece per hanzi, more than
a real 50k vocabulary gives, so sentences are if anything longer); the vocabulary is padded
to 50,000 with made-up English words, which the SentencePiece model does not know (as with
a package converted from OPUS-MT).
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

VOCAB_SIZE = 50_000  # Locomotive's default vocab_size, shared by source and target
LAYERS = (6, 6)
D_MODEL = 512
HEADS = 8
FFN = 2048
MAX_POSITIONS = 1024
OUTPUT_RATIO = 1.3  # target tokens per source token
PACKAGE_FOLDER = "translate-zh_en-realsize"

_SYLLABLES = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"]
_ENDINGS = ["", *"nrstdlmk"]


def _word(i: int) -> str:
    """A made-up English-looking word for vocabulary entry ``i`` (unique per ``i``): one or two
    syllables and an ending, 4-6 letters on average, like an English subword piece."""
    n, end = divmod(i, len(_ENDINGS))
    first, second = divmod(n, len(_SYLLABLES) + 1)
    stem = _SYLLABLES[first % len(_SYLLABLES)] + ("" if second == 0 else _SYLLABLES[second - 1])
    return "▁" + stem + _ENDINGS[end] + ("" if first < len(_SYLLABLES) else str(first))


def _sinusoids(count: int, dim: int) -> Any:
    import numpy as np

    position = np.arange(count)[:, None]
    rates = np.exp(-math.log(10000.0) * np.arange(0, dim, 2) / dim)[None, :]
    table = np.zeros((count, dim), dtype=np.float32)
    table[:, 0::2] = np.sin(position * rates)
    table[:, 1::2] = np.cos(position * rates)
    return table


def _spec(vocabulary: list[str], first_word: int, seed: int) -> Any:
    import numpy as np
    from ctranslate2.specs import transformer_spec

    rng = np.random.default_rng(seed)
    d, f32 = D_MODEL, np.float32

    def linear(layer: Any, out: int, inp: int) -> None:
        layer.weight = (rng.standard_normal((out, inp)) / math.sqrt(inp)).astype(f32)
        layer.bias = np.zeros(out, dtype=f32)

    def norm(spec: Any) -> None:
        spec.gamma = np.ones(d, dtype=f32)
        spec.beta = np.zeros(d, dtype=f32)

    def ffn(spec: Any) -> None:
        norm(spec.layer_norm)
        linear(spec.linear_0, FFN, d)
        linear(spec.linear_1, d, FFN)

    spec = transformer_spec.TransformerSpec.from_config(LAYERS, HEADS)
    embeddings = (rng.standard_normal((len(vocabulary), d)) * d**-0.5).astype(f32)
    positions = _sinusoids(MAX_POSITIONS, d)
    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = embeddings
    enc.position_encodings.encodings = positions
    for layer in enc.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        ffn(layer.ffn)
    norm(enc.layer_norm)
    dec.embeddings.weight = embeddings  # shared, as Locomotive trains it
    # Strong random position codes make each step's word mostly a function of its position:
    # random weights otherwise settle into a loop of a few words, which the quality check
    # (rightly) rejects and retries. (Same shapes and cost as sinusoids.)
    dec.position_encodings.encodings = (4 * rng.standard_normal((MAX_POSITIONS, d))).astype(f32)
    for layer in dec.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * d, d)
        linear(layer.self_attention.linear[1], d, d)
        norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], d, d)
        linear(layer.attention.linear[1], 2 * d, d)
        linear(layer.attention.linear[2], d, d)
        ffn(layer.ffn)
    norm(dec.layer_norm)
    # Output side: a projection of its own (tied to the input embeddings, random weights feed
    # the last token back into itself and loop), and only the made-up words: the test
    # tokenizer's pieces (hanzi, bytes, control tokens) would decode to Chinese or nothing.
    linear(dec.projection, len(vocabulary), d)
    dec.projection.bias[:first_word] = -1e4
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization="int8")
    return spec


def build_real_size_package(dest: Path, *, seed: int = 11) -> Path:
    """Write ``translate-zh_en-realsize.argosmodel`` into ``dest`` (a folder); return it."""
    import sentencepiece as spm

    from exporter.testing.tiny_model import (
        METADATA,
        _train_sentencepiece,
        _write_zip,
        default_training_text,
    )

    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / f"{PACKAGE_FOLDER}.argosmodel"
    # Every URO ideograph is a piece, so no hanzi falls back to three byte pieces.
    uro = [chr(c) for c in range(0x4E00, 0xA000)]
    lines = ["".join(uro[i : i + 64]) for i in range(0, len(uro), 64)]
    sp_bytes = _train_sentencepiece(default_training_text() + "\n".join(lines) + "\n")
    processor = spm.SentencePieceProcessor(model_proto=sp_bytes)
    vocabulary = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    known = set(vocabulary)
    first_word = len(vocabulary)
    i = 0
    while len(vocabulary) < VOCAB_SIZE:
        word = _word(i)
        i += 1
        if word not in known:
            vocabulary.append(word)
    spec = _spec(vocabulary, first_word, seed)
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        root = Path(tmp) / PACKAGE_FOLDER
        (root / "model").mkdir(parents=True)
        spec.save(str(root / "model"))
        (root / "sentencepiece.model").write_bytes(sp_bytes)
        meta = {k: v for k, v in METADATA.items() if not k.startswith("exporter_")}
        meta["package_version"] = "0.0-realsize"
        (root / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        (root / "README.md").write_text("Random weights, real shapes: for benchmarks.\n")
        _write_zip(archive, root)
    return archive


def forced_length(tokens: list[list[str]]) -> int:
    """Target tokens to decode for a call: 1.3 × the mean source length. For one sentence that
    is its own length; for a batch it gives the same total work as a real model, whose
    sentences each stop at their own end (finished ones leave the batch)."""
    mean = sum(len(t) for t in tokens) / max(len(tokens), 1)
    return max(1, math.ceil(OUTPUT_RATIO * mean))


class _Result(NamedTuple):
    hypotheses: list[list[str]]
    scores: list[float]


class ForcedLength:
    """A CTranslate2 translator that decodes exactly ``forced_length(batch)`` tokens."""

    def __init__(self, translator: Any) -> None:
        self._translator = translator

    def translate_batch(self, tokens: list[list[str]], *args: Any, **options: Any) -> Any:
        length = forced_length(tokens)
        options["min_decoding_length"] = options["max_decoding_length"] = length
        results = self._translator.translate_batch(tokens, *args, **options)
        # Each sentence keeps at most its own length of output, as a real model stops there.
        return [
            _Result([h[: forced_length([source])] for h in r.hypotheses], r.scores)
            for source, r in zip(tokens, results, strict=True)
        ]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._translator, name)


if __name__ == "__main__":
    import sys

    print(build_real_size_package(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
