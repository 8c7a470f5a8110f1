"""Script conversion stage: Simplified <-> Traditional (Hong Kong, Macau, Taiwan) with OpenCC.

OpenCC segments by forward maximum matching over its phrase dictionary, so a phrase can be
matched across a word boundary (一百年|历史 -> 年历 -> 一百年曆史). Two layers sit on top:
a word-boundary guard (jieba decides where words end) and a corrections dictionary
(``exporter/data/corrections.tsv`` plus an optional user file). ``review_ambiguities``
lists the one-to-many characters that OpenCC converted by the single-character default.

Modules: ``profiles`` (targets, script detection), ``opencc_data`` (binding, dictionaries),
``guard`` (jieba), ``corrections``, ``review`` and ``stage`` (convert_text, convert_document).
Tunables such as ``stage.CHUNK_CHARS`` are read where they live: patch them there.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .corrections import (
        PACKAGED_CORRECTIONS,
        Correction,
        corrections_digest,
        corrections_for,
        parse_corrections,
    )
    from .opencc_data import DATA_DIR, FALLBACK_ONE_TO_MANY, opencc_version
    from .opencc_data import _config_data as _config_data
    from .opencc_data import _converter as _converter
    from .opencc_data import _parse_dictionary as _parse_dictionary
    from .opencc_data import _read_dictionary as _read_dictionary
    from .profiles import PROFILES, Profile, ScriptGuess, detect_script, resolve_profile
    from .review import ReviewItem, review_ambiguities, write_review_report
    from .stage import _chunks as _chunks
    from .stage import convert_document, convert_text, shutdown_pool
    from .vocabulary import (
        PACKAGED_VOCABULARY,
        VOCABULARY_EDITIONS,
        VocabularyEntry,
        parse_vocabulary,
        vocabulary_for,
    )

# Where each public name lives. They are imported on first use: the CLI's parser needs only
# the profiles, and a zh-CN build never loads the guard's or the scoping's modules.
# (Private names are re-exported for the tests, which inspect the caches and dictionaries.)
_HOMES = {
    "corrections": (
        "PACKAGED_CORRECTIONS Correction corrections_digest corrections_for parse_corrections"
    ),
    "opencc_data": (
        "DATA_DIR FALLBACK_ONE_TO_MANY opencc_version _config_data _converter _parse_dictionary "
        "_read_dictionary"
    ),
    "profiles": "PROFILES Profile ScriptGuess detect_script resolve_profile",
    "review": "ReviewItem review_ambiguities write_review_report",
    "stage": "_chunks convert_document convert_text shutdown_pool",
    "vocabulary": (
        "PACKAGED_VOCABULARY VOCABULARY_EDITIONS VocabularyEntry parse_vocabulary vocabulary_for"
    ),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "DATA_DIR",
    "FALLBACK_ONE_TO_MANY",
    "PACKAGED_CORRECTIONS",
    "PACKAGED_VOCABULARY",
    "VOCABULARY_EDITIONS",
    "VocabularyEntry",
    "PROFILES",
    "Correction",
    "Profile",
    "ReviewItem",
    "ScriptGuess",
    "convert_document",
    "convert_text",
    "corrections_digest",
    "corrections_for",
    "detect_script",
    "opencc_version",
    "parse_vocabulary",
    "vocabulary_for",
    "parse_corrections",
    "resolve_profile",
    "review_ambiguities",
    "shutdown_pool",
    "write_review_report",
]
