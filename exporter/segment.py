"""Word boundaries in Chinese text, for title breaks, note excerpts and the zh-HK word guard.

Every caller asks about short spans (a title, 16 characters around an excerpt's end, a
guard's ±12-character window), but jieba — and rjieba, its compiled twin — loads its whole
349,000-word dictionary first: 1–2 s for jieba, 0.13 s for rjieba, which was a quarter of a
cold zh-CN build. So jieba's own algorithm runs here, in Python, over jieba's own dictionary
and HMM tables kept in an SQLite file in the user's cache (``wordindex-*.sqlite``, built once
from the installed jieba, ~10 MB); a span looks up only its own substrings, a few hundred
indexed reads. Segmentation is jieba's ``cut`` with and without HMM (tests compare them).

Without the index (no writable cache) rjieba, then jieba, do the same work.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path

from .diskcache import ReadOnlySQLite, entry_path, files_stamp, write_sqlite
from .errors import raise_if_interrupted

log = logging.getLogger("exporter.segment")

# jieba's own patterns (jieba/__init__.py, jieba/finalseg/__init__.py).
_HAN_BLOCK = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_SKIP = re.compile("(\r\n|\\s)")
_ENG = re.compile("[a-zA-Z0-9]")
_HMM_HAN = re.compile("([\u4e00-\u9fd5]+)")
_HMM_SKIP = re.compile("([a-zA-Z0-9]+(?:\\.\\d+)?%?)")
_MIN_FLOAT = -3.14e100
_PREV_STATES = {"B": "ES", "M": "MB", "S": "SE", "E": "BM"}
# Bump when the index's tables change.
_INDEX_SCHEMA = "1"


def _jieba_dictionary() -> Path | None:
    """jieba's dict.txt, found without importing jieba (~0.2 s); None without jieba or its
    HMM tables (finalseg)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    dictionary = root / "dict.txt"
    return dictionary if dictionary.is_file() and (root / "finalseg").is_dir() else None


def _build_index(path: Path, dictionary: Path) -> None:
    """jieba's prefix dictionary (``gen_pfdict``: every word with its frequency, and every
    prefix of a word with 0) and its HMM tables, written to ``path`` atomically."""
    import json

    from jieba.finalseg.prob_emit import P as emit  # noqa: N811 (jieba's names)
    from jieba.finalseg.prob_start import P as start  # noqa: N811
    from jieba.finalseg.prob_trans import P as trans  # noqa: N811

    freq: dict[str, int] = {}
    total = 0
    with dictionary.open("rb") as handle:
        for line in handle:
            word, count = line.strip().decode("utf-8").split(" ")[:2]
            freq[word] = int(count)
            total += int(count)
            for end in range(1, len(word)):
                freq.setdefault(word[:end], 0)
    chars = sorted(set().union(*(emit[state] for state in "BMES")))

    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE words (w TEXT PRIMARY KEY, f INTEGER) WITHOUT ROWID")
        db.executemany("INSERT INTO words VALUES (?, ?)", sorted(freq.items()))
        db.execute(
            "CREATE TABLE emit (c TEXT PRIMARY KEY, b REAL, m REAL, e REAL, s REAL) WITHOUT ROWID"
        )
        db.executemany(
            "INSERT INTO emit VALUES (?, ?, ?, ?, ?)",
            [(c, *(emit[s].get(c, _MIN_FLOAT) for s in "BMES")) for c in chars],
        )
        db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT)")
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("total", str(total)), ("start", json.dumps(start)), ("trans", json.dumps(trans))],
        )

    write_sqlite(path, fill)


