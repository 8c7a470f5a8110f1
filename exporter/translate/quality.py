"""Spot broken machine translations: loops, Chinese left over, empty or absurd lengths."""

from __future__ import annotations

import re

from exporter.translate.engine import Decoding

UNTRANSLATED_MARK = "[untranslated]"

# Second attempt for a broken sentence: a wider beam, and penalties that break loops.
RETRY_DECODING = Decoding(beam_size=4, repetition_penalty=1.3, no_repeat_ngram_size=4)

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]", re.UNICODE)


def mark_untranslated(source: str) -> str:
    """How a sentence the model could not translate appears in the English text."""
    return f"{UNTRANSLATED_MARK} {source}"


def _has_loop(text: str) -> bool:
    """A unit of 1-8 tokens repeated back to back (4× for one token, about 3× for longer)."""
    tokens = _TOKEN.findall(text.lower())
    for size in range(1, 9):
        # Repeats of a unit of ``size`` tokens show as a run where token i == token i+size.
        needed = 3 if size == 1 else 2 * size - 1
        run = 0
        for i in range(len(tokens) - size):
            if tokens[i] != tokens[i + size]:
                run = 0
                continue
            run += 1
            if run >= needed:
                unit = tokens[i - run + 1 : i - run + 1 + size]
                if any(_WORD.search(t) for t in unit):  # "000 000 000" is not a loop
                    return True
    return False


def problem(source: str, output: str) -> str | None:
    """Why ``output`` is not a usable translation of ``source`` (None when it is)."""
    src_cjk = len(_CJK.findall(source))
    text = output.strip()
    if not text:
        return "empty output" if source.strip() else None
    if _has_loop(text) and not _has_loop(source):
        return "repetition loop"
    if len(_CJK.findall(text)) >= 2:
        return "Chinese left in the English"
    # Chinese packs 2-4 English characters into each hanzi; far outside that is a failure.
    weight = len(source) + 2 * src_cjk
    if src_cjk >= 8 and len(text) < 0.2 * weight:
        return "output too short"
    if len(text) > 6 * weight + 60:
        return "output too long"
    return None
