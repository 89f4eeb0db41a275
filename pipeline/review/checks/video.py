"""The house video format, measured on the written file with an independent reader (PyAV)."""
from pipeline.house import HOUSE
from pipeline.i18n import N_
from pipeline.review.registry import check

AUDIO = f"aac {HOUSE.audio_rate} Hz {HOUSE.audio_channels} ch"

HINT = N_("rebuild with the tool's own ffmpeg (unset MICROLEARN_FFMPEG)")


@check("video.codec", N_("H.264 High, yuv420p"), "blocking", HINT)
def codec(ev):
    for fmt, info in sorted(ev.videos.items()):
        value = f"{info['codec']} {info['profile']} {info['pix_fmt']}"
        yield (info["codec"] == "h264" and info["profile"] == "High" and info["pix_fmt"] == "yuv420p"), value, "h264 High yuv420p", fmt


@check("video.size", N_("Frame size of the format"), "blocking", HINT)
def size(ev):
    for fmt, info in sorted(ev.videos.items()):
        want = "x".join(map(str, HOUSE.video_sizes[fmt]))
        got = f"{info['width']}x{info['height']}"
        yield got == want, got, want, fmt


@check("video.fps", N_("Constant {fps} frames per second"), "blocking", HINT, fps=HOUSE.fps)
def fps(ev):
    for fmt, info in sorted(ev.videos.items()):
        yield abs(info["fps"] - HOUSE.fps) < 0.01, round(info["fps"], 3), HOUSE.fps, fmt


@check("audio.format", N_("AAC-LC {khz} kHz stereo"), "blocking", HINT, khz=HOUSE.audio_rate // 1000)
def audio_format(ev):
    for fmt, info in sorted(ev.videos.items()):
        value = f"{info['audio_codec']} {info['sample_rate']} Hz {info['channels']} ch"
        yield value == AUDIO, value, AUDIO, fmt
