"""Batch builds: folders, -j parallel output identical to serial, one bad file among good ones."""

from __future__ import annotations

import json
from pathlib import Path

from exporter.errors import ExitCode

GOOD = (
    "黄埔区召开工作会议\n2020/5/26 9:28\n会议指出，要坚持高质量发展。会议强调，要抓住关键少数。\n"
)


def _sources(folder: Path, seed_text: str) -> list[Path]:
    folder.mkdir()
    paths = []
    for index in range(4):
        path = folder / f"doc{index}.txt"
        # Different documents, so a mix-up between workers would show.
        path.write_text(
            GOOD.replace("关键少数", f"关键少数{index}号") if index else seed_text, encoding="utf-8"
        )
        paths.append(path)
    return paths


def _outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".pdf", ".docx")
    }


def test_parallel_build_is_byte_identical_to_serial(
    run_cli, tmp_path: Path, seed_text: str
) -> None:
    sources = _sources(tmp_path / "in", seed_text)
    serial = run_cli(
        "build", tmp_path / "in", "--out", tmp_path / "serial", "-j", "1", "--lang", "zh-CN,zh-HK"
    )
    parallel = run_cli(
        "build", tmp_path / "in", "--out", tmp_path / "parallel", "-j", "2", "--lang", "zh-CN,zh-HK"
    )
    assert serial.returncode == parallel.returncode == 0, parallel.stderr
    assert len(serial.paths) == len(sources) * 4
    # Same paths in the same (input) order, same bytes.
    assert [p.name for p in serial.paths] == [p.name for p in parallel.paths]
    assert _outputs(tmp_path / "serial") == _outputs(tmp_path / "parallel")
    serial_manifest = json.loads((tmp_path / "serial" / "manifest.json").read_text())
    parallel_manifest = json.loads((tmp_path / "parallel" / "manifest.json").read_text())
    digests = {k: v["output_sha256"] for k, v in serial_manifest["outputs"].items()}
    assert digests == {k: v["output_sha256"] for k, v in parallel_manifest["outputs"].items()}


def test_one_bad_file_among_good_ones(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b_broken.txt").write_bytes(b"\x00\x01\x02 binary")
    (folder / "c.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", folder, "--out", out, "-j", "2", "--format", "pdf")
    assert result.returncode == ExitCode.BAD_INPUT
    assert [p.name for p in result.paths] == ["a.zh-CN.pdf", "c.zh-CN.pdf"]
    assert "b_broken.txt" in result.stderr and "binary" in result.stderr
    assert sorted(p.name for p in out.glob("*.pdf")) == ["a.zh-CN.pdf", "c.zh-CN.pdf"]


def test_manifest_records_provenance(run_cli, tmp_path: Path, seed_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", seed_path, "--out", out, "--lang", "zh-HK", "--format", "pdf")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    record = manifest["outputs"]["000_4bb12e1a55d9fe7f.zh-HK.pdf"]
    import hashlib

    assert record["input_sha256"] == hashlib.sha256(seed_path.read_bytes()).hexdigest()
    assert record["output_sha256"] == hashlib.sha256(result.paths[0].read_bytes()).hexdigest()
    assert record["provenance"]["opencc_config"] == "s2hk"
    assert "corrections" in record["provenance"]
    assert record["options"]["langs"] == ["zh-HK"]
    assert {"reportlab", "python-docx", "opencc"} <= set(manifest["libraries"])
    # A second build into the same folder adds to the manifest, it does not replace it.
    again = run_cli("build", seed_path, "--out", out, "--lang", "zh-CN", "--format", "pdf")
    assert again.returncode == 0
    outputs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert {"000_4bb12e1a55d9fe7f.zh-HK.pdf", "000_4bb12e1a55d9fe7f.zh-CN.pdf"} <= set(outputs)
