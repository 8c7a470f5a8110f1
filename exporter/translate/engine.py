"""Run an Argos package with CTranslate2 + SentencePiece: batched, one model load per process."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from exporter.errors import MissingDependencyError, raise_if_interrupted
from exporter.translate.models import ModelInfo

log = logging.getLogger("exporter.translate")

# Longest source segment (in SentencePiece tokens) sent to the model; longer sentences are cut
# at clause boundaries first. Transformer models trained on sentence pairs degrade past this.
MAX_SOURCE_TOKENS = 200
# Measured on this machine (2 cores, see bench/bench_translate.py): int8 weights with float32
# activations ran the test model 1.4-3× faster than float32 in batches; it is also what
# the real Argos packages are quantised to. EXPORTER_COMPUTE_TYPE overrides it.
DEFAULT_COMPUTE_TYPE = "int8_float32"
SPACE_MARK = "\u2581"  # SentencePiece's word-start marker "▁"


@dataclass(frozen=True)
class Decoding:
    """Decoding options for one translate call (the defaults match argostranslate's)."""

    beam_size: int = 4
    length_penalty: float = 0.2
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0


class TextTranslator(Protocol):
    """What the pipeline needs from a model; tests pass fakes with the same shape."""

    model_id: str
    max_source_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def translate(self, texts: Sequence[str], decoding: Decoding) -> list[str]: ...


def cpu_threads() -> int:
    """Cores this process may use (EXPORTER_THREADS overrides)."""
    configured = os.environ.get("EXPORTER_THREADS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_DIGESTS: dict[tuple[str, int, int], str] = {}


def model_digest(model: ModelInfo) -> str:
    """A short content hash of the package: the cache key must change when the model does."""
    h = hashlib.sha256()
    files = [model.path / "metadata.json", model.tokenizer_path]
    files += sorted(p for p in model.model_dir.iterdir() if p.is_file())
    for path in files:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in _DIGESTS:
            fh = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    fh.update(chunk)
            _DIGESTS[key] = fh.hexdigest()
        h.update(path.name.encode() + b"\0" + _DIGESTS[key].encode())
    return h.hexdigest()[:16]


def detokenize(sp: Any, pieces: Sequence[str]) -> str:
    """Text of target ``pieces``. SentencePiece copies a piece it does not know verbatim, word
    marker "▁" included: a package converted from OPUS-MT has separate source and target
    vocabularies, and its tokenizer is the source one. Like argostranslate, the marker becomes a
    space (then runs of spaces one, and the ends are trimmed)."""
    text = sp.decode(list(pieces))
    if SPACE_MARK in text:
        text = re.sub(" {2,}", " ", text.replace(SPACE_MARK, " "))
    return text.strip()


class BrokenModelError(MissingDependencyError):
    """An installed model that cannot be loaded; ``reason`` says why, without the fix."""

    def __init__(self, model: ModelInfo | str, reason: str) -> None:
        name = model.id if isinstance(model, ModelInfo) else model
        super().__init__(name, reason)  # picklable: a worker process raises it
        self.model_id, self.reason = name, reason

    def __str__(self) -> str:
        return (
            f"Translation model {self.model_id} is broken ({self.reason}); reinstall it with "
            f"`exporter models install --file X.argosmodel` or remove it with "
            f"`exporter models remove {self.model_id}`"
        )


class Engine:
    """One loaded Argos model. Create through :func:`load_engine` to share it per process."""

    def __init__(
        self, model: ModelInfo, *, compute_type: str | None = None, threads: int | None = None
    ) -> None:
        try:
            import ctranslate2
            import sentencepiece
        except ImportError as exc:
            raise_if_interrupted(exc)
            raise MissingDependencyError(
                f"Translation needs {exc.name}: run `pip install ctranslate2 sentencepiece`"
            ) from None
        if not model.tokenizer_path.is_file():
            raise BrokenModelError(model, "no sentencepiece.model; BPE packages are not supported")
        self.model = model
        self.max_source_tokens = MAX_SOURCE_TOKENS
        self.compute_type = (
            compute_type or os.environ.get("EXPORTER_COMPUTE_TYPE") or DEFAULT_COMPUTE_TYPE
        )
        self.threads = threads or cpu_threads()
        self.digest = model_digest(model)
        self.model_id = f"{model.id}@{model.version or '0'}#{self.digest}"
        self.calls = 0
        self.sentences = 0
        self._lock = threading.Lock()
        try:
            self._sp = sentencepiece.SentencePieceProcessor(model_file=str(model.tokenizer_path))
        except (RuntimeError, OSError) as exc:
            raise BrokenModelError(
                model, f"its sentencepiece.model cannot be read: {exc}"
            ) from None
        try:
            # One translator using every core: two live ones would fight for them.
            self._translator: Any = ctranslate2.Translator(
                str(model.model_dir),
                # EXPORTER_DEVICE=cuda: a GPU node's worker (see docs/SCALE.md).
                device=os.environ.get("EXPORTER_DEVICE") or "cpu",
                compute_type=self.compute_type,
                inter_threads=1,
                intra_threads=self.threads,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise BrokenModelError(model, f"cannot load it: {exc}") from None

    def count_tokens(self, text: str) -> int:
        return len(self._sp.encode(text))

    def translate(self, texts: Sequence[str], decoding: Decoding) -> list[str]:
        if not texts:
            return []
        tokens = self._sp.encode(list(texts), out_type=str)
        longest = max(len(t) for t in tokens)
        prefix = self.model.target_prefix
        options: dict[str, Any] = dict(
            beam_size=decoding.beam_size,
            length_penalty=decoding.length_penalty,
            repetition_penalty=decoding.repetition_penalty,
            no_repeat_ngram_size=decoding.no_repeat_ngram_size,
            # The default (256) silently truncates long sentences; leave room for English
            # being longer than Chinese, and let loops be cut and caught by the quality check.
            max_decoding_length=3 * longest + 32,
            max_input_length=0,
            replace_unknowns=True,
            max_batch_size=64,
        )
        if prefix:
            options["target_prefix"] = [[prefix]] * len(tokens)
        with self._lock:
            results = self._translator.translate_batch(tokens, **options)
            self.calls += 1
            self.sentences += len(texts)
        out: list[str] = []
        for result in results:
            pieces = list(result.hypotheses[0])
            if prefix and pieces and pieces[0] == prefix:
                pieces = pieces[1:]
            out.append(detokenize(self._sp, pieces))
        return out

    def close(self) -> None:
        translator = getattr(self, "_translator", None)
        if translator is not None:
            translator.unload_model()


_loaded: Engine | None = None
_loaded_lock = threading.Lock()


def load_engine(
    model: ModelInfo, *, compute_type: str | None = None, threads: int | None = None
) -> Engine:
    """The engine for ``model``, loading it once per process (and unloading any other)."""
    global _loaded
    wanted = compute_type or os.environ.get("EXPORTER_COMPUTE_TYPE") or DEFAULT_COMPUTE_TYPE
    with _loaded_lock:
        current = _loaded
        if (
            current is not None
            and current.model.path == Path(model.path)
            and current.compute_type == wanted
            and (threads is None or current.threads == threads)
            and current.digest == model_digest(model)  # not reinstalled meanwhile
        ):
            return current
        if current is not None:
            current.close()
        _loaded = Engine(model, compute_type=wanted, threads=threads)
        return _loaded
