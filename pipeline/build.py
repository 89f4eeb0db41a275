"""The build runner: every lesson is a small graph of stages; lessons build in parallel.

A lesson that fails never stops the others. Each stage runs only when its cache key changed
(pipeline/cache.py); outputs are written atomically and the journal is updated after every
stage, so a killed build leaves the previous good outputs and the next build repairs itself.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.cache import Components, FileHashes, Journal, lesson_inputs, result_digest
from pipeline.errors import DiagnosticsError, FileError, LessonError, PipelineError
from pipeline.i18n import _
from pipeline.fsutil import sweep_temp_files
from pipeline.lesson.loader import lesson_label, load_lesson
from pipeline.limits import check_budget, lesson_budget
from pipeline.lesson.memo import load_lesson_memo
from pipeline.contracts import Upstream
from pipeline.sharedstages import restore, share, stage_key
from pipeline.stage import Context, ObjectStore, Settings, Stage, StageResult

log = logging.getLogger("microlearn.build")


@dataclass
class StageReport:
    name: str
    status: str  # "ran", "cached", "fetched" (from the shared store: pipeline/sharedstages.py), "failed", "not-run"
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "seconds": round(self.seconds, 3), "reasons": self.reasons}


@dataclass
class LessonReport:
    slug: str
    path: str
    status: str = "pending"  # "built", "up-to-date", "valid", "invalid", "failed"
    seconds: float = 0.0
    stages: list[StageReport] = field(default_factory=list)
    artifacts: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    approval: dict = field(default_factory=dict)  # {"state", "reason"} once the bundle is built (pipeline/signoff/approval.py)
    results: dict[str, StageResult] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.status in ("built", "up-to-date", "valid")

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "path": self.path,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "stages": [s.as_dict() for s in self.stages],
            "artifacts": self.artifacts,
            "checks": self.checks,
            "errors": self.errors,
            **({"approval": self.approval} if self.approval else {}),
        }


class Reporter:
    """Receives build events; see pipeline/progress.py for the terminal, plain and JSON ones."""

    def start(self, slugs: list[str]) -> None: ...
    def stage(self, slug: str, stage: str, status: str, detail: str = "") -> None: ...
    def artifact(self, slug: str, stage: str, artifact) -> None: ...  # an output in place, its stage still running
    def lesson(self, report: LessonReport) -> None: ...
    def finish(self, reports: list[LessonReport], command: str) -> None: ...


def discover(content_dir: Path, names: list[str] | None = None) -> list[Path]:
    """Lesson folders under ``content_dir`` (those holding lesson.yaml), or the named ones.

    A name is a lesson folder's name (``intro``) or its path (``content/intro``); UsageError for a
    name that leaves ``content_dir`` (``..``, an absolute path elsewhere, a link to outside).
    """
    if names:
        return [lesson_folder(content_dir, name) for name in names]
    if not content_dir.is_dir():
        return []
    return sorted(p for p in content_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / "lesson.yaml").exists())


def lesson_folder(content_dir: Path, name: str) -> Path:
    """``content_dir/<name>`` for a lesson name or path; UsageError when it would leave content_dir."""
    from pipeline.errors import UsageError
    from pipeline.lesson.textfile import inside

    path = Path(name)
    refused = UsageError(_("lesson '{name}' is not a folder inside {folder}/ — name a lesson by its folder name, e.g. intro",
                           name=name, folder=content_dir))
    if not name.strip() or ".." in path.parts or name in (".", "/"):
        raise refused
    if len(path.parts) > 1 or path.is_absolute():
        try:
            same = path.parent.resolve() == Path(content_dir).resolve()
        except (OSError, RuntimeError):
            same = False
        if not same:
            raise refused
        path = Path(path.name)
    folder = Path(content_dir) / path
    if folder.is_symlink() and not inside(content_dir, folder):
        raise UsageError(_("lesson '{name}' is a link to a folder outside {folder}/ — move the lesson folder itself into "
                           "{folder}/", name=name, folder=content_dir))
    return folder


def default_stages() -> list[Stage]:
    from pipeline.stages import stages

    return stages()


def check(settings: Settings, lessons: list[Path], reporter: Reporter | None = None) -> list[LessonReport]:
    """Validate lessons only (no media work beyond probing); one report per lesson."""
    reporter = reporter or Reporter()
    reporter.start([p.name for p in lessons])
    reports = []
    for root in lessons:
        report = LessonReport(root.name, lesson_label(root))
        started = time.perf_counter()
        try:
            preflight(load_lesson(root, templates=settings.templates), settings)
            report.status = "valid"
        except PipelineError as exc:
            report.status = "invalid"
            report.errors = _errors(exc)
        except OSError as exc:  # a file vanished or cannot be read while checking
            report.status = "invalid"
            report.errors = _errors(FileError.of(exc))
        except Exception as exc:  # a bug: keep the traceback, check the other lessons, end with the summary
            report.status = "failed"
            report.errors = [_internal(exc)]
            log.exception("internal error while checking %s", root)
        report.seconds = time.perf_counter() - started
        reporter.lesson(report)
        reports.append(report)
    reporter.finish(reports, "check")
    return reports


def build(
    settings: Settings,
    lessons: list[Path],
    reporter: Reporter | None = None,
    stages: list[Stage] | None = None,
    until: str | None = None,
) -> list[LessonReport]:
    """Build lessons (in parallel, ``settings.jobs`` at a time) and return one report each.

    ``until`` stops after the named stage (e.g. "review" builds everything the report needs).
    """
    from pipeline import toolversions
    from pipeline.lock import build_lock

    reporter = reporter or Reporter()
    stages = stages if stages is not None else default_stages()
    if until:
        names = [s.name for s in stages]
        stages = stages[: names.index(until) + 1]
    held = contextlib.ExitStack()
    try:
        settings.build_dir.mkdir(parents=True, exist_ok=True)
        held.enter_context(build_lock(settings.build_dir))
    except OSError as exc:  # the build folder cannot be written at all: every lesson fails, the run still ends with its summary
        return _all_failed(lessons, FileError.of(exc), reporter)
    with held:
        unfinished = _mark_unfinished(settings.build_dir / ".cache")
        toolversions.use_store(settings.build_dir / ".cache" / "tools.json")
        hashes = FileHashes(settings.build_dir / ".cache" / "filehashes.json")
        try:
            objects = _object_store(settings)
        except PipelineError as exc:  # the cluster or the shared store cannot be reached: say so for every lesson
            return _all_failed(lessons, exc, reporter)
        held.callback(_close, objects)
        reporter.start([p.name for p in lessons])
        tools = _tool_versions(stages, settings)
        at_once = objects.executor.lessons_at_once(settings.jobs) if objects.executor else settings.jobs
        with ThreadPoolExecutor(max_workers=max(1, at_once)) as pool:
            futures = [pool.submit(_build_lesson, root, settings, stages, tools, hashes,
                                   objects, reporter) for root in lessons]
            reports = [f.result() for f in futures]
        try:
            hashes.save()
            toolversions.save()
            unfinished.unlink(missing_ok=True)
        except OSError as exc:  # only a speed-up is lost: the next build hashes again
            log.warning("the build cache was not saved: %s", FileError.of(exc))
    reporter.finish(reports, "build")
    return reports


def _object_store(settings: Settings) -> ObjectStore:
    """The build folder's object store; with MICROLEARN_CACHE a local copy of that shared store,
    and with another executor than the local one, where its segments go (pipeline/executors.py).
    Dask workers need a store they can reach: without MICROLEARN_CACHE it is this build folder's
    own (for workers on this machine, or that mount this folder at the same path)."""
    from pipeline.executors import make_executor
    from pipeline.sharedstore import SharedStore

    root = settings.build_dir / ".cache" / "objects"
    url = settings.cache or (root.resolve().as_uri() if settings.scheduler else "")
    shared = SharedStore(url, settings.cache_host_key) if url else None
    if shared is not None:
        shared.fs  # noqa: B018 - connect now: a wrong address fails the build before any lesson starts
    executor = make_executor(settings.executor, settings.workers or settings.jobs, settings.scheduler)
    if executor is not None:
        executor.warm(_import_stages)
        log.info("video segments are encoded by %s; objects are shared through %s", executor.describe(), url)
    return ObjectStore(root, shared, executor)


def _import_stages() -> None:
    """In a worker process, before its first stage: every stage module, imported once."""
    import pipeline.stages  # noqa: F401


def _close(objects: ObjectStore) -> None:
    if objects.executor is not None:
        objects.executor.close()


def _all_failed(lessons: list[Path], error: PipelineError, reporter: Reporter) -> list[LessonReport]:
    reporter.start([p.name for p in lessons])
    reports = [LessonReport(root.name, lesson_label(root), "failed", errors=_errors(error)) for root in lessons]
    for report in reports:
        reporter.lesson(report)
    reporter.finish(reports, "build")
    return reports


def _mark_unfinished(cache: Path) -> Path:
    """Sweep the cache's temporary files if the last build never finished (killed: its marker is
    still there), then mark this build as running. We hold the lock, so no temp file is live; the
    marker spares every other build a walk over the whole object store."""
    marker = cache / ".unfinished"
    try:
        if marker.exists():
            swept = sweep_temp_files(cache)
            log.info("the last build was interrupted: %d temporary file(s) swept from %s", swept, cache)
        cache.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:  # a read-only cache: the lessons will say so
        pass
    return marker


def _tool_versions(stages: list[Stage], settings: Settings) -> dict[str, dict]:
    """Each stage's tool versions, asked once per build (not once per lesson)."""
    return {stage.name: stage.tools(settings) for stage in stages}


