"""Argos Translate model packages: find, install (safely), download and remove them.

Packages live where argostranslate keeps them, so models installed by either tool are seen by
both. argostranslate itself is not imported: its ``settings`` module creates folders on import
and its installer imports stanza (torch); the layout is simple enough to read directly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from exporter.errors import InputError, MissingDependencyError
from exporter.output import pid_alive

if TYPE_CHECKING:
    import urllib.request

log = logging.getLogger("exporter.translate")

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
# Seconds to wait for the package index or a download to answer before giving up.
NETWORK_TIMEOUT = 15.0
_USER_AGENT = "exporter (Argos package index client)"


@dataclass(frozen=True)
class ModelInfo:
    """An installed Argos package."""

    id: str  # the package folder name, e.g. ``translate-zh_en-1_9``
    path: Path
    from_code: str
    to_code: str
    from_name: str = ""
    to_name: str = ""
    version: str = ""
    target_prefix: str = ""
    type: str = "translate"  # old Argos releases also shipped "sbd" packages

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"

    @property
    def model_dir(self) -> Path:
        return self.path / "model"

    @property
    def tokenizer_path(self) -> Path:
        return self.path / "sentencepiece.model"


# ---------------------------------------------------------------- where packages live


def _home() -> Path:
    if "SNAP" in os.environ and "SNAP_USER_DATA" in os.environ:
        return Path(os.environ["SNAP_USER_DATA"])
    return Path.home()


def _argos_data_dir() -> Path:
    default = _home() / ".local" / "share"
    return Path(os.environ.get("XDG_DATA_HOME") or default) / "argos-translate"


def _argos_settings() -> dict[str, object]:
    config = Path(os.environ.get("XDG_CONFIG_HOME") or _home() / ".config")
    path = config / "argos-translate" / "settings.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _argos_setting(key: str) -> str | None:
    # Same precedence as argostranslate.settings.get_setting: environment, then settings.json.
    value = os.environ.get(key)
    if value is None:
        stored = _argos_settings().get(key)
        value = str(stored) if stored is not None else None
    return value or None


def packages_dir() -> Path:
    """The folder argostranslate installs into (and so do we)."""
    configured = _argos_setting("ARGOS_PACKAGES_DIR")
    return Path(configured).expanduser() if configured else _argos_data_dir() / "packages"


def search_dirs() -> list[Path]:
    """Folders searched for installed packages, the install folder first."""
    dirs = [packages_dir(), _argos_data_dir() / "packages"]
    unique: list[Path] = []
    for folder in dirs:
        if folder not in unique:
            unique.append(folder)
    return unique


def index_url() -> str:
    base = _argos_setting("ARGOS_PACKAGE_INDEX") or DEFAULT_INDEX_URL
    return base if base.endswith(".json") else base.rstrip("/") + "/index.json"


# ---------------------------------------------------------------- reading packages


def read_package(folder: Path) -> ModelInfo:
    """Read one installed package folder; InputError when it is not a usable package."""
    try:
        meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{folder} is not an Argos package (no metadata.json)") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder}/metadata.json is unreadable: {exc}") from None
    if not isinstance(meta, dict) or not meta.get("from_code") or not meta.get("to_code"):
        raise InputError(f"{folder}/metadata.json lacks from_code/to_code")
    return ModelInfo(
        id=folder.name,
        path=folder,
        from_code=str(meta["from_code"]),
        to_code=str(meta["to_code"]),
        from_name=str(meta.get("from_name", "")),
        to_name=str(meta.get("to_name", "")),
        version=str(meta.get("package_version", "")),
        target_prefix=str(meta.get("target_prefix", "") or ""),
        type=str(meta.get("type", "translate")),
    )


def list_models() -> list[ModelInfo]:
    """Every installed translation package, from all searched folders."""
    found: list[ModelInfo] = []
    seen: set[Path] = set()
    for folder in search_dirs():
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if not entry.is_dir() or entry.name.startswith(".") or entry.resolve() in seen:
                continue
            seen.add(entry.resolve())
            try:
                info = read_package(entry)
            except InputError as exc:
                log.warning("Skipping %s", exc)
                continue
            if info.type == "translate" and (entry / "model").is_dir():
                found.append(info)
    return found


def _version_key(version: str) -> tuple[int, object]:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def find_model(from_code: str = "zh", to_code: str = "en") -> ModelInfo | None:
    """The installed model for a language pair, newest first."""
    matches = [m for m in list_models() if (m.from_code, m.to_code) == (from_code, to_code)]
    if not matches:
        return None
    return max(matches, key=lambda m: _version_key(m.version))


def _parse_pair(text: str) -> tuple[str, str] | None:
    for sep in ("→", "->", "_", "-", ":", " "):
        left, found, right = text.partition(sep)
        if found and left and right and len(left) <= 3 and len(right) <= 3:
            return left, right
    return None


def resolve_model(id_or_path: str | Path | None = None) -> ModelInfo:
    """The model a run should use: an installed id, a language pair, a folder, or zh→en."""
    if id_or_path is None:
        found = find_model("zh", "en")
        if found is None:
            raise MissingDependencyError(
                "No zh→en translation model installed: run `make models` or "
                "`exporter models install --file X.argosmodel`"
            )
        return found
    text = str(id_or_path)
    path = Path(text).expanduser()
    if path.suffix == ".argosmodel" and path.is_file():
        raise InputError(
            f"{path} is an archive: install it first with `exporter models install --file {path}`"
        )
    if path.is_dir() and (path / "metadata.json").is_file():
        return read_package(path)
    models = list_models()
    for model in models:
        if model.id == text:
            return model
    pair = _parse_pair(text)
    if pair is not None:
        found = find_model(*pair)
        if found is not None:
            return found
    installed = ", ".join(m.id for m in models) or "none"
    raise MissingDependencyError(
        f"No translation model {text!r} installed (installed: {installed}): "
        "see `exporter models list`"
    )


# ---------------------------------------------------------------- installing


# The real translate-zh_en package unpacks to ~100 MB; this bounds a hostile or broken
# archive (a "zip bomb") long before it fills the disk.
MAX_UNPACKED_BYTES = 4 * 2**30


def _check_members(archive: Path, zf: zipfile.ZipFile) -> str:
    """Refuse entries that would land outside the package folder; return that folder's name."""
    declared = sum(member.file_size for member in zf.infolist())
    if declared > MAX_UNPACKED_BYTES:
        raise InputError(
            f"Refusing to install {archive}: it would unpack to {declared / 2**30:.1f} GiB, "
            f"more than the {MAX_UNPACKED_BYTES / 2**30:.0f} GiB a model may take"
        )
    roots: set[str] = set()
    for member in zf.infolist():
        name = member.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        mode = member.external_attr >> 16
        if (
            not parts
            or name.startswith(("/", "\\"))
            or ":" in parts[0]
            or any(part in ("..", "") for part in parts)
        ):
            raise InputError(f"Refusing to install {archive}: entry {name!r} escapes the package")
        if stat.S_ISLNK(mode):
            raise InputError(f"Refusing to install {archive}: entry {name!r} is a symbolic link")
        roots.add(parts[0])
    if len(roots) != 1:
        raise InputError(
            f"{archive} is not an Argos package: expected one top-level folder, found {len(roots)}"
        )
    root = roots.pop()
    names = {m.filename.rstrip("/") for m in zf.infolist()}
    if f"{root}/metadata.json" not in names:
        raise InputError(f"{archive} is not an Argos package: no {root}/metadata.json")
    return root


