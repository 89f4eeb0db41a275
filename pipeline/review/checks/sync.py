"""Audio/video sync of the written files, read with PyAV: streams start and end together."""
from pipeline.i18n import N_
from pipeline.review.registry import check

FRAME = round(1 / 30, 4)


@check("av.sync", N_("Audio and video end together"), "blocking", N_("report this: the assembly drifted"))
def sync(ev):
    for fmt, info in sorted(ev.videos.items()):
        drift = abs(info["audio_duration"] - info["video_duration"])
        yield drift < 1 / 30, round(drift, 4), FRAME, fmt


@check("av.start", N_("Audio and video start together"), "blocking", N_("report this: one stream starts late, so speech and lips drift apart"))
def start(ev):
    for fmt, info in sorted(ev.videos.items()):
        offset = abs(info.get("audio_start", 0.0) - info.get("video_start", 0.0))
        yield offset < 1 / 30, round(offset, 4), FRAME, fmt
