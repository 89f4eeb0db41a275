"""Caption rules: one table per language, and a lesson's overrides.

Figures from the Netflix timed text style guides (general requirements and the English, Russian
and Korean guides), as Subtitle Edit's Netflix checker applies them: characters per line, two
lines, reading speed (a lower one for children's programmes), 5/6 s to 7 s on screen, at least
two frames between cues. In Korean, Latin letters, digits, spaces and punctuation are half-width
and count half a character; Hangul counts one.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from pipeline.lesson.model import CaptionSettings

# Bump when the aligner's output for the same audio and text can change (part of cache keys).
ALIGN_VERSION = "2"

FPS = 30  # the house frame rate: gaps are counted in its frames


@dataclass(frozen=True)
class Rules:
    """The caption rules one lesson is held to."""

    language: str
    max_line_chars: float
    max_lines: int
    max_cps: float
    min_duration: float = 0.833  # s (5/6 s: 20 frames at 24 fps, Netflix)
    max_duration: float = 7.0  # s
    min_gap_frames: int = 2
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


@dataclass(frozen=True)
class LanguageTable:
    """One language's defaults; ``cps_children`` replaces ``cps`` for children's lessons."""

    line_chars: int
    lines: int
    cps: float
    cps_children: float
    half_width: bool = False
    # words a line may start with comfortably: a break before them follows the phrase structure
    break_before: frozenset[str] = frozenset()
    # endings of words a line or cue may end with comfortably (Korean connective endings that
    # close a clause: -고, -서, -면, -지만, 때문에 ...)
    break_after: tuple[str, ...] = ()


TABLES = {
    "en": LanguageTable(42, 2, 20, 17, break_before=frozenset(
        "and but or nor so yet because that which who whom whose when where while if as than "
        "to of in on at for with from by about into over after before under between through".split())),
    "ru": LanguageTable(42, 2, 17, 13, break_before=frozenset(
        "и а но или что чтобы который которая которое которые когда где если как потому "
        "в во на с со к ко по о об от до из за для при без через над под".split())),
    # Korean breaks only at spaces between eojeol; particles are part of the eojeol already
    "ko": LanguageTable(16, 2, 12, 9, half_width=True, break_after=(
        "고", "서", "며", "면", "는데", "은데", "지만", "때문에", "도록", "니까", "려고", "으면", "거나", "든지")),
}


def rules_for(language: str, settings: CaptionSettings | None = None) -> Rules:
    """The language's table with a lesson's ``captions`` overrides applied."""
    table = TABLES[language]
    settings = settings or CaptionSettings()
    rules = Rules(language, table.line_chars, table.lines, table.cps_children if settings.children else table.cps,
                  half_width=table.half_width, children=settings.children)
    overrides = {k: getattr(settings, k) for k in ("max_line_chars", "max_lines", "max_cps", "min_duration", "max_duration", "min_gap_frames")
                 if getattr(settings, k) is not None}
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
