"""Benchmark peer: argostranslate's own translate path, one call per sentence.

Runs in the bench venv (full argostranslate with stanza + torch), driven over stdin by
bench_translate.py so rounds interleave with ours: it prints ``ready`` after a warm-up, then
answers every ``round`` line with the seconds that round took, and stops on ``quit``.

Usage: peer_argos.py SENTENCES.json FROM TO
The environment (ARGOS_PACKAGES_DIR, ARGOS_COMPUTE_TYPE, ARGOS_BEAM_SIZE, …) is set by the
caller before this starts, because argostranslate reads its settings once, at import.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        sentences = json.load(f)
    from_code, to_code = sys.argv[2], sys.argv[3]

    if os.environ.get("BENCH_FORCE_LENGTH"):
        # The real-size random model: decode 1.3 × the source's tokens, as exporter's side
        # does (bench/real_model.py).
        import ctranslate2
        from real_model import ForcedLength

        make = ctranslate2.Translator
        ctranslate2.Translator = lambda *a, **k: ForcedLength(make(*a, **k))

    from argostranslate import sbd, translate

    # MiniSBD downloads an ONNX model on first use and this machine is offline. Each call
    # here is one sentence, so "no split" is what MiniSBD would answer (and it is cheaper,
    # which only flatters this peer).
    sbd.MiniSBDSentencizer.split_sentences = lambda self, text: [text]

    def one_round() -> float:
        start = time.perf_counter()
        for sentence in sentences:
            translate.translate(sentence, from_code, to_code)
        return time.perf_counter() - start

    one_round()  # warm-up: model load, first-call allocations
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "round":
            print(json.dumps(one_round()), flush=True)
        elif command == "sample":
            print(json.dumps([translate.translate(s, from_code, to_code) for s in sentences[:3]]))
            sys.stdout.flush()
        elif command == "quit":
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
