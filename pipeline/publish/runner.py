"""``microlearn publish``: build (or reuse the cache), check approvals, publish, update the catalog.

The phases, in order: read publish.yaml (every problem at once); build every lesson; ask
pipeline.signoff.approval for each lesson's status and re-hash the bundle zip against the digest the
approval signs; then per target: put each approved bundle and its thumbnail (safely, see
targets.put), record it in the ledger, regenerate the catalog from the ledger and put the files
that changed. A lesson waiting for review is listed with its reason and is not a failure; a
failed build or a target that cannot be reached is (exit status 1), and the other lessons and
targets still go on.
"""
from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.i18n import _
from pipeline.fsutil import sha256_file, sha256_stream
from pipeline.package import bundle_name
from pipeline.publish import catalog
from pipeline.publish.config import PublishConfig, load_config
from pipeline.publish.ledger import Ledger, now_utc
from pipeline.publish.targets import Progress, connect, put

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


@dataclass
class PublishReport:
    published: list[tuple[str, str, str, str]] = field(default_factory=list)  # slug, version, target, "uploaded"|"already there"
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
    slugs = _built_lessons(settings, build, report)
    candidates = []
    for slug in slugs:
        candidate = _candidate(project, build_dir, slug, report)
        if candidate:
            candidates.append(candidate)
            report.approved.append(candidate.slug)
    for target in config.targets:
        _publish_to(target, candidates, config, ledger, report, progress, environ, settings.templates)
    return report


def _built_lessons(settings, do_build: bool, report: PublishReport) -> list[str]:
    from pipeline.build import build, discover

    lessons = discover(settings.content_dir)
    if not do_build:
        return [root.name for root in lessons]
    slugs = []
    for lesson in build(settings, lessons):
        if lesson.ok:
            slugs.append(lesson.slug)
            continue
        more = f" (and {len(lesson.errors) - 1} more)" if len(lesson.errors) > 1 else ""
        report.not_published.append((lesson.slug, "failed", f"the build failed: {_first_error(lesson.errors)}{more} — run: make build LESSON={lesson.slug}"))
        report.failures.append(f"{lesson.slug}: the build failed")
    return slugs


def _first_error(errors: list[dict]) -> str:
    """The first problem of a failed build as one line (a lesson diagnostic keeps its place)."""
    if not errors:
        return "no error was reported"
    error = errors[0]
    if error.get("kind") == "LessonError" and error.get("file"):
        from pipeline.errors import Diagnostic

        return str(Diagnostic(error["file"], error.get("line", 0), error.get("column", 0), error.get("field", ""), error.get("message", ""), error.get("hint", "")))
    return str(error.get("message", "")).splitlines()[0]


def _candidate(project: Path, build_dir: Path, slug: str, report: PublishReport) -> Candidate | None:
    from pipeline.signoff.approval import approval_status

    status = approval_status(project, build_dir, slug)
    if not status.approved:
        report.not_published.append((slug, status.state, status.reason))
        return None
    manifest = json.loads((build_dir / slug / "bundle" / "manifest.json").read_text(encoding="utf-8"))
    lesson = manifest["lesson"]
    version = str(lesson["version"])
    bundle = build_dir / slug / bundle_name(slug, version)
    thumbs = sorted(f["path"] for f in manifest["files"] if f["kind"] == "thumbnail")
    problem, thumbnail = _check_zip(bundle, status.digest, thumbs[0] if thumbs else "")
    if not problem and thumbnail is None:
        problem = f"the bundle {bundle} has no thumbnail, which the catalog shows — run: make build LESSON={slug}"
    if problem:
        report.not_published.append((slug, "stale", problem))
        return None
    size = bundle.stat().st_size
    meta = {
        "title": lesson["title"], "language": lesson["language"], "rubric": lesson["rubric"], "tags": list(lesson["tags"]),
        "authors": lesson["authors"], "school": lesson.get("school") or "", "licence": lesson["licence"],
        "objectives": list(lesson.get("objectives") or []), "duration": float(manifest.get("durations", {}).get("total", 0.0)),
        "bundle": f"bundles/{bundle.name}", "thumbnail": f"thumbnails/{bundle.stem}.jpg", "bytes": size,
    }
    return Candidate(slug, version, status.digest, status.reviewer, sha256_file(status.file), bundle, sha256_file(bundle),
                     size, thumbnail, meta)


def _check_zip(bundle: Path, digest: str, thumbnail: str) -> tuple[str, bytes | None]:
    """('', thumbnail bytes) when the zip's files hash to ``digest`` (the bytes the reviewer signed),
    else (why not, None). The thumbnail comes out of the verified zip, so the catalog shows approved bytes."""
    from pipeline.package import bundle_digest

    picture = None
    try:
        with zipfile.ZipFile(bundle) as archive:
            files = []
            for info in archive.infolist():
                if info.is_dir() or info.filename == "manifest.json":
                    continue
                with archive.open(info) as handle:
                    files.append({"path": info.filename, "sha256": sha256_stream(handle)})
            if thumbnail and thumbnail in archive.namelist():
                picture = archive.read(thumbnail)
    except (OSError, zipfile.BadZipFile) as exc:
        return f"the bundle {bundle} cannot be read ({exc}) — run: make build", None
    if bundle_digest(files) != digest:
        return (f"the bundle {bundle} does not hold the files the approval signs (digest {bundle_digest(files)[:12]}, "
                f"approved {digest[:12]}) — run: make build, then review again"), None
    return "", picture


def _publish_to(target, candidates: list[Candidate], config: PublishConfig, ledger: Ledger, report: PublishReport,
                progress: Progress | None, environ, templates: Path) -> None:
    conn = None
    try:
        conn = connect(target, environ)
        for c in candidates:
            known = ledger.find(c.slug, c.digest, target.name)
            uploaded = put(conn, c.bundle, c.meta["bundle"], progress, trust_size=bool(known and known.get("sha256") == c.sha256),
                           measured=(c.sha256, c.bytes))
            uploaded |= put(conn, c.thumbnail, c.meta["thumbnail"], progress)
            entry = {"lesson": c.slug, "version": c.version, "digest": c.digest, "target": target.name, "time": now_utc(),
                     "approval": {"reviewer": c.reviewer, "file": f"approvals/{c.slug}.json", "sha256": c.approval_sha256},
                     "sha256": c.sha256, "meta": c.meta}
            if ledger.record(entry):
                ledger.save()
            report.published.append((c.slug, c.version, target.name, "uploaded" if uploaded else "already there"))
        for rel, data in sorted(catalog.render(ledger.current(target.name), config.site, target.url, templates).items()):
            put(conn, data, rel, progress)
    except PipelineError as exc:
        report.failures.append(str(exc) if str(exc).startswith(f"{target.name}") else f"{target.name}: {exc}")
    except (OSError, EOFError) as exc:
        report.failures.append(f"{target.name}: the connection failed ({type(exc).__name__}: {exc}) — run publish again; finished files are kept and a partial upload resumes")
    except Exception as exc:  # paramiko's SSHException and friends: the link dropped mid-way
        if type(exc).__module__.startswith("paramiko"):
            report.failures.append(f"{target.name}: the connection failed ({type(exc).__name__}: {exc}) — run publish again; a partial upload resumes")
        else:
            raise
    finally:
        if conn is not None:
            conn.close()
