"""Caption rules: the house table of the lesson's language and a lesson's overrides (``house.rules_for``),
and where lines may break.

Figures from the Netflix timed text style guides (general requirements and the English, Russian
and Korean guides), as Subtitle Edit's Netflix checker applies them: characters per line, two
lines, reading speed (a lower one for children's programmes), 5/6 s to 7 s on screen, at least
two frames between cues. In Korean, Latin letters, digits, spaces and punctuation are half-width
and count half a character; Hangul counts one.
"""
from __future__ import annotations

from pipeline.house import HOUSE, Rules, rules_for, width  # noqa: F401 - the caption stage's rules, kept in the house format


FPS = HOUSE.fps  # gaps between cues are counted in frames of the house frame rate


TABLES = HOUSE.captions  # language -> house.CaptionTable


def break_before(language: str) -> frozenset[str]:
    return TABLES[language].break_before


def good_break_after(word: str, language: str) -> bool:
    """Whether a line or cue may end after ``word`` at a phrase boundary (by its ending)."""
    endings = TABLES[language].break_after
    return bool(endings) and word.rstrip(",.!?").endswith(endings)
