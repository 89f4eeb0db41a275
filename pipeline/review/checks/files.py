"""File size and bitrate of the built videos, against what portals accept and the house format."""
from pipeline.i18n import N_
from pipeline.review.registry import check

MAX_MBPS = 8.0  # about 5 Mbit/s at 1080p is the house format; far above means a wrong encode


@check("video.bitrate", N_("Bitrate about 5 Mbit/s at 1080p"), "advisory", N_("very high bitrates make uploads slow; check the source"))
def bitrate(ev):
    for fmt, info in sorted(ev.videos.items()):
        mbps = info["bytes"] * 8 / max(info["duration"], 0.001) / 1e6
        yield mbps <= MAX_MBPS, round(mbps, 2), MAX_MBPS, fmt


@check("video.file_size", N_("Each video within the portal's upload limit (500 MB unless MICROLEARN_PORTAL_LIMIT says otherwise)"), "blocking",
       N_("shorten the lesson or split it in two"))
def file_size(ev):

    limit = ev.portal_limit  # the same limit the package stage enforces on the bundle
    for fmt, info in sorted(ev.videos.items()):
        yield info["bytes"] <= limit, round(info["bytes"] / 1e6, 2), round(limit / 1e6, 2), f"{fmt} (MB)"
