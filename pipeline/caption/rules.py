"""Caption rules: the house table of the lesson's language (``house.HOUSE.captions``), and a lesson's overrides.

Figures from the Netflix timed text style guides (general requirements and the English, Russian
and Korean guides), as Subtitle Edit's Netflix checker applies them: characters per line, two
lines, reading speed (a lower one for children's programmes), 5/6 s to 7 s on screen, at least
two frames between cues. In Korean, Latin letters, digits, spaces and punctuation are half-width
and count half a character; Hangul counts one.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from pipeline.house import HOUSE
from pipeline.lesson.model import CaptionSettings


FPS = HOUSE.fps  # gaps between cues are counted in frames of the house frame rate


@dataclass(frozen=True)
class Rules:
    """The caption rules one lesson is held to."""

    language: str
    max_line_chars: float
    max_lines: int
    max_cps: float
    min_duration: float = HOUSE.caption_min_duration  # s
    max_duration: float = HOUSE.caption_max_duration  # s
    min_gap_frames: int = HOUSE.caption_gap_frames
    half_width: bool = False  # Korean: Latin, digits, spaces, punctuation count half
    children: bool = False

    @property
    def min_gap(self) -> float:
        return self.min_gap_frames / FPS

    def as_dict(self) -> dict:
        return {
            "language": self.language, "max_line_chars": self.max_line_chars, "max_lines": self.max_lines,
            "max_cps": self.max_cps, "min_duration": self.min_duration, "max_duration": self.max_duration,
            "min_gap_frames": self.min_gap_frames, "fps": FPS, "half_width": self.half_width, "children": self.children,
        }


TABLES = HOUSE.captions  # language -> house.CaptionTable


def rules_for(language: str, settings: CaptionSettings | None = None) -> Rules:
    """The language's table with a lesson's ``captions`` overrides applied."""
    table = TABLES[language]
    settings = settings or CaptionSettings()
    rules = Rules(language, table.line_chars, table.lines, table.cps_children if settings.children else table.cps,
                  half_width=table.half_width, children=settings.children)
    overrides = {k: getattr(settings, k) for k in ("max_line_chars", "max_lines", "max_cps") if getattr(settings, k) is not None}
    return replace(rules, **overrides)


def break_before(language: str) -> frozenset[str]:
    return TABLES[language].break_before


def good_break_after(word: str, language: str) -> bool:
    """Whether a line or cue may end after ``word`` at a phrase boundary (by its ending)."""
    endings = TABLES[language].break_after
    return bool(endings) and word.rstrip(",.!?").endswith(endings)


def width(text: str, rules: Rules) -> float:
    """Characters of ``text`` as the rules count them (half for half-width ones in Korean)."""
    if not rules.half_width:
        return float(len(text))
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)
