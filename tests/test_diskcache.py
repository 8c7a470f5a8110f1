"""Derived OpenCC data is cached between runs, and a damaged cache is rebuilt, not trusted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from exporter.diskcache import load_or_build

ROOT = Path(__file__).resolve().parents[1]


def test_a_value_is_built_once_then_loaded(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls = []

    def build() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
        calls.append(1)
        return frozenset({"干部", "乾燥"}), {"干": ("幹", "乾")}

    first = load_or_build("t", "k1", build)
    again = load_or_build("t", "k1", build)
    assert first == again and len(calls) == 1
    load_or_build("t", "k2", build)  # another key (an upgraded dictionary) rebuilds
    assert len(calls) == 2
    for entry in (tmp_path / "exporter").glob("t-*.marshal"):
        entry.write_bytes(b"\x00garbage")  # damaged or truncated by a full disk
    assert load_or_build("t", "k1", build) == first and len(calls) == 3


def test_zh_hk_conversion_is_the_same_from_a_cold_and_a_warm_cache(tmp_path: Path) -> None:
    code = (
        "from exporter.transforms.convert import convert_text;"
        "print(convert_text('这出戏在香港的出租车上拍摄，干部们发短信说头发干了', 's2hk',"
        " corrections=(), word_guard=True))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert runs[0].stdout == runs[1].stdout and "幹部" in runs[0].stdout
    assert len(list((tmp_path / "exporter").glob("opencc-*.marshal"))) == 2
