"""The review stage: measure every technical check on the built files and write the report.

Outputs ``review/review.json`` (machine-readable) and ``review/index.html`` (for the reviewer).
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from pipeline import records
from pipeline.contracts import Check, ReviewResult
from pipeline.digests import bundle_digest
from pipeline.house import rules_for, width
from pipeline.i18n import _, catalog_digest, use_language
from pipeline.lesson.model import Lesson
from pipeline.review.evidence import Evidence
from pipeline.stage import Context, Settings, Stage

__all__ = ["STAGE", "Evidence", "measure_video", "media_digest", "render_report"]

REPORT_JSON = "review/review.json"
REPORT_HTML = "review/index.html"


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


def run(ctx: Context) -> ReviewResult:
    from pipeline.review.registry import all_checks

    transcode = ctx.upstream.transcode
    videos = {fmt: measure_video(ctx.out / rel) for fmt, rel in sorted(transcode.videos.items())} if transcode else {}
    evidence = Evidence(ctx.lesson, ctx.out, ctx.upstream, videos, ctx.objects, ctx.settings.portal_limit)
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
    json_artifact = ctx.artifact("review", REPORT_JSON, lambda tmp: tmp.write_text(json.dumps(report, indent=1,
                                                                                              ensure_ascii=False, sort_keys=True), encoding="utf-8"))
    with use_language(ctx.lesson.language):
        html = render_report(ctx, report, results)
    html_artifact = ctx.artifact("review", REPORT_HTML, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    checks = tuple(Check(r.id, r.passed, r.value, r.limit, r.detail, r.severity) for r in results)
    return ReviewResult(artifacts=(json_artifact, html_artifact), checks=checks, blocking_failures=len(blocking),
                        media_digest=report["media_digest"])


def media_digest(ctx: Context) -> str:
    """sha256 over the sorted 'path sha256' lines of every file the reviewer sees (the stages'
    outputs); an approval signs it beside the bundle digest, so the report can tell before
    packaging whether an approval still covers what is shown."""
    up = ctx.upstream
    return bundle_digest([a.as_dict() for result in (up.cards,
                                                     up.transcode, up.caption) if result for a in result.artifacts])


def project_of(lesson: Lesson) -> Path:
    """The project folder (holding content/, reviewers.yaml, approvals/) of a lesson in content/<slug>/."""
    return lesson.root.resolve().parent.parent


def render_report(ctx: Context, report: dict, results: list) -> str:
    from pipeline.signoff.approval import APPROVAL_WORDS, status_for_build
    from pipeline.review import plots
    from pipeline.signoff.checklist import checklist_path, load_checklist
    from pipeline.templates import environment

    lesson = ctx.lesson
    transcode, caption, cards = ctx.upstream.transcode, ctx.upstream.caption, ctx.upstream.cards
    cues = records.dump(caption.cues) if caption else []
    rules = rules_for(lesson.language, lesson.captions)
    speeds = [width(" ".join(c["lines"]), rules) / max(c["end"] - c["start"], 0.001) for c in cues]
    signals = report["signals"] or {}
    approval = status_for_build(project_of(lesson), lesson, report)
    return environment(ctx.settings.templates / "review").get_template("index.html.j2").render(
        lesson=lesson,
        report=report,
        checks=results,
        videos={fmt: f"../{rel}" for fmt, rel in transcode.videos.items()} if transcode else {},
        vtt=f"../{caption.files.vtt}" if caption else "",
        cards=[{"src": f"../{c.square}",
                "title": c.title, "text": c.text} for c in cards.cards if c.square] if cards else [],
        loudness_svg=plots.loudness_svg([tuple(p) for p in signals.get("loudness", [])]) if signals else "",
        speed_svg=plots.reading_speed_svg(cues, speeds, rules.max_cps) if cues else "",
        loudness=records.dump(transcode.loudness) if transcode else {},
        checklist=load_checklist(checklist_path(ctx.settings.templates)),
        approval=approval,
        approval_words={state: _(word) for state, word in APPROVAL_WORDS.items()},
        blocking=report["blocking_failures"],
    )


def _params(lesson: Lesson, settings: Settings) -> dict:
    from pipeline.fsutil import sha256_file

    # the report shows the approval's state, so a new or edited approval (or reviewer list) re-renders it
    project = project_of(lesson)
    watched = {name: sha256_file(project / name) if (project / name).is_file() else None for name in ("reviewers.yaml", f"approvals/{lesson.slug}.json")}
    return {"max_duration": lesson.max_duration, "title": lesson.title, "licence": lesson.licence,
            "authors": [a.name for a in lesson.authors],
            "objectives": list(lesson.objectives), "rubric": lesson.rubric, "tags": list(lesson.tags),
            "audience": lesson.audience,
            "school": lesson.school_name, "version": lesson.version, "captions": repr(lesson.captions),
            "approval": watched,
            "portal_limit": settings.portal_limit, "language": lesson.language,
            "sequence": [[type(item).__name__, asdict(item)] for item in lesson.sequence],
            **({"music": asdict(lesson.music)} if lesson.music else {})}


def _tools(settings: Settings) -> dict:
    from pipeline.fsutil import sha256_file

    files = {name: settings.templates / "review" / name for name in ("index.html.j2", "checklist.yaml")}
    # the check modules are this package's code: the stage's fingerprint covers adding or changing one;
    # the report's words come from the compiled catalogs, which are not code
    found = {name: sha256_file(path) if path.is_file() else None for name, path in files.items()}
    found["messages"] = catalog_digest()
    return found


STAGE = Stage(name="review", needs=("cards", "transcode", "caption"), run=run, params=_params, inputs=lambda lesson: [],
              tools=_tools, result=ReviewResult)
