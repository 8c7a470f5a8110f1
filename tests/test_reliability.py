"""Issue 8: no silent data loss, bounded resources, exact exit codes — each case through the CLI.

Every case checks what a user (or a calling tool) sees: the exit code, one error line on
stderr and no traceback, nothing partial in --out, and earlier good outputs byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.errors import ExitCode, OutputError
from exporter.output import StagedOutputs
from exporter.readers.source import MAX_INPUT_BYTES

from .conftest import ROOT

GOOD = (
    "黄埔区召开工作会议\n2020/5/26 9:28\n会议指出，要坚持高质量发展。会议强调，要抓住关键少数。\n"
)
OTHER = "天河区召开工作会议\n2021/6/1 10:00\n会议要求，要做好防汛准备工作。\n"
LONG = "标题\n" + "会议指出，要坚持高质量发展。\n" * 25_000  # ~1 MB: a few seconds to build

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def error_lines(stderr: str) -> list[str]:
    """Error lines, without the batch summary ("1 of 2 source(s) could not be built")."""
    return [line for line in stderr.splitlines() if "error" in line and "(see above)" not in line]


def one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every visible file under folder (the manifest's lock excluded), with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".manifest.json.lock"
    }


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def no_staging_left(folder: Path) -> bool:
    return not [p for p in folder.rglob(".*") if p.name.endswith((".part", ".old"))]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- 1. same names, no loss


def test_same_names_in_a_folder_are_mirrored_not_lost(run_cli, tmp_path: Path) -> None:
    a = write(tmp_path / "c" / "a" / "x.txt", GOOD)
    b = write(tmp_path / "c" / "b" / "x.txt", OTHER)
    out = tmp_path / "out"
    result = run_cli("build", tmp_path / "c", "--out", out, "-j", "2", "--format", "docx")
    assert result.returncode == 0, result.stderr
    assert result.paths == [out / "a" / "x.zh-CN.docx", out / "b" / "x.zh-CN.docx"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    for key, source in (("a/x.zh-CN.docx", a), ("b/x.zh-CN.docx", b)):
        assert manifest[key]["input"] == str(source)
        assert manifest[key]["input_sha256"] == sha(source)
        assert manifest[key]["output_sha256"] == sha(out / key)
    assert "黄埔区" in zipfile.ZipFile(out / "a/x.zh-CN.docx").read("word/document.xml").decode()
    assert "天河区" in zipfile.ZipFile(out / "b/x.zh-CN.docx").read("word/document.xml").decode()


def test_colliding_file_arguments_are_refused_before_building(run_cli, tmp_path: Path) -> None:
    a = write(tmp_path / "a" / "x.txt", GOOD)
    b = write(tmp_path / "b" / "x.txt", OTHER)
    out = tmp_path / "out"
    assert run_cli("build", a, "--out", out, "--format", "docx").returncode == 0
    before = snapshot(out)
    result = run_cli("build", a, b, "--out", out, "--format", "docx")
    assert result.returncode == ExitCode.USAGE
    line = one_error(result.stderr)
    assert str(a) in line and str(b) in line
    assert "building" not in result.stderr and result.stdout == ""
    assert snapshot(out) == before


# ---------------------------------------------------------------- 2. special files, limits


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "socket"])
def test_special_files_are_refused_without_hanging(run_cli, tmp_path: Path, kind: str) -> None:
    special = tmp_path / "in" / "special.txt"
    special.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(special)
    elif kind == "dev-zero":
        special.symlink_to("/dev/zero")
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(special))
    good = write(tmp_path / "in" / "good.txt", GOOD)
    out = tmp_path / "out"
    result = run_cli("build", special, good, "--out", out, "--format", "docx", timeout=60)
    assert result.returncode == ExitCode.BAD_INPUT
    line = one_error(result.stderr)
    assert str(special) in line and "regular file" in line
    assert [p.name for p in result.paths] == ["good.zh-CN.docx"]


def test_too_large_is_refused_before_reading(run_cli, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: reading it all would take time and memory
        handle.truncate(MAX_INPUT_BYTES + 1)
    started = time.monotonic()
    result = run_cli("build", big, "--out", tmp_path / "out")
    assert result.returncode == ExitCode.BAD_INPUT
    assert "limit" in one_error(result.stderr)
    assert time.monotonic() - started < 30


# ---------------------------------------------------------------- 3, 4. signals


def _start(*args: str | Path, cwd: Path = ROOT) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "exporter", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        start_new_session=True,  # its own process group, as a shell gives a job
    )


def _wait_until_building(proc: subprocess.Popen[str]) -> None:
    assert proc.stderr is not None
    assert "building" in proc.stderr.readline()
    time.sleep(1.0)
    assert proc.poll() is None, "the build finished before it could be interrupted"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["sigint-group", "sigint-twice", "sigterm-driver"])
def test_interrupt_with_workers_leaves_nothing_new(tmp_path: Path, how: str) -> None:
    sources = [write(tmp_path / "in" / f"h{i}.txt", LONG) for i in range(4)]
    out = tmp_path / "out"
    proc = _start("build", *sources, "-j", "2", "--out", out, "--format", "pdf")
    _wait_until_building(proc)
    if how == "sigterm-driver":
        proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the driver and its workers
        if how == "sigint-twice":
            time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    after = snapshot(out) if out.exists() else {}
    time.sleep(3)  # a worker still running would write now
    assert (snapshot(out) if out.exists() else {}) == after
    assert no_staging_left(out) if out.exists() else True
    # Whatever was committed before the interrupt is printed and in the manifest.
    printed = {Path(line).name for line in stdout.splitlines()}
    written = {name for name in after if name.endswith(".pdf")}
    assert printed == written
    if written:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
        assert written <= set(manifest)


def test_leftovers_of_a_killed_run_are_removed_and_a_live_runs_kept(
    run_cli, tmp_path: Path
) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(dead.stdout)
    out = tmp_path / "out"
    out.mkdir()
    killed = out / f".x.zh-CN.docx.exporter-{dead_pid}-abc123.part"
    killed_backup = out / f".x.zh-CN.docx.exporter-{dead_pid}-bak.old"
    live = out / f".y.zh-CN.docx.exporter-{os.getpid()}-def456.part"  # a concurrent build's
    theirs = out / ".notes.part"  # not our pattern: never touched
    for path in (killed, killed_backup, live, theirs):
        path.write_bytes(b"partial")
    src = write(tmp_path / "x.txt", GOOD)
    result = run_cli("build", src, "--out", out, "--format", "docx")
    assert result.returncode == 0, result.stderr
    assert not killed.exists() and not killed_backup.exists()
    assert live.exists() and theirs.exists()


@pytest.mark.slow
def test_sigkill_leftovers_are_cleaned_by_the_next_run(run_cli, tmp_path: Path) -> None:
    src = write(tmp_path / "long.txt", LONG)
    out = tmp_path / "out"
    proc = _start("build", src, "--out", out, "--format", "pdf,docx")
    deadline = time.monotonic() + 60
    while no_staging_left(out) if out.exists() else True:  # wait until a writer has staged
        assert proc.poll() is None and time.monotonic() < deadline, "nothing was ever staged"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert not no_staging_left(out)  # SIGKILL cannot be handled: the leftovers are there
    small = write(tmp_path / "small.txt", GOOD)
    assert run_cli("build", small, "--out", out, "--format", "docx").returncode == 0
    assert no_staging_left(out)


# ---------------------------------------------------------------- 5. full disk, stdout


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 600 KiB tmpfs: room for a small briefing, not for a large one (root only)."""
    if not IS_ROOT:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _small_built_then_a_big_one(
    run_cli, tmp_path: Path, disk: Path, *options: str
) -> tuple[Path, Path, Path, dict[str, bytes]]:
    """(out, small, big, out's files): a small briefing built on ``disk``, and a source whose
    PDF will not fit beside it."""
    out = disk / "out"
    small = write(tmp_path / "in" / "b_small.txt", GOOD)
    assert run_cli("build", small, "--out", out, *options).returncode == 0
    # 6000 different characters: a PDF of ~1.6 MB (the font subset), fast to build.
    rare = "".join(chr(0x4E00 + 3 * i) for i in range(6000))
    big = write(tmp_path / "in" / "a_big.txt", f"标题\n{rare}。\n")
    return out, small, big, snapshot(out)


