"""Pure builders of the ffmpeg commands of the social stage (argv lists, tested exactly)."""
from __future__ import annotations

from pipeline.ffmpeg import WHITELIST
from pipeline.transcode.commands import BITEXACT, QUIET, video_options
from pipeline.transcode.settings import FPS, MediaSettings


def filter_value(value: str) -> str:
    """A path as an option value inside a filter graph: escaped once for the option parser
    (``\\ ' :``) and once more for the graph parser (``\\ ' [ ] , ;``), as ffmpeg-filters(1)
    "Notes on filtergraph escaping" describes; build folders may contain any of these."""
    for char in "\\':":
        value = value.replace(char, "\\" + char)
    for char in "\\'[],;":
        value = value.replace(char, "\\" + char)
    return value


def burn_chunk(video: str, first: int, frames: int, ass: str, fontsdir: str, settings: MediaSettings, out: str) -> list[str]:
    """Frames ``first`` .. ``first + frames`` of ``video`` with the ASS captions drawn in.

    ``first`` is a multiple of the GOP, so the accurate input seek starts on a keyframe. After the
    seek the frames are numbered from 0 again; ``setpts`` puts them back at their time in the
    lesson for libass (whose cue times are lesson times) and then back to 0 for the encoder.
    The encoder options are the transcode stage's, so the chunks join by stream copy.
    """
    start = f"{first / FPS:.6f}".rstrip("0").rstrip(".")
    graph = f"setpts=PTS+{start}/TB,ass=filename={filter_value(ass)}:fontsdir={filter_value(fontsdir)}:shaping=complex,setpts=PTS-STARTPTS"
    seek = ["-ss", start] if first else []
    return [
        "ffmpeg", *QUIET, *seek, *WHITELIST, "-i", video, "-map", "0:v:0", "-vf", graph,
        "-frames:v", str(frames), "-an", *video_options(settings), *BITEXACT, out,
    ]
