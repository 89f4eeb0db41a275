"""``microlearn publish``: build (or reuse the cache), check approvals, publish, update the catalog.

The phases, in order: read publish.yaml (every problem at once); build every lesson; ask
pipeline.signoff.approval for each lesson's status, which hashes the whole bundle zip against the sha256
the approval signs; read the catalog's facts (manifest.json, thumbnail) from inside that verified
zip, never from the unsigned build/<slug>/bundle/manifest.json; then per target: put each approved
bundle and its thumbnail (safely, see targets.put, which hashes the bytes it sends and refuses a
file that is not the approved one), record it in the ledger under that sha256, regenerate the
catalog from the ledger and put the files that changed. A lesson waiting for review is listed with
its reason and is not a failure; a failed build or a target that cannot be reached is (exit status
1), and the other lessons and targets still go on.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.fsutil import sha256_file
from pipeline.i18n import _
from pipeline.lesson.model import Lesson
from pipeline.signoff.integrity import layout
from pipeline.publish import catalog, watch
from pipeline.publish.config import PublishConfig, load_config
from pipeline.publish.ledger import Ledger, now_utc
from pipeline.publish.targets import Progress, SourceChanged, connect, put

log = logging.getLogger("microlearn.publish")


@dataclass(frozen=True)
class Candidate:
    """An approved lesson whose bundle zip was re-hashed and matches the signed digest."""

    slug: str
    version: str
    digest: str
    reviewer: str
    approval_sha256: str
    bundle: Path
    sha256: str
    bytes: int
    thumbnail: bytes
    meta: dict
    watch: dict[str, bytes] = field(default_factory=dict)  # upload path -> bytes: what the catalog plays (publish/watch.py)


@dataclass
class PublishReport:
    published: list[tuple[str, str,
                          str, str]] = field(default_factory=list)  # slug, version, target, "uploaded"|"already there"
    not_published: list[tuple[str, str, str]] = field(default_factory=list)  # slug, state, reason
    failures: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)  # lessons approved and verified: each must get a line

    @property
    def ok(self) -> bool:
        return not self.failures

    def lines(self) -> list[str]:
        actions = {"uploaded": _("uploaded"), "already there": _("already there")}
        out = [_("published      {slug} v{version} → {target}: {action}", slug=slug, version=version, target=target, action=actions.get(action, action))
               for slug, version, target, action in self.published]
        out += [_("not published  {slug} ({state}): {reason}", slug=slug, state=state, reason=reason) for slug, state, reason in self.not_published]
        published = sorted({p[0] for p in self.published})
        # approved, verified, and still nowhere: every target failed; say so per lesson, not only per target
        stranded = [slug for slug in self.approved if slug not in published]
        out += [_("not published  {slug} (approved): no target took it, see the failures below — run publish again once they are fixed", slug=slug)
                for slug in stranded]
        out += [_("failed         {failure}", failure=failure) for failure in self.failures]
        # counts as "label: n": no plural form to agree with in any language
        out.append(_("lessons published: {published}, not published: {not_published}, failures: {failures}",
                     published=len(published), not_published=len(self.not_published) + len(stranded), failures=len(self.failures)))
        return out


def publish(project: Path, content_dir: Path, build_dir: Path, config_path: Path, *, build: bool = True, jobs: int = 1,
            progress: Progress | None = None, environ: dict[str, str] | None = None, settings=None) -> PublishReport:
    """Publish every approved lesson of ``content_dir`` to the targets of ``config_path``.

    ``settings`` (pipeline.settings.Settings) as the command resolved them; default: this machine's.

    ``project`` holds reviewers.yaml and approvals/. Raises PublishConfigError/PublishError only when
    nothing can be done (publish.yaml invalid or missing, ledger damaged); everything else is in the report.
    """
    from pipeline.settings import Settings

    settings = settings or Settings.from_environment(content_dir, build_dir, jobs)
    config = load_config(config_path, project)
    ledger = Ledger.load(config.ledger)
    report = PublishReport()
    candidates = []
    for lesson in _built_lessons(settings, build, report):
        candidate = _candidate(project, settings.build_dir, lesson, report)
        if candidate:
            candidates.append(candidate)
            report.approved.append(candidate.slug)
    for target in config.targets:
        _publish_to(target, candidates, config, ledger, report, progress, environ, settings.templates)
    return report


def _built_lessons(settings, do_build: bool, report: PublishReport) -> list[Lesson]:
    """The lessons that built, as read from content/ (the source of the facts an approval is judged by)."""
    from pipeline.build import build, discover
    from pipeline.lesson.loader import load_lesson

    roots = discover(settings.content_dir)
    if do_build:
        built = []
        for root, lesson in zip(roots, build(settings, roots)):
            if lesson.ok:
                built.append(root)
                continue
            more = f" (and {len(lesson.errors) - 1} more)" if len(lesson.errors) > 1 else ""
            report.not_published.append((lesson.slug, "failed",
                                         f"the build failed: {_first_error(lesson.errors)}{more} — run: make build "
                                         f"LESSON={lesson.slug}"))
            report.failures.append(f"{lesson.slug}: the build failed")
        roots = built
    lessons = []
    for root in roots:
        try:
            lessons.append(load_lesson(root, probe_media=False, templates=settings.templates))
        except PipelineError as exc:
            report.not_published.append((root.name,
                                         "invalid", f"{str(exc).splitlines()[0]} — run: make check LESSON={root.name}"))
            report.failures.append(f"{root.name}: the lesson is invalid")
    return lessons


def _first_error(errors: list[dict]) -> str:
    """The first problem of a failed build as one line (a lesson diagnostic keeps its place)."""
    if not errors:
        return "no error was reported"
    error = errors[0]
    if "line" in error and error.get("file"):  # a located diagnostic (LessonError, ConfigError)
        from pipeline.errors import Diagnostic

        return str(Diagnostic(error["file"], error.get("line", 0), error.get("column", 0), error.get("field", ""),
                              error.get("message", ""), error.get("hint", "")))
    return str(error.get("message", "")).splitlines()[0]


def _candidate(project: Path, build_dir: Path, lesson: Lesson, report: PublishReport) -> Candidate | None:
    from pipeline.package import bundle_name
    from pipeline.signoff.approval import approval_status

    slug = lesson.slug
    bundle = build_dir / slug / bundle_name(slug, lesson.version)
    status = approval_status(project, build_dir, lesson, bundle)
    if not status.approved:
        report.not_published.append((slug, status.state, status.reason))
        return None
    manifest, thumbnail, watched, problem = _signed_contents(bundle, status.digest)
    if problem:
        report.not_published.append((slug, "stale", f"{problem} — run: make build LESSON={slug}"))
        return None
    facts = manifest["lesson"]
    folder = f"watch/{bundle.stem}"
    watching = watch.placed(watched[0], folder)
    meta = {
        "title": facts["title"], "language": facts["language"], "rubric": facts["rubric"], "tags": list(facts["tags"]),
        "authors": facts["authors"], "school": facts.get("school") or "", "licence": facts["licence"],
        "objectives": list(facts.get("objectives") or []),
            "duration": float(manifest.get("durations", {}).get("total", 0.0)),
        "bundle": f"bundles/{bundle.name}", "thumbnail": f"thumbnails/{bundle.stem}.jpg",
            "bytes": status.bundle["bytes"],
        **({"watch": watching} if watching else {}),
    }
    return Candidate(slug, lesson.version, status.digest, status.reviewer, sha256_file(status.file), bundle,
                     status.digest,
                     status.bundle["bytes"], thumbnail, meta,
                     {f"{folder}/{name}": data for name, data in watched[1].items()})


def _signed_contents(bundle: Path, sha256: str) -> tuple[dict, bytes, tuple[dict, dict[str, bytes]], str]:
    """(manifest, thumbnail bytes, (watch facts, {bundle entry: bytes}), "") read from inside ``bundle``
    after its bytes were hashed to the approved ``sha256`` in the same read, else empty values and
    why not: the catalog shows approved facts, pictures and media only."""
    nothing: tuple[dict, dict[str, bytes]] = ({}, {})
    try:
        found, inside = layout(bundle, read=("manifest.json", "index.html"))
        manifest = json.loads(inside.get("manifest.json") or b"null")
        thumbs = sorted(f["path"] for f in manifest["files"] if f["kind"] == "thumbnail")
        facts, wanted = watch.plan(manifest, inside.get("index.html"))
        again, pictures = layout(bundle, read=tuple(thumbs[:1]) + tuple(wanted))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {}, b"", nothing, f"the bundle {bundle} cannot be read ({type(exc).__name__}: {exc})"
    if not found.sha256 == again.sha256 == sha256:
        return {}, b"", nothing, (f"the bundle {bundle} changed while it was read (sha256 {again.sha256[:12]}, "
                                  f"approved {sha256[:12]})")
    if not thumbs or thumbs[0] not in pictures:
        return {}, b"", nothing, f"the bundle {bundle} has no thumbnail, which the catalog shows"
    if any(name not in pictures for name in wanted):  # listed in the manifest but not in the zip: show no player
        facts, wanted = {}, []
    return manifest, pictures[thumbs[0]], (facts, {name: pictures[name] for name in wanted}), ""


def _publish_to(target, candidates: list[Candidate], config: PublishConfig, ledger: Ledger, report: PublishReport,
                progress: Progress | None, environ, templates: Path) -> None:
    conn = None
    try:
        conn = connect(target, environ)
        for c in candidates:
            known = ledger.find(c.slug, c.digest, target.name)
            try:
                uploaded = put(conn, c.bundle, c.meta["bundle"], progress,
                               trust_size=bool(known and known.get("sha256") == c.sha256),
                               measured=(c.sha256, c.bytes))
            except SourceChanged as exc:
                report.failures.append(str(exc))
                continue
            uploaded |= put(conn, c.thumbnail, c.meta["thumbnail"], progress)
            for rel, data in sorted(c.watch.items()):  # the video, captions and cards the catalog plays
                uploaded |= put(conn, data, rel, progress)
            entry = {"lesson": c.slug, "version": c.version, "digest": c.digest,
                     "target": target.name, "time": now_utc(),
                     "approval": {"reviewer": c.reviewer, "file": f"approvals/{c.slug}.json",
                                  "sha256": c.approval_sha256},
                     "sha256": c.sha256, "meta": c.meta}
            if ledger.record(entry):
                ledger.save()
            report.published.append((c.slug, c.version, target.name, "uploaded" if uploaded else "already there"))
        for rel, data in sorted(catalog.render(ledger.current(target.name), config.site,
                                               target.url, templates).items()):
            put(conn, data, rel, progress)
    except PipelineError as exc:
        report.failures.append(str(exc) if str(exc).startswith(f"{target.name}") else f"{target.name}: {exc}")
    except (OSError, EOFError) as exc:
        report.failures.append(f"{target.name}: the connection failed ({type(exc).__name__}: {exc}) — run publish "
                               "again; finished files are kept and a partial upload resumes")
    except Exception as exc:  # paramiko's SSHException and friends: the link dropped mid-way
        if type(exc).__module__.startswith("paramiko"):
            report.failures.append(f"{target.name}: the connection failed ({type(exc).__name__}: {exc}) — run publish "
                                   "again; a partial upload resumes")
        else:
            raise
    finally:
        if conn is not None:
            conn.close()
