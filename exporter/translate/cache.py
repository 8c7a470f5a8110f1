"""SQLite translation cache: re-runs are instant and a killed run resumes where it stopped.

Rows are keyed by model id (content hash included), decoding settings plus glossary version,
and the source sentence. Every batch is committed as soon as it is translated.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("exporter.translate")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    model TEXT NOT NULL,
    config TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    terms TEXT NOT NULL,
    PRIMARY KEY (model, config, source)
) WITHOUT ROWID
"""


@dataclass(frozen=True)
class Entry:
    target: str
    status: str  # "ok", "retried" or "untranslated"
    applied: tuple[str, ...] = ()  # glossary terms enforced in this sentence
    failed: tuple[str, ...] = ()  # glossary terms the model lost


# Rows put into any cache while journal() is active: (model, config, source, entry).
_journal: list[tuple[str, str, str, Entry]] | None = None


@contextlib.contextmanager
def journal() -> Iterator[list[tuple[str, str, str, Entry]]]:
    """Collect every row cached meanwhile (a Ray worker hands them to the driver's cache)."""
    global _journal
    saved, _journal = _journal, []
    try:
        yield _journal
    finally:
        _journal = saved


def default_path() -> Path:
    from ..diskcache import cache_dir

    return cache_dir() / "translations.sqlite"


class TranslationCache:
    """A cache file, or an in-memory stand-in when the file cannot be used."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._db = self._open(path)

    @staticmethod
    def _open(path: Path | None) -> sqlite3.Connection:
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=30)
                # WAL: readers (a second run, a test) never block the writer, and a
                # killed writer loses at most the batch in flight.
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(_SCHEMA)
                db.commit()
                return db
            except (OSError, sqlite3.Error) as exc:
                log.warning("Translation cache %s unusable (%s); translating without it", path, exc)
        db = sqlite3.connect(":memory:")
        db.execute(_SCHEMA)
        return db

    def get_many(self, model: str, config: str, sources: Sequence[str]) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for start in range(0, len(sources), 500):
            chunk = list(sources[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT source, target, status, terms FROM translations "
                f"WHERE model = ? AND config = ? AND source IN ({marks})",
                [model, config, *chunk],
            )
            for source, target, status, terms in rows:
                data = json.loads(terms) if terms else {}
                found[source] = Entry(
                    target, status, tuple(data.get("applied", ())), tuple(data.get("failed", ()))
                )
        return found

    def put_many(self, model: str, config: str, entries: Iterable[tuple[str, Entry]]) -> None:
        entries = list(entries)
        if _journal is not None:
            _journal.extend((model, config, source, entry) for source, entry in entries)
        rows = [
            (
                model,
                config,
                source,
                e.target,
                e.status,
                json.dumps({"applied": e.applied, "failed": e.failed}, ensure_ascii=False),
            )
            for source, e in entries
        ]
        try:
            with self._db:  # one transaction per batch
                self._db.executemany(
                    "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)", rows
                )
        except sqlite3.Error as exc:
            log.warning("Could not write the translation cache (%s)", exc)

    def count(self, model: str | None = None) -> int:
        if model is None:
            return int(self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0])
        query = "SELECT COUNT(*) FROM translations WHERE model = ?"
        return int(self._db.execute(query, [model]).fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