def _build_lesson(root: Path, settings: Settings, stages: list[Stage], tools: dict, hashes: FileHashes,
                  objects: ObjectStore, reporter: Reporter) -> LessonReport:
    report = LessonReport(root.name, lesson_label(root))
    started = time.perf_counter()
    try:
        with lesson_budget(settings.lesson_seconds, settings.child_memory_mb):
            _run_stages(root, settings, stages, tools, hashes, objects, reporter, report)
    except LessonError as exc:
        report.status = "invalid" if not report.stages else "failed"
        report.errors = _errors(exc)
    except PipelineError as exc:
        report.status = "failed"
        report.errors = _errors(exc)
    except OSError as exc:  # disk full, read-only folder, a file vanished: this lesson fails, the others go on
        report.status = "failed"
        report.errors = _errors(FileError.of(exc))
    except Exception as exc:  # a bug in the tool: keep the traceback, but let other lessons build
        report.status = "failed"
        report.errors = [_internal(exc)]
        log.exception("internal error while building %s", root)
    report.seconds = time.perf_counter() - started
    names = {s.name for s in report.stages}
    for stage in stages:
        if stage.name not in names:
            report.stages.append(StageReport(stage.name, "not-run"))
    reporter.lesson(report)
    return report


def _run_stages(root, settings, stages, tools, hashes, objects, reporter, report: LessonReport) -> None:
    reporter.stage(report.slug, "check", "start")
    lesson = load_lesson_memo(root, settings.build_dir / ".cache" / "lessons", settings.templates)
    out = settings.build_dir / lesson.slug
    out.mkdir(parents=True, exist_ok=True)
    sweep_temp_files(out)  # left by a build that was killed; we hold the lock, so none is live
    journal = Journal.load(out)
    results: dict[str, StageResult] = {}
    digests: dict[str, str] = {}  # each result's digest, computed once (downstream keys use it)
    ran_any = False
    for stage in stages:
        check_budget()
        components = Components(
            version=stage.fingerprint(),
            params=stage.params(lesson, settings),
            inputs=lesson_inputs(lesson.root, stage.inputs(lesson), hashes),
            tools=tools[stage.name],
            upstream={name: digests[name] for name in stage.needs},
        )
        cached, reasons = journal.cached(stage.name, components, out, stage.result)
        if cached is not None:
            results[stage.name] = cached
            digests[stage.name] = journal.stages[stage.name].get("digest") or result_digest(cached)
            report.stages.append(StageReport(stage.name, "cached"))
            reporter.stage(report.slug, stage.name, "cached")
            continue
        shared_as = _shared_key(stage, components, lesson, report, objects)
        fetched = restore(objects.shared, shared_as, out, stage.result) if shared_as else None
        if fetched is not None:  # another machine ran this stage with the same key: its files are here now
            _remove_stale(out, journal.stages.get(stage.name), fetched)
            journal.record(stage.name, components, fetched, out)
            results[stage.name] = fetched
            digests[stage.name] = journal.stages[stage.name]["digest"]
            ran_any = True
            report.stages.append(StageReport(stage.name, "fetched", 0.0, reasons))
            reporter.stage(report.slug, stage.name, "fetched", "; ".join(reasons))
            continue
        reporter.stage(report.slug, stage.name, "start", "; ".join(reasons))
        ctx = Context(
            lesson=lesson,
            settings=settings,
            out=out,
            objects=objects,
            upstream=Upstream(**{name: results[name] for name in stage.needs}),
            log=logging.getLogger(f"microlearn.{stage.name}"),
            progress=lambda message, _s=stage.name: reporter.stage(report.slug, _s, "running", message),
            inputs=components.inputs,
            ready=lambda artifact, _s=stage.name: reporter.artifact(report.slug, _s, artifact),
        )
        begun = time.perf_counter()
        try:
            result = _run(stage, ctx)
        except BaseException:
            report.stages.append(StageReport(stage.name, "failed", time.perf_counter() - begun, reasons))
            reporter.stage(report.slug, stage.name, "failed")
            raise
        _remove_stale(out, journal.stages.get(stage.name), result)
        journal.record(stage.name, components, result, out)
        if shared_as:
            _share(objects.shared, shared_as, stage.name, result, out)
        results[stage.name] = result
        digests[stage.name] = journal.stages[stage.name]["digest"]
        ran_any = True
        report.stages.append(StageReport(stage.name, "ran", time.perf_counter() - begun, reasons))
        reporter.stage(report.slug, stage.name, "done")
    report.results = results
    report.status = "built" if ran_any else "up-to-date"
    for result in results.values():
        report.artifacts.extend(a.as_dict() for a in result.artifacts)
    # the review stage re-reports every stage's measurements as registered checks (with severity
    # and hint); before it has run, the stages' own measurements are what there is
    review = results.get("review")
    sources = [review] if review else list(results.values())
    for result in sources:
        report.checks.extend(c.as_dict() for c in result.checks)
    if "package" in results:
        from pipeline.package import bundle_name
        from pipeline.signoff.approval import approval_status

        status = approval_status(settings.content_dir.resolve().parent, settings.build_dir, lesson,
                                 out / bundle_name(lesson.slug, lesson.version))
        report.approval = {"state": status.state, "reason": status.reason}
        reporter.stage(report.slug, "approval", "running", f"{status.state}: {status.reason}")


