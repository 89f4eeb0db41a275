"""The studio's engine: validate and preview-build a lesson whenever its files change.

A checker thread runs the validation ``make check`` runs on every changed lesson and publishes its
messages at once; a builder thread takes the valid ones (several saves in a row coalesce) and
builds the preview through the build runner (``preview.preview_stages``), publishing the cards as
soon as the cards stage is done, the video when the draft encode is done and the captions last.
Listeners (the page's Server-Sent Events) receive every new state.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import replace
from pathlib import Path

from pipeline.build import Reporter, build, discover
from pipeline.cache import Journal
from pipeline.errors import PipelineError
from pipeline.i18n import _, _n
from pipeline.settings import Settings
from pipeline.studio import document
from pipeline.studio.place import placed
from pipeline.studio.preview import PREVIEW_FOLDER, preview_stages

log = logging.getLogger("microlearn.studio")


class _Events(Reporter):
    """Publishes each preview stage's outputs as soon as the runner finishes (or reuses) it."""

    def __init__(self, workspace: "Workspace", slug: str):
        self.workspace, self.slug = workspace, slug

    def stage(self, slug: str, stage: str, status: str, detail: str = "") -> None:
        if status == "start":
            self.workspace.update(self.slug, building=stage)
        elif status in ("done", "cached", "fetched"):
            self.workspace.publish_outputs(self.slug)

    def artifact(self, slug: str, stage: str, artifact) -> None:
        self.workspace.publish_file(self.slug, artifact)


def preview_url(slug: str, rel: str, sha256: str) -> str:
    """Where the page loads a preview file, versioned by its content so a browser never shows a stale one."""
    return f"/preview/{slug}/{rel}?v={sha256[:12]}"