@pytest.mark.slow
def test_full_disk_is_exit_5_and_the_batch_goes_on(run_cli, tmp_path: Path, tiny_disk) -> None:
    out, small, big, before = _small_built_then_a_big_one(
        run_cli, tmp_path, tiny_disk, "--format", "pdf"
    )
    result = run_cli("build", big, small, "--out", out, "--format", "pdf", "-j", "1")
    assert result.returncode == ExitCode.OUTPUT_NOT_WRITABLE, result.stderr
    line = one_error(result.stderr)
    assert "a_big" in line and "No space left" in line
    # The big one failed, the small one after it was still built; nothing partial is left.
    assert [p.name for p in result.paths] == ["b_small.zh-CN.pdf"]
    assert no_staging_left(out)
    assert snapshot(out).keys() == before.keys()


@pytest.mark.slow
def test_full_disk_under_the_writer_head_start_is_exit_5(
    run_cli, tmp_path: Path, tiny_disk
) -> None:
    """One document with a spare core: its PDF is written by the process started ahead
    (writers/forked.py); its full-disk error reaches the user the same way."""
    out, _, big, before = _small_built_then_a_big_one(run_cli, tmp_path, tiny_disk, "-j", "2")
    result = run_cli("build", big, "--out", out, "-j", "2")
    assert result.returncode == ExitCode.OUTPUT_NOT_WRITABLE, result.stderr
    line = one_error(result.stderr)
    assert "a_big.zh-CN" in line and "No space left" in line
    assert result.stdout == "" and no_staging_left(out) and snapshot(out) == before


