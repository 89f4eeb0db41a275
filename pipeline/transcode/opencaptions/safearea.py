"""The part of a frame that social players leave free of their buttons, per format.

Short-video players draw their interface over the video: the account name and a follow button
at the top, a column of buttons (like, comment, share, sound) on the right, and the
description, music line and progress bar at the bottom. Open captions must stay clear of all
of it, on every platform a school posts to, so the 9:16 safe area is the *intersection* of the
free areas published for each (docs/social.md lists the sources and the numbers):

- Instagram / Facebook Reels (Meta's ad guidance): keep 14 % at the top, 35 % at the bottom and
  6 % at each side free;
- TikTok (creator guidance): the right-hand button column (about 12 % of the width) and the
  lowest 20 % of the frame;
- YouTube Shorts and VK Clips (creator guidance): a right-hand button column and a bottom band
  of title, channel and description, both inside the margins above.

These numbers were taken from published guidance, not measured on devices; they are fractions
of the frame so they hold for any frame size. 16:9 uses the broadcast *title-safe* area of
EBU R 95 (5 % on each side), since landscape players hide their controls while playing.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SafeArea:
    """Margins as fractions of the frame's width (left, right) and height (top, bottom)."""

    left: float
    top: float
    right: float
    bottom: float
    source: str

    def box(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """The free area in pixels of a ``size`` frame: (x0, y0, x1, y1), x1/y1 exclusive.

        Margins are rounded up, so the box never reaches into a platform's interface."""
        width, height = size
        return (_up(width * self.left), _up(height * self.top), width - _up(width * self.right), height - _up(height * self.bottom))


def _up(value: float) -> int:
    whole = int(value)
    return whole if value - whole < 1e-9 else whole + 1


SAFE_AREAS = {
    "9:16": SafeArea(left=0.06, top=0.14, right=0.12, bottom=0.35,
                     source="intersection of Meta Reels (14 % top, 35 % bottom, 6 % sides), TikTok (right button column, "
                            "bottom 20 %), YouTube Shorts and VK Clips creator guidance"),
    "16:9": SafeArea(left=0.05, top=0.05, right=0.05, bottom=0.05, source="EBU R 95 title-safe area (90 % of width and height)"),
}


def safe_area(fmt: str) -> SafeArea:
    return SAFE_AREAS[fmt]
