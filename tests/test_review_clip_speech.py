"""captions.clip_speech: a clip where someone talks but that has no says: text is reported; music,
a tone and room noise are not. Real espeak-ng speech in a real AAC track, read back through ffmpeg."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from conftest import needs_tool, run_ffmpeg, transcode_result
from pipeline.lesson.model import Author, Clip, Lesson
from pipeline.review import Evidence
from pipeline.review.checks.clips import speech_seconds
from pipeline.review.registry import REGISTRY
from pipeline.contracts import Speech, TimelinePart, Upstream
from speech_cases import RATE, music, reading

pytestmark = [needs_tool("espeak-ng"), pytest.mark.media]
PART = 6.0  # s per clip in the test track


@pytest.fixture(scope="module")
def track(tmp_path_factory) -> Path:
    """Four 6 s clips in one AAC track: speech, music, a steady tone, room noise."""
    folder = tmp_path_factory.mktemp("clips")
    speech, _ = reading(["Hold the phone with both hands.", "Lean on a table to keep it steady."], "en", pauses=0.6, lead=0.3)
    n = round(PART * RATE)
    t = np.arange(n) / RATE
    rng = np.random.default_rng(3)
    parts = [np.pad(speech, (0, max(0, n - len(speech))))[:n] * 0.8, music(PART), 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32),
             (rng.standard_normal(n) * 0.003).astype(np.float32)]
    wav = folder / "track.wav"
    soundfile.write(wav, np.concatenate(parts), RATE)
    out = folder / "video" / "lesson-16x9.mp4"
    out.parent.mkdir()
    run_ffmpeg("-f", "lavfi", "-i", f"color=c=gray:s=320x180:r=30:d={4 * PART}", "-i", str(wav), "-c:v", "libx264", "-preset", "ultrafast",
               "-c:a", "aac", "-ar", "48000", "-ac", "2", "-shortest", str(out))
    return out


@pytest.mark.parametrize("index, talking", [(0, True), (1, False), (2, False), (3, False)])
def test_speech_is_told_from_music_tone_and_noise(track, index, talking):
    seconds = speech_seconds(track, index * PART, (index + 1) * PART)
    assert (seconds >= 1.0) is talking, seconds


def _evidence(track: Path, says: tuple[bool, ...]) -> Evidence:
    timeline = tuple(TimelinePart("clip", i * PART, (i + 1) * PART, None, f"media/clip{i}.mp4",
                                  Speech("words", f"speech/{i:02d}.wav", i * PART, False) if said else None) for i, said in enumerate(says))
    lesson = Lesson("l", track.parent.parent, "T", "en", (Author("A"),), "r", (), "CC-BY-4.0", ("o",), "teachers", ("16:9",), 90.0,
                    tuple(Clip(e.file) for e in timeline), ())
    transcode = transcode_result(videos={"16:9": "video/lesson-16x9.mp4"}, timeline=timeline)
    return Evidence(lesson, track.parent.parent, Upstream(transcode=transcode), {"16:9": {"duration": 4 * PART, "fps": 30.0}})


def test_a_talking_clip_without_says_is_named(track):
    [result] = REGISTRY["captions.clip_speech"].run(_evidence(track, (False, False, False, False)))
    assert result.passed is False and result.severity == "advisory"
    assert result.detail.startswith("media/clip0.mp4: ") and "clip1" not in result.detail and "no says:" in result.detail
    assert "says:" in result.hint


def test_clips_with_their_words_are_not_listened_to(track):
    [result] = REGISTRY["captions.clip_speech"].run(_evidence(track, (True, False, False, False)))
    assert result.passed is True and result.value < 1.0
