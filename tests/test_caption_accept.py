"""captions.accept and the school-stricter timing rules in lesson.yaml: parsed, validated with
pinned messages, and honoured by the caption QC."""
from __future__ import annotations

import pytest

from conftest import LESSON_YAML
from pipeline.caption import qc
from pipeline.caption.rules import rules_for
from pipeline.caption.segment import Cue
from pipeline.errors import Diagnostic, LessonError
from pipeline.lesson.loader import load_lesson
from test_lesson_validation import problems

ACCEPT = """captions:
  accept:
    - rule: max_cps
      cue: Hold the phone
      reason: a quotation, read at the speaker's own pace
    - rule: min_duration
      time: 00:12.5
      reason: a one-word greeting
"""


def test_accept_is_read_with_rule_cue_or_time_and_reason(lesson_dir):
    lesson = load_lesson(lesson_dir(LESSON_YAML + ACCEPT))
    first, second = lesson.captions.accept
    assert (first.rule, first.cue, first.at, first.reason) == ("max_cps", "Hold the phone", None, "a quotation, read at the speaker's own pace")
    assert (second.rule, second.cue, second.at, second.reason) == ("min_duration", "", 12.5, "a one-word greeting")
    assert first.line == 25 and second.line == 28


def test_accept_errors_name_the_entry_and_say_how_to_fix(lesson_dir):
    yaml = LESSON_YAML + """captions:
  accept:
    - rule: max_speed
      cue: Hold
      reason: fast
    - rule: max_cps
      reason: fast
    - rule: max_cps
      cue: Hold
      time: 3
      reason: fast
    - rule: min_gap
      cue: Hold
    - rule: min_gap
      time: soon
      reason: intended
"""
    assert problems(lesson_dir(yaml)) == [
        "L/lesson.yaml:25:13: captions.accept[0].rule: 'max_speed' is not one of max_line_chars, max_lines, max_cps, min_duration,"
        " max_duration, min_gap — did you mean 'max_cps'? write one of: max_line_chars, max_lines, max_cps, min_duration, max_duration, min_gap",
        "L/lesson.yaml:28:7: captions.accept[1]: names no caption — write 'cue:' with the caption's first words, or 'time:' with"
        " a time inside it (01:12.5), not both",
        "L/lesson.yaml:30:7: captions.accept[2]: names both 'cue' and 'time' — write 'cue:' with the caption's first words,"
        " or 'time:' with a time inside it (01:12.5), not both",
        "L/lesson.yaml:34:7: captions.accept[3].reason: is required — add 'reason: ...', why this caption may break the rule:"
        " the reviewer reads it",
        "L/lesson.yaml:37:13: captions.accept[4].time: 'soon' is not a time — write seconds (4.5) or minutes:seconds (01:30)",
    ]


def test_accept_must_be_a_list(lesson_dir):
    assert problems(lesson_dir(LESSON_YAML + "captions:\n  accept: max_cps\n")) == [
        "L/lesson.yaml:24:11: captions.accept: expected a list, found 'max_cps' — write one '- rule: ...' entry per accepted"
        " caption, with 'cue:' (its first words) or 'time:', and 'reason:'"
    ]


def test_a_school_may_make_timing_stricter_but_not_looser(lesson_dir):
    lesson = load_lesson(lesson_dir(LESSON_YAML + "captions:\n  min_duration: 1.2\n  max_duration: 6\n  min_gap_frames: 3\n"))
    rules = rules_for("en", lesson.captions)
    assert (rules.min_duration, rules.max_duration, rules.min_gap_frames) == (1.2, 6.0, 3)
    assert problems(lesson_dir(LESSON_YAML + "captions:\n  min_duration: 0.5\n  max_duration: 9\n  min_gap_frames: 1\n")) == [
        "L/lesson.yaml:24:17: captions.min_duration: 0.5 is outside 0.833 to 2 — write a number from 0.833 to 2",
        "L/lesson.yaml:25:17: captions.max_duration: 9 is outside 2 to 7 — write a number from 2 to 7",
        "L/lesson.yaml:26:19: captions.min_gap_frames: 1 is outside 2 to 12 — write a whole number from 2 to 12",
    ]


def test_qc_honours_an_acceptance_by_time_and_by_first_words_only_for_its_rule(lesson_dir):
    accept = load_lesson(lesson_dir(LESSON_YAML + ACCEPT)).captions.accept
    rules = rules_for("en")
    cues = [Cue(1, 12.0, 12.5, ("Hi.",), 1.0, False), Cue(2, 13.0, 14.0, ("Hold the phone with both hands", "and keep it level, please."), 1.0, False),
            Cue(3, 15.0, 15.4, ("Bye.",), 1.0, False)]
    found = qc.check(cues, rules)
    assert [(v.cue, v.rule) for v in found] == [(1, "min_duration"), (2, "max_cps"), (3, "min_duration")]
    assert [qc.accepted(v, accept) is not None for v in found] == [True, True, False]
    place = Diagnostic("L/script.md", 3, 1, "section 'a' narration")
    with pytest.raises(LessonError) as caught:
        qc.enforce(found, [place] * 3, accept)
    assert [d.message for d in caught.value.diagnostics] == ["captions: cue 3 at 00:00:15.000: shown for 0.400 s, under the minimum of 0.833 s"]


def test_the_review_shows_each_acceptance_with_its_reason_and_each_parts_match(lesson_dir, tmp_path):
    from pipeline.contracts import CaptionFiles, CaptionResult, PartMatch, Upstream
    from pipeline.review import Evidence
    from pipeline.review.checks.captions import accepted_breaks, match

    lesson = load_lesson(lesson_dir(LESSON_YAML + ACCEPT))
    rules = rules_for("en")
    cues = [Cue(1, 12.0, 12.5, ("Hi.",), 1.0, False), Cue(2, 13.0, 14.0, ("Hold the phone with both hands", "and keep it level, please."), 1.0, False)]
    parts = (PartMatch(0, 0.93, "aligned", ((0.0, 30.5, 0.091), (30.5, 61.0, 0.062)), "", 0.5),
             PartMatch(2, 0.21, "aligned", ((70.0, 80.0, 0.01),),
                       "text and audio first diverge at 00:01:12.300: the audio has speech the text lacks (near \"Look\")", 0.5))
    caption = CaptionResult(artifacts=(), cues=(), files=CaptionFiles("a.vtt", "a.srt", "t.txt", "t.html"), qc=tuple(qc.check(cues, rules)),
                            rules=rules.as_dict(), divergences=(), parts=parts)
    evidence = Evidence(lesson, tmp_path, Upstream(caption=caption), {})
    assert list(accepted_breaks(evidence)) == [
        (True, 1, None, "max_cps for the cue \"Hold the phone\": cue 2 — a quotation, read at the speaker's own pace"),
        (True, 1, None, "min_duration for the cue at 12.5 s: cue 1 — a one-word greeting"),
    ]
    assert list(match(evidence)) == [
        (True, 0.93, 0.5, "part 1: no divergence; weakest stretch 30.5–61.0 s (margin 0.062)"),
        (False, 0.21, 0.5, "part 3: text and audio first diverge at 00:01:12.300: the audio has speech the text lacks (near \"Look\");"
                           " weakest stretch 70.0–80.0 s (margin 0.010)"),
    ]
