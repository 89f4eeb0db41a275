"""The lesson's sequence as parts with exact frame counts, checked before any encoding.

Every media file is probed again here (the loader probed it at validation, but the stage does
not rely on that): a clip must have video and a trim inside it, a card's recording must have
audio. Narration is synthesised or cleaned up first, because a card lasts as long as its
narration; then the planned duration is known exactly and the lesson's limit is enforced.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from pipeline.i18n import _
from pipeline.errors import Diagnostic, LessonError, MediaError
from pipeline.fsutil import sha256_file
from pipeline.lesson.model import CardSlide, Clip, EndCard, Lesson, TitleCard
from pipeline.probe import MediaInfo, probe
from pipeline.transcode import colour, narration as speech
from pipeline.transcode.settings import FPS, MediaSettings


QUIZ_THINK = 3.0  # seconds a question stays on screen after it is asked, before its answer
QUIZ_REVEAL = 5.0  # seconds the answer slide is shown


@dataclass(frozen=True, eq=False)
class Part:
    """One item of the sequence as it will be placed: ``frames`` frames at 30 fps."""

    index: int
    kind: str  # "title" | "clip" | "card" | "end" | "intro" | "outro" (the school's, transcode/branding.py)
    frames: int
    section: str | None = None
    file: str | None = None  # the lesson-relative source: the clip, or the card's recording
    start: float = 0.0  # trim start of a clip, seconds
    info: MediaInfo | None = None
    source_hash: str = ""
    narration: speech.Narration | None = None
    says: str = ""  # what is said in a clip
    lead: float = 0.0  # seconds of silence before the narration on a card
    hdr: str = ""  # a clip's HDR transfer (tone-mapped to SDR), "" for SDR
    reveal: int = 0  # a question card's last frames, which show its answer slide

    @property
    def seconds(self) -> float:
        return self.frames / FPS


@dataclass(frozen=True)
class Plan:
    parts: tuple[Part, ...]
    frames: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "frames", sum(p.frames for p in self.parts))

    @property
    def seconds(self) -> float:
        return self.frames / FPS

    def starts(self) -> list[int]:
        """The first frame of each part."""
        at, starts = 0, []
        for part in self.parts:
            starts.append(at)
            at += part.frames
        return starts


def frames_for(seconds: float) -> int:
    return max(1, round(seconds * FPS))


def make_plan(lesson: Lesson, label: str, settings: MediaSettings, objects, ffmpeg_version: str,
              source_hash: Callable[[str], str] | None = None) -> Plan:
    """Probe, synthesise and measure every part; raise before any video is encoded.

    ``label`` names the lesson folder in messages (e.g. ``content/intro``); ``source_hash(rel)`` gives
    a lesson file's sha256 (the stage passes the runner's, so recordings are not read twice).
    Raises MediaError (unusable media) or LessonError (over the duration limit).
    """
    source_hash = source_hash or (lambda rel: sha256_file(lesson.root / rel))
    parts = []
    for index, item in enumerate(lesson.sequence):
        if isinstance(item, TitleCard):
            parts.append(Part(index, "title", frames_for(item.duration)))
        elif isinstance(item, EndCard):
            parts.append(Part(index, "end", frames_for(item.duration)))
        elif isinstance(item, Clip):
            parts.append(_clip(index, item, lesson, label, source_hash(item.file)))
        elif isinstance(item, CardSlide):
            parts.append(_card(index, item, lesson, label, settings, objects, ffmpeg_version, source_hash))
    plan = Plan(_framed(lesson, parts))
    check_duration(plan, lesson, label)
    return plan


def _clip(index: int, item: Clip, lesson: Lesson, label: str, digest: str) -> Part:
    name = f"{label}/{item.file}"
    path = lesson.root / item.file
    info = probe(path, name)
    if info.video is None or info.is_image:
        raise MediaError(name, _("has no video stream, but the sequence shows it as a clip"), _("use a video recording here; put pictures on cards instead"))
    end = info.duration if item.end is None else item.end
    if item.start >= info.duration or end > info.duration + 0.05 or end <= item.start:
        raise MediaError(
            name,
            _("the trim {start}–{end} is outside the clip, which lasts {length}", start=_clock(item.start), end=_clock(end), length=_clock(info.duration)),
            _("change start/end of this clip in lesson.yaml"),
        )
    return Part(index, "clip", frames_for(min(end, info.duration) - item.start), file=item.file, start=item.start,
                info=info, source_hash=digest, says=item.says, hdr=colour.hdr_transfer(path))


def _card(index: int, item: CardSlide, lesson: Lesson, label: str, settings: MediaSettings, objects,
          ffmpeg_version: str,
          source_hash: Callable[[str], str]) -> Part:
    section = lesson.section(item.section)
    context = f"{label}: card '{item.section}'"
    info, digest, voiced = None, "", None
    if item.audio:
        name = f"{label}/{item.audio}"
        path = lesson.root / item.audio
        info = probe(path, name)
        if info.audio is None:
            raise MediaError(name, _("has no audio track, but it is the narration of card '{id}'", id=item.section),
                             _("choose the recording of this card's narration"))
        digest = source_hash(item.audio)
        voiced = speech.recorded(path, section.narration, objects, digest, ffmpeg_version, context)
    elif section.narration.strip():
        voiced = speech.synthesise(section.narration, speech.voice_for(lesson.language, lesson.voice),
                                   settings.sentence_gap, objects, context)
    hold = 0.0
    if voiced is not None and len(voiced.samples):
        hold = settings.pad_before + voiced.seconds + settings.pad_after
    shortest = item.duration or (0.0 if hold else 3.0)
    # Held in whole slide units (0.5 s by default): the slide is then encoded exactly once, with
    # no tail segment; the narration's trailing pause grows by less than one unit.
    def units(seconds: float) -> int:
        """Frames of whole slide units covering ``seconds``."""
        return settings.slide_unit * math.ceil(seconds * FPS / settings.slide_unit - 1e-6)

    frames = units(max(hold, shortest))
    reveal = 0
    if section.quiz is not None:
        # a pause card: the question stays a beat after it is asked, then the answer is shown
        frames += units(QUIZ_THINK)
        reveal = units(QUIZ_REVEAL)
    return Part(index, "card", frames + reveal, section=item.section, file=item.audio or None, info=info,
                source_hash=digest,
                narration=voiced, lead=settings.pad_before if hold else 0.0, reveal=reveal)


def _framed(lesson: Lesson, parts: list[Part]) -> tuple[Part, ...]:
    """The school's intro before the sequence and its outro after it (lesson/branding.py), when set.
    A part's ``index`` is its place in the plan, so the sequence's parts move up by one after an intro."""
    school = lesson.school
    if not school.branded:
        return tuple(parts)
    framed = [Part(0, "intro", frames_for(school.intro))] if school.intro else []
    framed += [replace(part, index=len(framed) + i) for i, part in enumerate(parts)]
    if school.outro:
        framed.append(Part(len(framed), "outro", frames_for(school.outro)))
    return tuple(framed)


def check_duration(plan: Plan, lesson: Lesson, label: str) -> None:
    """The planned length against ``max_duration``, before encoding; names the longest parts."""
    if plan.seconds <= lesson.max_duration + 1e-6:
        return
    longest = sorted(plan.parts, key=lambda p: -p.frames)[:3]
    listing = ", ".join(f"{_describe(p)} {p.seconds:.1f} s" for p in longest)
    raise LessonError([Diagnostic(
        f"{label}/lesson.yaml", 0, 0, "max_duration",
        _("the lesson would last {seconds} s, over its limit of {max} s (longest: {parts})",
          seconds=f"{plan.seconds:.1f}", max=f"{lesson.max_duration:g}", parts=listing),
        _("shorten clips (start/end) or narration, or raise max_duration"),
    )])


def _describe(part: Part) -> str:
    if part.kind == "clip":
        return _("clip {file}", file=part.file)
    if part.kind == "card":
        return _("card '{id}'", id=part.section)
    return _("title card") if part.kind == "title" else _("end card")


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:05.2f}"


def source_path(lesson: Lesson, part: Part) -> Path:
    return lesson.root / part.file
