"""Command line: ``exporter build FILE... --out DIR`` and ``exporter models …``.

Contract relied on by other tools: stdout carries only the paths written, one per
line; everything else goes to stderr; exit codes are listed in errors.ExitCode.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .errors import ExitCode, ExporterError, InputError, MissingDependencyError

log = logging.getLogger("exporter")

FORMATS = ("docx", "pdf")


def _csv(allowed: Sequence[str]) -> Callable[[str], tuple[str, ...]]:
    def parse(value: str) -> tuple[str, ...]:
        items = tuple(item.strip() for item in value.split(",") if item.strip())
        bad = [item for item in items if item not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"{value!r}: choose from {', '.join(allowed)} (comma-separated)"
            )
        return items

    return parse


def _langs() -> tuple[str, ...]:
    from .transforms.convert import PROFILES

    return (*PROFILES, "en")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exporter",
        description="Turn Chinese source texts into DOCX and PDF briefings, offline.",
    )
    parser.add_argument("--version", action="version", version=f"exporter {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug log and tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    # The same flags after the subcommand (exporter build … -q); SUPPRESS keeps a
    # subcommand's unset flag from overwriting one given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="build briefings from source texts", parents=[common])
    build.add_argument(
        "inputs", nargs="+", type=Path, metavar="FILE", help="*.txt files or folders"
    )
    build.add_argument("--out", "-o", type=Path, required=True, metavar="DIR", help="output folder")
    build.add_argument(
        "--format", "-f", dest="formats", type=_csv(FORMATS), default=FORMATS,
        help="docx,pdf (default: both)",
    )  # fmt: skip
    build.add_argument(
        "--lang", "-l", dest="langs", type=_csv(_langs()), default=None,
        help=f"editions: {', '.join(_langs())} (default: zh-CN, or none with --bilingual)",
    )  # fmt: skip
    build.add_argument(
        "--bilingual", "-b", type=_csv(("interleaved", "side-by-side")), default=(),
        help="Chinese–English layouts: interleaved,side-by-side",
    )  # fmt: skip
    build.add_argument("--corrections", type=Path, help="your conversion corrections (TSV)")
    build.add_argument("--review", action="store_true", help="write an ambiguity review report")
    glossary = build.add_mutually_exclusive_group()
    glossary.add_argument(
        "--glossary", type=Path,
        help="translation glossary (source<TAB>target); default: the shipped starter glossary",
    )  # fmt: skip
    glossary.add_argument("--no-glossary", action="store_true", help="translate without a glossary")
    build.add_argument("--model", help="translation model id or .argosmodel folder")
    build.add_argument("--no-cache", action="store_true", help="do not use the translation cache")
    build.add_argument("--cache", type=Path, help="translation cache file (SQLite)")
    build.add_argument(
        "-j", "--jobs", type=int, default=0, metavar="N",
        help="documents built in parallel (default: number of cores)",
    )  # fmt: skip
    build.add_argument(
        "--executor", choices=("local", "ray"), default="local",
        help="local: a process pool on this machine (default); ray: a Ray cluster "
        "(pip install 'exporter[ray]'), see docs/SCALE.md",
    )  # fmt: skip
    build.add_argument(
        "--ray-address", metavar="ADDR",
        help="the Ray cluster to use (default: $RAY_ADDRESS, else a local instance of -j CPUs)",
    )  # fmt: skip
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--no-manifest", action="store_true", help="do not update DIR/manifest.json")

    models = sub.add_parser(
        "models", help="list, install or remove translation models", parents=[common]
    )
    msub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    msub.add_parser("list", help="installed models")
    install = msub.add_parser("install", help="install from a file, or download FROM TO")
    install.add_argument("--file", type=Path, help="a .argosmodel package")
    install.add_argument("codes", nargs="*", metavar="CODE", help="e.g. zh en (downloads)")
    check = msub.add_parser("check", help="exit 0 if a FROM→TO model is installed, else 4")
    check.add_argument("codes", nargs=2, metavar="CODE", help="e.g. zh en")
    remove = msub.add_parser("remove", help="remove an installed model")
    remove.add_argument("model", help="model id or FROM-TO code, e.g. zh-en")
    return parser


class _PlainFormatter(logging.Formatter):
    """``exporter: warning: …`` — one plain line per message, like the errors."""

    def format(self, record: logging.LogRecord) -> str:
        return f"exporter: {record.levelname.lower()}: {record.getMessage()}"


def _configure_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PlainFormatter())
    root = logging.getLogger("exporter")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO)
    root.propagate = False


def _expand_inputs(inputs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(p for p in item.rglob("*.txt") if p.is_file())
            if not found:
                raise InputError(f"{item}: folder holds no *.txt sources")
            files.extend(found)
        else:
            files.append(item)
    return files


def _starter_glossary() -> Path:
    from .translate import STARTER_GLOSSARY

    return Path(STARTER_GLOSSARY)


def _cmd_build(args: argparse.Namespace) -> int:
    from .batch import build_all
    from .pipeline import BuildOptions

    options = BuildOptions(
        formats=args.formats,
        # --bilingual alone builds only the bilingual briefings.
        langs=args.langs if args.langs is not None else (() if args.bilingual else ("zh-CN",)),
        bilingual=args.bilingual,
        corrections=args.corrections,
        review=args.review,
        glossary=None if args.no_glossary else (args.glossary or _starter_glossary()),
        model=args.model,
        cache=args.cache,
        use_cache=not args.no_cache,
        strict=args.strict,
        progress=not args.quiet and sys.stderr.isatty(),
        executor=args.executor,
        ray_address=args.ray_address,
    )
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)

    # Bound now: with --executor ray, Ray's own messages (a worker died, …) that it prints
    # on stdout are sent to stderr meanwhile, and stdout keeps carrying only paths.
    stdout = sys.stdout

    def emit(path: Path) -> None:
        print(path, file=stdout, flush=True)

    return build_all(
        _expand_inputs(args.inputs), args.out, options,
        jobs=jobs, on_output=emit, manifest=not args.no_manifest,
    )  # fmt: skip


def _cmd_models(args: argparse.Namespace) -> int:
    from . import translate

    if args.models_command == "list":
        for info in translate.list_models():
            print(f"{info.id}\t{info.from_code}->{info.to_code}\t{info.version}\t{info.path}")
        return 0
    if args.models_command == "install":
        if args.file:
            info = translate.install_from_file(args.file)
        elif len(args.codes) == 2:
            info = translate.install_from_index(args.codes[0], args.codes[1])
        else:
            raise InputError("give --file X.argosmodel, or two language codes such as: zh en")
        print(info.path)
        return 0
    if args.models_command == "check":
        if translate.find_model(args.codes[0], args.codes[1]) is None:
            raise MissingDependencyError(
                f"no {args.codes[0]}→{args.codes[1]} translation model is installed; run "
                "`make models` or `exporter models install --file X.argosmodel`"
            )
        return 0
    translate.remove_model(args.model)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    # A second Ctrl-C while cleaning up should still stop us, and a closed stdout
    # (exporter build … | head) should not print a traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        if args.command == "build":
            return _cmd_build(args)
        return _cmd_models(args)
    except KeyboardInterrupt:
        print("exporter: interrupted; no partial output was left", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except ExporterError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"exporter: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence, see ExitCode.INTERNAL
        if args.verbose:
            traceback.print_exc()
        print(
            f"exporter: internal error: {type(exc).__name__}: {exc} "
            "(run with --verbose for details and report it)",
            file=sys.stderr,
        )
        return ExitCode.INTERNAL
