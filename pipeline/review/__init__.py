"""The review stage: measure every technical check on the built files and write the report.

Outputs ``review/review.json`` (machine-readable) and ``review/index.html`` (for the reviewer).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.lesson.model import Lesson
from pipeline.stage import Context, Stage, StageResult

REPORT_JSON = "review/review.json"
REPORT_HTML = "review/index.html"


@dataclass
class Evidence:
    """What checks read: the lesson, upstream stage data and independent probes of the videos."""

    lesson: Lesson
    out: Path
    upstream: dict
    videos: dict[str, dict]

    def data(self, stage: str) -> dict:
        result = self.upstream.get(stage)
        return result.data if result is not None else {}


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
    from pipeline.templates import environment

    transcode = ctx.upstream.get("transcode")
    videos = {fmt: measure_video(ctx.out / rel) for fmt, rel in sorted((transcode.data.get("videos") or {}).items())} if transcode else {}
    evidence = Evidence(ctx.lesson, ctx.out, ctx.upstream, videos)
    results = [result for item in all_checks() for result in item.run(evidence)]
    # failures first, then not measurable, then passes: what the reviewer must look at comes first
    results.sort(key=lambda r: ({False: 0, None: 1, True: 2}[r.passed], r.severity != "blocking", r.id))
    blocking = [r for r in results if r.passed is False and r.severity == "blocking"]
    report = {
        "lesson": ctx.lesson.slug,
        "title": ctx.lesson.title,
        "language": ctx.lesson.language,
        "videos": videos,
        "checks": [r.as_dict() for r in results],
        "blocking_failures": len(blocking),
    }
    json_artifact = ctx.artifact("review", REPORT_JSON, lambda tmp: tmp.write_text(json.dumps(report, indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8"))
    cards = ctx.upstream.get("cards")
    caption = ctx.upstream.get("caption")
    html = environment("review").get_template("index.html.j2").render(
        lesson=ctx.lesson,
        checks=results,
        videos={fmt: f"../{rel}" for fmt, rel in (transcode.data.get("videos") or {}).items()} if transcode else {},
        vtt=f"../{caption.data['files']['vtt']}" if caption and caption.data.get("files") else "",
        cards=[f"../{c['square']}" for c in cards.data.get("cards", [])] if cards else [],
        blocking=len(blocking),
    )
    html_artifact = ctx.artifact("review", REPORT_HTML, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    checks = [{"id": r.id, "passed": r.passed, "value": r.value, "limit": r.limit, "severity": r.severity, "detail": r.detail} for r in results]
    return StageResult([json_artifact, html_artifact], {"checks": checks, "blocking_failures": len(blocking)})


def _params(lesson: Lesson) -> dict:
    return {"max_duration": lesson.max_duration, "title": lesson.title, "licence": lesson.licence, "authors": [a.name for a in lesson.authors],
            "objectives": list(lesson.objectives), "rubric": lesson.rubric}


def _tools() -> dict:
    from pipeline.templates import templates_dir
    from pipeline.fsutil import sha256_file

    template = templates_dir() / "review" / "index.html.j2"
    return {"report-template": sha256_file(template) if template.is_file() else None}


STAGE = Stage(name="review", needs=("cards", "transcode", "caption"), run=run, params=_params, inputs=lambda lesson: [], tools=_tools, version="1")
