"""Speech with known boundaries for the caption tests (espeak-ng in tmp_path), and the alignment
tests that use it: accuracy in en, ru and ko, long pauses, music before the speech, a wrong
recording and a missing sentence."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile

from conftest import needs_tool, transcode_result
from speech_cases import RATE, music, reading
from pipeline.caption.align import align
from pipeline.caption.segment import tokens_of
from pipeline.lesson.model import Author, CaptionSettings, Lesson
from pipeline import records
from pipeline.contracts import TimelinePart, Upstream
from pipeline.stage import Context, ObjectStore, Settings

pytestmark = [needs_tool("espeak-ng"), pytest.mark.media]

TEXTS = {
    "en": ["Hold the phone with both hands.", "Lean on a table to keep it steady.", "Every small movement shows on the screen."],
    "ru": ["Держите телефон двумя руками.", "Обопритесь на стол, чтобы он не дрожал.", "Каждое движение видно на экране."],
    "ko": ["휴대폰을 두 손으로 잡으세요.", "탁자에 기대어 흔들리지 않게 하세요.", "작은 움직임도 화면에 보입니다."],
}
def sentence_times(result, sentences: list[str]) -> list[tuple[float, float]]:
    """(start, end) of each sentence from aligned words."""
    out, at = [], 0
    for sentence in sentences:
        count = len(tokens_of(sentence))
        words = result.words[at: at + count]
        out.append((words[0].start, words[-1].end))
        at += count
    return out


def write_wav(path: Path, samples: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), samples, RATE, subtype="PCM_16")


def lesson(root: Path, language: str = "en", sections=(), sequence=(), captions: CaptionSettings | None = None, title: str = "Demo") -> Lesson:
    return Lesson("demo", root, title, language, (Author("A"),), "r", (), "CC-BY-4.0", ("o",), "teachers", ("16:9",), 90.0,
                  tuple(sequence), tuple(sections), captions=captions or CaptionSettings())


def context(tmp_path: Path, the_lesson: Lesson, timeline: list[dict], check: bool = True) -> Context:
    out = tmp_path / "build" / the_lesson.slug
    return Context(the_lesson, Settings(tmp_path / "content", tmp_path / "build", caption_check=check), out,
                   ObjectStore(tmp_path / "build" / ".cache" / "objects"),
                   Upstream(transcode=transcode_result(timeline=records.load(tuple[TimelinePart, ...], timeline))),
                   logging.getLogger("microlearn.test"))


def card_part(out: Path, name: str, samples: np.ndarray, text: str, start: float, section: str,
              synthesised: bool = False, spans=(), lead: float = 0.0) -> dict:
    """A timeline entry for a card whose speech WAV starts ``lead`` s into the part."""
    write_wav(out / "speech" / name, samples)
    offset = start + lead
    sentences = [{"text": t, "start": round(offset + s, 6), "end": round(offset + e, 6)} for t, (s, e) in spans]
    return {"kind": "card", "start": start, "end": round(offset + len(samples) / RATE + 0.3, 6), "section": section, "file": None,
            "speech": {"text": text, "audio": f"speech/{name}", "offset": offset, "synthesised": synthesised, "sentences": sentences}}


# --- alignment on speech with known boundaries -------------------------------------------------

@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_sentence_starts_within_100_ms_in_every_language(language):
    sentences = TEXTS[language]
    samples, truth = reading(sentences, language, pauses=[0.6, 0.4, 0.5])
    result = align(samples, tokens_of(" ".join(sentences)), {"en": "en-us"}.get(language, language))
    found = sentence_times(result, sentences)
    for (start, end), (s, e) in zip(truth, found):
        assert abs(s - start) <= 0.1, (language, s, start)
        assert abs(e - end) <= 0.25, (language, e, end)  # a faint fading tail may fall under the VAD
    assert result.divergences == ()
    assert result.quality >= 0.8
    assert [w.text for w in result.words] == tokens_of(" ".join(sentences))


def test_long_pauses_and_music_before_the_speech():
    sentences = TEXTS["en"]
    samples, truth = reading(sentences, "en", pauses=[3.0, 2.5, 0.5], lead=0.0)
    intro = music(4.0)
    audio = np.concatenate([intro, np.zeros(RATE // 2, np.float32), samples])
    shift = len(intro) / RATE + 0.5
    result = align(audio, tokens_of(" ".join(sentences)), "en-us")
    for (start, end), (s, e) in zip(truth, sentence_times(result, sentences)):
        assert abs(s - (start + shift)) <= 0.1
        assert abs(e - (end + shift)) <= 0.15
    assert result.words[0].start > 4.0  # nothing placed on the music


def test_wrong_recording_has_a_low_match():
    samples, _ = reading(TEXTS["en"], "en")
    other = "Turn off the lights that hum and close the window facing the street. A quiet room matters more than a microphone."
    wrong = align(samples, tokens_of(other), "en-us")
    right = align(samples, tokens_of(" ".join(TEXTS["en"])), "en-us")
    assert right.quality >= 0.8
    assert wrong.quality < 0.6


def test_a_sentence_missing_from_the_script_is_found_where_it_is():
    sentences = ["Hold the phone with both hands and keep your elbows close to your body.",
                 "Lean on a table or a wall whenever you can, because every small movement shows on the screen.",
                 "Look at the lens, not at your own face, and speak as if to one student.",
                 "Smile before you start, and count to two before the first sentence."]
    samples, truth = reading(sentences, "en", pauses=0.5)
    script = sentences[:1] + sentences[2:]
    result = align(samples, tokens_of(" ".join(script)), "en-us")
    missing_start, missing_end = truth[1]
    assert result.divergences, "the missing sentence was not noticed"
    first = result.divergences[0]
    assert first.kind == "audio-only"
    assert first.start < missing_end and first.end > missing_start
    # the last sentence, after the stretch, is placed right again
    assert abs(sentence_times(result, script)[-1][0] - truth[-1][0]) <= 0.1
