"""Build the TrueType fonts the writers use from the font packages on PyPI (run once).

``python -m exporter.fontbuild [--dest DIR]``. The Noto CJK faces ship with CFF (PostScript)
outlines, which reportlab refuses to embed, so they are redrawn as TrueType (quadratic, ``glyf``)
outlines with fontTools' cu2qu; the Latin and symbol faces ship as variable fonts and are cut
into static instances. Every face keeps its full character set: documents may use any character.
See fonts/README.md for what each face is and where it comes from.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ExporterError, InputError, MissingDependencyError

# Written into each built face's version string (name ID 5). Bump it when the recipe changes
# so that existing builds are redone instead of reused.
RECIPE = "exporter-fontbuild r1"

_NOTO_SERIF = "files/NotoSerif[wdth,wght].ttf"

# cu2qu's tolerance in font units (1000 per em): 1/1000 em is far below what print shows.
MAX_ERR = 1.0


@dataclass(frozen=True)
class Job:
    """One output face: where its source lives and how it is made."""

    output: str  # file name under the build folder
    pip_name: str  # the PyPI distribution that ships the source
    package: str  # its import name (located, never imported: some import heavy things)
    source: str  # path of the source file inside the package
    kind: str  # "cff2ttf" | "instance" | "copy" | "cjkbold"
    # For "instance": axis -> value (axes left out are pinned at their defaults).
    axes: tuple[tuple[str, float], ...] = ()
    style: str = "Regular"  # "Regular" | "Bold": written to the name table for "instance"
    cost: float = 1.0  # rough seconds (measured), to start the longest jobs first
    # For "cjkbold": the OpenType language system whose locl forms to take ("ZHS", "ZHT"), the
    # built regular face whose coverage (and family name) the bold face takes, and its names.
    locale: str = ""
    regular: str = ""
    family: str = ""


def _cjk_bold(output: str, locale: str, regular: str, family: str, cost: float) -> Job:
    """A bold sans face cut from the pan-CJK Noto Sans CJK Bold for one locale."""
    return Job(
        output,
        "cvttf-notosanscjk-bold",
        "cvttf_NotoSansCJK_Bold",
        "NotoSansCJKtc-Bold.otf",
        "cjkbold",
        style="Bold",
        cost=cost,
        locale=locale,
        regular=regular,
        family=family,
    )


def _cjk(stem: str, pip_name: str, cost: float) -> Job:
    package = pip_name.replace("-", "_")
    return Job(f"{stem}.ttf", pip_name, package, f"{stem}.otf", "cff2ttf", cost=cost)


def _static(output: str, pip_name: str, source: str, weight: int, **pinned: float) -> Job:
    style = "Bold" if weight >= 600 else "Regular"
    axes = (("wght", float(weight)), *pinned.items())
    return Job(output, pip_name, pip_name.replace("-", "_"), source, "instance", axes, style, 8)


JOBS: tuple[Job, ...] = (
    _cjk("NotoSerifSC-Regular", "pylopdf-fonts-zh-cn", cost=140),
    _cjk("NotoSansSC-Regular", "pylopdf-fonts-zh-cn", cost=120),
    _cjk("NotoSerifTC-Regular", "pylopdf-fonts-zh-tw", cost=100),
    _cjk("NotoSansTC-Regular", "pylopdf-fonts-zh-tw", cost=80),
    # Real bold for titles and headings, covering what the regular sans of the script covers.
    _cjk_bold("NotoSansSC-Bold.ttf", "ZHS", "NotoSansSC-Regular.ttf", "Noto Sans SC", cost=70),
    _cjk_bold("NotoSansTC-Bold.ttf", "ZHT", "NotoSansTC-Regular.ttf", "Noto Sans TC", cost=50),
    _static("NotoSerif-Regular.ttf", "fontpkg-noto-serif", _NOTO_SERIF, 400, wdth=100),
    _static("NotoSerif-Bold.ttf", "fontpkg-noto-serif", _NOTO_SERIF, 700, wdth=100),
    _static("NotoSans-Regular.ttf", "manimgx-fonts", "NotoSans[wght].ttf", 400),
    _static("NotoSans-Bold.ttf", "manimgx-fonts", "NotoSans[wght].ttf", 700),
    _static("NotoSansSymbols-Regular.ttf", "manimgx-fonts", "NotoSansSymbols[wght].ttf", 400),
    _static("NotoEmoji-Regular.ttf", "manimgx-fonts", "NotoEmoji[wght].ttf", 400),
    # Copied untouched: the Bitstream Vera licence wants modified copies renamed.
    Job(
        "DejaVuSans.ttf",
        "rinoh-typeface-dejavusans",
        "rinoh_typeface_dejavusans",
        "DejaVuSans.ttf",
        "copy",
        cost=0.1,
    ),
)

# Packages whose declared dependencies are heavy and unneeded here (rinohtype pulls in Sphinx).
NO_DEPS = {"rinoh-typeface-dejavusans"}


def source_path(job: Job) -> Path:
    """Where ``job``'s source font is installed; MissingDependencyError if it is not."""
    spec = importlib.util.find_spec(job.package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / job.source
        if path.is_file():
            return path
    flag = "--no-deps " if job.pip_name in NO_DEPS else ""
    raise MissingDependencyError(
        f"Font package {job.pip_name} is not installed (needed for {job.output}): "
        f"run `make install` or `pip install {flag}{job.pip_name}`"
    )


def _tag(src: Path) -> str:
    # Names the recipe and the source's size: a new recipe or a changed source means a rebuild,
    # while reinstalling the same package (new mtimes) does not.
    return f"{RECIPE} ({src.stat().st_size} byte source)"


def _is_current(job: Job, src: Path, out: Path) -> bool:
    """True if ``out`` is a complete build of ``src`` by this recipe (so it can be kept)."""
    try:
        if job.kind == "copy":
            return out.read_bytes() == src.read_bytes()
        from fontTools.ttLib import TTFont

        size = out.stat().st_size
        with TTFont(out, lazy=True) as font, TTFont(src, lazy=True) as original:
            tables = font.reader.tables.values()
            return (
                all(entry.offset + entry.length <= size for entry in tables)
                and "glyf" in font
                and "fvar" not in font
                and _tag(src) in (font["name"].getDebugName(5) or "")
                # A bold face is a subset: its glyph count is not the source's.
                and (job.kind == "cjkbold" or font["maxp"].numGlyphs == original["maxp"].numGlyphs)
            )
    except Exception:  # missing, truncated or foreign file: rebuild it
        return False


def _mark_version(font: Any, src: Path) -> None:
    name = font["name"]
    version = name.getDebugName(5) or "Version 1.0"
    for record in name.names:
        if record.nameID == 5:
            record.string = f"{version}; {_tag(src)}"


def cff_to_ttf(font: Any) -> None:
    """Redraw a CFF-flavoured OpenType font in place with TrueType outlines."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyphs[name] = pen.glyph()

    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    font["loca"] = newTable("loca")
    # VORG only exists for CFF; DSIG would no longer match the modified font.
    for tag in ("CFF ", "VORG", "DSIG"):
        if tag in font:
            del font[tag]
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        glyph.recalcBounds(glyf)
        # TrueType rasterisers expect the left side bearing to equal the outline's xMin.
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))

    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    # Glyph names (cid12345) are of no use to anyone: post format 3 drops them.
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def _static_instance(src: Path, axes: dict[str, float], style: str) -> Any:
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(src)
    pinned = {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
    pinned.update(axes)
    font = instancer.instantiateVariableFont(font, pinned)
    family = font["name"].getBestFamilyName()
    bold = style == "Bold"
    ps_family = family.replace(" ", "")
    name = font["name"]
    # A static face is named like the family's classic static files (family + Regular/Bold),
    # so that word processors pair it with its bold sibling.
    for name_id in (16, 17, 21, 22, 25):
        name.removeNames(nameID=name_id)
    name.setName(family, 1, 3, 1, 0x409)
    name.setName(style, 2, 3, 1, 0x409)
    name.setName(f"{family} {style}" if bold else family, 4, 3, 1, 0x409)
    name.setName(f"{ps_family}-{style}", 6, 3, 1, 0x409)
    name.setName(f"{name.getDebugName(5)};{ps_family}-{style}", 3, 3, 1, 0x409)
    name.names = [record for record in name.names if record.platformID == 3]
    os2 = font["OS/2"]
    os2.usWeightClass = 700 if bold else 400
    # fsSelection: bit 0 italic, bit 5 bold, bit 6 regular.
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (1 << 5 if bold else 1 << 6)
    font["head"].macStyle = 1 if bold else 0
    return font


def _locl_map(font: Any, locale: str) -> dict[str, str]:
    """glyph -> glyph of the single substitutions the ``locl`` feature makes for ``locale``."""
    gsub = font["GSUB"].table
    features = gsub.FeatureList.FeatureRecord
    lookups: list[int] = []
    for script in gsub.ScriptList.ScriptRecord:
        for lang in script.Script.LangSysRecord:
            if lang.LangSysTag.strip() != locale:
                continue
            for index in lang.LangSys.FeatureIndex:
                if features[index].FeatureTag == "locl":
                    lookups.extend(features[index].Feature.LookupListIndex)
    mapping: dict[str, str] = {}
    for index in dict.fromkeys(lookups):
        lookup = gsub.LookupList.Lookup[index]
        for sub in lookup.SubTable:
            sub = getattr(sub, "ExtSubTable", sub)  # type 7 wraps the real subtable
            for old, new in (getattr(sub, "mapping", None) or {}).items():
                mapping.setdefault(old, new)
    return mapping


def _cjk_bold_face(job: Job, src: Path, regular: Path) -> Any:
    """One locale's bold face: the cmap remapped through ``locl``, cut to the regular face's
    code points (so it covers what its regular sibling covers, no Hangul or kana beyond it),
    redrawn in TrueType and named as the bold of the regular face's family."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(src)
    with TTFont(regular, lazy=True) as sibling:
        wanted = set(sibling.getBestCmap())
    forms = _locl_map(font, job.locale)
    best = font.getBestCmap()
    chosen = {code: forms.get(glyph, glyph) for code, glyph in best.items() if code in wanted}
    for table in font["cmap"].tables:
        if table.format != 14:
            table.cmap = {code: chosen[code] for code in table.cmap if code in chosen}
    options = subset.Options()
    # The other locales' forms are reachable only through locl: dropping it drops them.
    options.layout_features = [tag for tag in options.layout_features if tag != "locl"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=chosen)
    subsetter.subset(font)
    cff_to_ttf(font)
    family, ps_family = job.family, job.family.replace(" ", "")
    name = font["name"]
    for name_id in (16, 17, 21, 22, 25):
        name.removeNames(nameID=name_id)
    name.names = [record for record in name.names if record.platformID == 3]
    name.setName(family, 1, 3, 1, 0x409)
    name.setName("Bold", 2, 3, 1, 0x409)
    name.setName(f"{family} Bold", 4, 3, 1, 0x409)
    name.setName(f"{ps_family}-Bold", 6, 3, 1, 0x409)
    name.setName(f"{name.getDebugName(5)};{ps_family}-Bold", 3, 3, 1, 0x409)
    os2 = font["OS/2"]
    os2.usWeightClass = 700
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (1 << 5)
    font["head"].macStyle = 1
    return font


def build_face(job: Job, src: Path, out: Path) -> float:
    """Build one face into ``out`` atomically; returns the seconds it took."""
    from fontTools.ttLib import TTFont

    start = time.monotonic()
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        if job.kind == "copy":
            shutil.copyfile(src, tmp)
        else:
            if job.kind == "cff2ttf":
                font = TTFont(src)
                cff_to_ttf(font)
            elif job.kind == "cjkbold":
                # The regular face's source has the same cmap as its build (no need to wait).
                sibling = next(other for other in JOBS if other.output == job.regular)
                font = _cjk_bold_face(job, src, source_path(sibling))
            else:
                font = _static_instance(src, dict(job.axes), job.style)
            _mark_version(font, src)
            font.save(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return time.monotonic() - start


def _worker(job: Job, src: str, out: str) -> tuple[str, float]:
    return job.output, build_face(job, Path(src), Path(out))


def default_dest() -> Path:
    from .fonts import default_font_root

    return default_font_root() / "build"


def build_all(dest: Path, *, force: bool = False, jobs: int | None = None) -> dict[str, float]:
    """Build every face missing or stale in ``dest``; returns {file name: seconds} for those built.

    Faces are built in parallel processes (one per core), longest first.
    """
    dest.mkdir(parents=True, exist_ok=True)
    todo: list[tuple[Job, Path, Path]] = []
    for job in JOBS:
        src, out = source_path(job), dest / job.output
        if not force and _is_current(job, src, out):
            print(f"up to date  {job.output}", file=sys.stderr)
        else:
            todo.append((job, src, out))
    todo.sort(key=lambda item: -item[0].cost)
    times: dict[str, float] = {}
    if not todo:
        return times
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_worker, job, str(src), str(out)) for job, src, out in todo]
        for future in futures:
            name, seconds = future.result()
            size = (dest / name).stat().st_size / 2**20
            print(f"built {name:30} {seconds:7.1f} s {size:7.1f} MiB", file=sys.stderr)
            times[name] = seconds
    return times


