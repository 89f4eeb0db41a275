"""The command line: ``microlearn build|check|new|clean|review`` (also ``python -m pipeline``).

Exit codes: 0 everything OK, 1 a lesson is invalid or failed, 2 the command itself could not run
(bad arguments, another build running, something missing on this machine).
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.errors import PipelineError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="microlearn", description="Turn lessons (YAML + markdown + recordings) into videos, captions, cards and bundles.")
    parser.add_argument("--version", action="version", version=f"microlearn {__version__}")
    parser.add_argument("--content", type=Path, default=Path("content"), help="folder of lessons (default: content)")
    parser.add_argument("--build-dir", type=Path, default=Path("build"), help="output folder (default: build)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command that is run")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="build lessons (all, or the ones named)")
    build.add_argument("lessons", nargs="*", help="lesson folder names under content/ (default: all)")
    build.add_argument("-j", "--jobs", type=int, default=0, help="lessons built at once (default: number of cores)")
    build.add_argument("--explain", action="store_true", help="say why each stage is rebuilt")
    build.add_argument("--json", action="store_true", help="print one JSON document (docs/json-output.md) instead of progress")

    check = sub.add_parser("check", help="validate lessons without building anything")
    check.add_argument("lessons", nargs="*")
    check.add_argument("--json", action="store_true")

    review = sub.add_parser("review", help="build a lesson up to its review report and print the report's path")
    review.add_argument("lesson")

    new = sub.add_parser("new", help="create a lesson folder with a commented lesson.yaml and script.md")
    new.add_argument("slug", help="folder name: lower-case letters, digits and dashes")
    new.add_argument("--lang", default="en", help="en, ru or ko (default: en)")

    clean = sub.add_parser("clean", help="delete build outputs (all, or the named lessons')")
    clean.add_argument("lessons", nargs="*")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except PipelineError as exc:
        print(f"microlearn: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("microlearn: interrupted — finished outputs are kept; run the same command again to continue", file=sys.stderr)
        return 130


def _settings(args, jobs: int = 1):
    from pipeline.cache import cpu_count
    from pipeline.stage import Settings

    return Settings(content_dir=args.content, build_dir=args.build_dir, jobs=jobs or cpu_count())


def _lessons(args, names: list[str]) -> list[Path]:
    from pipeline.build import discover

    return discover(args.content, names)


def cmd_build(args) -> int:
    from pipeline.build import build
    from pipeline.progress import reporter_for

    reports = build(_settings(args, args.jobs), _lessons(args, args.lessons), reporter_for(args.json, args.explain))
    return 0 if all(r.ok for r in reports) else 1


def cmd_check(args) -> int:
    from pipeline.build import check
    from pipeline.progress import reporter_for

    reports = check(_settings(args), _lessons(args, args.lessons), reporter_for(args.json))
    return 0 if all(r.ok for r in reports) else 1


def cmd_review(args) -> int:
    from pipeline.build import build
    from pipeline.progress import reporter_for

    reports = build(_settings(args), _lessons(args, [args.lesson]), reporter_for(False), until="review")
    if not reports[0].ok:
        return 1
    print(args.build_dir / reports[0].slug / "review" / "index.html")
    return 0


def cmd_new(args) -> int:
    from pipeline.scaffold import create

    folder = create(args.content, args.slug, args.lang)
    print(f"created {folder}/ — edit lesson.yaml and script.md, then run: make check")
    return 0


def cmd_clean(args) -> int:
    from pipeline.lock import build_lock

    if not args.build_dir.exists():
        return 0
    with build_lock(args.build_dir):
        targets = [args.build_dir / name for name in args.lessons] if args.lessons else [p for p in args.build_dir.iterdir() if p.name != ".lock"]
        for target in targets:
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    return 0


COMMANDS = {"build": cmd_build, "check": cmd_check, "review": cmd_review, "new": cmd_new, "clean": cmd_clean}
