"""Offline zh→en translation: Argos packages run with CTranslate2 + SentencePiece (no torch).

Importing this package loads neither CTranslate2 nor argostranslate and never touches the
network; the model loads on the first translation.
"""

from __future__ import annotations

from exporter.translate.cache import default_path as default_cache_path
from exporter.translate.glossary import STARTER_GLOSSARY, Glossary
from exporter.translate.models import (
    ModelInfo,
    find_model,
    install_from_file,
    install_from_index,
    list_models,
    packages_dir,
    remove_model,
    resolve_model,
)
from exporter.translate.pipeline import (
    TermAudit,
    TranslationReport,
    TranslationResult,
    translate_document,
    translate_with_report,
)
from exporter.translate.quality import UNTRANSLATED_MARK

__all__ = [
    "STARTER_GLOSSARY",
    "UNTRANSLATED_MARK",
    "default_cache_path",
    "Glossary",
    "ModelInfo",
    "TermAudit",
    "TranslationReport",
    "TranslationResult",
    "find_model",
    "install_from_file",
    "install_from_index",
    "list_models",
    "packages_dir",
    "remove_model",
    "resolve_model",
    "translate_document",
    "translate_with_report",
]
