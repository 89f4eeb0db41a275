"""Pure caption tests: the rule tables, line breaking, cue segmentation and timing, QC messages,
and the WebVTT/SRT/transcript texts (checked with webvtt-py and an independent SRT regex)."""
from __future__ import annotations

import io
import re

import pytest
import webvtt

from pipeline.caption import formats, qc
from pipeline.caption.rules import rules_for, width
from pipeline.caption.segment import Cue, Token, break_lines, segment, time_cues, tokens_of
from pipeline.errors import Diagnostic, LessonError
from pipeline.lesson.model import CaptionSettings
from pipeline.templates import default_templates

EN, RU, KO = rules_for("en"), rules_for("ru"), rules_for("ko")


def timed(text: str, start: float = 0.0, per_word: float = 0.3, gap: float = 0.05, pauses: dict | None = None) -> list[Token]:
    """Tokens at a steady pace, with longer pauses after the given word indexes."""
    out, at = [], start
    for k, word in enumerate(tokens_of(text)):
        out.append(Token(word, round(at, 3), round(at + per_word, 3)))
        at += per_word + gap + (pauses or {}).get(k, 0.0)
    return out


# --- rules ---------------------------------------------------------------------------------------

def test_language_tables_and_children():
    assert (EN.max_line_chars, EN.max_lines, EN.max_cps) == (42, 2, 20)
    assert (RU.max_line_chars, RU.max_lines, RU.max_cps) == (42, 2, 17)
    assert (KO.max_line_chars, KO.max_lines, KO.max_cps) == (16, 2, 12)
    assert [rules_for(lang, CaptionSettings(children=True)).max_cps for lang in ("en", "ru", "ko")] == [17, 13, 9]
    assert (EN.min_duration, EN.max_duration, EN.min_gap_frames) == (0.833, 7.0, 2)
    assert round(EN.min_gap, 4) == 0.0667


def test_lesson_overrides_win_over_the_table():
    rules = rules_for("en", CaptionSettings(children=True, max_line_chars=32, max_lines=1, max_cps=15))
    assert (rules.max_line_chars, rules.max_lines, rules.max_cps, rules.children) == (32, 1, 15, True)
    assert rules_for("ko", CaptionSettings(max_cps=10)).max_line_chars == 16


def test_korean_counts_latin_spaces_and_punctuation_half():
    assert width("한국어 OK.", KO) == 3 + 0.5 * 4
    assert width("한국어 OK.", EN) == 7
    assert width("Привет, мир", RU) == 11


# --- line breaking -------------------------------------------------------------------------------

def test_a_line_that_fits_stays_one_line():
    assert break_lines(tokens_of("Hold the phone with both hands."), EN) == ("Hold the phone with both hands.",)


def test_breaks_after_punctuation_and_never_inside_a_word():
    # a break after the comma fits both lines, so it is taken over a more balanced one
    words = tokens_of("Hold the phone with both hands, and lean on a table or a wall.")
    assert break_lines(words, EN) == ("Hold the phone with both hands,", "and lean on a table or a wall.")
    # after the comma the second line would be too long: the break moves, always between words
    words = tokens_of("Lean on a table or a wall, because every small movement shows on the screen.")
    lines = break_lines(words, EN)
    assert lines == ("Lean on a table or a wall, because every", "small movement shows on the screen.")
    assert " ".join(lines).split() == words and all(width(line, EN) <= 42 for line in lines)


def test_no_one_word_orphan_when_a_balanced_break_exists():
    words = tokens_of("Every small movement of your hands shows clearly on the screen")
    lines = break_lines(words, EN)
    assert len(lines) == 2 and all(len(line.split()) > 1 for line in lines)
    left, right = (width(line, EN) for line in lines)
    assert abs(left - right) <= 16


def test_korean_breaks_between_eojeol():
    words = tokens_of("화면에 작은 움직임도 모두 보이기 때문에")
    lines = break_lines(words, KO)
    assert len(lines) == 2 and all(width(line, KO) <= 16 for line in lines)
    assert " ".join(lines).split() == words  # whole eojeol on each line


def test_text_that_cannot_fit_two_lines_has_no_lines():
    assert break_lines(tokens_of("word " * 30), EN) is None