def test_read_only_output_folder_is_exit_5(run_cli, tmp_path: Path) -> None:
    if not IS_ROOT:
        pytest.skip("a read-only bind mount needs root (CI runs as root)")
    src_dir, mount = tmp_path / "rw", tmp_path / "ro"
    src_dir.mkdir()
    mount.mkdir()
    src = write(tmp_path / "x.txt", GOOD)
    assert run_cli("build", src, "--out", src_dir, "--format", "docx").returncode == 0
    before = snapshot(src_dir)
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(src_dir), str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {done.stderr.strip()}")
    try:
        result = run_cli("build", src, "--out", mount, "--format", "docx")
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
    assert result.returncode == ExitCode.OUTPUT_NOT_WRITABLE
    assert "not writable" in one_error(result.stderr)
    assert snapshot(src_dir) == before


def test_stdout_on_dev_full_is_exit_5_and_the_build_completes(tmp_path: Path) -> None:
    src = write(tmp_path / "x.txt", GOOD)
    out = tmp_path / "out"
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "exporter", "build", src, "--out", out, "--format", "docx"],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
    assert proc.returncode == ExitCode.OUTPUT_NOT_WRITABLE
    assert "standard output" in one_error(proc.stderr)
    assert (out / "x.zh-CN.docx").is_file()
    assert "x.zh-CN.docx" in json.loads((out / "manifest.json").read_text())["outputs"]


def test_manifest_that_cannot_be_written_is_reported(run_cli, tmp_path: Path) -> None:
    src = write(tmp_path / "x.txt", GOOD)
    out = tmp_path / "out"
    (out / "manifest.json").mkdir(parents=True)  # something in the manifest's way
    result = run_cli("build", src, "--out", out, "--format", "docx")
    assert result.returncode == ExitCode.OUTPUT_NOT_WRITABLE
    line = one_error(result.stderr)
    assert "manifest.json" in line and "outputs were written" in line
    assert result.paths == [out / "x.zh-CN.docx"]
    assert no_staging_left(out)


def test_closed_stdout_finishes_the_build_and_the_manifest(tmp_path: Path) -> None:
    sources = [write(tmp_path / f"{name}.txt", GOOD) for name in ("a", "b")]
    out = tmp_path / "out"
    read_end, write_end = os.pipe()
    os.close(read_end)  # `exporter build … | head -c 0`: the reader is gone at once
    proc = subprocess.run(
        [sys.executable, "-m", "exporter", "build", *sources, "--out", out, "--format", "docx"],
        stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and not error_lines(proc.stderr)
    manifest = json.loads((out / "manifest.json").read_text())["outputs"]
    assert {"a.zh-CN.docx", "b.zh-CN.docx"} <= set(manifest)


# ---------------------------------------------------------------- 6. commit together


@pytest.mark.slow
def test_outputs_of_a_document_are_committed_together(run_cli, tmp_path: Path) -> None:
    src = write(tmp_path / "x.txt", GOOD)
    out = tmp_path / "out"
    assert run_cli("build", src, "--out", out).returncode == 0
    docx_before = (out / "x.zh-CN.docx").read_bytes()
    manifest_before = (out / "manifest.json").read_bytes()
    (out / "x.zh-CN.pdf").unlink()
    (out / "x.zh-CN.pdf").mkdir()  # the PDF's target became a folder
    write(src, OTHER)
    result = run_cli("build", src, "--out", out)
    assert result.returncode == ExitCode.OUTPUT_NOT_WRITABLE
    assert "x.zh-CN.pdf" in one_error(result.stderr)
    assert result.stdout == ""
    assert (out / "x.zh-CN.docx").read_bytes() == docx_before
    assert (out / "manifest.json").read_bytes() == manifest_before
    assert no_staging_left(out)


def test_a_failed_rename_restores_the_files_already_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.docx", tmp_path / "a.pdf"
    first.write_bytes(b"old docx")
    staged = StagedOutputs()
    for target in (first, second):
        staged.stage(target).write_bytes(b"new " + target.suffix.encode())
    real_replace = os.replace
    calls = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if Path(dst) == second:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match="No space left"):
        staged.commit()
    monkeypatch.setattr(os, "replace", real_replace)
    assert first.read_bytes() == b"old docx" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx"]


