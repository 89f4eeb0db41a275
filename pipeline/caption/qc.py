"""Caption QC: every rule checked on every cue, each violation named by cue number, time and rule.

``check`` returns structured violations (it never raises), so the review report can show them
and a lesson can later accept one with a reason. ``enforce`` turns the violations a lesson has
not accepted into one LessonError listing all of them.

Acceptance: ``captions.accept`` in lesson.yaml, a list of ``{rule: max_cps, cue: "first words
of the cue", reason: "..."}`` (or ``time: 01:12.5``, a time inside the cue, instead of ``cue``).
A cue is named by its text or a time, not its number, because numbers shift whenever the script
changes.
"""
from __future__ import annotations

import math

from pipeline.timefmt import cue_time
from pipeline.caption.rules import Rules, width
from pipeline.caption.segment import Cue
from pipeline.contracts import Violation
from pipeline.errors import Diagnostic, LessonError
from pipeline.lesson.model import CaptionAcceptance

HINTS = {
    "max_line_chars": "shorten the sentence or split it with a full stop",
    "max_lines": "split the sentence with a full stop or a comma",
    "max_cps": "say fewer words in this time: shorten the sentence, or pause after it",
    "min_duration": "join this short phrase to the sentence before or after it",
    "max_duration": "add a pause or a full stop inside this long stretch of speech",
    "min_gap": "leave a short pause between these sentences",
    "order": "this is a bug in the caption stage: please report it",
}


Acceptance = CaptionAcceptance  # rule, cue or time, reason (read from lesson.yaml by the loader)


def check(cues: list[Cue], rules: Rules, parts: list[int] | None = None) -> list[Violation]:
    """Every rule on every cue; ``parts[k]`` is the timeline part of cue k (for messages)."""
    found = []
    lang = rules.language

    def add(k: int, cue: Cue, rule: str, value: float, limit: float, what: str) -> None:
        message = f"cue {cue.index} at {cue_time(cue.start)}: {what}"
        found.append(Violation(cue.index, cue.start, cue.end, rule, round(value, 3), limit, message, cue.text,
                               parts[k] if parts else -1))

    for k, cue in enumerate(cues):
        duration = cue.end - cue.start
        if len(cue.lines) > rules.max_lines:
            add(k, cue, "max_lines", len(cue.lines),
                rules.max_lines, f"{len(cue.lines)} lines, over the limit of {rules.max_lines}")
        for number, line in enumerate(cue.lines, 1):
            chars = width(line, rules)
            if chars > rules.max_line_chars:
                add(k, cue, "max_line_chars", chars, rules.max_line_chars,
                    f"line {number} has {chars:g} characters, over the limit of {rules.max_line_chars:g} ({lang}): \"{line}\"")
        chars = width(cue.text, rules)
        if duration > 0 and chars / duration > rules.max_cps + 1e-9:
            add(k, cue, "max_cps", chars / duration, rules.max_cps,
                f"{math.ceil(chars / duration * 100) / 100:.2f} characters per second, over the limit of "
                f"{rules.max_cps:g} ({lang}{', children' if rules.children else ''})")
        if duration < rules.min_duration - 1e-9:
            add(k, cue, "min_duration", duration, rules.min_duration,
                f"shown for {duration:.3f} s, under the minimum of {rules.min_duration:g} s")
        if duration > rules.max_duration + 1e-9:
            add(k, cue, "max_duration", duration, rules.max_duration,
                f"shown for {duration:.3f} s, over the maximum of {rules.max_duration:g} s")
        if k + 1 < len(cues):
            gap = cues[k + 1].start - cue.end
            if gap < 0:
                add(k, cue, "order", gap, 0.0, f"overlaps cue {cues[k + 1].index} by {-gap:.3f} s")
            elif gap < rules.min_gap - 1e-6:
                add(k, cue, "min_gap", gap, round(rules.min_gap, 4),
                    f"ends {gap * 1000:.0f} ms before cue {cues[k + 1].index}; at least {rules.min_gap_frames} frames "
                    f"({rules.min_gap * 1000:.0f} ms) are needed")
    return found


def accepted(violation: Violation, acceptances: tuple[Acceptance, ...]) -> Acceptance | None:
    for item in acceptances:
        if item.matches(violation.rule, violation.text, violation.start, violation.end):
            return item
    return None


def enforce(violations: list[Violation], places: list[Diagnostic], acceptances: tuple[Acceptance, ...] = ()) -> None:
    """Raise one LessonError for every violation not accepted. ``places[k]`` is where violation
    k's text comes from (file, line, field), to which the message and hint are added."""
    diagnostics = []
    for violation, place in zip(violations, places):
        if accepted(violation, acceptances):
            continue
        diagnostics.append(Diagnostic(place.file, place.line, place.col, place.field, f"captions: {violation.message}",
                                      f"{HINTS[violation.rule]} (rule '{violation.rule}')"))
    if diagnostics:
        raise LessonError(diagnostics)
