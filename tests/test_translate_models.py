"""Model management: install (safely), find, remove, download, and argostranslate compatibility."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.errors import InputError, MissingDependencyError
from exporter.testing.tiny_model import PACKAGE_FOLDER, build_tiny_argos_package
from exporter.translate import (
    find_model,
    install_from_file,
    install_from_index,
    list_models,
    packages_dir,
    remove_model,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for name in ("ARGOS_PACKAGES_DIR", "ARGOS_PACKAGE_INDEX", "SNAP"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def folder_state(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_tiny_model_build_is_deterministic(tmp_path: Path, tiny_archive: Path) -> None:
    again = build_tiny_argos_package(tmp_path / "again.argosmodel")
    assert hashlib.sha256(again.read_bytes()).digest() == (
        hashlib.sha256(tiny_archive.read_bytes()).digest()
    )


def test_install_list_find_remove(home: Path, tiny_archive: Path) -> None:
    assert list_models() == [] and find_model() is None
    info = install_from_file(tiny_archive)
    assert info.path == home / "xdg_data_home" / "argos-translate" / "packages" / PACKAGE_FOLDER
    assert (info.from_code, info.to_code) == ("zh", "en")
    assert [m.id for m in list_models()] == [PACKAGE_FOLDER]
    assert find_model("zh", "en") == info and find_model("en", "zh") is None
    # Installing again replaces the package in place.
    assert install_from_file(tiny_archive) == info
    assert [p.name for p in packages_dir().parent.iterdir()] == ["packages"]
    remove_model("zh_en")
    assert list_models() == [] and folder_state(packages_dir()) == []
    with pytest.raises(InputError, match="No installed model 'zh_en'"):
        remove_model("zh_en")


def evil_archive(path: Path, tiny_archive: Path, bad_name: str) -> Path:
    """The tiny package plus one hostile entry."""
    with zipfile.ZipFile(tiny_archive) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr(bad_name, b"pwned")
    return path


@pytest.mark.parametrize(
    "bad_name",
    [
        f"{PACKAGE_FOLDER}/../../../escaped.txt",
        "/tmp/escaped-absolute.txt",
        f"{PACKAGE_FOLDER}/model/../../../escaped.txt",
    ],
)
def test_zip_slip_archive_is_refused_and_nothing_is_left(
    home: Path, tiny_archive: Path, tmp_path: Path, bad_name: str
) -> None:
    archive = evil_archive(tmp_path / "evil.argosmodel", tiny_archive, bad_name)
    with pytest.raises(InputError, match="escapes the package"):
        install_from_file(archive)
    assert list_models() == []
    # No staging folder and no half package left behind.
    assert folder_state(home / "xdg_data_home") == ["argos-translate", "argos-translate/packages"]
    assert not (home / "escaped.txt").exists() and not Path("/tmp/escaped-absolute.txt").exists()


def test_archive_that_unpacks_too_large_is_refused(
    home: Path, tiny_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exporter.translate import models

    # Declared sizes are checked first …
    monkeypatch.setattr(models, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(InputError, match="unpack"):
        install_from_file(tiny_archive)
    assert folder_state(packages_dir()) == []
    # … and bytes actually written are counted too, in case the declared sizes lie.
    total = sum(i.file_size for i in zipfile.ZipFile(tiny_archive).infolist())
    monkeypatch.setattr(models, "_check_members", lambda archive, zf: PACKAGE_FOLDER)
    monkeypatch.setattr(models, "MAX_UNPACKED_BYTES", total - 1)
    with pytest.raises(InputError, match="unpacks to more than"):
        install_from_file(tiny_archive)
    assert folder_state(packages_dir()) == []
    assert list_models() == []


def test_symlink_entry_is_refused(home: Path, tiny_archive: Path, tmp_path: Path) -> None:
    archive = tmp_path / "link.argosmodel"
    with zipfile.ZipFile(tiny_archive) as src, zipfile.ZipFile(archive, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        link = zipfile.ZipInfo(f"{PACKAGE_FOLDER}/link")
        link.external_attr = (0o120777) << 16
        dst.writestr(link, "/etc")
    with pytest.raises(InputError, match="symbolic link"):
        install_from_file(archive)
    assert folder_state(packages_dir()) == []


def test_broken_archive_keeps_the_installed_model(
    home: Path, tiny_archive: Path, tmp_path: Path
) -> None:
    good = install_from_file(tiny_archive)
    broken = tmp_path / "broken.argosmodel"
    with zipfile.ZipFile(tiny_archive) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            if not item.filename.endswith("model.bin"):
                dst.writestr(item, src.read(item))
    with pytest.raises(InputError, match="no CTranslate2 model"):
        install_from_file(broken)
    assert (good.path / "model" / "model.bin").is_file()
    assert list_models() == [good]
    (tmp_path / "not-a-zip.argosmodel").write_text("hello")
    with pytest.raises(InputError, match="zip archives"):
        install_from_file(tmp_path / "not-a-zip.argosmodel")


def test_offline_download_fails_fast_with_a_clear_message(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://127.0.0.1:9/")
    start = time.monotonic()
    with pytest.raises(MissingDependencyError) as err:
        install_from_index("zh", "en", timeout=3)
    assert time.monotonic() - start < 5
    message = str(err.value)
    assert "http://127.0.0.1:9/index.json" in message and "offline" in message
    assert "exporter models install --file" in message and "\n" not in message
    assert list_models() == []


@pytest.fixture
def package_server(tiny_archive: Path) -> Iterator[str]:
    """A local HTTP server with an Argos-style index pointing at the tiny package."""
    holder: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            if self.path == "/index.json":
                body = json.dumps(
                    [
                        {
                            "type": "translate",
                            "from_code": "zh",
                            "to_code": "en",
                            "package_version": "0.0",
                            "links": [holder["base"] + "old"],
                        },
                        {
                            "type": "translate",
                            "from_code": "zh",
                            "to_code": "en",
                            "package_version": "0.1",
                            "links": [holder["base"] + "pkg"],
                        },
                    ]
                ).encode()
            elif self.path == "/pkg":
                body = tiny_archive.read_bytes()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    holder["base"] = f"http://127.0.0.1:{server.server_port}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["base"]
    finally:
        server.shutdown()
        server.server_close()


def test_install_from_index_picks_the_newest_package(
    home: Path, monkeypatch: pytest.MonkeyPatch, package_server: str
) -> None:
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", package_server)
    info = install_from_index("zh", "en", timeout=5)
    assert info.id == PACKAGE_FOLDER and find_model() == info
    with pytest.raises(MissingDependencyError, match="has no en→fr model"):
        install_from_index("en", "fr", timeout=5)


# ---------------------------------------------------------------- argostranslate compatibility


def run_python(code: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_argostranslate_sees_what_we_install(home: Path, tiny_archive: Path) -> None:
    pytest.importorskip("argostranslate")
    install_from_file(tiny_archive)
    # argostranslate reads its settings at import: ask it in a fresh process.
    out = run_python(
        "import argostranslate.package as p\n"
        "print([(x.from_code, x.to_code, x.package_path.name) "
        "for x in p.get_installed_packages()])",
        dict(os.environ),
    )
    assert out == f"[('zh', 'en', '{PACKAGE_FOLDER}')]"


@pytest.mark.parametrize("configured_by", ["environment", "settings.json"])
def test_we_find_what_argostranslate_installed(
    home: Path, tiny_archive: Path, monkeypatch: pytest.MonkeyPatch, configured_by: str
) -> None:
    pytest.importorskip("argostranslate")
    custom = home / "custom-packages"
    if configured_by == "environment":
        monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(custom))
    else:
        settings = home / "xdg_config_home" / "argos-translate" / "settings.json"
        settings.parent.mkdir(parents=True)
        settings.write_text(json.dumps({"ARGOS_PACKAGES_DIR": str(custom)}))
    # What argostranslate.package.install_from_path does, minus its stanza import.
    run_python(
        "import zipfile\nfrom argostranslate import settings\n"
        f"zipfile.ZipFile({str(tiny_archive)!r}).extractall(settings.package_data_dir)\n",
        dict(os.environ),
    )
    assert [m.path for m in list_models()] == [custom / PACKAGE_FOLDER]
    assert packages_dir() == custom


def test_importing_the_stage_is_lean(home: Path) -> None:
    out = run_python(
        "import sys, socket\n"
        "def no_network(*a, **k):\n"
        "    raise AssertionError('network touched at import')\n"
        "socket.socket.connect = no_network\n"
        "import exporter.translate\n"
        "heavy = ('argostranslate', 'stanza', 'torch', 'ctranslate2', 'sentencepiece')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))",
        dict(os.environ),
    )
    assert out == "[]"
    assert not (home / "xdg_data_home").exists(), "import must not create folders"
