from pipeline.i18n import N_
from pipeline.review.registry import check


@check("duration.limit", N_("Video duration within the lesson's limit"), "blocking", N_("shorten clips or narration, or raise max_duration in lesson.yaml"))
def duration_limit(ev):
    for fmt, info in sorted(ev.videos.items()):
        yield info["duration"] <= ev.lesson.max_duration + 0.05, round(info["duration"], 2), ev.lesson.max_duration, fmt