def _extract(zf: zipfile.ZipFile, target: Path) -> None:
    base = target.resolve()
    written = 0
    for member in zf.infolist():
        destination = (base / member.filename).resolve()
        # Belt and braces after _check_members: resolve() follows anything odd.
        if base not in destination.parents and destination != base:
            raise InputError(f"Refusing to install: entry {member.filename!r} escapes the package")
        if member.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(member) as src, open(destination, "wb") as dst:
            # Count what is really written: sizes declared in the archive can lie.
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > MAX_UNPACKED_BYTES:
                    raise InputError(
                        f"Refusing to install: the archive unpacks to more than "
                        f"{MAX_UNPACKED_BYTES / 2**30:.0f} GiB"
                    )
                dst.write(chunk)


_STAGING_PREFIX = ".exporter-install-"


def _remove_dead_staging(parent: Path, target_dir: Path) -> None:
    """Remove staging folders of killed installs (``.exporter-install-PID-*``, PID not alive).

    A package moved aside for replacement (``NAME.old``) whose new copy never arrived is
    put back first, so a killed install never loses the working model.
    """
    try:
        entries = list(parent.glob(f"{_STAGING_PREFIX}*-*"))
    except OSError:
        return
    for staging in entries:
        pid_text = staging.name[len(_STAGING_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or pid_alive(int(pid_text)) or not staging.is_dir():
            continue
        for moved in staging.glob("*.old"):
            final = target_dir / moved.name[: -len(".old")]
            if not final.exists():
                with contextlib.suppress(OSError):
                    moved.rename(final)
        log.debug("removing %s, left by a killed install", staging)
        shutil.rmtree(staging, ignore_errors=True)


# Translated once in staging before an install replaces anything.
_PROBE = {"zh": "今天天气很好。", "en": "The weather is fine today."}


def _probe_model(info: ModelInfo, archive: Path) -> None:
    """Load the unpacked model and translate one sentence; InputError when it cannot."""
    from .engine import BrokenModelError, Decoding, Engine

    try:
        engine = Engine(info, threads=1)
        try:
            engine.translate([_PROBE.get(info.from_code, _PROBE["en"])], Decoding())
        finally:
            engine.close()
    except BrokenModelError as exc:
        raise InputError(
            f"{archive} does not work as a model ({exc.reason}); nothing was installed"
        ) from None
    except (RuntimeError, ValueError, OSError, IndexError) as exc:
        raise InputError(
            f"{archive} does not work as a model (translating a test sentence failed: {exc}); "
            "nothing was installed"
        ) from None


def install_from_file(path: str | Path) -> ModelInfo:
    """Install an ``.argosmodel`` archive; all or nothing, replacing an older copy."""
    archive = Path(path).expanduser()
    if not archive.is_file():
        raise InputError(f"{archive}: no such file")
    if not zipfile.is_zipfile(archive):
        raise InputError(f"{archive} is not an Argos package (.argosmodel files are zip archives)")
    target_dir = packages_dir()
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot create the model folder {target_dir}: {exc}") from None
    # Unpack next to (not inside) the packages folder: argostranslate fails on any folder
    # there without metadata.json, and the final rename must stay on one filesystem.
    # The PID in the name lets a later install tell a killed install's leftovers from a
    # concurrent install still running.
    _remove_dead_staging(target_dir.parent, target_dir)
    staging = Path(
        tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", dir=target_dir.parent)
    )
    try:
        with zipfile.ZipFile(archive) as zf:
            root = _check_members(archive, zf)
            try:
                _extract(zf, staging)
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                raise InputError(f"{archive} could not be unpacked: {exc}") from None
        staged = read_package(staging / root)  # refuse a package with broken metadata
        if not (staging / root / "model" / "model.bin").is_file():
            raise InputError(f"{archive} has no CTranslate2 model ({root}/model/model.bin)")
        if staged.type == "translate":
            _probe_model(staged, archive)
        final = target_dir / root
        old = staging / (root + ".old")
        if final.exists():
            final.rename(old)
        try:
            (staging / root).rename(final)
        except OSError:
            if old.exists():
                old.rename(final)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return read_package(final)


def remove_model(id_or_code: str) -> None:
    """Remove an installed package by folder name or language pair (``zh_en``, ``zh→en``)."""
    models = list_models()
    target = next((m for m in models if m.id == id_or_code), None)
    pair = _parse_pair(id_or_code)
    if target is None and pair is not None:
        matches = [m for m in models if (m.from_code, m.to_code) == pair]
        if len(matches) > 1:
            ids = ", ".join(m.id for m in matches)
            raise InputError(f"Several {pair[0]}→{pair[1]} models installed ({ids}): name one")
        target = matches[0] if matches else None
    if target is None:
        installed = ", ".join(m.id for m in models) or "none"
        raise InputError(f"No installed model {id_or_code!r} (installed: {installed})")
    # Rename first so a crash mid-delete never leaves a half model that looks installed.
    trash = target.path.with_name(f".{target.path.name}.removing")
    shutil.rmtree(trash, ignore_errors=True)
    target.path.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)


# ---------------------------------------------------------------- downloading


def _offline_error(
    url: str, reason: object, from_code: str, to_code: str
) -> MissingDependencyError:
    return MissingDependencyError(
        f"Cannot download from {url} ({reason}): this machine looks offline. Copy a "
        f"translate-{from_code}_{to_code}-*.argosmodel here from a connected machine and run "
        "`exporter models install --file FILE`"
    )


def _request(url: str) -> urllib.request.Request:
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise InputError(f"Refusing to download {url!r}: only http(s) URLs are supported")
    return urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})