def test_lone_punctuation_stays_on_the_word_before():
    assert tokens_of("Wait — then go … now") == ["Wait —", "then", "go …", "now"]


# --- segmentation and timing ---------------------------------------------------------------------

def test_cues_follow_sentences_and_fit_the_rules():
    tokens = timed("Hold the phone with both hands. Lean on a table or a wall whenever you can, because every "
                   "small movement shows on the screen. Count to two.", pauses={5: 0.5, 21: 0.5})
    cuts = segment(tokens, EN, 30.0)
    texts = [" ".join(lines) for _, _, lines in cuts]
    assert texts[0] == "Hold the phone with both hands."
    assert texts[-1] == "Count to two."
    assert all(len(lines) <= 2 and all(width(l, EN) <= 42 for l in lines) for _, _, lines in cuts)
    assert [t.text for a, b, _ in cuts for t in tokens[a:b]] == [t.text for t in tokens]


def test_timing_minimum_duration_reading_speed_and_two_frame_gaps():
    tokens = timed("Yes. Hold the phone with both hands and keep your elbows close.", per_word=0.2, gap=0.02, pauses={0: 0.1})
    cues = time_cues([(tokens, segment(tokens, EN, 20.0), 20.0)], EN, 0.5, [[]])
    assert [c.index for c in cues] == list(range(1, len(cues) + 1))
    assert qc.check(cues, EN) == []
    for cue, after in zip(cues, cues[1:]):
        assert after.start - cue.end >= EN.min_gap - 1e-9
        assert cue.end - cue.start >= 0.833


def test_short_gaps_are_closed_to_two_frames():
    tokens = timed("Hold the phone with both hands and keep your elbows close to your body. "
                   "Lean on the table or on a wall whenever you can.", per_word=0.3, pauses={13: 0.3})
    cues = time_cues([(tokens, segment(tokens, EN, 20.0), 20.0)], EN, 0.5, [[]])
    assert len(cues) == 2
    assert round(cues[1].start - cues[0].end, 3) == 0.067


def test_low_confidence_and_doubtful_stretches_are_flagged():
    tokens = [Token("Hold", 0.0, 0.4, 0.2), Token("steady.", 0.45, 1.0, 0.3), Token("Look", 2.5, 2.9), Token("up.", 2.95, 3.5)]
    cues = time_cues([(tokens, segment(tokens, EN, 10.0), 10.0)], EN, 0.5, [[(3.0, 3.4, "text and audio diverge here")]])
    assert [(c.flagged, c.reason) for c in cues] == [(True, "alignment confidence 0.26 is under 0.50"), (True, "text and audio diverge here")]
    assert cues[0].as_dict()["reason"] == "alignment confidence 0.26 is under 0.50"


# --- QC ------------------------------------------------------------------------------------------

def cue(index, start, end, *lines, confidence=1.0):
    return Cue(index, start, end, tuple(lines), confidence, False)


def test_every_rule_is_checked_with_cue_time_and_rule():
    cues = [
        cue(1, 1.0, 1.5, "Too short."),
        cue(2, 1.52, 9.0, "This line is much longer than forty-two characters, really.", "two", "three"),
        cue(3, 9.0, 10.0, "Far too many words shown", "for far too short a time here."),
    ]
    found = qc.check(cues, EN)
    assert [(v.cue, v.rule) for v in found] == [
        (1, "min_duration"), (1, "min_gap"),
        (2, "max_lines"), (2, "max_line_chars"), (2, "max_duration"), (2, "min_gap"),
        (3, "max_cps"),
    ]
    messages = [v.message for v in found]
    assert messages[0] == "cue 1 at 00:00:01.000: shown for 0.500 s, under the minimum of 0.833 s"
    assert messages[1] == "cue 1 at 00:00:01.000: ends 20 ms before cue 2; at least 2 frames (67 ms) are needed"
    assert messages[2] == "cue 2 at 00:00:01.520: 3 lines, over the limit of 2"
    assert messages[3] == ('cue 2 at 00:00:01.520: line 1 has 59 characters, over the limit of 42 (en): '
                           '"This line is much longer than forty-two characters, really."')
    assert messages[4] == "cue 2 at 00:00:01.520: shown for 7.480 s, over the maximum of 7 s"
    assert messages[6] == "cue 3 at 00:00:09.000: 55.00 characters per second, over the limit of 20 (en)"  # lines joined by a space
    assert found[6].as_dict() == {"cue": 3, "start": 9.0, "end": 10.0, "rule": "max_cps", "value": 55.0, "limit": 20,
                                  "message": messages[6], "text": "Far too many words shown for far too short a time here.", "part": -1,
                                  "accepted": ""}


