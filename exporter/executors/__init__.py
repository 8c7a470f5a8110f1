"""Where documents are built: the local process pool (batch.py) or a Ray cluster.

``packed`` is the seam both sides share: a worker builds one document into bytes and
manifest records, the driver commits them with the same staging and atomic renames as a
local build.
"""

from __future__ import annotations

EXECUTORS = ("local", "ray")
