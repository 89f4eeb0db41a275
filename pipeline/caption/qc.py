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

from pipeline.i18n import N_, _
from pipeline.timefmt import cue_time
from pipeline.caption.rules import Rules, width
from pipeline.caption.segment import Cue
from pipeline.contracts import Violation
from pipeline.errors import Diagnostic, LessonError
from pipeline.lesson.model import CaptionAcceptance

HINTS = {
    "max_line_chars": N_("shorten the sentence or split it with a full stop"),
    "max_lines": N_("split the sentence with a full stop or a comma"),
    "max_cps": N_("say fewer words in this time: shorten the sentence, or pause after it"),
    "min_duration": N_("join this short phrase to the sentence before or after it"),
    "max_duration": N_("add a pause or a full stop inside this long stretch of speech"),
    "min_gap": N_("leave a short pause between these sentences"),
    "order": N_("this is a bug in the caption stage: please report it"),
}


Acceptance = CaptionAcceptance  # rule, cue or time, reason (read from lesson.yaml by the loader)


def check(cues: list[Cue], rules: Rules, parts: list[int] | None = None) -> list[Violation]:
    """Every rule on every cue; ``parts[k]`` is the timeline part of cue k (for messages)."""
    found = []
    lang = rules.language

    def add(k: int, cue: Cue, rule: str, value: float, limit: float, what: str) -> None:
        message = _("cue {index} at {time}: {what}", index=cue.index, time=cue_time(cue.start), what=what)
        found.append(Violation(cue.index, cue.start, cue.end, rule, round(value, 3), limit, message, cue.text,
                               parts[k] if parts else -1))

    for k, cue in enumerate(cues):
        duration = cue.end - cue.start
        if len(cue.lines) > rules.max_lines:
            add(k, cue, "max_lines", len(cue.lines), rules.max_lines, _("{n} lines, over the limit of {max}", n=len(cue.lines), max=rules.max_lines))
        for number, line in enumerate(cue.lines, 1):
            chars = width(line, rules)
            if chars > rules.max_line_chars:
                add(k, cue, "max_line_chars", chars, rules.max_line_chars,
                    _("line {number} has {chars} characters, over the limit of {max} ({language}): \"{line}\"",
                      number=number, chars=f"{chars:g}", max=f"{rules.max_line_chars:g}", language=lang, line=line))
        chars = width(cue.text, rules)
        if duration > 0 and chars / duration > rules.max_cps + 1e-9:
            add(k, cue, "max_cps", chars / duration, rules.max_cps,
                _("{cps} characters per second, over the limit of {max} ({rules})", cps=f"{math.ceil(chars / duration * 100) / 100:.2f}",
                  max=f"{rules.max_cps:g}", rules=_("{language}, children", language=lang) if rules.children else lang))
        if duration < rules.min_duration - 1e-9:
            add(k, cue, "min_duration", duration, rules.min_duration,
                _("shown for {seconds} s, under the minimum of {min} s", seconds=f"{duration:.3f}", min=f"{rules.min_duration:g}"))
        if duration > rules.max_duration + 1e-9:
            add(k, cue, "max_duration", duration, rules.max_duration,
                _("shown for {seconds} s, over the maximum of {max} s", seconds=f"{duration:.3f}", max=f"{rules.max_duration:g}"))
        if k + 1 < len(cues):
            gap = cues[k + 1].start - cue.end
            if gap < 0:
                add(k, cue, "order", gap, 0.0, _("overlaps cue {next} by {seconds} s", next=cues[k + 1].index, seconds=f"{-gap:.3f}"))
            elif gap < rules.min_gap - 1e-6:
                add(k, cue, "min_gap", gap, round(rules.min_gap, 4),
                    _("ends {ms} ms before cue {next}; at least {frames} frames ({min_ms} ms) are needed", ms=f"{gap * 1000:.0f}",
                      next=cues[k + 1].index, frames=rules.min_gap_frames, min_ms=f"{rules.min_gap * 1000:.0f}"))
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
        diagnostics.append(Diagnostic(place.file, place.line, place.col, place.field, _("captions: {problem}", problem=violation.message),
                                      _("{hint} (rule '{rule}')", hint=_(HINTS[violation.rule]), rule=violation.rule)))
    if diagnostics:
        raise LessonError(diagnostics)
