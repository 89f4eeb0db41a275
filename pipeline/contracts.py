"""What the stages hand each other: one frozen result type per stage.

A stage returns its result type; the runner keeps it in the lesson's journal through
``pipeline.records`` (one generic round trip) and hands it to later stages as
``ctx.upstream.<stage>`` — ``ctx.upstream.transcode.timeline``, never a string-keyed dict. A
renamed field fails where it is read (and type checking), and a journal written with an older
shape is refused by ``records.load``, so the stage simply runs again.

This module imports nothing of the pipeline: every stage may depend on it, it depends on no stage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline import records


@dataclass(frozen=True)
class Artifact:
    """One file a stage wrote, relative to the lesson's build folder."""

    kind: str
    path: str
    sha256: str
    bytes: int

    def as_dict(self) -> dict:
        return records.dump(self)


@dataclass(frozen=True)
class Check:
    """One measurement against a limit. ``passed`` None: not measurable; ``severity`` is given by
    the review stage (a stage's own checks are all blocking)."""

    id: str
    passed: bool | None
    value: Any
    limit: Any
    detail: str
    severity: str | None = None

    def as_dict(self) -> dict:
        head = {"id": self.id, "passed": self.passed, "value": self.value, "limit": self.limit}
        return {**head, **({"severity": self.severity} if self.severity is not None else {}), "detail": self.detail}


@dataclass(frozen=True, kw_only=True)
class StageResult:
    """What every stage result has: the files written, and its checks."""

    artifacts: tuple[Artifact, ...] = ()
    checks: tuple[Check, ...] = ()

    def paths(self, kind: str) -> list[str]:
        return [a.path for a in self.artifacts if a.kind == kind]


# --- cards ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SlideSet:
    """One video format's slides: title, end, and one per card by section id (paths in the build);
    a question card also has its answer slide, shown after the question."""

    title: str
    end: str
    cards: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    # a card's reveal steps, by section id: step k shows its first k units (pipeline/cards/reveal.py)
    steps: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # a card's picture on its slide, by section id: (x, y, width, height) in px, where the transcode
    # stage moves its camera (pipeline/transcode/camera.py); absent when the theme keeps pictures still
    pictures: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CardImage:
    path: str  # lesson-relative
    alt: str


@dataclass(frozen=True)
class Card:
    """One card as shown: sanitised HTML, plain text, its pictures and its PNG pages."""

    id: str
    title: str
    text: str
    html: str
    images: tuple[CardImage, ...] = ()
    social: str | None = None  # cards/social/NN-<id>.png
    square: str | None = None  # cards/square/NN-<id>.png


@dataclass(frozen=True)
class CaptionFont:
    """A font family of the theme's body stack for the lesson's language, as open captions use it."""

    key: str  # pipeline.cards.fonts.FAMILIES key
    path: str  # the bold face's file
    sha256: str


@dataclass(frozen=True, kw_only=True)
class CardsResult(StageResult):
    slides: dict[str, SlideSet]  # by video format ("16:9", "9:16")
    cards: tuple[Card, ...]
    handout: str  # the A4 handout
    theme: str
    handouts: dict[str, str] = field(default_factory=dict)  # paper ("a4", "letter") -> PDF
    palette: dict[str, str] = field(default_factory=dict)  # colour role -> "#rrggbb", school colours applied
    caption_fonts: tuple[CaptionFont, ...] = ()  # the body stack's bold faces, first choice first (open captions)


# --- transcode -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Sentence:
    """A synthesised sentence's exact place in the video (seconds)."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Speech:
    """A part's speech: its words, a 16 kHz mono WAV of exactly that speech and where it starts."""

    text: str
    audio: str  # speech/NN.wav
    offset: float  # seconds into the video
    synthesised: bool
    sentences: tuple[Sentence, ...] = ()


@dataclass(frozen=True)
class TimelinePart:
    """One part of the video, in order: a card, a clip, the title or the end slide."""

    kind: str  # "title" | "card" | "clip" | "end"
    start: float
    end: float
    section: str | None = None
    file: str | None = None
    speech: Speech | None = None


@dataclass(frozen=True)
class Level:
    """EBU R128 measures of a track (None when not finite, e.g. silence)."""

    I: float | None  # noqa: E741 - EBU R128's own names
    TP: float | None
    LRA: float | None


