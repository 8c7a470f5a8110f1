"""Documents done / total and an ETA on stderr, only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class DocumentProgress:
    """One status line, cleared whenever the caller may print (errors, paths on stdout)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled and total > 0 and sys.stderr.isatty()
        self.start = time.monotonic()

    def line(self) -> str:
        text = f"exporter: {self.done}/{self.total} documents"
        if 0 < self.done < self.total:
            elapsed = time.monotonic() - self.start
            text += f", ETA {_duration(elapsed / self.done * (self.total - self.done))}"
        return text

    def _draw(self) -> None:
        sys.stderr.write(f"\r\033[K{self.line()}")
        sys.stderr.flush()

    def _clear(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    def track(self, items: Iterable[T]) -> Iterator[T]:
        """Yield ``items``, counting each as one document built."""
        if not self.enabled:
            yield from items
            return
        self._draw()
        try:
            for item in items:
                self.done += 1
                self._clear()
                yield item
                self._draw()
        finally:
            self._clear()
