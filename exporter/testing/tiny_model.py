"""Build a tiny zh→en Argos package that "translates" each source piece into one Latin word.

No zh→en model can be downloaded where the tests run, so they build one of the real format:
a SentencePiece model plus a CTranslate2 Transformer whose weights are set by hand (numpy,
no torch, no training). It copies its input token by token, and its target vocabulary turns
every piece into English-looking text: ASCII pieces (numbers, Latin words, glossary
placeholders) stay as they are, every other piece becomes a fixed made-up word (``黄埔`` →
``▁bakun``; see :func:`target_vocabulary`). So the output is Latin text whose words line up with
the source, every check the product runs on a real model's output (Chinese left over,
loops, lengths) runs in the tests, and :func:`expected_translation` says exactly what a
sentence gives. Like a package converted from OPUS-MT, its target pieces are not in its
SentencePiece model.

How the copy works (one encoder and one decoder layer, one attention head):

* token ids are written as ±1 bit codes (each bit stored as the pair +b, -b so every vector has
  zero mean and the same norm, which makes every LayerNorm a constant scaling);
* positions are sinusoid codes at scattered frequencies, sharply peaked in their dot product;
* self-attention and feed-forward outputs are zero, so the encoder passes ``code + position``;
* the decoder input is only its position code; cross-attention uses positions as query and key
  and the token code as value, so decoder step ``t`` reads source token ``t``;
* the output projection scores every vocabulary entry by the dot product of its code with the
  code read, so target entry ``i`` wins for source token ``i``; ``add_source_eos`` makes it
  copy ``</s>`` last, which ends decoding.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE_FOLDER = "translate-zh_en-tiny"
ARCHIVE_NAME = PACKAGE_FOLDER + ".argosmodel"
MAX_POSITIONS = 1024
_FREQUENCIES = 32
# Attention and output logit scales: large enough that softmax is one-hot in float32.
_QUERY_SCALE = 64.0
_OUTPUT_SCALE = 8.0
# Fixed timestamp for zip entries so the archive is byte-identical on every build.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)

METADATA = {
    "package_version": "0.1",
    "argos_version": "1.9",
    "from_code": "zh",
    "from_name": "Chinese",
    "to_code": "en",
    "to_name": "English",
    "type": "translate",
    "links": [],
}

_SAMPLE = (
    "黄埔区一届六次党代会暨广州开发区广州高新区党工委年第一次工作会议召开。"
    "广州市委常委、黄埔区委书记周亚伟代表区委向大会作报告！"
    "区长陈勇就经济工作作专题讲话；该区完成地区生产总值，增长率创新高？"
    "知识城、科学城、生物岛和黄埔港共同构成“北中南”空间布局。"
    "中国日报广东记者站 China Daily Guangdong bureau, 2020-05-26."
)


def default_training_text() -> str:
    """A sample paragraph plus every GB2312 level-1 hanzi, so common characters are pieces."""
    hanzi: list[str] = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                hanzi.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    lines = [_SAMPLE] * 3
    lines += ["".join(hanzi[i : i + 40]) for i in range(0, len(hanzi), 40)]
    lines.append("The quick brown fox jumps over the lazy dog. 0123456789 ,.;:!?()[]\"'-")
    return "\n".join(lines) + "\n"


def _train_sentencepiece(text: str) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    required = len(set(text.replace("\n", "")))
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text.splitlines()),
        model_writer=model,
        model_type="unigram",
        vocab_size=required + 256 + 3 + 64,
        character_coverage=1.0,
        byte_fallback=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return model.getvalue()


_SYLLABLES = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"]
_ENDINGS = ("", "n", "r", "s", "t", "k", "m", "l")


def _latin_word(i: int) -> str:
    """A fixed made-up word for piece ``i``: distinct for every ``i``."""
    n, end = divmod(i, len(_ENDINGS))
    letters = ""
    while True:
        n, r = divmod(n, len(_SYLLABLES))
        letters += _SYLLABLES[r]
        if n == 0 or len(letters) >= 6:
            break
    return letters + _ENDINGS[end] + (str(n) if n else "")


def target_vocabulary(vocabulary: list[str]) -> list[str]:
    """The English side: ASCII pieces and control tokens as they are, every other piece a
    made-up word starting a new word (``▁``). All entries are distinct."""
    out: list[str] = []
    taken = set(vocabulary)
    for i, piece in enumerate(vocabulary):
        text = piece.lstrip("\u2581")
        if not text or text.isascii() or (piece.startswith("<") and piece.endswith(">")):
            out.append(piece)
            continue
        word = "\u2581" + _latin_word(i)
        while word in taken:
            word += "x"
        taken.add(word)
        out.append(word)
    return out


def expected_translation(sp: Any, sentence: str) -> str:
    """What the tiny model gives for one ``sentence`` (``sp``: its SentencePiece processor)."""
    from exporter.translate.engine import detokenize

    vocabulary = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    target = target_vocabulary(vocabulary)
    return detokenize(sp, [target[i] for i in sp.encode(sentence)])


def _position_codes(count: int, frequencies: int) -> np.ndarray:
    # Frequencies from the fractional parts of square roots of primes: deterministic and
    # incommensurable, so no shift Δ ≠ 0 brings all of them back into phase (a golden-ratio
    # grid does, at Fibonacci shifts).
    primes = [p for p in range(2, 1000) if all(p % q for q in range(2, math.isqrt(p) + 1))]
    omegas = np.array([math.pi * (0.03 + 0.94 * (math.sqrt(p) % 1.0)) for p in primes])
    angles = np.arange(count)[:, None] * omegas[None, :frequencies]
    cos, sin = np.cos(angles), np.sin(angles)
    return np.concatenate([cos, sin, -cos, -sin], axis=1)


def _check_position_margin(codes: np.ndarray) -> float:
    gram = codes @ codes.T
    peak = float(gram[0, 0])
    off = gram - np.eye(len(codes)) * 1e9
    margin = peak - float(off.max())
    if margin < peak / 4:
        raise RuntimeError(f"position codes too ambiguous (margin {margin:.2f} of {peak:.2f})")
    return margin


def _build_spec(vocabulary: list[str]) -> Any:  # a ctranslate2 TransformerSpec
    from ctranslate2.specs import transformer_spec

    size = len(vocabulary)
    bits = max(1, math.ceil(math.log2(size)))
    code_dims = 2 * bits
    positions = _position_codes(MAX_POSITIONS, _FREQUENCIES)
    _check_position_margin(positions)
    pos_dims = positions.shape[1]
    d_model = code_dims + pos_dims
    d_model += (-d_model) % 16
    code = slice(0, code_dims)
    pos = slice(code_dims, code_dims + pos_dims)

    ids = np.arange(size)[:, None]
    signs = np.where((ids >> np.arange(bits)[None, :]) & 1, 1.0, -1.0)
    codes = np.concatenate([signs, -signs], axis=1)

    f32 = np.float32

    def zeros(*shape: int) -> np.ndarray:
        return np.zeros(shape, dtype=f32)

    def selector(part: slice, scale: float = 1.0) -> np.ndarray:
        weight = zeros(d_model, d_model)
        idx = np.arange(part.start, part.stop)
        weight[idx, idx] = scale
        return weight

    def layer_norm(spec: Any) -> None:
        spec.gamma = np.ones(d_model, dtype=f32)
        spec.beta = zeros(d_model)

    def zero_ffn(ffn: Any) -> None:
        layer_norm(ffn.layer_norm)
        ffn.linear_0.weight = zeros(16, d_model)
        ffn.linear_0.bias = zeros(16)
        ffn.linear_1.weight = zeros(d_model, 16)
        ffn.linear_1.bias = zeros(d_model)

    def zero_self_attention(att: Any) -> None:
        layer_norm(att.layer_norm)
        att.linear[0].weight = zeros(3 * d_model, d_model)
        att.linear[0].bias = zeros(3 * d_model)
        att.linear[1].weight = zeros(d_model, d_model)
        att.linear[1].bias = zeros(d_model)

    spec = transformer_spec.TransformerSpec.from_config((1, 1), 1)
    pos_table = zeros(MAX_POSITIONS, d_model)
    pos_table[:, pos] = positions

    enc = spec.encoder
    enc.scale_embeddings = False
    source_embeddings = zeros(size, d_model)
    source_embeddings[:, code] = codes
    enc.embeddings[0].weight = source_embeddings
    enc.position_encodings.encodings = pos_table.copy()
    zero_self_attention(enc.layer[0].self_attention)
    zero_ffn(enc.layer[0].ffn)
    layer_norm(enc.layer_norm)

    dec = spec.decoder
    dec.scale_embeddings = False
    dec.embeddings.weight = zeros(size, d_model)
    dec.position_encodings.encodings = pos_table.copy()
    layer = dec.layer[0]
    zero_self_attention(layer.self_attention)
    cross = layer.attention
    layer_norm(cross.layer_norm)
    cross.linear[0].weight = selector(pos, _QUERY_SCALE)
    cross.linear[0].bias = zeros(d_model)
    cross.linear[1].weight = np.concatenate([selector(pos), selector(code)], axis=0)
    cross.linear[1].bias = zeros(2 * d_model)
    cross.linear[2].weight = selector(code)
    cross.linear[2].bias = zeros(d_model)
    zero_ffn(layer.ffn)
    layer_norm(dec.layer_norm)
    projection = zeros(size, d_model)
    projection[:, code] = codes * _OUTPUT_SCALE
    dec.projection.weight = projection
    dec.projection.bias = zeros(size)

    spec.config.add_source_eos = True
    spec.config.add_source_bos = False
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(target_vocabulary(vocabulary))
    spec.validate()
    return spec


def _write_zip(archive: Path, root: Path) -> None:
    tmp = archive.with_name(archive.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in root.rglob("*")):
            name = path.relative_to(root.parent).as_posix()
            if path.is_dir():
                info = zipfile.ZipInfo(name + "/", _ZIP_DATE)
                info.external_attr = 0o40755 << 16
                zf.writestr(info, b"")
            else:
                info = zipfile.ZipInfo(name, _ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    tmp.replace(archive)


def build_tiny_argos_package(dest: Path, *, training_text: str | None = None) -> Path:
    """Build the tiny test model and return the path of the ``.argosmodel`` archive.

    ``dest`` is either the archive path (ending in ``.argosmodel``) or a folder to put
    ``translate-zh_en-tiny.argosmodel`` in. The same inputs give a byte-identical archive.
    """
    dest = Path(dest)
    if dest.suffix == ".argosmodel":
        archive = dest
    else:
        dest.mkdir(parents=True, exist_ok=True)
        archive = dest / ARCHIVE_NAME
    archive.parent.mkdir(parents=True, exist_ok=True)

    import sentencepiece as spm

    sp_bytes = _train_sentencepiece(training_text or default_training_text())
    processor = spm.SentencePieceProcessor(model_proto=sp_bytes)
    vocabulary = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    spec = _build_spec(vocabulary)

    with tempfile.TemporaryDirectory(dir=archive.parent) as tmp:
        root = Path(tmp) / PACKAGE_FOLDER
        (root / "model").mkdir(parents=True)
        spec.save(str(root / "model"))
        (root / "sentencepiece.model").write_bytes(sp_bytes)
        metadata = json.dumps(METADATA, indent=2, ensure_ascii=False) + "\n"
        (root / "metadata.json").write_text(metadata, encoding="utf-8")
        (root / "README.md").write_text(
            "Test model built by exporter.testing.tiny_model: one Latin word per source piece.\n",
            encoding="utf-8",
        )
        _write_zip(archive, root)
    return archive