def _shared_key(stage: Stage, components: Components, lesson, report: LessonReport, objects: ObjectStore) -> str | None:
    """The stage's key in the shared store (pipeline/sharedstages.py); None without one elsewhere."""
    if not objects.elsewhere:
        return None
    from pipeline.i18n import current_language

    return stage_key(stage.name, components, lesson.slug, report.path, current_language())


def _share(store, key: str, stage: str, result: StageResult, out: Path) -> None:
    """Offer a stage's output to other machines; a store that cannot take it costs only that."""
    try:
        share(store, key, stage, result, out)
    except Exception as exc:  # noqa: BLE001 - a file system's own errors are not all OSErrors
        log.warning("shared cache: the output of a stage was not stored (%s): other machines will run it again", exc)


def _run(stage: Stage, ctx: Context) -> StageResult:
    """``stage.run(ctx)`` here, or in a worker process of the pool (pipeline/executors.py): the
    stage is sent by value (cloudpickle: stages made in tests and the studio's preview included),
    without its progress and ready callbacks (they hold the reporter); its result and any error come
    back whole; the journal and outputs stay with this process."""
    executor = ctx.objects.executor
    if executor is None or not executor.runs_stages:
        return stage.run(ctx)
    import dataclasses

    import cloudpickle

    from pipeline.executors import rebuilt

    # a worker is one core, as a Dask worker thread is: its stage encodes one segment at a time
    # (transcode's segment threads are cores // jobs), and --workers says how many cores work
    remote = dataclasses.replace(ctx, objects=ObjectStore(ctx.objects.root, ctx.objects.shared), progress=_quiet, ready=_quiet,
                                 settings=dataclasses.replace(ctx.settings, jobs=os.cpu_count() or 1))
    outcome, value = executor.submit(_run_here, cloudpickle.dumps((stage, remote))).result()
    if outcome == "ok":
        return value
    raise rebuilt(value)


