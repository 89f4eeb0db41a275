"""Poster frames and the thumbnail, taken from a frame of the finished video that is not black.

Candidates are the middle frames of the parts in sequence order (the title card first: it names
the lesson), then fixed fractions of the video. A frame is black when at least 98% of its
pixels have a luma under 32 (ffmpeg's blackframe filter uses the same idea).
"""
from __future__ import annotations

from pathlib import Path

from pipeline import ffmpeg
from pipeline.transcode import commands

BLACK_LUMA = 32
BLACK_SHARE = 0.98
THUMBNAIL = {"16:9": (1280, 720), "9:16": (720, 1280)}


def candidates(part_frames: list[tuple[int, int]], total: int) -> list[int]:
    """Frame numbers to try, in order: middles of the parts, then 10%, 25%, 50%, 75% of the video."""
    picks = [start + frames // 2 for start, frames in part_frames]
    picks += [int(total * share) for share in (0.1, 0.25, 0.5, 0.75)]
    seen, ordered = set(), []
    for frame in picks:
        frame = min(max(frame, 0), total - 1)
        if frame not in seen:
            seen.add(frame)
            ordered.append(frame)
    return ordered


def is_black(image) -> bool:
    import numpy as np

    luma = np.asarray(image.convert("L"))
    return float((luma < BLACK_LUMA).mean()) >= BLACK_SHARE


def choose(video: Path, frames: list[int], scratch: Path, context: str):
    """The first candidate frame that is not black, as (frame number, PIL image).

    Falls back to the first candidate when every one is black (a lesson of black slides still
    gets a poster; the review shows it)."""
    from PIL import Image

    scratch.mkdir(parents=True, exist_ok=True)
    first = None
    for frame in frames:
        png = scratch / f"frame-{frame}.png"
        ffmpeg.run(commands.frame_png(str(video), frame, str(png)), context=context)
        with Image.open(png) as opened:
            image = opened.convert("RGB")
        png.unlink()
        if first is None:
            first = (frame, image)
        if not is_black(image):
            return frame, image
    return first


def save_jpeg(image, path: Path, size: tuple[int, int] | None = None) -> None:
    """A baseline JPEG without metadata (Pillow writes no timestamps), resized if asked."""
    from PIL import Image

    if size and image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    image.save(path, "JPEG", quality=90, optimize=True, progressive=False)
