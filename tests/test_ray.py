"""--executor ray: byte-identical to a serial build, bad inputs reported once, a killed worker's
documents retried, Ctrl-C leaves nothing partial. One local Ray instance (2 CPUs) serves the
module; the CLI runs in a subprocess and connects to it with --ray-address."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exporter.errors import ExitCode
from exporter.executors.packed import build_packed, commit_packed
from exporter.pipeline import BuildOptions, build_document

from .conftest import ROOT

GOOD = (
    "黄埔区召开工作会议\n2020/5/26 9:28\n会议指出，要坚持高质量发展。会议强调，要抓住关键少数。\n"
)
TRADITIONAL = (
    "香港特區政府召開會議\n2020年5月26日\n會議指出，要堅持高質量發展，鞏固經濟復甦勢頭。\n"
)
# The Ray worker's process title while it runs one of our tasks (see ray_executor.py).
TASK_TITLE = b"ray::exporter_build"


@pytest.fixture(scope="module")
def ray_address(tmp_path_factory: pytest.TempPathFactory, seed_path: Path) -> object:
    """The instance's workers and every CLI run in this module share one user cache, warmed
    first: a note a build prints once per machine ("building the word index (once)") must not
    tell a serial build's messages from a Ray build's."""
    ray = pytest.importorskip("ray", reason="the optional ray extra is not installed (make ray)")
    cache = tmp_path_factory.mktemp("ray-cache")
    warm = tmp_path_factory.mktemp("ray-warm")
    (warm / "trad.txt").write_text(TRADITIONAL, encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_CACHE_HOME", str(cache))  # inherited by Ray's workers and run_cli
        subprocess.run(
            [sys.executable, "-m", "exporter", "build", seed_path, warm / "trad.txt",
             "--out", warm / "out", "--lang", "zh-CN,zh-HK"],
            check=True, capture_output=True, cwd=ROOT, timeout=300,
        )  # fmt: skip
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            yield ray.get_runtime_context().gcs_address
        finally:
            ray.shutdown()


def _sources(folder: Path, seed_text: str, copies: int = 2) -> list[Path]:
    """Different documents (a mix-up between workers would show), a Traditional one and two
    that fail (binary, empty)."""
    folder.mkdir()
    paths = [folder / "a_seed.txt", folder / "b_bad.txt", folder / "c_trad.txt"]
    paths[0].write_text(seed_text, encoding="utf-8")
    paths[1].write_bytes(b"\x00\x01\x02\x03 binary")
    paths[2].write_text(TRADITIONAL, encoding="utf-8")
    for index in range(copies):
        path = folder / f"d{index}.txt"
        path.write_text(GOOD.replace("关键少数", f"关键少数{index}号"), encoding="utf-8")
        paths.append(path)
    (folder / "e_empty.txt").write_text(" \n", encoding="utf-8")
    return sorted(folder.iterdir())


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def _manifest(folder: Path) -> dict[str, object]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return manifest["outputs"]


def _building_worker(deadline: float) -> int | None:
    """The PID of a Ray worker process busy building documents, if one shows up in time."""
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if (entry / "cmdline").read_bytes().startswith(TASK_TITLE):
                    return int(entry.name)
            except OSError:
                continue
        time.sleep(0.05)
    return None


def test_packed_build_commits_the_bytes_a_local_build_writes(tmp_path: Path) -> None:
    source = tmp_path / "doc.txt"
    source.write_text(GOOD, encoding="utf-8")
    options = BuildOptions(langs=("zh-CN", "zh-HK"))
    local = build_document(source, tmp_path / "local", options)
    packed = build_packed(str(source), source.read_bytes(), options)
    assert packed.error is None
    committed = commit_packed(packed, tmp_path / "packed")
    assert [p.name for p in committed.outputs] == [p.name for p in local.outputs]
    assert _outputs(tmp_path / "packed") == _outputs(tmp_path / "local")
    for path, record in local.records.items():
        assert committed.records[str(tmp_path / "packed" / Path(path).name)] == record


def test_packed_build_reports_a_bad_input_under_its_own_name(tmp_path: Path) -> None:
    packed = build_packed("in/broken.txt", b"\x00\x01\x02 binary", BuildOptions())
    assert packed.files == []
    assert packed.error is not None and str(packed.error).startswith("in/broken.txt: ")
    assert "exporter-worker-" not in str(packed.error)


def test_ray_build_is_byte_identical_to_serial(
    run_cli, tmp_path: Path, seed_text: str, ray_address: str
) -> None:
    sources = _sources(tmp_path / "in", seed_text)
    langs = ("--lang", "zh-CN,zh-HK")
    serial = run_cli("build", tmp_path / "in", "--out", tmp_path / "serial", "-j", "1", *langs)
    on_ray = run_cli(
        "build", tmp_path / "in", "--out", tmp_path / "ray", *langs,
        "--executor", "ray", "--ray-address", ray_address,
    )  # fmt: skip
    # Two bad inputs among good ones: each reported once, like a local build.
    assert serial.returncode == on_ray.returncode == ExitCode.BAD_INPUT, on_ray.stderr
    assert len(serial.paths) == (len(sources) - 2) * 4
    assert [p.name for p in on_ray.paths] == [p.name for p in serial.paths]
    assert on_ray.stderr.replace(str(tmp_path / "ray"), "OUT") == serial.stderr.replace(
        str(tmp_path / "serial"), "OUT"
    )
    assert on_ray.stderr.count("b_bad.txt: ") == 1 and on_ray.stderr.count("e_empty.txt: ") == 1
    assert _outputs(tmp_path / "ray") == _outputs(tmp_path / "serial")
    assert _manifest(tmp_path / "ray") == _manifest(tmp_path / "serial")


@pytest.mark.slow
def test_own_local_ray_shares_the_build_with_the_driver_byte_identically(
    run_cli, tmp_path: Path, seed_text: str
) -> None:
    """Without an address exporter starts Ray itself and builds the first documents in the
    driver meanwhile: still every document once, in order, byte-identical to serial."""
    pytest.importorskip("ray", reason="the optional ray extra is not installed (make ray)")
    sources = _sources(tmp_path / "in", seed_text, copies=1)
    for index in range(14):  # enough seed-sized documents to outlast Ray's start-up
        (tmp_path / "in" / f"f{index:02d}.txt").write_text(
            seed_text.replace("会议", f"会议{index}", 1), encoding="utf-8"
        )
    langs = ("--lang", "zh-CN,zh-HK")
    serial = run_cli("build", tmp_path / "in", "--out", tmp_path / "serial", "-j", "1", *langs)
    on_ray = run_cli(
        "-v", "build", tmp_path / "in", "--out", tmp_path / "ray", *langs, "-j", "2",
        "--executor", "ray", env={"RAY_ADDRESS": ""},
    )  # fmt: skip
    assert serial.returncode == on_ray.returncode == ExitCode.BAD_INPUT, on_ray.stderr
    assert len(serial.paths) == (len(sources) - 2 + 14) * 4
    assert [p.name for p in on_ray.paths] == [p.name for p in serial.paths]
    assert on_ray.stderr.count("b_bad.txt: ") == 1 and on_ray.stderr.count("e_empty.txt: ") == 1
    assert "local Ray started in" in on_ray.stderr
    assert _outputs(tmp_path / "ray") == _outputs(tmp_path / "serial")
    assert _manifest(tmp_path / "ray") == _manifest(tmp_path / "serial")


def test_without_an_address_a_running_local_instance_is_left_alone(
    run_cli, tmp_path: Path, ray_address: str
) -> None:
    """A Ray instance already running on this machine (here the fixture's) is not joined by a
    build given no address: exporter starts its own, sized by -j (ray.init would otherwise
    join the running one and refuse the CPU count: every such build failed with exit 4)."""
    from ray._private.utils import get_ray_address_file, write_ray_address

    (tmp_path / "doc.txt").write_text(GOOD, encoding="utf-8")
    # What `ray start --head` leaves behind: the running instance recorded as this machine's.
    recorded = Path(get_ray_address_file(None))
    before = recorded.read_bytes() if recorded.exists() else None
    write_ray_address(ray_address)
    try:
        result = run_cli(
            "build", tmp_path / "doc.txt", "--out", tmp_path / "out", "--format", "pdf",
            "--executor", "ray", "-j", "1", env={"RAY_ADDRESS": ""},
        )  # fmt: skip
    finally:
        if before is None:
            recorded.unlink(missing_ok=True)
        else:
            recorded.write_bytes(before)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{tmp_path / 'out' / 'doc.zh-CN.pdf'}\n"


def test_ray_address_from_the_environment(run_cli, tmp_path: Path, ray_address: str) -> None:
    (tmp_path / "doc.txt").write_text(GOOD, encoding="utf-8")
    result = run_cli(
        "build", tmp_path / "doc.txt", "--out", tmp_path / "out", "--format", "pdf",
        "--executor", "ray", env={"RAY_ADDRESS": ray_address},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{tmp_path / 'out' / 'doc.zh-CN.pdf'}\n"


@pytest.mark.slow
def test_killed_worker_documents_are_built_exactly_once(
    tmp_path: Path, seed_text: str, ray_address: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(8):
        (folder / f"doc{index}.txt").write_text(
            seed_text.replace("会议", f"会议{index}", 1), encoding="utf-8"
        )
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "exporter", "build", str(folder), "--out", str(out),
         "--lang", "zh-CN,zh-HK", "--executor", "ray", "--ray-address", ray_address],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )  # fmt: skip
    try:
        victim = _building_worker(time.monotonic() + 60)
        assert victim is not None, "no Ray worker started building"
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=240)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    written = [Path(line).name for line in stdout.splitlines()]
    expected = [
        f"doc{i}.{lang}.{fmt}" for i in range(8) for lang in ("zh-CN", "zh-HK")
        for fmt in ("docx", "pdf")
    ]  # fmt: skip
    assert written == expected  # every document, exactly once, in input order
    assert sorted(_outputs(out)) == sorted([*expected, "manifest.json"])
    assert sorted(_manifest(out)) == sorted(expected)


def _start_build(tmp_path: Path, seed_text: str, *ray_args: str) -> subprocess.Popen[str]:
    """A Ray build of 12 seed documents into ``tmp_path/out``, running in the background
    (no inherited $RAY_ADDRESS: without --ray-address, exporter starts its own Ray)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(12):
        (folder / f"doc{index:02d}.txt").write_text(seed_text, encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "exporter", "build", str(folder), "--out", str(tmp_path / "out"),
         "--executor", "ray", *ray_args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "RAY_ADDRESS": ""},
    )  # fmt: skip


