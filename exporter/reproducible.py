"""The one clock every writer uses, so identical inputs give byte-identical files."""

from __future__ import annotations

import os
from datetime import datetime, timezone

# Used when SOURCE_DATE_EPOCH is unset: a fixed instant, so rebuilding the same
# input gives the same bytes (the real build time would change every run).
DEFAULT_EPOCH = 946684800  # 2000-01-01T00:00:00Z


def build_time() -> datetime:
    """The timestamp written into documents: $SOURCE_DATE_EPOCH, else a fixed date."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        epoch = int(raw) if raw else DEFAULT_EPOCH
    except ValueError:
        epoch = DEFAULT_EPOCH
    return datetime.fromtimestamp(epoch, tz=timezone.utc)
