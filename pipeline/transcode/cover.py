"""The cover image of each video: a chosen card or frame with the lesson's title drawn on it.

Social platforms show a cover in the profile grid and before a video plays (VK Clips and
Instagram Reels take an uploaded cover; docs/social.md "Covers"). ``lesson.yaml``'s ``cover``
chooses the picture:

- nothing (the default): the slide of the first card with a picture, else the title slide;
- ``title``: the title slide (it already shows the title, so no title is drawn over it);
- a card's section id: that card's slide in the video's format;
- a time (``00:12.5``): that frame of the clean video.

The title is set in the theme's colours, inverted (the theme's background colour on a box of its
text colour, as the open captions: the theme guarantees their contrast), in the first caption font
of the theme that has every character of the title, in the middle band of the frame, which the
profile grids' crops (1:1 and 3:4 of a 9:16 cover) keep. The cover has the video's frame size and is
written as ``video/<slug>-<format>-cover.jpg`` beside the video.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.lesson.fields import parse_time
from pipeline.lesson.model import CardSlide, Lesson

WIDTH_SHARE = 0.86  # of the frame's width, for the title's box
TYPE_SHARE = 0.075  # of the frame's shorter side: the title's type size to start from
SMALLEST_SHARE = 0.04  # ... and the smallest it may get before lines are added past MAX_LINES
MAX_LINES = 4
BOX_OPACITY = 255  # opaque: at 235 the card text under the box showed through as ghost letters


@dataclass(frozen=True)
class Choice:
    kind: str  # "slide" | "frame"
    slide: str = ""  # the section id, or "title"
    seconds: float = 0.0
    with_title: bool = True


def cover_path(slug: str, fmt: str) -> str:
    return f"video/{slug}-{fmt.replace(':', 'x')}-cover.jpg"


def choose(lesson: Lesson, pictured: set[str]) -> Choice:
    """What the cover shows (``pictured``: the ids of cards with pictures). The loader has checked
    that ``lesson.cover`` is the title, a card of the sequence or a time."""
    cards = [item.section for item in lesson.sequence if isinstance(item, CardSlide)]
    if not lesson.cover:
        first = next((card for card in cards if card in pictured), None)
        return Choice("slide", first) if first else Choice("slide", "title", with_title=False)
    if lesson.cover == "title":
        return Choice("slide", "title", with_title=False)
    if lesson.cover in cards:
        return Choice("slide", lesson.cover)
    return Choice("frame", seconds=parse_time(lesson.cover) or 0.0)


def wrap(title: str, font, width: int) -> list[str]:
    """The title in lines no wider than ``width`` px, broken at spaces (a word wider than a line,
    as in a long Korean or Russian compound, is broken between characters)."""
    lines: list[str] = []
    for word in title.split():
        line = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(line) <= width:
            lines[-1] = line
            continue
        while font.getlength(word) > width and len(word) > 1:
            cut = max(1, max(n for n in range(1, len(word) + 1) if font.getlength(word[:n]) <= width or n == 1))
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines


def draw_title(image, title: str, font_path: str, text_colour: str, box_colour: str):
    """``image`` (RGB) with ``title`` in a box across its middle band; returns a new image."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = image.size
    short = min(width, height)
    room = round(width * WIDTH_SHARE)
    pad = round(short * 0.035)
    size = round(short * TYPE_SHARE)
    while True:
        font = ImageFont.truetype(font_path, size)
        lines = wrap(title, font, room - 2 * pad)
        if len(lines) <= MAX_LINES or size <= short * SMALLEST_SHARE:
            break
        size = round(size * 0.9)
    ascent, descent = font.getmetrics()
    leading = round((ascent + descent) * 1.12)
    text_w = max(font.getlength(line) for line in lines)
    box_w, box_h = round(text_w) + 2 * pad, leading * len(lines) - (leading - ascent - descent) + 2 * pad
    x0, y0 = (width - box_w) // 2, (height - box_h) // 2
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rounded_rectangle((x0, y0, x0 + box_w, y0 + box_h), radius=pad // 2, fill=_rgb(box_colour) + (BOX_OPACITY,))
    for index, line in enumerate(lines):
        x = (width - font.getlength(line)) / 2
        draw.text((x, y0 + pad + index * leading), line, font=font, fill=_rgb(text_colour) + (255,))
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def slide_image(path: Path, size: tuple[int, int]):
    """A slide PNG fitted to the video's frame size (tests and drafts shrink the frame)."""
    from PIL import Image

    with Image.open(path) as opened:
        image = opened.convert("RGB")
    return image if image.size == size else image.resize(size, Image.Resampling.LANCZOS)