class Workspace:
    """Lessons under ``content_dir``, their latest validation and preview, and who listens."""

    def __init__(self, settings: Settings):
        self.content_dir = Path(settings.content_dir).resolve()
        self.build_dir = Path(settings.build_dir).resolve()
        self.preview_dir = self.build_dir / PREVIEW_FOLDER
        # the machine's settings as the command resolved them, building into the preview folder
        self.settings = replace(settings, content_dir=self.content_dir, build_dir=self.preview_dir, jobs=1)
        self.states: dict[str, dict] = {}
        self._listeners: list[queue.Queue] = []
        self._lock = threading.Lock()
        self._dirty: list[str] = []  # changed lessons, to validate
        self._to_build: list[str] = []  # valid lessons, to preview-build
        self._shown: set[str] = set()  # lessons whose page was opened: only those are preview-built
        self._wake = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._checker = threading.Thread(
            target=self._loop, args=(self._dirty, self.validate), name="studio-check", daemon=True
        )
        self._builder = threading.Thread(
            target=self._loop, args=(self._to_build, self.preview), name="studio-build", daemon=True
        )

    # -- lessons -------------------------------------------------------------------------------
    def root(self, slug: str) -> Path | None:
        """The folder of lesson ``slug``; None unless it is a lesson folder right under content/."""
        return next((p for p in discover(self.content_dir) if p.name == slug), None)

    def lessons(self) -> list[dict]:
        """Every lesson with its state: invalid, valid, building, built, stale or approved."""
        out = []
        for root in discover(self.content_dir):
            known = self.state(root.name)
            if known["valid"] is None:  # the checker has not come to it yet: the loader's checks, quickly
                _lesson, errors = self._checked(root, cards=False)
                known = {"valid": not errors, "diagnostics": errors}
            ok = bool(known["valid"])
            state, reason = ("valid", "") if ok else ("invalid", _n("{n} problem", "{n} problems", len(known["diagnostics"])))
            journal = self.build_dir / root.name / ".state.json"
            if ok and journal.is_file() and "package" in Journal.load(journal.parent).stages:
                newest = max((p.stat().st_mtime for p in root.rglob("*") if p.is_file()), default=0)
                state = "stale" if newest > journal.stat().st_mtime else "built"
                reason = _("the lesson changed after its last build — run make build") if state == "stale" else ""
                approval = self._approval_status(root)
                if approval is not None and approval.state in ("approved", "stale") and state == "built":
                    state, reason = approval.state, approval.reason
            if known.get("building"):
                state = "building"
            title = document.read(root)["fields"]["title"] or root.name
            out.append({"slug": root.name, "title": title, "state": state, "reason": reason})
        return out

    def state(self, slug: str) -> dict:
        with self._lock:
            return dict(self.states.get(slug) or self._blank(slug))

    @staticmethod
    def _blank(slug: str) -> dict:
        return {
            "slug": slug,
            "version": "",
            "valid": None,
            "diagnostics": [],
            "building": "",
            "cards": [],
            "slides": {},
            "video": None,
            "captions": None,
            "checks": [],
            "approval": {},
            "updated": 0.0,
        }

    # -- listeners -----------------------------------------------------------------------------
    def listen(self) -> queue.Queue:
        q: queue.Queue = queue.Queue()
        with self._lock:
            self._listeners.append(q)
        return q

    def unlisten(self, q: queue.Queue) -> None:
        with self._lock:
            if q in self._listeners:
                self._listeners.remove(q)

    def update(self, slug: str, **changes) -> None:
        with self._lock:
            state = self.states.setdefault(slug, self._blank(slug))
            state.update(changes, updated=time.time())
            snapshot = dict(state)
            listeners = list(self._listeners)
        for q in listeners:
            q.put(snapshot)

    # -- work ----------------------------------------------------------------------------------
    # Two threads: the checker validates every change at once (a message must not wait for a video
    # encode), the builder takes the lessons found valid, one build at a time.
    def start(self) -> None:
        self._checker.start()
        self._builder.start()

    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for q in list(self._listeners):
            q.put(None)
        for thread in (self._checker, self._builder):
            if thread.is_alive():
                thread.join(timeout=10)

    def show(self, slug: str) -> None:
        """A page of ``slug`` was opened: from now on it is preview-built (now, if never yet)."""
        with self._lock:
            first = slug not in self._shown
            self._shown.add(slug)
        if first:
            self.touch(slug)

    def touch(self, slug: str) -> None:
        """Mark ``slug`` changed: it is validated at once, then rebuilt when the builder is free."""
        self._enqueue(self._dirty, slug)

    def _enqueue(self, pending: list[str], slug: str) -> None:
        with self._wake:
            if slug not in pending:
                pending.append(slug)
            self._wake.notify_all()

    def _next(self, pending: list[str]) -> str | None:
        with self._wake:
            while not pending and not self._stop.is_set():
                self._wake.wait()
            return None if self._stop.is_set() else pending.pop(0)

    def _loop(self, pending: list[str], job) -> None:
        while (slug := self._next(pending)) is not None:
            try:
                job(slug)
            except Exception:  # a bug must not stop the studio: log it and say so on the page
                log.exception("studio: %s failed for %s", job.__name__, slug)
                self.update(
                    slug,
                    building="",
                    diagnostics=[
                        {"target": "lesson", "text": f"{slug}: internal error in the studio — see its terminal"}
                    ],
                )

    def validate(self, slug: str) -> None:
        """Validate ``slug`` as ``make check`` does and publish the messages; queue a build if valid.

        ``make check`` is the loader's checks, then the cards stage's own checks (glyphs, contrast,
        fit: a layout of every changed page). The loader's messages are published first, within
        milliseconds; for a lesson whose page is open the card checks are then made by the preview
        build's cards stage itself (the same code, run once instead of twice), for the others here.
        """
        root = self.root(slug)
        if root is None:
            return
        files = document.read_files(root)
        shown = slug in self._shown
        lesson, errors = self._checked(root, cards=not shown)
        self.update(slug, version=files.version, valid=not errors, diagnostics=placed(errors, files.script_name, files.script_text))
        if lesson is not None and not errors and shown:
            self._enqueue(self._to_build, slug)

    def _checked(self, root: Path, cards: bool) -> tuple[object | None, list[dict]]:
        """(the lesson, []) when valid, else (None, every problem as a dict of ``--json``'s shape)."""
        from pipeline.build import preflight
        from pipeline.errors import DiagnosticsError, FileError
        from pipeline.lesson.memo import load_lesson_memo

        try:
            # the loader's checks, remembered where the preview build's runner looks for them: the
            # builder then takes this very load instead of reading and checking the lesson again
            lesson = load_lesson_memo(root, self.preview_dir / ".cache" / "lessons", self.settings.templates)
            if cards:
                preflight(lesson, self.settings)
            return lesson, []
        except DiagnosticsError as exc:  # the lesson's (LessonError) or its theme's (ConfigError), each located
            return None, [{"kind": type(exc).__name__, **d.as_dict()} for d in exc.diagnostics]
        except PipelineError as exc:
            return None, [exc.as_dict()]
        except OSError as exc:  # a file vanished or cannot be read while checking
            return None, [FileError.of(exc).as_dict()]

    def preview(self, slug: str) -> None:
        """Build the preview of ``slug`` and publish each stage's outputs as it finishes."""
        root = self.root(slug)
        if root is None:
            return
        self.update(slug, building="cards")
        before = document.read_files(root).version
        try:
            result = build(self.settings, [root], _Events(self, slug), stages=preview_stages())[0]
        except PipelineError as exc:  # e.g. another studio holds the preview folder
            self.update(slug, building="", diagnostics=placed([exc.as_dict()], "", ""))
            return
        files = document.read_files(root)
        self.publish_outputs(slug)
        changes: dict = {"building": ""}
        if (
            not result.ok and files.version == before
        ):  # what only the build found; a newer edit is the checker's to judge
            changes.update(valid=False, diagnostics=placed(result.errors, files.script_name, files.script_text))
        self.update(slug, **changes)
        self._approval(slug)

    def _approval_status(self, root: Path):
        """The review state of the lesson's real build (build/, not the preview); None when the
        lesson cannot be read (its messages say why)."""
        from pipeline.lesson.loader import load_lesson
        from pipeline.package import bundle_name
        from pipeline.signoff.approval import approval_status

        try:
            lesson = load_lesson(root, probe_media=False, templates=self.settings.templates)
        except (PipelineError, OSError):
            return None
        bundle = self.build_dir / lesson.slug / bundle_name(lesson.slug, lesson.version)
        return approval_status(self.content_dir.parent, self.build_dir, lesson, bundle)

    def _approval(self, slug: str) -> None:
        root = self.root(slug)
        status = self._approval_status(root) if root is not None else None
        if status is None:
            return
        report = self.build_dir / slug / "review" / "index.html"
        self.update(
            slug,
            approval={
                "state": status.state,
                "reason": status.reason,
                "report": f"/build/{slug}/review/index.html" if report.is_file() else "",
            },
        )

    def publish_file(self, slug: str, artifact) -> None:
        """One output in place while its stage is still at work: an edited card or slide, or the
        draft video, is shown now instead of when the stage ends (the stage's end publishes all)."""
        path = f"/preview/{slug}/{artifact.path}"
        src = preview_url(slug, artifact.path, artifact.sha256)
        with self._lock:
            state = self.states.get(slug)
            if state is None:
                return
            cards, slides, video = state["cards"], state["slides"], state["video"]

        def newer(url: str) -> str:
            return src if url.split("?", 1)[0] == path else url

        changes: dict = {}
        if artifact.kind in ("card", "slide"):
            now = [{**card, "images": {fmt: newer(url) for fmt, url in card["images"].items()}} for card in cards]
            if now != cards:
                changes["cards"] = now
            shown = {fmt: {**s, "title": newer(s["title"]), "end": newer(s["end"]),
                           "cards": {cid: newer(url) for cid, url in s["cards"].items()}} for fmt, s in slides.items()}
            if shown != slides:
                changes["slides"] = shown
        elif artifact.kind == "video" and (video or {}).get("sha256") != artifact.sha256:
            changes["video"] = {"src": src, "sha256": artifact.sha256, "poster": (video or {}).get("poster", "")}
        if changes:
            self.update(slug, **changes)

    def publish_outputs(self, slug: str) -> None:
        """Read the preview journal and publish cards, slides, video, captions and checks."""
        journal = Journal.load(self.preview_dir / slug)
        # each stage's recorded result as plain JSON: its files, and its facts (kept under "data" by
        # older journals, beside the files by typed ones; the names are the same)
        results = {
            name: entry["result"] for name, entry in journal.stages.items() if isinstance(entry.get("result"), dict)
        }
        facts = {name: result.get("data", result) for name, result in results.items()}
        files = {name: {a["path"]: a for a in result.get("artifacts", [])} for name, result in results.items()}
        changes: dict = {}

        def url(stage: str, rel: str | None) -> str:
            artifact = files[stage].get(rel or "")
            return preview_url(slug, rel, artifact["sha256"]) if artifact else ""

        if "cards" in results:
            changes["cards"] = [
                {
                    "id": c["id"],
                    "title": c["title"],
                    "images": {
                        fmt: url("cards", c.get(fmt)) for fmt in ("social", "square") if url("cards", c.get(fmt))
                    },
                }
                for c in facts["cards"].get("cards", [])
            ]
            changes["slides"] = {
                fmt: {
                    "title": url("cards", s.get("title")),
                    "end": url("cards", s.get("end")),
                    "cards": {cid: url("cards", rel) for cid, rel in s.get("cards", {}).items() if url("cards", rel)},
                }
                for fmt, s in facts["cards"].get("slides", {}).items()
            }
        if "transcode" in results:
            videos = [a for a in files["transcode"].values() if a["kind"] == "video"]
            posters = [a for a in files["transcode"].values() if a["kind"] == "poster"]
            if videos:
                changes["video"] = {
                    "src": url("transcode", videos[0]["path"]),
                    "sha256": videos[0]["sha256"],
                    "poster": url("transcode", posters[0]["path"]) if posters else "",
                }
        if "caption" in results:
            vtt = [rel for rel in files["caption"] if rel.endswith(".vtt")]
            if vtt:
                changes["captions"] = {"src": url("caption", vtt[0])}
        checks = []
        for name in ("cards", "transcode", "caption"):
            if name in results:
                checks += [{"stage": name, **c} for c in facts[name].get("checks", [])]
        if "caption" in results:
            cues = facts["caption"].get("cues", [])
            flagged = sum(1 for c in cues if c.get("flagged"))
            checks.append(
                {
                    "stage": "caption",
                    "id": "caption.cues",
                    "passed": True,
                    "value": len(cues),
                    "limit": 0,
                    "detail": _n("{n} cue, {flagged} flagged for the reviewer", "{n} cues, {flagged} flagged for the reviewer",
                                  len(cues), flagged=flagged),
                }
            )
            checks += [
                {"stage": "caption", "id": f"caption.{v.get('rule')}", "passed": False, "detail": v.get("message", "")}
                for v in facts["caption"].get("qc", [])
            ]
        changes["checks"] = checks
        self.update(slug, **changes)
