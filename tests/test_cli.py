"""The CLI contract other tools rely on: paths on stdout, exit codes, nothing half-written."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exporter.errors import ExitCode
from exporter.writers.forked import can_fork

from .conftest import ROOT

GOOD = (
    "黄埔区召开工作会议\n2020/5/26 9:28\n会议指出，要坚持高质量发展。会议强调，要抓住关键少数。\n"
)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_build_prints_only_written_paths(run_cli, tmp_path: Path) -> None:
    src = tmp_path / "brief.txt"
    src.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", src, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.paths == [out / "brief.zh-CN.docx", out / "brief.zh-CN.pdf"]
    assert all(p.stat().st_size > 1000 for p in result.paths)
    assert _files(out) == ["brief.zh-CN.docx", "brief.zh-CN.pdf", "manifest.json"] or _files(
        out
    ) == [".manifest.json.lock", "brief.zh-CN.docx", "brief.zh-CN.pdf", "manifest.json"]


def test_python_m_and_console_script_agree(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("exporter")
    assert script.exists(), "console script `exporter` is not installed in the venv"
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("exporter ")


BAD_INPUTS = {
    "empty": b"",
    "whitespace": b" \n\t \n",
    "binary": bytes(range(256)) * 4,
    "undecodable": b"abc \xff\xfe\xfd\x80\x81 \xff\xff",
    "only-invisible": "\u200b\u200d\ufeff\n\x07".encode(),
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_exit_code_message_and_no_files(run_cli, tmp_path: Path, kind: str) -> None:
    src = tmp_path / f"{kind}.txt"
    src.write_bytes(BAD_INPUTS[kind])
    out = tmp_path / "out"
    result = run_cli("build", src, "--out", out)
    assert result.returncode == ExitCode.BAD_INPUT
    assert result.stdout == ""
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) >= 1 and str(src) in error_lines[0]
    assert "Traceback" not in result.stderr
    assert [f for f in _files(out) if not f.startswith(".manifest")] == []


def test_verbose_shows_traceback(run_cli, tmp_path: Path) -> None:
    src = tmp_path / "empty.txt"
    src.write_bytes(b"")
    result = run_cli("--verbose", "build", src, "--out", tmp_path / "out", "-j", "1")
    assert result.returncode == ExitCode.BAD_INPUT


def test_missing_file(run_cli, tmp_path: Path) -> None:
    result = run_cli("build", tmp_path / "nope.txt", "--out", tmp_path / "out")
    assert result.returncode == ExitCode.BAD_INPUT
    assert "no such file" in result.stderr


def test_unwritable_output(run_cli, tmp_path: Path) -> None:
    src = tmp_path / "brief.txt"
    src.write_text(GOOD, encoding="utf-8")
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    result = run_cli("build", src, "--out", blocker / "out")
    assert result.returncode == ExitCode.OUTPUT_NOT_WRITABLE
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) <= 3


def test_usage_error_is_2(run_cli) -> None:
    result = run_cli("build", "--lang", "klingon", "x.txt", "--out", "o")
    assert result.returncode == ExitCode.USAGE


def test_good_output_survives_a_failed_rebuild(run_cli, tmp_path: Path) -> None:
    src = tmp_path / "brief.txt"
    src.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("build", src, "--out", out).returncode == 0
    before = {p: p.read_bytes() for p in out.glob("brief.*")}
    src.write_bytes(b"\x00\x01binary now")
    result = run_cli("build", src, "--out", out)
    assert result.returncode == ExitCode.BAD_INPUT
    assert {p: p.read_bytes() for p in out.glob("brief.*")} == before
    assert not list(out.glob("*.part"))


def test_strict_turns_warnings_into_failure(run_cli, seed_path: Path, tmp_path: Path) -> None:
    # The seed is damaged (lost numerals): a warning, so --strict refuses to build it.
    out = tmp_path / "out"
    result = run_cli("build", seed_path, "--out", out, "--strict", "--format", "docx")
    assert result.returncode == ExitCode.WARNINGS_AS_ERRORS
    assert result.stdout == ""
    assert not list(out.glob("*.docx"))


def test_missing_model_is_exit_4(run_cli, tmp_path: Path) -> None:
    src = tmp_path / "brief.txt"
    src.write_text(GOOD, encoding="utf-8")
    env = {"ARGOS_PACKAGES_DIR": str(tmp_path / "no-models"), "XDG_DATA_HOME": str(tmp_path)}
    result = run_cli("build", src, "--out", tmp_path / "out", "--lang", "en", env=env)
    assert result.returncode == ExitCode.MISSING_DEPENDENCY
    assert "make models" in result.stderr
    assert result.stdout == ""


def test_interrupt_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "long.txt"
    # Big enough that the PDF takes many seconds, so Ctrl-C lands mid-build.
    src.write_text("标题\n" + "会议指出，要坚持高质量发展。" * 60_000, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "exporter", "build", src, "--out", out, "--format", "pdf"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    # Wait until the build has started (it logs to stderr), then press Ctrl-C.
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "building" in line
    time.sleep(0.3)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == ExitCode.INTERRUPTED, stderr
    assert stdout == ""
    assert [f for f in _files(out) if not f.startswith(".manifest")] == []


def test_folder_input_builds_every_txt(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.txt").write_text(GOOD, encoding="utf-8")
    result = run_cli("build", folder, "--out", tmp_path / "out", "--format", "docx")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in result.paths] == ["a.zh-CN.docx", "b.zh-CN.docx"]


def test_sigpipe_safe(tmp_path: Path) -> None:
    src = tmp_path / "brief.txt"
    src.write_text(GOOD, encoding="utf-8")
    cmd = f"{sys.executable} -m exporter build {src} --out {tmp_path / 'o'} --format docx | head -0"
    proc = subprocess.run(cmd, shell=True, capture_output=True, text=True, cwd=ROOT, env=os.environ)
    assert "Traceback" not in proc.stderr


def test_console_exit_flushes_output_and_runs_exit_handlers(tmp_path: Path) -> None:
    """The console command skips interpreter teardown (cli.run) but not what exit must do:
    everything printed arrives, and atexit handlers (logging, Ray, pools) still run."""
    marker = tmp_path / "atexit-ran"
    script = (
        "import atexit, sys\n"
        "from exporter import cli\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
        "sys.argv = ['exporter', 'style', '--print-default']\n"
        "cli.run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    from exporter.style import default_text

    assert done.stdout == default_text()
    assert marker.read_text() == "ran"


def _processes_naming(text: str) -> list[int]:
    """PIDs of live processes whose command line holds ``text`` (a test's unique folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("formats", ["docx,pdf", "pdf", "docx"])
def test_one_document_with_a_writer_head_start_is_byte_identical(
    run_cli, tmp_path: Path, seed_path: Path, formats: str
) -> None:
    """-j 2 starts a writer process before the source is read (writers/forked.py); -j 1
    writes everything in one process. Same files, same bytes, same stdout order."""
    common = ("--lang", "zh-CN,zh-HK", "--format", formats, "--no-manifest")
    alone = run_cli("build", seed_path, "--out", tmp_path / "alone", "-j", "1", *common)
    ahead = run_cli("build", seed_path, "--out", tmp_path / "ahead", "-j", "2", *common)
    assert alone.returncode == ahead.returncode == 0, ahead.stderr
    assert [p.name for p in ahead.paths] == [p.name for p in alone.paths]
    assert len(alone.paths) == 2 * len(formats.split(","))
    for a, b in zip(alone.paths, ahead.paths, strict=True):
        assert a.read_bytes() == b.read_bytes(), b.name


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_bad_source_with_a_writer_head_start_leaves_no_process(run_cli, tmp_path: Path) -> None:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02 not text" * 100)
    result = run_cli("build", binary, "--out", tmp_path / "out", "-j", "2")
    assert result.returncode == ExitCode.BAD_INPUT and "binary" in result.stderr
    assert result.stdout == "" and _files(tmp_path / "out") == []
    assert _processes_naming(str(tmp_path)) == []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.skipif(not can_fork(), reason="no spare core: no writer head start")
def test_ctrl_c_while_the_writer_prepares_exits_130_and_leaves_no_process(
    tmp_path: Path, seed_path: Path
) -> None:
    out = tmp_path / "out"
    for delay in (0.0, 0.1, 0.2):  # the writer importing, registering fonts, writing
        proc = subprocess.Popen(
            [sys.executable, "-m", "exporter", "build", seed_path, "--out", out, "-j", "2",
             "--lang", "zh-CN,zh-HK"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while len(_processes_naming(str(out))) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline, "no writer process was started"
            time.sleep(0.005)  # until the head start: the writer process exists
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):  # it may have finished already
            os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
        stdout, stderr = proc.communicate(timeout=60)
        time.sleep(0.2)
        assert _processes_naming(str(out)) == [], delay
        if proc.returncode == 0:  # finished first: complete and listed
            assert len(stdout.split()) == 4
            continue
        assert proc.returncode == ExitCode.INTERRUPTED, stderr
        assert "Traceback" not in stderr
        listed = {Path(line).name for line in stdout.split()}
        assert {f for f in _files(out) if not f.startswith(".")} <= listed | {"manifest.json"}
