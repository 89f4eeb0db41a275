"""A gentle camera move on a card's picture (the "Ken Burns" effect), cheap enough for every slide.

When a card slide with a picture appears, the picture starts slightly enlarged (``ZOOM``) and
eases back to exactly its place on the slide over ``MOVE_SECONDS``: the text never moves, and the
rest of the hold is the slide as drawn, encoded as repeated still units like any slide. The
cards stage says where the picture is (``SlideSet.pictures``) and leaves it out when the theme
keeps pictures still (``camera: still`` or ``motion: still`` in theme.yaml); the stage also keeps
a card with a recorded narration still (see ``assemble._video_jobs``).

Why it is cheap (bench/bench_transcode.py, docs/social.md "Cost"): only the first seconds of a
card are encoded frame by frame; the slide is decoded once and looped inside the filter graph
(``loop``), not decoded 30 times a second; only the picture's box is scaled per frame; and the
encoder runs the slides' light analysis (``commands.video_options(still=True)``).
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.ffmpeg import WHITELIST
from pipeline.transcode import commands
from pipeline.transcode.settings import FPS, MediaSettings

MOVE_SECONDS = 3.0  # how long the move lasts, from the slide's first frame (each second costs ~0.3 s of CPU at 1080p)
ZOOM = 0.06  # the picture starts 6 % larger than drawn: a gentle move, never a jump


@dataclass(frozen=True)
class Move:
    """The move of one picture: its box on the slide (x, y, width, height; even numbers, in the
    slide's pixels) and how many frames the move lasts."""

    box: tuple[int, ...]
    frames: int

    def zoom(self, frame: int) -> float:
        """The picture's scale at ``frame`` (from the slide's start): 1 + ZOOM easing out to 1."""
        t = min(max(frame, 0) / self.frames, 1.0)
        return 1.0 + ZOOM * (1.0 - t) ** 2

    def expression(self, first: int) -> str:
        """``zoom`` as an ffmpeg expression of the segment's frame number ``n``."""
        return f"(1+{ZOOM:g}*pow(1-min((n+{first})/{self.frames},1),2))"


def move_for(box: tuple[int, ...] | None, hold: int, settings: MediaSettings) -> Move | None:
    """The move on a card held ``hold`` frames: ``MOVE_SECONDS`` in whole slide units, never
    longer than the hold; None without a picture."""
    if not box:
        return None
    unit = settings.slide_unit
    frames = min(hold, unit * max(1, round(MOVE_SECONDS * FPS / unit)))
    return Move(tuple(box), frames) if frames > 1 else None


def scaled_box(box: tuple[int, ...], size: tuple[int, int], slide: tuple[int, int]) -> tuple[int, ...]:
    """A box measured on a slide of ``slide`` pixels, on the video frame of ``size`` (tests and
    drafts shrink the frame), even-aligned."""
    fx, fy = size[0] / slide[0], size[1] / slide[1]
    x, y = round(box[0] * fx / 2) * 2, round(box[1] * fy / 2) * 2
    return x, y, max(2, round(box[2] * fx / 2) * 2), max(2, round(box[3] * fy / 2) * 2)


def segment(png: str, move: Move, first: int, frames: int, size: tuple[int, int], settings: MediaSettings,
            out: str) -> list[str]:
    """Encode frames ``first`` .. ``first + frames - 1`` of the move (counted from the slide's
    start) of the slide ``png``: the slide fitted to the frame once, looped, and the picture's box
    cropped, enlarged by the move's zoom and cropped back to its box (centred) on every frame.

    The enlarged size is rounded to even pixels (4:2:0 chroma): the picture's edges move by whole
    pixels, a step every few frames at this speed."""
    width, height = size
    x, y, w, h = move.box
    z = move.expression(first)
    tags = ":".join(f"{k}={v}" for k, v in commands.BT709.items())
    graph = (
        f"[0:v]scale={width}:{height}:force_original_aspect_ratio=decrease:out_color_matrix=bt709:out_range=tv,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p,"
        f"loop=loop=-1:size=1,setpts=N,split[slide][box];"
        f"[box]crop={w}:{h}:{x}:{y},scale=w='2*trunc({w}*{z}/2+0.5)':h='2*trunc({h}*{z}/2+0.5)':eval=frame,"
        f"crop={w}:{h}:(iw-{w})/2:(ih-{h})/2[picture];"
        f"[slide][picture]overlay={x}:{y}:format=yuv420:eof_action=pass,setsar=1,setparams={tags}[v]"
    )
    return [
        "ffmpeg", *commands.QUIET, "-framerate", str(FPS), *WHITELIST, "-i", png, "-filter_complex", graph,
        "-map", "[v]", "-r", str(FPS), "-frames:v", str(frames), "-an", *commands.video_options(settings, still=True),
        *commands.BITEXACT, out,
    ]