def test_korean_and_children_limits_in_messages():
    found = qc.check([cue(1, 0.0, 1.0, "휴대폰을 두 손으로 꼭 잡으세요")], rules_for("ko", CaptionSettings(children=True)))
    assert [v.message for v in found] == ["cue 1 at 00:00:00.000: 15.00 characters per second, over the limit of 9 (ko, children)"]


def test_enforce_raises_one_lesson_error_with_every_violation_and_honours_acceptance():
    found = qc.check([cue(1, 0.0, 0.5, "Hi."), cue(2, 0.52, 1.6, "There.")], EN)
    place = Diagnostic("content/demo/script.md", 12, 1, "section 'a' narration")
    with pytest.raises(LessonError) as caught:
        qc.enforce(found, [place] * len(found))
    assert str(caught.value).splitlines() == [
        "content/demo/script.md:12:1: section 'a' narration: captions: cue 1 at 00:00:00.000: shown for 0.500 s, under the minimum"
        " of 0.833 s — join this short phrase to the sentence before or after it (rule 'min_duration')",
        "content/demo/script.md:12:1: section 'a' narration: captions: cue 1 at 00:00:00.000: ends 20 ms before cue 2; at least 2"
        " frames (67 ms) are needed — leave a short pause between these sentences (rule 'min_gap')",
    ]
    qc.enforce(found, [place] * 2, (qc.Acceptance("min_duration", "Hi", "a greeting"), qc.Acceptance("min_gap", "Hi.", "intended")))


# --- formats -------------------------------------------------------------------------------------

CUES = [cue(1, 0.5, 2.25, "Fish & chips <b>", "second line"), cue(2, 2.317, 4.0, "A --> B")]


def test_webvtt_text_and_independent_reader():
    text = formats.webvtt(CUES, "en")
    assert text.startswith("WEBVTT\nKind: captions\nLanguage: en\n\n1\n00:00:00.500 --> 00:00:02.250\nFish &amp; chips &lt;b&gt;\nsecond line\n")
    parsed = webvtt.from_buffer(io.StringIO(text))
    assert [(c.start, c.end) for c in parsed] == [("00:00:00.500", "00:00:02.250"), ("00:00:02.317", "00:00:04.000")]
    assert parsed[0].raw_text == "Fish &amp; chips &lt;b&gt;\nsecond line"
    assert parsed[1].raw_text == "A --&gt; B"


def test_srt_text_and_independent_regex():
    text = formats.srt(CUES)
    blocks = re.findall(r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n((?:.+\n)+)", text + "\n")
    assert [(b[0], b[1:9], b[9].rstrip("\n").split("\n")) for b in blocks] == [
        ("1", ("00", "00", "00", "500", "00", "00", "02", "250"), ["Fish & chips <b>", "second line"]),
        ("2", ("00", "00", "02", "317", "00", "00", "04", "000"), ["A -> B"]),
    ]
    parsed = webvtt.from_srt(_as_file(text))
    assert [c.start for c in parsed] == ["00:00:00.500", "00:00:02.317"]


def _as_file(text: str):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "c.srt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_transcripts_text_and_autoescaped_html():
    parts = [formats.TranscriptPart(2.0, "Hold <steady>", "Use both hands & lean."), formats.TranscriptPart(65.4, "Video clip", "Look here.")]
    assert formats.transcript_text("Phones & you", parts, "en") == (
        "Phones & you\n============\n\nTranscript\n\n[0:02] Hold <steady>\nUse both hands & lean.\n\n[1:05] Video clip\nLook here.\n")
    html = formats.transcript_html("Phones & you", parts, "ru", default_templates())
    assert '<html lang="ru">' in html and "<title>Phones &amp; you — Расшифровка</title>" in html
    assert "Hold &lt;steady&gt;" in html and "Use both hands &amp; lean." in html and "<steady>" not in html
    assert '<time datetime="PT65.4S">1:05</time>' in html