def convert_file(src: Path, out: Path) -> float:
    """Convert a user's CFF (.otf) font to TrueType outlines so that it can be dropped in."""
    from fontTools.ttLib import TTFont

    start = time.monotonic()
    font = TTFont(src)
    if "CFF " not in font:
        raise InputError(f"{src} has no CFF outlines: it can be used as it is")
    cff_to_ttf(font)
    _mark_version(font, src)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        font.save(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return time.monotonic() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m exporter.fontbuild",
        description="Build the TrueType fonts the DOCX and PDF writers use (takes a few minutes "
        "once; later runs keep faces that are up to date).",
    )
    parser.add_argument("--dest", type=Path, help="output folder (default: fonts/build)")
    parser.add_argument("--force", action="store_true", help="rebuild faces that are current")
    parser.add_argument("--jobs", type=int, help="parallel processes (default: one per core)")
    parser.add_argument(
        "--convert",
        nargs=2,
        type=Path,
        metavar=("SRC.otf", "OUT.ttf"),
        help="convert one CFF font of your own to TrueType outlines, then exit",
    )
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        if args.convert:
            seconds = convert_file(*args.convert)
            print(f"converted {args.convert[1]} in {seconds:.1f} s", file=sys.stderr)
            return 0
        dest = args.dest or default_dest()
        build_all(dest, force=args.force, jobs=args.jobs)
    except ExporterError as error:
        print(f"fontbuild: {error}", file=sys.stderr)
        return int(getattr(error, "exit_code", 1))
    except KeyboardInterrupt:
        return 130
    print(f"fonts ready in {dest} ({time.monotonic() - start:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