def _quiet(message) -> None:
    pass


def _run_here(sent: bytes) -> tuple:
    """In a worker process: run one stage of one lesson, within the lesson's budgets."""
    import pickle

    from pipeline.executors import portable

    stage, ctx = pickle.loads(sent)
    try:
        with lesson_budget(ctx.settings.lesson_seconds, ctx.settings.child_memory_mb):
            return "ok", stage.run(ctx)
    except BaseException as exc:  # noqa: BLE001 - sent back and raised in the build's process
        return "failed", portable(exc)


def _remove_stale(out: Path, previous: dict | None, result: StageResult) -> None:
    """Delete files the stage wrote last time but not this time (a card that was removed)."""
    if not previous:
        return
    keep = {a.path for a in result.artifacts}
    for rel in previous.get("outputs", {}):
        if rel not in keep:
            target = out / rel
            if target.is_file() and target.resolve().is_relative_to(out.resolve()):
                target.unlink()


def _internal(exc: Exception) -> dict:
    return {"kind": "InternalError",
            "message": _("internal error ({kind}: {reason}) — please report this with the traceback", kind=type(exc).__name__,
                         reason=exc),
            "traceback": traceback.format_exc()}


def preflight(lesson, settings: Settings) -> None:
    """What the build would refuse that can be known without encoding, beyond the loader's checks:
    the cards stage's glyph, contrast and fit checks (``cards/preflight.py``). Raises LessonError."""
    from pipeline.cards.preflight import check_cards

    check_cards(lesson, settings, log)


def _errors(exc: PipelineError) -> list[dict]:
    if isinstance(exc, DiagnosticsError):
        return [{"kind": type(exc).__name__, **d.as_dict()} for d in exc.diagnostics]
    return [exc.as_dict()]
