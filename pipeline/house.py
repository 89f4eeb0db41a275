"""The house format: what every lesson's outputs are, in one frozen value (``HOUSE``).

Frame rate, picture sizes, audio rates, loudness targets and caption rules by language are
product decisions, not settings a lesson or a machine may change; every module that needs one
reads it here, so a figure is written once. The encoder's own knobs (preset, CRF, chunk sizes)
are ``transcode.settings.MediaSettings``; the machine's (portal limit, template folder, tools)
are ``pipeline.settings.Settings``.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class LoudnessTarget:
    """EBU R128 as streaming platforms ask for it (and the review checks it)."""

    integrated: float = -16.0  # LUFS
    tolerance: float = 1.0  # LU either side of ``integrated``
    true_peak: float = -1.5  # dBTP ceiling
    loudness_range: float = 11  # LU, advisory (an int: the report shows "11", as the standard writes it)


@dataclass(frozen=True)
class CaptionTable:
    """One language's caption defaults; ``cps_children`` replaces ``cps`` for children's lessons.

    Figures from the Netflix timed text style guides (general requirements and the English, Russian
    and Korean guides), as Subtitle Edit's Netflix checker applies them.
    """

    line_chars: int
    lines: int
    cps: float
    cps_children: float
    half_width: bool = False  # Korean: Latin, digits, spaces, punctuation count half
    # words a line may start with comfortably: a break before them follows the phrase structure
    break_before: frozenset[str] = frozenset()
    # endings of words a line or cue may end with comfortably (Korean connective endings that
    # close a clause: -고, -서, -면, -지만, 때문에 ...)
    break_after: tuple[str, ...] = ()


def _caption_tables() -> dict[str, CaptionTable]:
    return {
        "en": CaptionTable(42, 2, 20, 17, break_before=frozenset(
            "and but or nor so yet because that which who whom whose when where while if as than "
            "to of in on at for with from by about into over after before under between through".split())),
        "ru": CaptionTable(42, 2, 17, 13, break_before=frozenset(
            "и а но или что чтобы который которая которое которые когда где если как потому "
            "в во на с со к ко по о об от до из за для при без через над под".split())),
        # Korean breaks only at spaces between eojeol; particles are part of the eojeol already
        "ko": CaptionTable(16, 2, 12, 9, half_width=True, break_after=(
            "고", "서", "며", "면", "는데", "은데", "지만", "때문에", "도록", "니까", "려고", "으면", "거나", "든지")),
    }


@dataclass(frozen=True)
class HouseFormat:
    fps: int = 30  # constant frame rate of every video
    video_sizes: dict[str, tuple[int, int]] = field(default_factory=lambda: {"16:9": (1920, 1080), "9:16": (1080, 1920)})
    card_sizes: dict[str, tuple[int, int]] = field(default_factory=lambda: {"social": (1080, 1350), "square": (1080, 1080)})
    audio_rate: int = 48000  # Hz, AAC-LC stereo in the videos
    audio_channels: int = 2
    speech_rate: int = 16000  # Hz, mono: the speech WAVs the caption stage aligns, and the aligner's own rate
    loudness: LoudnessTarget = LoudnessTarget()
    captions: dict[str, CaptionTable] = field(default_factory=_caption_tables)
    caption_min_duration: float = 0.833  # s (5/6 s: 20 frames at 24 fps, Netflix)
    caption_max_duration: float = 7.0  # s
    caption_gap_frames: int = 2  # frames of ``fps`` between cues

    @property
    def samples_per_frame(self) -> int:
        """Audio samples per video frame (1600): a part of n frames carries exactly n times as many."""
        return self.audio_rate // self.fps


HOUSE = HouseFormat()


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
        return self.min_gap_frames / HOUSE.fps

    def as_dict(self) -> dict:
        return {
            "language": self.language, "max_line_chars": self.max_line_chars, "max_lines": self.max_lines,
            "max_cps": self.max_cps, "min_duration": self.min_duration, "max_duration": self.max_duration,
            "min_gap_frames": self.min_gap_frames, "fps": HOUSE.fps, "half_width": self.half_width, "children": self.children,
        }


def rules_for(language: str, settings=None) -> Rules:
    """The language's house table with a lesson's ``captions`` overrides (lesson.model.CaptionSettings) applied."""
    table = HOUSE.captions[language]
    children = bool(settings and settings.children)
    rules = Rules(language, table.line_chars, table.lines, table.cps_children if children else table.cps,
                  half_width=table.half_width, children=children)
    overrides = {k: getattr(settings, k) for k in ("max_line_chars", "max_lines", "max_cps") if getattr(settings, k, None) is not None}
    return replace(rules, **overrides)


def width(text: str, rules: Rules) -> float:
    """Characters of ``text`` as the rules count them (half for half-width ones in Korean)."""
    if not rules.half_width:
        return float(len(text))
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)
