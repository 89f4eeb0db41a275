"""What the review's checks read: the lesson, the upstream stages' results and probes of the videos."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pipeline.contracts import TimelinePart, Upstream
from pipeline.digests import code_fingerprint
from pipeline.house import HOUSE
from pipeline.lesson.model import Lesson
from pipeline.settings import DEFAULT_LIMIT
from pipeline.stage import ObjectStore


@dataclass
class Evidence:
    """What checks read: the lesson, upstream stage results and independent probes of the videos."""

    lesson: Lesson
    out: Path
    upstream: Upstream
    videos: dict[str, dict]
    objects: ObjectStore | None = None  # when given, measurements are kept by the video's content
    portal_limit: int = DEFAULT_LIMIT  # bytes, as the package stage enforces it

    @property
    def primary(self) -> str | None:
        """The format whose picture and sound are analysed (all formats share the same sources)."""
        return "16:9" if "16:9" in self.videos else next(iter(sorted(self.videos)), None)

    def video_path(self) -> Path | None:
        """The primary video file, when one was built."""
        transcode = self.upstream.transcode
        rel = transcode.videos.get(self.primary) if transcode and self.primary else None
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
            return measure_signals(path, info["duration"], info["fps"] or float(HOUSE.fps), context=context)
        from pipeline.fsutil import sha256_file
        from pipeline.review import measure

        # kept by the video's bytes and the measuring code: a new approval, checklist or template
        # re-renders the report without decoding the video again
        rel = path.relative_to(self.out).as_posix()
        video_sha = next((a.sha256 for a in self.upstream.transcode.artifacts if a.path == rel), None) or sha256_file(path)
        from pipeline.ffmpeg import ffmpeg_version

        parts = {"review-signals": code_fingerprint("pipeline.review.measure"), "ffmpeg": ffmpeg_version(), "video": video_sha,
                 "fps": info["fps"], "duration": info["duration"]}
        stored = self.objects.memo(parts, ".json", lambda tmp: tmp.write_text(
            json.dumps(measure_signals(path, info["duration"], info["fps"] or float(HOUSE.fps), context=context).stored(), sort_keys=True), encoding="utf-8"))
        return measure.Signals.from_stored(json.loads(stored.read_text(encoding="utf-8")))

    @property
    def flashes(self):
        return self.signals.flashes if self.signals else None

    def parts(self, *kinds: str, spoken: bool = False) -> list[TimelinePart]:
        """Timeline parts of the given kinds (all when none given), only those with speech if ``spoken``."""
        timeline = self.upstream.transcode.timeline if self.upstream.transcode else ()
        return [p for p in timeline if (not kinds or p.kind in kinds) and (p.speech is not None or not spoken)]
