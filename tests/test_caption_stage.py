"""The caption stage on timelines built here from espeak-ng speech (the transcode stage is not
run): outputs read back with webvtt-py and an SRT regex, errors and flags pinned."""
from __future__ import annotations

import importlib.util
import io
import re

import numpy as np
import pytest
import webvtt

from conftest import needs_tool
from pipeline import records
from pipeline.caption import DOUBTFUL_BELOW, MISMATCH_BELOW, STAGE
from pipeline.errors import LessonError
from pipeline.lesson.model import CaptionSettings, CardSlide, Clip, Section
from pipeline.settings import Settings
from test_caption_media import TEXTS, card_part, context, lesson, reading

pytestmark = [needs_tool("espeak-ng"), pytest.mark.media]

VOICE = {"en": ("en-us", 175, 50), "ru": ("ru", 130, 50), "ko": ("ko", 150, 50)}


def synthesised_part(out, language: str, start: float = 2.0, name: str = "01.wav") -> tuple[dict,
        list[tuple[float, float]]]:
    """A card whose narration was synthesised (exact sentence windows), like transcode makes it."""
    sentences = TEXTS[language]
    samples, spans = reading(sentences, language, pauses=0.4, lead=0.0, speaker=VOICE[language])
    entry = card_part(out, name, samples, " ".join(sentences), start, "hold", synthesised=True,
                      spans=list(zip(sentences, spans)))
    return entry, spans