# ---------------------------------------------------------------- 7. models install


def _broken_copy(archive: Path, dest: Path, member: str) -> Path:
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(dest, "w") as out:
        for item in src.infolist():
            data = b"x" if item.filename.endswith(member) else src.read(item)
            out.writestr(item.filename, data)
    return dest


@pytest.fixture
def model_env(tmp_path: Path) -> dict[str, str]:
    return {
        "ARGOS_PACKAGES_DIR": str(tmp_path / "argos" / "packages"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


@pytest.mark.parametrize("member", ["model/model.bin", "sentencepiece.model"])
def test_install_refuses_a_model_that_cannot_translate(
    run_cli, tmp_path: Path, tiny_archive: Path, model_env, member: str
) -> None:
    assert run_cli("models", "install", "--file", tiny_archive, env=model_env).returncode == 0
    packages = Path(model_env["ARGOS_PACKAGES_DIR"])
    before = snapshot(packages)
    broken = _broken_copy(tiny_archive, tmp_path / "broken.argosmodel", member)
    result = run_cli("models", "install", "--file", broken, env=model_env)
    assert result.returncode == ExitCode.BAD_INPUT
    assert "nothing was installed" in one_error(result.stderr)
    assert snapshot(packages) == before  # the working model is untouched
    assert sorted(p.name for p in packages.parent.iterdir()) == ["packages"]


def test_broken_installed_model_is_exit_4_with_the_fix(
    run_cli, tmp_path: Path, tiny_archive: Path, model_env
) -> None:
    assert run_cli("models", "install", "--file", tiny_archive, env=model_env).returncode == 0
    (package,) = Path(model_env["ARGOS_PACKAGES_DIR"]).iterdir()
    (package / "sentencepiece.model").write_bytes(b"x")  # damaged after install
    src = write(tmp_path / "x.txt", GOOD)
    result = run_cli("build", src, "--out", tmp_path / "out", "--lang", "en", env=model_env)
    assert result.returncode == ExitCode.MISSING_DEPENDENCY
    line = one_error(result.stderr)
    assert "broken" in line and "exporter models install --file" in line


def test_killed_install_staging_is_removed_and_a_moved_model_restored(
    run_cli, tmp_path: Path, tiny_archive: Path, model_env
) -> None:
    from exporter.testing.tiny_model import PACKAGE_FOLDER

    packages = Path(model_env["ARGOS_PACKAGES_DIR"])
    assert run_cli("models", "install", "--file", tiny_archive, env=model_env).returncode == 0
    # A run killed between moving the old model aside and moving the new one in.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    staging = packages.parent / f".exporter-install-{int(dead.stdout)}-abcd"
    staging.mkdir()
    (packages / PACKAGE_FOLDER).rename(staging / f"{PACKAGE_FOLDER}.old")
    (staging / "junk.bin").write_bytes(b"\0" * 1000)
    live = packages.parent / f".exporter-install-{os.getpid()}-efgh"  # a concurrent install
    live.mkdir()
    other = tmp_path / "other.argosmodel"
    _broken_copy(tiny_archive, other, "model/model.bin")
    run_cli("models", "install", "--file", other, env=model_env)  # refused, but sweeps
    assert not staging.exists() and live.exists()
    assert (packages / PACKAGE_FOLDER / "model" / "model.bin").stat().st_size > 1000


# ---------------------------------------------------------------- 8. stray control bytes


def test_stray_nul_in_chinese_text_is_stripped_with_a_warning(run_cli, tmp_path: Path) -> None:
    src = tmp_path / "scraped.txt"
    src.write_bytes(GOOD.replace("高质量", "高\x00质量").encode() + "再次强调。\x07\n".encode())
    out = tmp_path / "out"
    result = run_cli("build", src, "--out", out, "--format", "docx")
    assert result.returncode == 0, result.stderr
    assert any("stray control" in line and "2" in line for line in result.stderr.splitlines())
    xml = zipfile.ZipFile(out / "scraped.zh-CN.docx").read("word/document.xml").decode()
    assert "高质量" in xml and "\x00" not in xml


def test_binary_by_share_of_control_bytes(run_cli, tmp_path: Path) -> None:
    src = tmp_path / "image.txt"
    src.write_bytes(bytes(range(256)) * 64)  # 11 % control bytes: binary
    result = run_cli("build", src, "--out", tmp_path / "out")
    assert result.returncode == ExitCode.BAD_INPUT
    assert "binary" in one_error(result.stderr)


# ---------------------------------------------------------------- 9. usage errors


@pytest.mark.parametrize(
    "args",
    [
        ("build", "x.txt"),  # no --out
        ("build", "x.txt", "--out", "o", "--format", "odt"),
        ("build", "x.txt", "--out", "o", "-j", "-1"),
        ("build", "x.txt", "--out", "o", "-j", "two"),
        ("frobnicate",),
    ],
)
def test_usage_errors_are_one_line(run_cli, args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("exporter: error: ") and "--help`" in result.stderr


def test_missing_folder_is_named_as_such_and_the_rest_builds(run_cli, tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", GOOD)
    missing = tmp_path / "no-such-folder"
    result = run_cli("build", missing, good, "--out", tmp_path / "out", "--format", "docx")
    assert result.returncode == ExitCode.BAD_INPUT
    assert f"{missing}: no such file or folder" in one_error(result.stderr)
    assert [p.name for p in result.paths] == ["good.zh-CN.docx"]


def test_build_help_lists_exit_codes_and_verbosity(run_cli) -> None:
    result = run_cli("build", "--help")
    assert result.returncode == 0
    assert "exit codes:" in result.stdout
    for code in ("0", "2", "3", "4", "5", "6", "130"):
        assert f"\n  {code} " in result.stdout
    assert "only errors" in result.stdout and "traceback" in result.stdout


def test_bad_corrections_file_is_reported_once_before_building(run_cli, tmp_path: Path) -> None:
    sources = [write(tmp_path / f"{name}.txt", GOOD) for name in ("a", "b", "c")]
    bad = write(tmp_path / "fixes.tsv", "only-one-field\n")
    out = tmp_path / "out"
    result = run_cli("build", *sources, "--out", out, "--lang", "zh-HK", "--corrections", bad)
    assert result.returncode == ExitCode.BAD_INPUT
    assert str(bad) in one_error(result.stderr)
    assert "building" not in result.stderr and not out.exists()


def _interrupted_import(name: str):  # type: ignore[no-untyped-def]
    """An __import__ for which ``name`` fails as pybind11 reports a Ctrl-C that lands while
    a compiled module initialises: ImportError("initialization failed") from KeyboardInterrupt."""
    import builtins

    real = builtins.__import__

    def fake(module: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if module == name or module.startswith(name + "."):
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as exc:
                raise ImportError("initialization failed") from exc
        return real(module, *args, **kwargs)

    return fake


def _loaders():  # type: ignore[no-untyped-def]
    from exporter.executors import ray_executor
    from exporter.readers import html, markdown
    from exporter.transforms.convert import guard, matching, opencc_data
    from exporter.writers import pdf_text

    opencc_data._converter.cache_clear()
    guard._jieba.cache_clear()
    pdf_text._hyphenator.cache_clear()
    return {
        "opencc": lambda: opencc_data._converter("s2t"),
        "ahocorasick_rs": matching._module,
        "jieba": guard._jieba,
        "pyphen": lambda: pdf_text._hyphenator("en_GB"),
        "markdown_it": markdown._parser,
        "trafilatura": lambda: html._extract("<p>x</p>"),
        "ray": ray_executor.import_ray,
    }


@pytest.mark.parametrize(
    "module", ["opencc", "ahocorasick_rs", "jieba", "pyphen", "markdown_it", "trafilatura", "ray"]
)
def test_ctrl_c_while_a_library_loads_is_an_interrupt_not_a_missing_library(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by pressing Ctrl-C at random moments: an interrupted OpenCC import said "the
    installed OpenCC has no usable 's2t' conversion" and exited 4 instead of 130."""
    import builtins

    load = _loaders()[module]
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", _interrupted_import(module))
    try:
        with pytest.raises(KeyboardInterrupt):
            load()
    finally:
        monkeypatch.undo()
        _loaders()  # clear the caches that remembered the failure