@pytest.mark.slow
def test_ctrl_c_cancels_the_cluster_work_and_leaves_nothing_partial(
    tmp_path: Path, seed_text: str, ray_address: str
) -> None:
    out = tmp_path / "out"
    proc = _start_build(tmp_path, seed_text, "--ray-address", ray_address)
    try:
        assert _building_worker(time.monotonic() + 60) is not None
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, stderr
    assert "interrupted" in stderr
    # Whatever was reported written is complete; nothing else, no temporary file, is there.
    written = {Path(line).name for line in stdout.splitlines()}
    assert set(_outputs(out)) == written
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]
    assert len(written) < 24, "the build finished before Ctrl-C; make the input larger"
    # The cancelled tasks stop: no worker keeps building for a run that is gone.
    time.sleep(3)
    assert _building_worker(time.monotonic() + 2) is None


@pytest.mark.slow
def test_ctrl_c_while_exporter_starts_its_own_ray_leaves_nothing_partial(
    tmp_path: Path, seed_text: str
) -> None:
    pytest.importorskip("ray", reason="the optional ray extra is not installed (make ray)")
    out = tmp_path / "out"
    proc = _start_build(tmp_path, seed_text, "-j", "2")
    try:
        time.sleep(1.5)  # Ray is still starting; the driver is building the first documents
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, stderr
    written = {Path(line).name for line in stdout.splitlines()}
    # What was reported written is complete and listed in the manifest; nothing else is there.
    present = set(_outputs(out)) - {"manifest.json"} if out.exists() else set()
    assert present == written
    assert not written or set(_manifest(out)) == written
    assert len(written) < 24
    assert not out.exists() or not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_bilingual_on_ray_matches_serial_and_fills_the_drivers_cache(
    run_cli, tmp_path: Path, tiny_archive: Path, ray_address: str
) -> None:
    env = {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    assert run_cli("models", "install", "--file", tiny_archive, env=env).returncode == 0
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(3):
        (folder / f"doc{index}.txt").write_text(GOOD.replace("关键", f"关键{index}"), "utf-8")
    args = ("--bilingual", "interleaved", "--lang", "en", "--format", "pdf")
    serial = run_cli(
        "build", folder, "--out", tmp_path / "serial", "-j", "1", *args,
        "--cache", tmp_path / "serial.sqlite", env=env,
    )  # fmt: skip
    on_ray = run_cli(
        "build", folder, "--out", tmp_path / "ray", *args, "--cache", tmp_path / "ray.sqlite",
        "--executor", "ray", "--ray-address", ray_address, env=env,
    )  # fmt: skip
    assert serial.returncode == on_ray.returncode == 0, on_ray.stderr
    assert [p.name for p in on_ray.paths] == [p.name for p in serial.paths]
    assert _outputs(tmp_path / "ray") == _outputs(tmp_path / "serial")

    def rows(path: Path) -> set[tuple[str, ...]]:
        with sqlite3.connect(path) as db:
            return set(db.execute("SELECT model, config, source, target FROM translations"))

    # The workers' own caches came back to the driver's cache file, row for row.
    assert rows(tmp_path / "ray.sqlite") == rows(tmp_path / "serial.sqlite") != set()


def test_missing_ray_exits_4_naming_the_install_command(run_cli, tmp_path: Path) -> None:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "ray.py").write_text("raise ImportError('simulated: no ray here')\n")
    (tmp_path / "doc.txt").write_text(GOOD, encoding="utf-8")
    result = run_cli(
        "build", tmp_path / "doc.txt", "--out", tmp_path / "out", "--executor", "ray",
        env={"PYTHONPATH": str(shadow)},
    )  # fmt: skip
    assert result.returncode == ExitCode.MISSING_DEPENDENCY
    assert result.stdout == ""
    assert "pip install 'exporter[ray]'" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