def clock(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def sections(text: str) -> tuple[Section, ...]:
    return (Section("hold", "Hold <steady> & calm", "- body", text, 7),)


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_synthesised_narration_gives_captions_in_sync(tmp_path, language):
    root = tmp_path / "content" / "demo"
    the_lesson = lesson(root, language, sections(" ".join(TEXTS[language])), (CardSlide("hold"),))
    out = tmp_path / "build" / "demo"
    entry, spans = synthesised_part(out, language)
    timeline = [{"kind": "title", "start": 0.0, "end": 2.0, "section": None, "file": None, "speech": None}, entry]
    result = STAGE.run(context(tmp_path, the_lesson, timeline))

    assert records.dump(result.files) == {"vtt": f"captions/demo.{language}.vtt",
                                          "srt": f"captions/demo.{language}.srt",
                                    "transcript_txt": "transcript.txt", "transcript_html": "transcript.html"}
    assert sorted(a.path for a in result.artifacts) == sorted(records.dump(result.files).values())
    assert result.qc == () and result.divergences == ()
    cues = result.cues
    assert not any(c.flagged for c in cues)
    # a cue that begins a sentence begins at its exact time (within a frame)
    begun = 0
    for c in cues:
        for sentence, (start, _) in zip(TEXTS[language], spans):
            if " ".join(c.lines).startswith(sentence):
                assert abs(c.start - (2.0 + start)) <= 0.034
                begun += 1
    assert begun >= 2
    vtt = (out / result.files.vtt).read_text(encoding="utf-8")
    assert vtt.startswith(f"WEBVTT\nKind: captions\nLanguage: {language}\n\n")
    parsed = webvtt.from_buffer(io.StringIO(vtt))
    assert f"Language: {language}" in parsed.metadata
    assert [(c.identifier,
             c.start, c.end) for c in parsed] == [(str(c.index), clock(c.start), clock(c.end)) for c in cues]
    assert [c.text.split("\n") for c in parsed] == [list(c.lines) for c in cues]
    assert " ".join(" ".join(c.lines) for c in cues).split() == " ".join(TEXTS[language]).split()
    srt = (out / result.files.srt).read_text(encoding="utf-8")
    times = re.findall(r"^(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})$", srt, re.M)
    assert [int(t[2]) + int(t[3]) / 1000 for t in times] == [c.start for c in cues]
    html = (out / "transcript.html").read_text(encoding="utf-8")
    assert f'<html lang="{language}">' in html and "Hold &lt;steady&gt; &amp; calm" in html


def test_recorded_narration_with_long_pauses_and_a_clip(tmp_path):
    root = tmp_path / "content" / "demo"
    sentences = TEXTS["en"]
    clip_text = "Smile before you start, and count to two before the first sentence."
    the_lesson = lesson(root, "en", sections(" ".join(sentences)),
                        (CardSlide("hold", audio="media/n.wav"), Clip("media/c.mp4", says=clip_text)))
    out = tmp_path / "build" / "demo"
    samples, spans = reading(sentences, "en", pauses=[2.5, 1.0, 0.3], lead=0.4)
    card = card_part(out, "00.wav", samples, " ".join(sentences), 0.0, "hold")
    clip_samples, clip_spans = reading([clip_text], "en", lead=1.0)
    clip = card_part(out, "01.wav", clip_samples, clip_text, card["end"], None)
    clip.update(kind="clip", file="media/c.mp4", section=None)
    result = STAGE.run(context(tmp_path, the_lesson, [card, clip]))
    cues = result.cues
    firsts = {tuple(c.lines)[0].split()[0]: c.start for c in cues}
    assert abs(firsts["Hold"] - spans[0][0]) <= 0.1
    assert abs(firsts["Lean"] - spans[1][0]) <= 0.1
    assert abs(firsts["Smile"] - (card["end"] + clip_spans[0][0])) <= 0.1
    assert [c.part for c in cues][-1] == 1
    parts = result.parts
    assert [(p.part, p.method, p.first_divergence) for p in parts] == [(0, "aligned", ""), (1, "aligned", "")]
    assert all(p.quality >= 0.4 for p in parts)
    assert parts[0].windows[0][0] == 0.0 and abs(parts[0].windows[-1][1] - len(samples) / 16000) <= 0.05  # the whole part
    assert parts[1].windows[0][0] == round(card["end"], 2)  # in video time
    text = (out / "transcript.txt").read_text(encoding="utf-8")
    assert "[0:00] Hold <steady> & calm\n" + " ".join(sentences) in text and f"Video clip (c.mp4)\n{clip_text}" in text


def test_a_part_with_speech_but_no_words_is_an_error_where_no_recogniser_exists(tmp_path):
    root = tmp_path / "content" / "demo"
    the_lesson = lesson(root, "ru", sections(""), (CardSlide("hold", audio="media/n.wav"),))
    out = tmp_path / "build" / "demo"
    samples, _ = reading(TEXTS["ru"][:1], "ru")
    entry = card_part(out, "00.wav", samples, "  ", 0.0, "hold")
    with pytest.raises(LessonError) as caught:
        STAGE.run(context(tmp_path, the_lesson, [entry]))
    assert str(caught.value) == (f"{the_lesson_label(tmp_path)}/script.md:7:1: section 'hold' narration: this part has "
                                 "speech but no words to "
                                 "caption — write what is said (a 'Narration:' paragraph for a card, 'says:' for a "
                                 "clip); captions are made from it")


def test_without_a_script_the_error_says_which_recogniser_to_install(tmp_path, monkeypatch):
    from pipeline.caption import draft

    monkeypatch.setattr(draft, "recogniser", lambda language: None)
    root = tmp_path / "content" / "demo"
    the_lesson = lesson(root, "en", sections(""), (CardSlide("hold", audio="media/n.wav"),))
    out = tmp_path / "build" / "demo"
    samples, _ = reading(TEXTS["en"][:1], "en")
    entry = card_part(out, "00.wav", samples, "", 0.0, "hold")
    with pytest.raises(LessonError) as caught:
        STAGE.run(context(tmp_path, the_lesson, [entry]))
    assert str(caught.value).endswith("captions are made from it — or run 'pip install pocketsphinx' to have captions "
                                      "drafted from the speech, for review")


@pytest.mark.skipif(importlib.util.find_spec("pocketsphinx") is None, reason="pocketsphinx is not installed (optional)")
def test_without_a_script_english_captions_are_drafted_from_speech_and_all_flagged(tmp_path):
    root = tmp_path / "content" / "demo"
    the_lesson = lesson(root, "en", sections(""), (CardSlide("hold", audio="media/n.wav"),))
    out = tmp_path / "build" / "demo"
    samples, spans = reading(TEXTS["en"], "en", speaker=("en-us", 160, 50))
    entry = card_part(out, "00.wav", samples, "", 0.0, "hold")
    result = STAGE.run(context(tmp_path, the_lesson, [entry], check=False))
    cues = result.cues
    assert cues and all(c.flagged and c.reason == "drafted from speech by pocketsphinx (there is no script): check every word" for c in cues)
    assert result.parts[0].method == "drafted"
    assert abs(cues[0].start - spans[0][0]) <= 0.2
    words = " ".join(" ".join(c.lines) for c in cues).lower()
    assert "phone" in words or "screen" in words  # a draft, not a transcript: some words are right


def the_lesson_label(tmp_path) -> str:
    from pipeline.lesson.loader import lesson_label

    return lesson_label(tmp_path / "content" / "demo")


def test_the_wrong_recording_is_an_error(tmp_path):
    root = tmp_path / "content" / "demo"
    other = "Turn off the lights that hum and close the window facing the street. A quiet room matters more than a microphone."
    the_lesson = lesson(root, "en", sections(other), (CardSlide("hold", audio="media/n.wav"),))
    out = tmp_path / "build" / "demo"
    samples, _ = reading(TEXTS["en"], "en")
    entry = card_part(out, "00.wav", samples, other, 0.0, "hold")
    with pytest.raises(LessonError) as caught:
        STAGE.run(context(tmp_path, the_lesson, [entry]))
    message = str(caught.value)
    assert message.startswith(f"{the_lesson_label(tmp_path)}/script.md:7:1: section 'hold' narration: "
                              "the recording media/n.wav does not match this text (match ")
    assert "; text and audio differ throughout 00:00:00.000–00:00:0" in message or "; text and audio first diverge at 00:00:0" in message
    assert message.endswith("— check that the recording is the right file and that the text is what is said in it, all of it")


def test_a_missing_sentence_is_an_error_that_says_where_text_and_audio_diverge(tmp_path):
    root = tmp_path / "content" / "demo"
    sentences = ["Hold the phone with both hands and keep your elbows close to your body.",
                 "Lean on a table or a wall whenever you can, because every small movement shows on the screen.",
                 "Look at the lens, not at your own face, and speak as if to one student.",
                 "Smile before you start, and count to two before the first sentence."]
    script = " ".join(sentences[:1] + sentences[2:])
    the_lesson = lesson(root, "en", sections(script), (CardSlide("hold", audio="media/n.wav"),))
    out = tmp_path / "build" / "demo"
    samples, spans = reading(sentences, "en", pauses=0.5)
    entry = card_part(out, "00.wav", samples, script, 0.0, "hold")
    with pytest.raises(LessonError) as caught:
        STAGE.run(context(tmp_path, the_lesson, [entry], check=False))
    message = str(caught.value)
    found = re.search(r"; text and audio first diverge at 00:00:(\d\d\.\d\d\d): the audio has speech the text lacks "
                      r"\(near \"body\. Look at the lens, not\"\) — ", message)
    assert found, message
    assert spans[0][1] - 0.2 <= float(found.group(1)) <= spans[1][1]  # in the missing sentence (or the pause before it)


def test_rule_violations_fail_the_lesson_unless_checks_are_off(tmp_path):
    root = tmp_path / "content" / "demo"
    the_lesson = lesson(root, "en", sections(" ".join(TEXTS["en"])), (CardSlide("hold"),),
                        captions=CaptionSettings(max_cps=6))
    out = tmp_path / "build" / "demo"
    entry, _ = synthesised_part(out, "en", start=0.0)
    with pytest.raises(LessonError) as caught:
        STAGE.run(context(tmp_path, the_lesson, [entry]))
    lines = str(caught.value).splitlines()
    assert lines and all(re.match(rf"{re.escape(the_lesson_label(tmp_path))}/script\.md:7:1: section 'hold' narration: "
                                  r"captions: cue \d+ at "
                                  r"00:00:\d\d\.\d{3}: [\d.]+ characters per second, over the limit of 6 \(en\) — say "
                                  r"fewer words in this time: "
                                  r"shorten the sentence, or pause after it \(rule 'max_cps'\)$", line) for line in lines), lines
    result = STAGE.run(context(tmp_path, the_lesson, [entry], check=False))
    assert {v.rule for v in result.qc} == {"max_cps"}
    assert len(result.qc) == len(lines)


def test_alignment_is_memoised_and_outputs_are_deterministic(tmp_path):
    root = tmp_path / "content" / "demo"
    the_lesson = lesson(root, "en", sections(" ".join(TEXTS["en"])), (CardSlide("hold"),))
    out = tmp_path / "build" / "demo"
    entry, _ = synthesised_part(out, "en")
    first = STAGE.run(context(tmp_path, the_lesson, [entry]))
    objects = sorted((tmp_path / "build" / ".cache" / "objects").rglob("*.json"))
    second = STAGE.run(context(tmp_path, the_lesson, [entry]))
    assert sorted((tmp_path / "build" / ".cache" / "objects").rglob("*.json")) == objects and len(objects) == 1
    assert [a.sha256 for a in first.artifacts] == [a.sha256 for a in second.artifacts]
    assert first == second
    settings = Settings(tmp_path / "content", tmp_path / "build")
    params = STAGE.params(the_lesson, settings)
    assert params["rules"]["max_cps"] == 20 and STAGE.needs == ("transcode",)
    assert "espeak-ng" in STAGE.tools(settings)
    assert np.isfinite([c.confidence for c in first.cues]).all()


def test_a_weak_match_flags_every_cue_of_the_part(tmp_path):
    root = tmp_path / "content" / "demo"
    other = "Turn off the lights that hum and close the window facing the street. A quiet room matters more than a microphone."
    the_lesson = lesson(root, "en", sections(other), (CardSlide("hold", audio="media/n.wav"),))
    out = tmp_path / "build" / "demo"
    # the aligner's own voice reading another text: alike enough not to be rejected outright
    samples, _ = reading(TEXTS["en"], "en", speaker=("en-us", 175, 50))
    entry = card_part(out, "00.wav", samples, other, 0.0, "hold")
    result = STAGE.run(context(tmp_path, the_lesson, [entry], check=False))
    quality = result.parts[0].quality
    assert MISMATCH_BELOW <= quality < DOUBTFUL_BELOW
    assert all(c.flagged for c in result.cues)
    assert f"the recording matches its text only weakly (match {quality:.2f}): listen to it" in {c.reason for c in result.cues}
