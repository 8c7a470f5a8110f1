"""What `exporter build` is asked to build: sources found in the arguments, and where each goes.

A folder argument is walked and its structure mirrored under --out (``in/a/x.txt`` ->
``OUT/a/x.…``), so two sources with one name in different subfolders never overwrite each
other. Sources given one by one land directly in --out; two whose outputs would share a name
are refused before anything is built.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from .errors import InputError, UsageError


@dataclass(frozen=True)
class Source:
    """One source file and the folder, relative to --out, its outputs go to."""

    path: Path
    subdir: PurePath = PurePath()

    def out_dir(self, out: Path) -> Path:
        return out / self.subdir


def expand(
    arguments: Sequence[Path], suffixes: Collection[str], *, collisions: bool = True
) -> list[Source]:
    """Sources for the command-line arguments, in order; folders walked in sorted order.

    ``collisions=False`` (a briefing pack: one output for all) allows repeated names.
    """
    sources: list[Source] = []
    seen: set[Path] = set()
    for item in arguments:
        if item.is_dir():
            found = sorted(
                p for p in item.rglob("*") if p.suffix.lower() in suffixes and p.is_file()
            )
            if not found:
                wanted = ", ".join(f"*{s}" for s in sorted(suffixes))
                raise InputError(f"{item}: folder holds no sources ({wanted})")
            batch = [Source(p, p.parent.relative_to(item)) for p in found]
        else:
            # Not checked further here: a missing file, a special file, a wrong type, … is
            # reported per source when it is built, and the other sources still build.
            batch = [Source(item)]
        for source in batch:
            key = Path(os.path.realpath(source.path))
            if key not in seen:  # the same file named twice is built once
                seen.add(key)
                sources.append(source)
    if collisions:
        check_collisions(sources)
    return sources


def check_collisions(sources: Sequence[Source]) -> None:
    """Refuse two sources whose outputs would have the same path (one would be lost)."""
    claimed: dict[PurePath, Source] = {}
    for source in sources:
        # Outputs are named STEM.EDITION.FORMAT: the same stem in one folder collides
        # (x.txt beside x.text, or a/x.txt and b/x.txt both given as files).
        key = PurePath(source.subdir, source.path.stem.casefold())
        other = claimed.setdefault(key, source)
        if other is not source:
            raise UsageError(
                f"{other.path} and {source.path} would write the same outputs "
                f"({source.subdir / source.path.stem}.*); rename one, build them into "
                "different --out folders, or give their parent folder to mirror its structure"
            )
