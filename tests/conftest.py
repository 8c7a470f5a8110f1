"""Shared fixtures: the seed, sample texts in many encodings, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_4bb12e1a55d9fe7f.txt"
SHARED = ROOT.parent / "shared"


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def paths(self) -> list[Path]:
        return [Path(line) for line in self.stdout.splitlines() if line]


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny test model as an .argosmodel archive, built once per test run."""
    from exporter.testing.tiny_model import build_tiny_argos_package

    return build_tiny_argos_package(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def run_cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run ``python -m exporter ARGS`` in a subprocess, as another tool would."""

    def run(
        *args: str | Path, env: dict[str, str] | None = None, timeout: float = 300
    ) -> CliResult:
        full_env = {**os.environ, **(env or {})}
        full_env.setdefault("XDG_CACHE_HOME", str(tmp_path / "cache"))
        proc = subprocess.run(
            [sys.executable, "-m", "exporter", *map(str, args)],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            cwd=ROOT,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


SAMPLE = "标题：黄埔区召开工作会议\n2020-05-26 09:28\n会议指出，要坚持高质量发展。（完）\n"
