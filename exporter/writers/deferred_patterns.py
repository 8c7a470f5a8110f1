"""Two of reportlab's regular expressions, compiled when first used instead of at import.

``reportlab.platypus.paragraph`` compiles a 1.7 kB URL pattern (Django's validator) when it is
imported, and ``reportlab.lib.textsplit`` a CJK one: 35–50 ms of every cold build, for
reportlab's own line breaker splitting URLs and for ``cjkwrap``, which our writer does not
call. Python keeps no compiled patterns between runs, so these two are handed out as proxies
that compile on first use. Any other pattern, or these two once reportlab changes their
text, compiles as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Starts of the patterns to defer (they are module constants in reportlab 3.x–5.x).
DEFERRED = (
    "(^(?:[a-z0-9\\.\\-\\+]*)://)",  # platypus.paragraph.uri_pat
    "([\u2e80-\uffff])",  # lib.textsplit.rx
)


class DeferredPattern:
    """A compiled pattern's stand-in: compiles on the first attribute used (match, search…)."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._pattern, self._flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = _compile(self._pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)


_compile = re.compile


@contextmanager
def deferred_patterns() -> Iterator[None]:
    """Inside: ``re.compile`` returns a :class:`DeferredPattern` for the patterns above."""

    def compile_or_defer(pattern: Any, flags: int = 0) -> Any:
        if isinstance(pattern, str) and pattern.startswith(DEFERRED):
            return DeferredPattern(pattern, flags)
        return _compile(pattern, flags)

    re.compile = compile_or_defer
    try:
        yield
    finally:
        re.compile = _compile
