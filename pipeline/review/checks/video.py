"""The house video format, measured on the written file with an independent reader (PyAV)."""
from pipeline.lesson.model import FORMATS
from pipeline.i18n import N_
from pipeline.review.registry import check

HINT = N_("rebuild with the tool's own ffmpeg (unset MICROLEARN_FFMPEG)")


@check("video.codec", N_("H.264 High, yuv420p"), "blocking", HINT)
def codec(ev):
    for fmt, info in sorted(ev.videos.items()):
        value = f"{info['codec']} {info['profile']} {info['pix_fmt']}"
        yield (info["codec"] == "h264" and info["profile"] == "High" and info["pix_fmt"] == "yuv420p"), value, "h264 High yuv420p", fmt


@check("video.size", N_("Frame size of the format"), "blocking", HINT)
def size(ev):
    for fmt, info in sorted(ev.videos.items()):
        want = "x".join(map(str, FORMATS[fmt]))
        got = f"{info['width']}x{info['height']}"
        yield got == want, got, want, fmt


@check("video.fps", N_("Constant 30 frames per second"), "blocking", HINT)
def fps(ev):
    for fmt, info in sorted(ev.videos.items()):
        yield abs(info["fps"] - 30) < 0.01, round(info["fps"], 3), 30, fmt


@check("audio.format", N_("AAC-LC 48 kHz stereo"), "blocking", HINT)
def audio_format(ev):
    for fmt, info in sorted(ev.videos.items()):
        value = f"{info['audio_codec']} {info['sample_rate']} Hz {info['channels']} ch"
        yield (info["audio_codec"] == "aac" and info["sample_rate"] == 48000 and info["channels"] == 2), value, "aac 48000 Hz 2 ch", fmt
