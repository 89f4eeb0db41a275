"""The review stage: measure every technical check on the built files and write the report.

Outputs ``review/review.json`` (machine-readable) and ``review/index.html`` (for the reviewer).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pipeline.i18n import _, catalog_digest, use_language
from pipeline.lesson.model import Lesson
from pipeline.stage import Context, ObjectStore, Stage, StageResult

REPORT_JSON = "review/review.json"
REPORT_HTML = "review/index.html"


@dataclass
class Evidence:
    """What checks read: the lesson, upstream stage data and independent probes of the videos."""

    lesson: Lesson
    out: Path
    upstream: dict
    videos: dict[str, dict]
    objects: ObjectStore | None = None  # when given, measurements are kept by the video's content

    def data(self, stage: str) -> dict:
        result = self.upstream.get(stage)
        return result.data if result is not None else {}

    @property
    def primary(self) -> str | None:
        """The format whose picture and sound are analysed (all formats share the same sources)."""
        return "16:9" if "16:9" in self.videos else next(iter(sorted(self.videos)), None)

    def video_path(self) -> Path | None:
        """The primary video file, when one was built."""
        rel = (self.data("transcode").get("videos") or {}).get(self.primary) if self.primary else None
        return self.out / rel if rel else None

    @cached_property
    def signals(self):
        """Black, frozen and silent stretches, loudness over time and flashes of the primary video
        (one ffmpeg decode, pipeline/review/measure.py); None when no video was built."""
        from pipeline.review.measure import measure_signals

        path = self.video_path()
        if path is None:
            return None
        info = self.videos[self.primary]
        context = f"review {self.lesson.slug}"
        if self.objects is None:
            return measure_signals(path, info["duration"], info["fps"] or 30.0, context=context)
        from pipeline.fsutil import sha256_file
        from pipeline.review import measure

        # kept by the video's bytes and the measuring code: a new approval, checklist or template
        # re-renders the report without decoding the video again
        rel = path.relative_to(self.out).as_posix()
        video_sha = next((a.sha256 for a in self.upstream["transcode"].artifacts if a.path == rel), None) or sha256_file(path)
        from pipeline.ffmpeg import ffmpeg_version

        parts = {"review-signals": sha256_file(Path(measure.__file__)), "ffmpeg": ffmpeg_version(), "video": video_sha,
                 "fps": info["fps"], "duration": info["duration"]}
        stored = self.objects.memo(parts, ".json", lambda tmp: tmp.write_text(
            json.dumps(measure_signals(path, info["duration"], info["fps"] or 30.0, context=context).stored(), sort_keys=True), encoding="utf-8"))
        return measure.Signals.from_stored(json.loads(stored.read_text(encoding="utf-8")))

    @property
    def flashes(self):
        return self.signals.flashes if self.signals else None

    def parts(self, *kinds: str, spoken: bool = False) -> list[dict]:
        """Timeline parts of the given kinds (all when none given), only those with speech if ``spoken``."""
        return [p for p in self.data("transcode").get("timeline") or []
                if (not kinds or p.get("kind") in kinds) and (p.get("speech") or not spoken)]


def measure_video(path: Path) -> dict:
    """Codec, profile, size, fps and stream durations of a built video, read with PyAV."""
    import av

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        info = {
            "codec": video.codec_context.name,
            "profile": video.codec_context.profile,
            "pix_fmt": video.codec_context.pix_fmt,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "fps": float(video.average_rate or 0),
            "video_duration": float(video.duration * video.time_base) if video.duration else 0.0,
            "video_start": float(video.start_time * video.time_base) if video.start_time is not None else 0.0,
            "audio_start": float(audio.start_time * audio.time_base) if audio and audio.start_time is not None else 0.0,
            "audio_codec": audio.codec_context.name if audio else None,
            "sample_rate": audio.codec_context.sample_rate if audio else 0,
            "channels": audio.codec_context.channels if audio else 0,
            "audio_duration": float(audio.duration * audio.time_base) if audio and audio.duration else 0.0,
            "duration": container.duration / 1_000_000 if container.duration else 0.0,
            "bytes": path.stat().st_size,
        }
    return info


def run(ctx: Context) -> StageResult:
    from pipeline.review.registry import all_checks

    transcode = ctx.upstream.get("transcode")
    videos = {fmt: measure_video(ctx.out / rel) for fmt, rel in sorted((transcode.data.get("videos") or {}).items())} if transcode else {}
    evidence = Evidence(ctx.lesson, ctx.out, ctx.upstream, videos, ctx.objects)
    ctx.progress(_("measuring"))
    with use_language(ctx.lesson.language):  # the report speaks the lesson's language, whoever builds it
        results = [result for item in all_checks() for result in item.run(evidence)]
    # failures first (blocking before advisory), then not measurable, then passes: what the reviewer must look at comes first
    results.sort(key=lambda r: ({False: 0, None: 1, True: 2}[r.passed], r.severity != "blocking", r.id))
    blocking = [r for r in results if r.passed is False and r.severity == "blocking"]
    report = {
        "lesson": ctx.lesson.slug,
        "title": ctx.lesson.title,
        "language": ctx.lesson.language,
        "version": ctx.lesson.version,
        "media_digest": media_digest(ctx),
        "videos": videos,
        "analysed": evidence.primary,
        "signals": evidence.signals.as_dict() if videos else None,
        "flashes": evidence.flashes.as_dict() if videos else None,
        "checks": [r.as_dict() for r in results],
        "blocking_failures": len(blocking),
    }
    json_artifact = ctx.artifact("review", REPORT_JSON, lambda tmp: tmp.write_text(json.dumps(report, indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8"))
    with use_language(ctx.lesson.language):
        html = render_report(ctx, report, results)
    html_artifact = ctx.artifact("review", REPORT_HTML, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    checks = [{"id": r.id, "passed": r.passed, "value": r.value, "limit": r.limit, "severity": r.severity, "detail": r.detail} for r in results]
    return StageResult([json_artifact, html_artifact], {"checks": checks, "blocking_failures": len(blocking), "media_digest": report["media_digest"]})


def media_digest(ctx: Context) -> str:
    """sha256 over the sorted 'path sha256' lines of every file the reviewer sees (the stages'
    outputs); an approval signs it beside the bundle digest, so the report can tell before
    packaging whether an approval still covers what is shown."""
    from pipeline.package.bundle import bundle_digest

    return bundle_digest([a.as_dict() for stage in ("cards", "transcode", "caption") if ctx.upstream.get(stage)
                          for a in ctx.upstream[stage].artifacts])


def project_of(lesson: Lesson) -> Path:
    """The project folder (holding content/, reviewers.yaml, approvals/) of a lesson in content/<slug>/."""
    return lesson.root.resolve().parent.parent


def render_report(ctx: Context, report: dict, results: list) -> str:
    from pipeline.approval import status_for_build
    from pipeline.caption.rules import rules_for, width
    from pipeline.review import plots
    from pipeline.review.checklist import load_checklist
    from pipeline.progress import APPROVAL_WORDS
    from pipeline.templates import environment

    lesson = ctx.lesson
    transcode, caption, cards = (ctx.upstream.get(name) for name in ("transcode", "caption", "cards"))
    cues = caption.data.get("cues", []) if caption else []
    rules = rules_for(lesson.language, lesson.captions)
    speeds = [width(" ".join(c["lines"]), rules) / max(c["end"] - c["start"], 0.001) for c in cues]
    signals = report["signals"] or {}
    manifest = {"lesson": {"version": lesson.version, "authors": [{"name": a.name} for a in lesson.authors]}}
    approval = status_for_build(project_of(lesson), lesson.slug, manifest, report)
    return environment("review").get_template("index.html.j2").render(
        lesson=lesson,
        report=report,
        checks=results,
        videos={fmt: f"../{rel}" for fmt, rel in (transcode.data.get("videos") or {}).items()} if transcode else {},
        vtt=f"../{caption.data['files']['vtt']}" if caption and caption.data.get("files") else "",
        cards=[{"src": f"../{c['square']}", "title": c.get("title", ""), "text": c.get("text", "")} for c in cards.data.get("cards", []) if c.get("square")] if cards else [],
        loudness_svg=plots.loudness_svg([tuple(p) for p in signals.get("loudness", [])]) if signals else "",
        speed_svg=plots.reading_speed_svg(cues, speeds, rules.max_cps) if cues else "",
        loudness=(transcode.data.get("loudness") or {}) if transcode else {},
        checklist=load_checklist(),
        approval=approval,
        approval_words={state: _(word) for state, word in APPROVAL_WORDS.items()},
        blocking=report["blocking_failures"],
    )


def _params(lesson: Lesson) -> dict:
    from pipeline.fsutil import sha256_file
    from pipeline.package.bundle import PackageSettings

    # the report shows the approval's state, so a new or edited approval (or reviewer list) re-renders it
    project = project_of(lesson)
    watched = {name: sha256_file(project / name) if (project / name).is_file() else None for name in ("reviewers.yaml", f"approvals/{lesson.slug}.json")}
    return {"max_duration": lesson.max_duration, "title": lesson.title, "licence": lesson.licence, "authors": [a.name for a in lesson.authors],
            "objectives": list(lesson.objectives), "rubric": lesson.rubric, "tags": list(lesson.tags), "audience": lesson.audience,
            "school": lesson.school_name, "version": lesson.version, "captions": repr(lesson.captions), "approval": watched,
            "portal_limit": PackageSettings.from_env().portal_limit}


def _tools() -> dict:
    from pipeline.fsutil import sha256_file
    from pipeline.templates import templates_dir

    files = {name: templates_dir() / "review" / name for name in ("index.html.j2", "checklist.yaml")}
    found = {name: sha256_file(path) if path.is_file() else None for name, path in files.items()}
    # adding or changing a check module changes what the stage measures
    code = sorted(Path(__file__).resolve().parent.rglob("*.py"))
    found["messages"] = catalog_digest()  # the report's words come from the catalogs
    found["checks"] = ObjectStore.key({str(p.relative_to(Path(__file__).resolve().parent)): sha256_file(p) for p in code})
    return found


STAGE = Stage(name="review", needs=("cards", "transcode", "caption"), run=run, params=_params, inputs=lambda lesson: [], tools=_tools, version="2")