def _download(url: str, dest: Path, timeout: float) -> None:
    import urllib.request

    request = _request(url)
    with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out, 1 << 20)


def _downloads_dir() -> Path:
    from ..diskcache import cache_dir

    return cache_dir() / "downloads"


def install_from_index(
    from_code: str = "zh", to_code: str = "en", *, timeout: float = NETWORK_TIMEOUT
) -> ModelInfo:
    """Download the newest package for a pair from the Argos index and install it.

    The only network access the tool makes. One attempt per URL with a timeout: unlike
    argostranslate's ``get_available_packages`` it never retries itself into a RecursionError.
    """
    import urllib.error
    import urllib.request

    url = index_url()
    try:
        with urllib.request.urlopen(_request(url), timeout=timeout) as response:
            index = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise _offline_error(url, getattr(exc, "reason", exc), from_code, to_code) from None
    except ValueError as exc:
        message = f"The Argos package index at {url} is unreadable: {exc}"
        raise MissingDependencyError(message) from None
    candidates = [
        entry
        for entry in (index if isinstance(index, list) else [])
        if isinstance(entry, dict)
        and entry.get("type", "translate") == "translate"
        and (entry.get("from_code"), entry.get("to_code")) == (from_code, to_code)
        and entry.get("links")
    ]
    if not candidates:
        raise MissingDependencyError(
            f"The Argos package index has no {from_code}→{to_code} model; "
            "install one with `exporter models install --file FILE`"
        )
    best = max(candidates, key=lambda e: _version_key(str(e.get("package_version", ""))))
    downloads = _downloads_dir()
    downloads.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for link in best["links"]:
        fd, tmp_name = tempfile.mkstemp(suffix=".argosmodel", dir=downloads)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            log.info("Downloading %s", link)
            _download(str(link), tmp, timeout)
            return install_from_file(tmp)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            errors.append(f"{link}: {getattr(exc, 'reason', exc)}")
        finally:
            tmp.unlink(missing_ok=True)
    raise _offline_error(best["links"][0], "; ".join(errors), from_code, to_code)
