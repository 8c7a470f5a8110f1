"""Target reader groups (zh-HK, zh-TW, …) and detection of the source's script and forms."""

from __future__ import annotations

import operator
from dataclasses import dataclass

from ...errors import InputError, MissingDependencyError
from .opencc_data import _converter, script_characters

_SAMPLE_CHARS = 5_000


@dataclass(frozen=True)
class Profile:
    """A target reader group: BCP 47 tag, OpenCC config for a Simplified source, forms."""

    name: str
    lang: str
    s2: str  # config from Simplified; "" for the Simplified target
    forms: str  # "hk", "tw" or "" (OpenCC standard Traditional)
    description: str

    def configs_for(self, script: str, variant: str) -> tuple[str, ...]:
        """The OpenCC configs for a source in ``script`` ("Hans"/"Hant") and ``variant``."""
        if not self.s2:  # Simplified target
            return (
                {"hk": ("hk2s",), "tw": ("tw2s",)}.get(variant, ("t2s",))
                if script == "Hant"
                else ()
            )
        if script != "Hant":
            return (self.s2,)
        # Already Traditional: only adjust forms (t2hk / t2tw are safe on text in them).
        steps = [f"{variant}2t"] if variant and variant != self.forms else []
        return tuple(steps + ([f"t2{self.forms}"] if self.forms else []))


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("zh-HK", "zh-HK", "s2hk", "hk", "Traditional, Hong Kong standard (OpenCC s2hk)"),
        Profile("zh-MO", "zh-MO", "s2hk", "hk", "Macau: the Hong Kong standard (no Macau config)"),
        Profile("zh-TW", "zh-TW", "s2tw", "tw", "Traditional, Taiwan standard (OpenCC s2tw)"),
        Profile("zh-TW-phrases", "zh-TW", "s2twp", "tw", "Taiwan standard and vocabulary (s2twp)"),
        Profile("zh-Hant", "zh-Hant", "s2t", "", "Traditional, OpenCC standard forms (s2t)"),
        Profile("zh-CN", "zh-CN", "", "", "Simplified, from Traditional (t2s / hk2s / tw2s)"),
    )
}
_ALIASES = {"hk": "zh-HK", "mo": "zh-MO", "tw": "zh-TW", "twp": "zh-TW-phrases"}
_ALIASES.update({"zh-tw-p": "zh-TW-phrases", "hant": "zh-Hant", "zh-hans": "zh-CN", "cn": "zh-CN"})


def resolve_profile(name: str) -> Profile:
    key = name.strip().replace("_", "-").lower()
    for profile in PROFILES.values():
        if profile.name.lower() == _ALIASES.get(key, key).lower():
            return profile
    raise InputError(f"unknown Chinese variant {name!r}; choose one of: {', '.join(PROFILES)}")


@dataclass(frozen=True)
class ScriptGuess:
    script: str  # "Hans", "Hant" or "unknown"
    variant: str  # for Hant: "hk", "tw" or "" (standard / undecided)
    simplified_only: int  # sampled characters that s2t changes
    traditional_only: int  # sampled characters that t2s changes

    def describe(self) -> str:
        kind = {"Hans": "Simplified", "Hant": "Traditional"}.get(self.script, "undetermined")
        forms = {"hk": ", Hong Kong forms", "tw": ", Taiwan forms"}.get(self.variant, "")
        return (
            f"{kind}{forms} ({self.traditional_only} Traditional-only vs "
            f"{self.simplified_only} Simplified-only characters sampled)"
        )


def _changed(before: str, after: str) -> int:
    return sum(map(operator.ne, before, after))


def _count_script_chars(sample: str) -> tuple[int, int]:
    """How many characters of ``sample`` s2t changes, and how many t2s changes.

    Counted against OpenCC's character tables (kept in the disk cache) rather than by running
    both conversions: loading two OpenCC converters was ~50 ms of every cold build, and a
    Simplified source bound for zh-CN needs no converter at all.
    """
    tables = script_characters()
    if tables is None:  # dictionaries unreadable: convert, as OpenCC itself decides
        return (
            _changed(sample, _converter("s2t").convert(sample)),
            _changed(sample, _converter("t2s").convert(sample)),
        )
    simplified_chars, traditional_chars = tables
    return (
        sum(ch in simplified_chars for ch in sample),
        sum(ch in traditional_chars for ch in sample),
    )


def detect_script(text: str) -> ScriptGuess:
    """Simplified or Traditional (and which forms), from a sample of at most 5,000 chars.

    Simplified text is changed by s2t, Traditional by t2s; a few characters change both
    ways (台, 里), so the larger count wins. hk2t / tw2t tell Hong Kong from Taiwan forms.
    (s2hk / s2twp would not do: they also change Traditional text's forms and words.)
    """
    step = max(1, len(text) // 10)
    sample = text if len(text) <= _SAMPLE_CHARS else "".join(
        text[k * step : k * step + _SAMPLE_CHARS // 10] for k in range(10)
    )  # fmt: skip
    simplified, traditional = _count_script_chars(sample)
    if traditional > simplified:
        try:
            hk = _changed(sample, _converter("hk2t").convert(sample))
            tw = _changed(sample, _converter("tw2t").convert(sample))
        except MissingDependencyError:  # opencc-python-reimplemented lacks hk2t / tw2t
            hk = tw = 0
        variant = "hk" if hk > tw else "tw" if tw > hk else ""
        return ScriptGuess("Hant", variant, simplified, traditional)
    return ScriptGuess("Hans" if simplified else "unknown", "", simplified, traditional)
