"""What the transcode stage refuses (before encoding, with the lesson, the file and the reason),
how it normalises loudness, and how it speaks narration."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import make_audio, make_image, make_video
from pipeline.errors import LessonError, MediaError
from pipeline.lesson.model import CardSlide, Clip, EndCard, TitleCard
from pipeline.stage import ObjectStore
from pipeline.transcode import loudness, narration
from pipeline.transcode.plan import make_plan
from pipeline.transcode.settings import AUDIO_RATE
from transcode_helpers import SMALL, build, lesson, section
from transcode_helpers import loudness as meter

pytestmark = [pytest.mark.media]

HLS = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n"
FFCONCAT = "ffconcat version 1.0\nfile /etc/passwd\n"


def _plan(tmp_path: Path, sequence, sections=(), max_duration=90.0):
    the_lesson = lesson(tmp_path / "content" / "intro", sequence, sections, max_duration=max_duration)
    return make_plan(the_lesson, "content/intro", SMALL, ObjectStore(tmp_path / "objects"), "test")


@pytest.mark.parametrize("text,reason", [
    (HLS, "is not a media file ffmpeg can read"),  # the file-only whitelist stops the HLS demuxer at once
    (FFCONCAT, "is not a media file ffmpeg can read"),
    ("just some notes\n", "is not a media file ffmpeg can read"),
])
def test_playlists_lists_and_text_disguised_as_video_are_refused(tmp_path, text, reason):
    path = tmp_path / "content" / "intro" / "media" / "clip.mp4"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(MediaError) as caught:
        _plan(tmp_path, (Clip("media/clip.mp4"),))
    assert caught.value.path == "content/intro/media/clip.mp4"
    assert caught.value.reason.startswith(reason)


def test_audio_file_used_as_a_clip(tmp_path):
    make_audio(tmp_path / "content" / "intro" / "media" / "memo.wav", seconds=1)
    with pytest.raises(MediaError) as caught:
        _plan(tmp_path, (Clip("media/memo.wav"),))
    assert str(caught.value) == ("content/intro/media/memo.wav: has no video stream, but the sequence shows it as a clip"
                                 " — use a video recording here; put pictures on cards instead")


def test_trim_outside_the_clip(tmp_path):
    make_video(tmp_path / "content" / "intro" / "media" / "clip.mp4", seconds=2, size="160x90")
    with pytest.raises(MediaError) as caught:
        _plan(tmp_path, (Clip("media/clip.mp4", start=1.0, end=4.5),))
    assert str(caught.value) == ("content/intro/media/clip.mp4: the trim 00:01.00–00:04.50 is outside the clip, which lasts 00:02.00"
                                 " — change start/end of this clip in lesson.yaml")


def test_narration_without_audio(tmp_path):
    make_image(tmp_path / "content" / "intro" / "media" / "photo.png", "64x64")
    make_video(tmp_path / "content" / "intro" / "media" / "mute.mp4", seconds=1, size="160x90", audio=False)
    for name in ("mute.mp4", "photo.png"):
        with pytest.raises(MediaError) as caught:
            _plan(tmp_path, (CardSlide("a", audio=f"media/{name}"),), (section("a", "Hi."),))
        assert str(caught.value) == (f"content/intro/media/{name}: has no audio track, but it is the narration of card 'a'"
                                     " — choose the recording of this card's narration")


def test_undecodable_narration_is_refused(tmp_path):
    import struct

    path = tmp_path / "content" / "intro" / "media" / "memo.wav"
    path.parent.mkdir(parents=True)
    fmt = struct.pack("<HHIIHH", 0x55, 1, 44100, 88200, 2, 16)  # says MP3, holds noise
    data = bytes(range(255)) * 80  # no 0xFF byte: never an MP3 frame sync
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with pytest.raises(MediaError) as caught:
        _plan(tmp_path, (CardSlide("a", audio="media/memo.wav"),), (section("a", "Hi."),))
    assert caught.value.path == "content/intro/media/memo.wav"
    assert caught.value.reason.startswith("its audio stream cannot be decoded")


def test_duration_limit_is_enforced_before_encoding(tmp_path):
    make_video(tmp_path / "content" / "intro" / "media" / "clip.mp4", seconds=4, size="160x90")
    with pytest.raises(LessonError) as caught:
        _plan(tmp_path, (TitleCard("", 4.0), Clip("media/clip.mp4"), CardSlide("a", duration=6.0), EndCard((), 5.0)),
              (section("a", ""),), max_duration=15)
    assert str(caught.value) == ("content/intro/lesson.yaml: max_duration: the lesson would last 19.0 s, over its limit of 15 s"
                                 " (longest: card 'a' 6.0 s, end card 5.0 s, title card 4.0 s)"
                                 " — shorten clips (start/end) or narration, or raise max_duration")
    assert not list((tmp_path / "objects").rglob("*.mp4"))


def test_a_missing_slide_is_named(tmp_path):
    the_lesson = lesson(tmp_path / "content" / "intro", (TitleCard("", 1.0),))
    out = tmp_path / "build" / "intro"
    from transcode_helpers import context, fake_cards
    from pipeline.transcode.assemble import transcode

    cards = fake_cards(out, the_lesson, SMALL)
    (out / cards.slides["16:9"].title).unlink()
    with pytest.raises(MediaError, match="is missing: the cards stage did not write this slide"):
        transcode(context(the_lesson, out, tmp_path / "objects", cards), SMALL)


def _raw(path: Path, samples: np.ndarray) -> Path:
    path.write_bytes(np.ascontiguousarray(samples, dtype=np.float32).tobytes())
    return path


def _read_raw(path: Path) -> np.ndarray:
    return np.fromfile(path, dtype=np.float32).reshape(-1, 2)


def _speechlike(seconds: float, level: float) -> np.ndarray:
    t = np.arange(int(seconds * AUDIO_RATE)) / AUDIO_RATE
    wave = level * np.sin(2 * np.pi * 330 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    return np.stack([wave, wave], axis=1)


def test_quiet_track_gets_linear_gain(tmp_path):
    track = _raw(tmp_path / "t.f32", _speechlike(8, 0.05))
    result = loudness.normalise(track, tmp_path / "n.f32", "content/intro")
    assert result.mode == "linear" and result.detail == "linear gain"
    out = _read_raw(tmp_path / "n.f32")
    assert len(out) == 8 * AUDIO_RATE  # not a sample gained or lost: the video stays in sync
    integrated, peak = meter(out)
    assert abs(integrated + 16) <= 0.5 and peak <= -1.5
    assert result.gain_db == pytest.approx(-16 - result.before.I, abs=0.01)


def test_peaky_track_is_limited_explicitly_and_says_so(tmp_path):
    samples = _speechlike(8, 0.03)
    samples[::AUDIO_RATE // 4] = 0.95  # clicks: linear gain to -16 LUFS would clip them
    result = loudness.normalise(_raw(tmp_path / "t.f32", samples), tmp_path / "n.f32", "content/intro")
    assert result.mode == "limited"
    assert result.detail.startswith("linear gain of +") and result.detail.endswith("a limiter holds it at -2 dBTP")
    integrated, peak = meter(_read_raw(tmp_path / "n.f32"))
    assert abs(integrated + 16) <= 1.0 and peak <= -1.5


def test_silent_track_is_left_alone(tmp_path):
    result = loudness.normalise(_raw(tmp_path / "t.f32", np.zeros((AUDIO_RATE * 4, 2))), tmp_path / "n.f32", "content/intro")
    assert (result.mode, result.gain_db) == ("linear", 0.0)
    assert not _read_raw(tmp_path / "n.f32").any()


@pytest.mark.parametrize("language,text,count", [
    ("en", "Hold the phone. Lean on a table.", 2),
    ("ru", "Держите телефон. Обопритесь на стол!", 2),
    ("ko", "휴대폰을 잡으세요. 탁자에 기대세요.", 2),
])
def test_narration_is_synthesised_per_sentence_and_cached(tmp_path, monkeypatch, language, text, count):
    store = ObjectStore(tmp_path / "objects")
    voiced = narration.synthesise(text, narration.voice_for(language), 0.3, store)
    assert voiced.synthesised and len(voiced.sentences) == count
    first, second = voiced.sentences
    assert first.start == 0 and second.start == pytest.approx(first.end + 0.3, abs=1 / AUDIO_RATE)
    assert voiced.seconds == pytest.approx(second.end, abs=1 / AUDIO_RATE)
    assert float(np.abs(voiced.samples).max()) > 0.05
    monkeypatch.setattr(narration, "run_espeak", lambda *a, **k: pytest.fail("espeak-ng ran again"))
    again = narration.synthesise(text, narration.voice_for(language), 0.3, store)
    assert np.array_equal(again.samples, voiced.samples)


def test_unknown_voice_is_a_tool_error(tmp_path):
    from pipeline.errors import ToolError

    with pytest.raises(ToolError) as caught:
        narration.synthesise("Hello.", "xx-nonexistent", 0.3, ObjectStore(tmp_path / "objects"), "content/intro: card 'a'")
    assert str(caught.value).startswith("content/intro: card 'a': espeak-ng failed")


def test_recorded_narration_loses_its_silent_ends(tmp_path):
    from conftest import run_ffmpeg

    memo = tmp_path / "memo.wav"
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=220:r=44100:d=1.5,adelay=700,apad=pad_dur=1.2", str(memo))
    voiced = narration.recorded(memo, "Hi.", ObjectStore(tmp_path / "objects"), "sha", "test")
    assert voiced.seconds == pytest.approx(1.5 + 0.06, abs=0.02)
    assert voiced.samples.shape[1] == 2 and np.array_equal(voiced.samples[:, 0], voiced.samples[:, 1])


def test_end_to_end_rejects_a_bad_clip_before_any_encoding(tmp_path):
    root = tmp_path / "content" / "intro"
    (root / "media").mkdir(parents=True)
    (root / "media" / "clip.mp4").write_text(HLS)
    with pytest.raises(MediaError):
        build(lesson(root, (TitleCard("", 1.0), Clip("media/clip.mp4"))), tmp_path / "build" / "intro", tmp_path / "objects")
    assert not list((tmp_path / "objects").rglob("*.mp4"))
