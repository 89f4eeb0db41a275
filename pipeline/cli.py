"""The command line: ``microlearn build|check|new|clean|review|approve|verify|keygen|publish|studio`` (also ``python -m pipeline``).

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
from pipeline.i18n import _, normalise, set_language, suggest
from pipeline.settings import EXECUTORS, interface_language


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="microlearn", description=_("Turn lessons (YAML + markdown + recordings) into videos, captions, cards and bundles."))
    parser.add_argument("--version", action="version", version=f"microlearn {__version__}")
    parser.add_argument("--lang", dest="ui_lang", metavar="LANG",
                        help=_("language of messages: en, ru or ko (default: MICROLEARN_LANG, then the locale)"))
    parser.add_argument("--content", type=Path, default=Path("content"), help=_("folder of lessons (default: content)"))
    parser.add_argument("--build-dir", type=Path, default=Path("build"), help=_("output folder (default: build)"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("log every command that is run"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help=_("build lessons (all, or the ones named)"))
    build.add_argument("lessons", nargs="*", help=_("lesson folder names under content/ (default: all)"))
    build.add_argument("-j", "--jobs", type=int, default=0, help=_("lessons built at once (default: number of cores)"))
    build.add_argument("--explain", action="store_true", help=_("say why each stage is rebuilt"))
    build.add_argument("--scheduler", default="", metavar="ADDRESS",
                       help=_("encode on a Dask cluster, e.g. tcp://host:8786 (or MICROLEARN_SCHEDULER; docs/cluster.md)"))
    build.add_argument("--executor", choices=EXECUTORS, default="",
                       help=_("where stages and video segments run: this process (default) or a pool of worker processes"))
    build.add_argument("--workers", type=int, default=0,
                       help=_("worker processes for --executor processes (default: number of cores)"))
    build.add_argument("--json", action="store_true", help=_("print one JSON document (docs/json-output.md) instead of progress"))

    check = sub.add_parser("check", help=_("validate lessons without building anything"))
    check.add_argument("lessons", nargs="*")
    check.add_argument("--json", action="store_true")

    review = sub.add_parser("review", help=_("build a lesson up to its review report and print the report's path"))
    review.add_argument("lesson")

    approve = sub.add_parser("approve", help=_("sign off a built lesson's bundle and checklist with your reviewer key (docs/review.md)"))
    approve.add_argument("lesson")
    approve.add_argument("--reviewer", required=True, help=_("your name as listed in reviewers.yaml"))
    approve.add_argument("--key", type=Path, required=True, help=_("your private key file (from make keygen)"))
    approve.add_argument("--answers", type=Path, help=_("YAML of checklist answers {{item: {{ok: true, note: ...}}}} (default: asked one by one)"))

    verify = sub.add_parser("verify", help=_("check a bundle zip against its signed approval and the reviewers' keys (exit 0 valid, 1 not)"))
    verify.add_argument("bundle", type=Path, help=_("the bundle zip (as built, published or downloaded)"))
    verify.add_argument("--approval", type=Path, help=_("the approval file (default: approvals/<lesson>.json beside content/)"))
    verify.add_argument("--reviewers", type=Path, help=_("the reviewers' keys (default: reviewers.yaml beside content/)"))

    keygen = sub.add_parser("keygen", help=_("make a reviewer key pair; prints the public key line for reviewers.yaml"))
    keygen.add_argument("path", type=Path, help=_("where to write the private key (never overwritten; keep it out of the repository)"))
    keygen.add_argument("--name", default="", help=_("your name as it should appear in reviewers.yaml"))

    new = sub.add_parser("new", help=_("create a lesson folder with a commented lesson.yaml and script.md"))
    new.add_argument("slug", help=_("folder name: lower-case Latin letters, digits and dashes"))
    new.add_argument("--lang", help=_("the lesson's language: en, ru or ko (default: the language of messages)"))

    clean = sub.add_parser("clean", help=_("delete build outputs (all, or the named lessons')"))
    clean.add_argument("lessons", nargs="*")

    studio = sub.add_parser("studio", help=_("a local web app: see the lesson (cards, video, messages) while you edit it"))
    studio.add_argument("lesson", nargs="?", default="", help=_("open this lesson's page (default: the list of lessons)"))
    studio.add_argument("--port", type=int, default=0, help=_("port on 127.0.0.1 (default: any free one)"))
    studio.add_argument("--no-browser", action="store_true", help=_("do not open a browser; just print the address"))

    publish = sub.add_parser("publish", help=_("build, then publish every approved lesson and the catalog to the targets in publish.yaml"))
    publish.add_argument("--config", type=Path, help=_("the targets file (default: publish.yaml beside content/)"))
    publish.add_argument("--no-build", action="store_true", help=_("use the build folder as it is (default: build or reuse the cache first)"))
    publish.add_argument("-j", "--jobs", type=int, default=0, help=_("lessons built at once (default: number of cores)"))
    return parser


def _early_language(argv: list[str]) -> str:
    """The interface language before argparse runs, so that --help is already translated."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv) and (index == 0 or argv[index - 1] != "new"):
            return normalise(argv[index + 1]) or interface_language()
        if arg.startswith("--lang="):
            return normalise(arg.split("=", 1)[1]) or interface_language()
        if arg in COMMANDS:  # options after the command belong to it
            break
    return interface_language()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    set_language(_early_language(argv))
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    try:
        if args.ui_lang:
            set_language(lesson_language(args.ui_lang))
        return COMMANDS[args.command](args)
    except PipelineError as exc:
        print(f"microlearn: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("microlearn: " + _("interrupted — finished outputs are kept; run the same command again to continue"), file=sys.stderr)
        return 130


def lesson_language(value: str) -> str:
    """en, ru or ko from what a person typed ('ru_RU.UTF-8' is ru); a misspelling is an error that names the fix."""
    from pipeline.i18n import LANGUAGES

    found = normalise(value)
    if found:
        return found
    guess = suggest(value)
    options = ", ".join(LANGUAGES)
    if guess:
        raise PipelineError(_("language '{value}' is not supported — did you mean '{suggestion}'? use one of: {options}",
                              value=value, suggestion=guess, options=options))
    raise PipelineError(_("language '{value}' is not supported — use one of: {options}", value=value, options=options))


def _settings(args, jobs: int = 1):
    """The one place a command reads the environment (pipeline/settings.py)."""
    from pipeline.cache import cpu_count
    from pipeline.settings import Settings

    return Settings.from_environment(args.content, args.build_dir, jobs or cpu_count(),
                                     scheduler=getattr(args, "scheduler", ""), executor=getattr(args, "executor", ""),
                                     workers=getattr(args, "workers", 0))


def _lessons(args, names: list[str]) -> list[Path]:
    from pipeline.build import discover

    return discover(args.content, names)


def cmd_build(args) -> int:
    from pipeline.build import build
    from pipeline.progress import reporter_for

    reports = build(_settings(args, args.jobs), _lessons(args, args.lessons), reporter_for(args.json, args.explain, build_dir=args.build_dir))
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

    from pipeline.i18n import current_language

    language = lesson_language(args.lang) if args.lang else current_language()
    folder = create(args.content, args.slug, language, _settings(args).templates)
    print(_("created {folder}/ — edit lesson.yaml and script.md, then run: make check LESSON={slug}", folder=folder, slug=args.slug))
    return 0


def cmd_clean(args) -> int:
    from pipeline.lock import build_lock

    names = [_clean_name(args.build_dir, name) for name in args.lessons]  # every name checked before anything is deleted
    _check_build_dir(args.build_dir, args.content)
    if not args.build_dir.exists():
        return 0
    with build_lock(args.build_dir):
        targets = [args.build_dir / name for name in names] if names else [p for p in args.build_dir.iterdir() if p.name != ".lock"]
        for target in targets:
            # a link is removed itself, never followed: clean deletes only what is inside the build folder
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.is_symlink() or target.exists():
                target.unlink()
    return 0


def _clean_name(build_dir: Path, name: str) -> str:
    """A lesson's name as ``clean`` accepts it: one plain folder name inside the build folder."""
    from pipeline.errors import UsageError

    path = Path(name)
    if not name.strip() or path.is_absolute() or len(path.parts) != 1 or name in (".", "..") or "\\" in name:
        raise UsageError(_("clean: '{name}' is not a lesson name — clean deletes only inside {folder}/; name lessons by "
                           "their folder name, e.g. microlearn clean intro", name=name, folder=build_dir))
    if (build_dir / name).is_symlink():
        raise UsageError(_("clean: {path} is a link, not a lesson's build folder — remove the link yourself if you want "
                           "it gone", path=build_dir / name))
    return name


def _check_build_dir(build_dir: Path, content_dir: Path) -> None:
    """Refuse to clean a build folder that holds the lessons themselves (e.g. --build-dir .)."""
    from pipeline.errors import UsageError

    try:
        holds_content = Path(content_dir).resolve().is_relative_to(Path(build_dir).resolve())
    except (OSError, RuntimeError):
        holds_content = True
    if holds_content:
        raise UsageError(_("clean: the build folder {build} holds the lessons' folder {content} — choose the folder the "
                           "build writes (default: build)", build=build_dir, content=content_dir))


def cmd_approve(args) -> int:
    from pipeline.build import build
    from pipeline.lesson.loader import load_lesson
    from pipeline.package import bundle_name
    from pipeline.progress import reporter_for
    from pipeline.signoff.approval import approval_status, approve
    from pipeline.signoff.checklist import checklist_path, load_answers, load_checklist, validate_answers

    lessons = _lessons(args, [args.lesson])  # a name that leaves content/ is refused before anything else
    settings = _settings(args)
    checklist = load_checklist(checklist_path(settings.templates))
    # before any build work: a missing answer is said at once
    answers = load_answers(args.answers, checklist) if args.answers else validate_answers(checklist,
                                                                                          _ask_answers(checklist))
    # approve what the sources make now: an incremental build is a no-op when nothing changed
    reports = build(settings, lessons, reporter_for(False, approval=False))
    if not reports[0].ok:
        return 1
    project = args.content.resolve().parent
    lesson = load_lesson(_lessons(args, [args.lesson])[0], probe_media=False,
                         templates=settings.templates)  # the source: its authors and version are signed
    bundle = args.build_dir / lesson.slug / bundle_name(lesson.slug, lesson.version)
    path = approve(project, args.build_dir, lesson, bundle, args.reviewer, args.key, answers, settings.templates)
    print(_("{path}: {reason} — commit this file", path=path,
            reason=approval_status(project, args.build_dir, lesson, bundle).reason))
    return 0


def cmd_verify(args) -> int:
    from pipeline.signoff.verify import verify

    project = args.content.resolve().parent
    verdict = verify(args.bundle, args.reviewers or project / "reviewers.yaml", args.approval, project)
    for line in verdict.lines:
        print(line)
    return 0 if verdict.valid else 1


YES = ("y", "yes", "д", "да", "예", "네", "ㅇ")  # reviewers answer in their own language too


def _ask_answers(checklist: list) -> dict:
    from pipeline.errors import Diagnostic
    from pipeline.signoff.checklist import ChecklistError

    if not sys.stdin.isatty():
        raise ChecklistError([Diagnostic(_("checklist answers"), 0, 0, "",
                                         _("no --answers file given and no terminal to ask on"),
                                         _("pass --answers answers.yaml"))])
    answers = {}
    for item in checklist:
        reply = input(_("{title}: {question} [y/N] ", title=item.title, question=item.question)).strip().casefold()
        note = input(_("  note (optional): ")).strip()
        answers[item.id] = {"ok": reply in YES, "note": note}
    return answers


def cmd_keygen(args) -> int:
    from pipeline.signoff.keys import generate_key

    public = generate_key(args.path)
    print(_("private key written to {path} (keep it secret, never commit it)", path=args.path), file=sys.stderr)
    print(_("paste these two lines into reviewers.yaml, under 'reviewers:':"), file=sys.stderr)
    # stdout carries only the lines to paste, so that `make keygen >> reviewers.yaml` also works
    name = args.name.strip() or _("<your name>")
    print(f"  - name: {name}\n    public_key: {public}")
    return 0


def cmd_publish(args) -> int:
    from pipeline.publish import publish

    project = args.content.resolve().parent
    report = publish(project, args.content, args.build_dir, args.config or project / "publish.yaml",
                     build=not args.no_build,
                     settings=_settings(args, args.jobs))
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def cmd_studio(args) -> int:
    from pipeline.studio import serve

    try:
        serve(_settings(args), args.lesson, args.port, open_browser=not args.no_browser)
    except KeyboardInterrupt:  # Ctrl+C is how the studio is closed
        pass
    return 0


COMMANDS = {"studio": cmd_studio, "build": cmd_build, "check": cmd_check, "review": cmd_review, "new": cmd_new,
            "clean": cmd_clean, "approve": cmd_approve, "verify": cmd_verify, "keygen": cmd_keygen, "publish": cmd_publish}