class WordIndex:
    """jieba's segmentation over the on-disk index; lookups are memoised per process."""

    def __init__(self, path: Path) -> None:
        import json

        self.path = path
        self._db = ReadOnlySQLite(path)
        meta = dict(self._db.execute("SELECT k, v FROM meta"))
        self._log_total = math.log(int(meta["total"]))
        self._start: dict[str, float] = json.loads(meta["start"])
        self._trans: dict[str, dict[str, float]] = json.loads(meta["trans"])
        self._freq: dict[str, int | None] = {}  # None: not in the dictionary
        self._emit: dict[str, tuple[float, float, float, float]] = {}
        self._lock = threading.Lock()

    def _fetch(self, table: str, column: str, keys: Iterable[str]) -> list[tuple]:
        with self._lock:
            return self._db.select_in(f"SELECT * FROM {table} WHERE {column} IN ({{}})", list(keys))

    def _load_freqs(self, text: str) -> None:
        """Frequencies of every substring of ``text`` that the DAG walk will ask about:
        length by length, extending only the substrings that are prefixes of a word."""
        n = len(text)
        live = list(range(n))  # starts whose substring of the current length is a prefix
        length = 1
        while live:
            wanted = {text[k : k + length] for k in live if k + length <= n}
            missing = [w for w in wanted if w not in self._freq]
            if missing:
                found = dict(self._fetch("words", "w", missing))
                for word in missing:
                    self._freq[word] = found.get(word)
            live = [
                k for k in live if k + length <= n and self._freq[text[k : k + length]] is not None
            ]
            length += 1

    def _route(self, sentence: str) -> list[int]:
        """End (exclusive) of the best word starting at each index (jieba's get_DAG + calc)."""
        self._load_freqs(sentence)
        freq = self._freq
        n = len(sentence)
        dag: list[list[int]] = []
        for k in range(n):
            ends = []
            i = k
            frag = sentence[k]
            while i < n and freq.get(frag) is not None:
                if freq[frag]:
                    ends.append(i)
                i += 1
                frag = sentence[k : i + 1]
            dag.append(ends or [k])
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        log_total = self._log_total
        for idx in range(n - 1, -1, -1):
            route[idx] = max(
                (math.log(freq.get(sentence[idx : x + 1]) or 1) - log_total + route[x + 1][0], x)
                for x in dag[idx]
            )
        return [end + 1 for _, end in route[:n]]

    def _cut_dag(self, sentence: str, hmm: bool) -> Iterator[str]:
        ends = self._route(sentence)
        x, buf = 0, ""
        while x < len(sentence):
            y = ends[x]
            word = sentence[x:y]
            # jieba buffers single characters: with HMM all of them (a run the dictionary
            # does not know is then cut by the HMM), without only Latin letters and digits.
            if len(word) == 1 and (hmm or _ENG.match(word)):
                buf += word
            else:
                if buf:
                    yield from self._flush(buf) if hmm else (buf,)
                    buf = ""
                yield word
            x = y
        if buf:
            yield from self._flush(buf) if hmm else (buf,)

    def _flush(self, buf: str) -> Iterator[str]:
        if len(buf) == 1:
            yield buf
        elif not self._freq.get(buf):  # unknown run: jieba's HMM (finalseg) cuts it
            yield from self._hmm_cut(buf)
        else:
            yield from buf

    def _hmm_cut(self, sentence: str) -> Iterator[str]:
        for block in _HMM_HAN.split(sentence):
            if _HMM_HAN.match(block):
                yield from self._viterbi_cut(block)
            else:
                yield from (x for x in _HMM_SKIP.split(block) if x)

    def _viterbi_cut(self, sentence: str) -> Iterator[str]:
        missing = {c for c in sentence if c not in self._emit}
        if missing:
            rows = self._fetch("emit", "c", missing)
            self._emit.update((c, tuple(p)) for c, *p in rows)
            for c in missing:
                self._emit.setdefault(c, (_MIN_FLOAT,) * 4)
        column = {"B": 0, "M": 1, "E": 2, "S": 3}
        emit = [self._emit[c] for c in sentence]
        trans = self._trans
        v = [{y: self._start[y] + emit[0][column[y]] for y in "BMES"}]
        path = {y: [y] for y in "BMES"}
        for t in range(1, len(sentence)):
            v.append({})
            new_path = {}
            for y in "BMES":
                em = emit[t][column[y]]
                prob, state = max(
                    (v[t - 1][y0] + trans[y0].get(y, _MIN_FLOAT) + em, y0) for y0 in _PREV_STATES[y]
                )
                v[t][y] = prob
                new_path[y] = path[state] + [y]
            path = new_path
        _, state = max((v[-1][y], y) for y in "ES")
        tags = path[state]
        begin = nexti = 0
        for i, char in enumerate(sentence):
            if tags[i] == "B":
                begin = i
            elif tags[i] == "E":
                yield sentence[begin : i + 1]
                nexti = i + 1
            elif tags[i] == "S":
                yield char
                nexti = i + 1
        if nexti < len(sentence):
            yield sentence[nexti:]

    def cut(self, sentence: str, hmm: bool = True) -> Iterator[str]:
        """jieba's ``cut(sentence, HMM=hmm)`` (accurate mode)."""
        for block in _HAN_BLOCK.split(sentence):
            if not block:
                continue
            if _HAN_BLOCK.match(block):
                yield from self._cut_dag(block, hmm)
            else:
                for x in _SKIP.split(block):
                    if _SKIP.match(x):
                        yield x
                    else:
                        yield from x


@cache
def word_index() -> WordIndex | None:
    """The on-disk index, built on first use; None when jieba or a writable cache is missing."""
    dictionary = _jieba_dictionary()
    if dictionary is None:
        return None
    try:
        path = entry_path("wordindex", f"{_INDEX_SCHEMA}|{files_stamp([dictionary])}", ".sqlite")
        if not path.is_file():
            log.info("building the word index from %s (once)", dictionary)
            _build_index(path, dictionary)
        return WordIndex(path)
    except Exception as exc:  # noqa: BLE001 - any failure falls back to rjieba/jieba
        log.debug("word index unavailable (%s); using rjieba/jieba", exc)
        return None


@cache
def _cutter(hmm: bool = True) -> Callable[[str], Iterable[str]] | None:
    """jieba's ``cut(text, HMM=hmm)``: from the word index, else rjieba, else jieba."""
    index = word_index()
    if index is None:
        return _library_cutter(hmm)

    def cut(text: str) -> list[str]:
        try:
            return list(index.cut(text, hmm))
        except sqlite3.DatabaseError as exc:  # damaged since it was opened: rebuilt next run
            log.warning(
                "word index %s is damaged (%s); removed, using rjieba/jieba", index.path, exc
            )
            index.path.unlink(missing_ok=True)
            fallback = _library_cutter(hmm)
            return list(fallback(text)) if fallback else [text]

    return cut


@cache
def _library_cutter(hmm: bool) -> Callable[[str], Iterable[str]] | None:
    """jieba's ``cut`` from rjieba (compiled, ~0.13 s to load) or jieba (1–2 s)."""
    try:
        import rjieba
    except ImportError as exc:
        raise_if_interrupted(exc)
        from .transforms.convert.guard import _jieba

        tokenizer = _jieba()
        if tokenizer is None:
            return None
        return lambda text: tokenizer.cut(text, HMM=hmm)
    return lambda text: rjieba.cut(text, hmm=hmm)


@lru_cache(maxsize=256)
def word_starts(text: str) -> frozenset[int]:
    """Indices where a word starts in ``text`` (always 0 and ``len(text)``); with no
    segmenter installed, every index (any break is then allowed)."""
    cut = _cutter()
    if cut is None:
        return frozenset(range(len(text) + 1))
    starts = {0, len(text)}
    pos = 0
    for token in cut(text):
        pos += len(token)
        starts.add(pos)
    return frozenset(starts)
