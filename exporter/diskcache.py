"""Data derived from installed dictionaries, kept between runs so a cold build skips the work.

OpenCC's phrase index and the word guard's decisive phrases take ~1 s to derive from OpenCC's
dictionaries and are the same for every run until those dictionaries change; marshal loads
them in milliseconds. An entry is named by a hash of everything it derives from (package
versions, the dictionary files' sizes and times), so an upgrade simply misses and rebuilds.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

log = logging.getLogger("exporter.cache")

T = TypeVar("T")
# Bump when the shape of a cached value changes.
SCHEMA = "1"
_SQL_CHUNK = 500  # values bound per SQLite statement


def cache_dir() -> Path:
    """exporter's folder in the user's cache ($XDG_CACHE_HOME/exporter, ~/.cache/exporter)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "exporter"


def files_stamp(paths: Iterable[Path]) -> str:
    """Sizes and modification times of the files a value derives from."""
    parts = []
    for path in sorted(paths):
        try:
            info = path.stat()
        except OSError:
            continue
        parts.append(f"{path}:{info.st_size}:{info.st_mtime_ns}")
    return "|".join(parts)


def entry_path(kind: str, key: str, suffix: str = ".marshal") -> Path:
    """The cache file of ``kind`` for ``key``: named by a hash of the key (and of the formats
    that read it), so a changed key simply misses."""
    material = f"{SCHEMA}|{sys.version_info[:2]}|{marshal.version}|{key}"
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]
    return cache_dir() / f"{kind}-{digest}{suffix}"


def load_or_build(kind: str, key: str, build: Callable[[], T]) -> T:
    """The cached value for ``key``, else ``build()``'s (stored for next time if possible)."""
    path = entry_path(kind, key)
    try:
        return _loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(cast(Any, value), handle)
            os.replace(tmp, path)  # concurrent builders each write whole files
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError) as exc:  # read-only home, full disk, unmarshallable value
        log.debug("not caching %s: %s", kind, exc)
    return value


def _loads(data: bytes) -> Any:
    return marshal.loads(data)


def write_sqlite(path: Path, fill: Callable[[Any], None]) -> None:
    """Create the SQLite file ``path`` whole: ``fill(connection)`` writes its tables into a
    temporary file beside it, which is then renamed into place, so a reader never sees a
    half-built file and concurrent builders each write their own."""
    import sqlite3

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        try:
            with db:
                db.execute("PRAGMA journal_mode=OFF")
                fill(db)
        finally:
            db.close()
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


class ReadOnlySQLite:
    """A read-only connection to a file :func:`write_sqlite` made. Immutable, so SQLite takes
    no locks and keeps no journal (the file is only ever replaced whole); reopened in a forked
    child (a batch worker, the forked DOCX writer), since SQLite connections must not cross
    a fork."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pid = -1
        self._db: Any = None
        self.execute("SELECT 1")  # fails now, not mid-build, on a file that is not SQLite

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        import sqlite3

        if self._pid != os.getpid():
            uri = f"file:{self.path}?mode=ro&immutable=1"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._pid = os.getpid()
        rows: list[tuple[Any, ...]] = self._db.execute(sql, parameters).fetchall()
        return rows

    def select_in(self, sql: str, keys: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows of ``sql``, whose ``{}`` stands for an ``IN`` list, for all of ``keys``: in
        chunks, as old SQLite builds bind at most 999 values per statement."""
        rows: list[tuple[Any, ...]] = []
        for at in range(0, len(keys), _SQL_CHUNK):
            chunk = keys[at : at + _SQL_CHUNK]
            rows += self.execute(sql.format(",".join("?" * len(chunk))), chunk)
        return rows
