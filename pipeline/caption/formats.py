"""Caption and transcript writers: WebVTT, SRT, plain-text and HTML transcripts.

Both video formats (16:9 and 9:16) share one timeline, so one set of captions serves both.
WebVTT is what browsers' ``<track>`` plays; SRT is for portals that want it. The texts are
pure functions of the cues, so the same cues always give the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.caption.segment import Cue
from pipeline.timefmt import cue_time, minutes  # noqa: F401 - the caption stage's formats use them

LABELS = {
    "en": {"transcript": "Transcript", "clip": "Video clip"},
    "ru": {"transcript": "Расшифровка", "clip": "Видеофрагмент"},
    "ko": {"transcript": "대본", "clip": "영상"},
}


@dataclass(frozen=True)
class TranscriptPart:
    """One spoken part of the lesson, for the transcript."""

    start: float
    heading: str
    text: str


def _vtt_text(line: str) -> str:
    # WebVTT cue text is markup: &, < and > must be escaped (which also defuses "-->")
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: list[Cue], language: str) -> str:
    """A WebVTT file with its language in a ``Language:`` header."""
    out = ["WEBVTT", "Kind: captions", f"Language: {language}", ""]
    for cue in cues:
        out += [str(cue.index), f"{cue_time(cue.start)} --> {cue_time(cue.end)}", *(_vtt_text(line) for line in cue.lines), ""]
    return "\n".join(out)


def srt(cues: list[Cue]) -> str:
    """A SubRip file (comma before milliseconds; "-->" inside text would end the timing line)."""
    out = []
    for cue in cues:
        out += [str(cue.index), f"{cue_time(cue.start, ',')} --> {cue_time(cue.end, ',')}", *(line.replace("-->", "->") for line in cue.lines), ""]
    return "\n".join(out)


def transcript_text(title: str, parts: list[TranscriptPart], language: str) -> str:
    """The plain transcript: title, then each spoken part with its start time and heading."""
    labels = LABELS[language]
    out = [title, "=" * len(title), "", labels["transcript"], ""]
    for part in parts:
        out += [f"[{minutes(part.start)}] {part.heading}", part.text, ""]
    return "\n".join(out)


def transcript_html(title: str, parts: list[TranscriptPart], language: str, templates: Path) -> str:
    """The HTML transcript through ``templates``/transcript.html.j2 (autoescaped)."""
    from pipeline.templates import environment

    template = environment(templates).get_template("transcript.html.j2")
    rows = [{"start": p.start, "clock": minutes(p.start), "heading": p.heading, "paragraphs": [p.text]} for p in parts]
    return template.render(title=title, language=language, labels=LABELS[language], parts=rows)