@dataclass(frozen=True)
class PartLoudness:
    """One voice of the track (a clip's sound, a recorded narration, the synthesised voice):
    measured as it came, what was done, and measured again in the encoded audio."""

    voice: str  # how the report names it: "card 'memo': media/memo.m4a"
    kind: str  # "clip" | "recorded" | "synthesised"
    parts: tuple[int, ...]  # indices of the sequence's parts it is heard in
    seconds: float
    before: float | None  # LUFS, as recorded (None: not measurable)
    noise_floor: float | None  # dBFS, the quietest 5% of its 20 ms windows
    action: str  # "normalise" | "keep"
    mode: str | None  # "linear" | "limited" when normalised
    gain_db: float
    after: float | None  # LUFS in the encoded audio
    true_peak: float | None  # dBTP in the encoded audio
    reliable: bool
    detail: str


@dataclass(frozen=True)
class Loudness:
    before: Level
    after: Level
    mode: str  # "linear" | "limited"
    gain_db: float
    reliable: bool
    detail: str
    short_clips: tuple[str, ...] = ()
    reason: str = ""  # why the whole is not reliably measured, when it is not
    parts: tuple[PartLoudness, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TranscodeResult(StageResult):
    duration: float  # seconds
    frames: int
    videos: dict[str, str]  # format -> video/<slug>-16x9.mp4
    thumbnail: str
    poster: str
    posters: dict[str, str]
    timeline: tuple[TimelinePart, ...]
    loudness: Loudness


# --- caption -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaptionCue:
    index: int  # from 1
    start: float
    end: float
    lines: tuple[str, ...]
    confidence: float
    flagged: bool
    part: int  # index of its timeline part
    reason: str = ""  # why it is flagged


@dataclass(frozen=True)
class CaptionFiles:
    vtt: str
    srt: str
    transcript_txt: str
    transcript_html: str


@dataclass(frozen=True)
class Violation:
    """A caption rule a cue breaks."""

    cue: int
    start: float
    end: float
    rule: str
    value: float
    limit: float
    message: str
    text: str = ""
    part: int = -1  # index of the timeline part the cue belongs to
    accepted: str = ""  # why the lesson accepts it (its captions.accept entry), if it does

    def as_dict(self) -> dict:
        return records.dump(self)


@dataclass(frozen=True)
class Divergence:
    """A stretch where text and audio disagree (kind: audio-only, script-only, mismatch)."""

    part: int
    start: float
    end: float
    kind: str
    text: str
    message: str
    cues: tuple[int, ...] = ()


@dataclass(frozen=True)
class PartMatch:
    part: int
    quality: float
    method: str  # "aligned" | "drafted"
    windows: tuple[tuple[float, float, float], ...] = ()  # (start, end, margin over the control) in video time
    first_divergence: str = ""  # where text and audio first diverge, for the reviewer
    doubtful_below: float = 0.0  # the caption stage flags the part's cues for the reviewer under this match


@dataclass(frozen=True, kw_only=True)
class CaptionResult(StageResult):
    cues: tuple[CaptionCue, ...]
    files: CaptionFiles
    qc: tuple[Violation, ...]
    rules: dict[str, Any]  # the rules applied (caption.rules.Rules.as_dict), for the report
    divergences: tuple[Divergence, ...]
    parts: tuple[PartMatch, ...]


# --- social (open captions) ----------------------------------------------------------------

@dataclass(frozen=True)
class OpenCaptionStyle:
    font: str  # file name of the face the captions are set in
    size: int  # px
    safe_area: tuple[int, int, int, int]  # x0, y0, x1, y1 of the frame's free area


@dataclass(frozen=True, kw_only=True)
class SocialResult(StageResult):
    videos: dict[str, str] = field(default_factory=dict)  # format -> video/<slug>-<format>-captioned.mp4
    styles: dict[str, OpenCaptionStyle] = field(default_factory=dict)
    covers: dict[str, str] = field(default_factory=dict)  # format -> video/<slug>-<format>-cover.jpg
    platforms: dict[str, str] = field(default_factory=dict)  # platform key (pipeline/platforms.py) -> the video to upload


# --- review and package --------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ReviewResult(StageResult):
    blocking_failures: int
    media_digest: str  # what the reviewer saw; an approval signs it


@dataclass(frozen=True, kw_only=True)
class PackageResult(StageResult):
    bundle: str  # bundle/<slug>-v<version>.zip
    digest: str  # the bundle digest an approval signs
    files: int


@dataclass(frozen=True)
class Upstream:
    """The results a stage reads, by stage name; a stage sees only those it ``needs``."""

    cards: CardsResult | None = None
    transcode: TranscodeResult | None = None
    caption: CaptionResult | None = None
    social: SocialResult | None = None
    review: ReviewResult | None = None
