"""The transcode stage end to end: house sizes, narration, timeline, sync, caching, same bytes."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from conftest import make_video, run_ffmpeg
from pipeline import ffmpeg
from pipeline.contracts import Speech
from pipeline.fsutil import sha256_file
from pipeline.lesson.model import CardSlide, Clip, EndCard, TitleCard
from transcode_helpers import HOUSE_FAST, SMALL, build, house_ok, inspect, lesson, loudness, section

pytestmark = [pytest.mark.media]

NARRATION = "Hold the phone with both hands. Lean on a table to keep it steady."


def _phone(path: Path) -> None:
    """An upright phone clip: 1080x1920 stored, with a display rotation as phones write it."""
    make_video(path.with_name("raw.mp4"), seconds=2, size="1080x1920", extra=("-preset", "ultrafast"))
    run_ffmpeg("-display_rotation:v:0", "90", "-i", str(path.with_name("raw.mp4")), "-c", "copy", str(path))


def _recorded(path: Path) -> None:
    """A voice memo: mono 44.1 kHz, 0.8 s of silence, 2 s of voice-like tone, 1 s of silence."""
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=220:r=44100:d=2,adelay=800,apad=pad_dur=1", "-c:a", "aac", str(path))


@pytest.fixture(scope="module")
def house(tmp_path_factory):
    """One lesson at house size in both formats, built twice from scratch (separate stores)."""
    tmp = tmp_path_factory.mktemp("house")
    root = tmp / "content" / "phone-lesson"
    _phone(root / "media" / "phone.mp4")
    _recorded(root / "media" / "memo.m4a")
    the_lesson = lesson(
        root,
        (TitleCard("A guide", 2.0), Clip("media/phone.mp4", says="Hello from my classroom."), CardSlide("steady"),
         CardSlide("memo", audio="media/memo.m4a"), EndCard(("Anna",), 2.0)),
        (section("steady", NARRATION), section("memo", "This part I recorded myself.")),
        formats=("16:9", "9:16"),
        slug="phone-lesson",
    )
    first = build(the_lesson, tmp / "b1" / "phone-lesson", tmp / "objects1", HOUSE_FAST)
    second = build(the_lesson, tmp / "b2" / "phone-lesson", tmp / "objects2", HOUSE_FAST)
    return tmp, first, second


def test_house_format_in_both_formats(house):
    tmp, result, _ = house
    out = tmp / "b1" / "phone-lesson"
    assert result.videos == {"16:9": "video/phone-lesson-16x9.mp4", "9:16": "video/phone-lesson-9x16.mp4"}
    for fmt, size in (("16:9", (1920, 1080)), ("9:16", (1080, 1920))):
        probed = inspect(out / result.videos[fmt])
        house_ok(probed, size, result.frames)
        integrated, peak = loudness(probed.audio)
        assert abs(integrated + 16) <= 1.0 and peak <= -1.5
    with open(out / result.videos["16:9"], "rb") as handle:
        head = handle.read(64 * 1024)
    assert head.index(b"moov") < head.index(b"mdat") if b"mdat" in head else b"moov" in head  # +faststart


def test_timeline_speech_and_sentences(house):
    tmp, result, _ = house
    out = tmp / "b1" / "phone-lesson"
    timeline = result.timeline
    assert [t.kind for t in timeline] == ["title", "clip", "card", "card", "end"]
    assert [t.start for t in timeline[1:]] == [t.end for t in timeline[:-1]]
    assert timeline[-1].end == result.duration
    assert timeline[1].speech == Speech("Hello from my classroom.", "speech/01.wav", 2.0, False, ())
    card = timeline[2].speech
    assert card.synthesised and card.offset == pytest.approx(timeline[2].start + 0.4)
    assert [s.text for s in card.sentences] == ["Hold the phone with both hands.", "Lean on a table to keep it steady."]
    assert card.sentences[0].start == card.offset and card.sentences[1].start == pytest.approx(card.sentences[0].end + 0.3)
    assert timeline[2].end == pytest.approx(timeline[2].start + np.ceil((card.sentences[-1].end + 0.6 - timeline[2].start) * 2) / 2)
    # the memo's 0.8 s lead and 1 s tail of silence are trimmed (30 ms kept each side)
    memo = timeline[3]
    assert memo.file == "media/memo.m4a" and memo.speech.synthesised is False
    assert memo.end - memo.start == 3.5  # 0.4 + 2.06 + 0.6 s, held in whole half seconds
    for entry in timeline:
        if entry.speech:
            data, rate = soundfile.read(out / entry.speech.audio)
            assert rate == 16000 and data.ndim == 1
            spoken = [s for s in entry.speech.sentences]
            if spoken:
                assert len(data) / rate == pytest.approx(spoken[-1].end - entry.speech.offset, abs=1e-3)


def test_thumbnail_and_posters(house):
    from PIL import Image

    tmp, result, _ = house
    out = tmp / "b1" / "phone-lesson"
    assert (result.thumbnail, result.poster) == ("thumbnail.jpg", "poster-16x9.jpg")
    sizes = {name: Image.open(out / name).size for name in ("thumbnail.jpg", "poster-16x9.jpg", "poster-9x16.jpg")}
    assert sizes == {"thumbnail.jpg": (1280, 720), "poster-16x9.jpg": (1920, 1080), "poster-9x16.jpg": (1080, 1920)}


def test_two_builds_give_the_same_bytes(house):
    _, first, second = house
    assert [(a.path, a.sha256) for a in first.artifacts] == [(a.path, a.sha256) for a in second.artifacts]
    assert first == second


def test_segments_share_one_sps_pps(house):
    """Stream copy joins segments under the first one's headers: all must be identical."""
    import av

    tmp, _, _ = house
    extradata = {}
    for path in sorted((tmp / "objects1").rglob("*.mp4")):
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            extradata.setdefault((stream.width, stream.height), set()).add(bytes(stream.codec_context.extradata))
    assert set(extradata) == {(1920, 1080), (1080, 1920)}
    assert all(len(v) == 1 for v in extradata.values())


def test_ninety_seconds_end_in_sync(tmp_path):
    """A flash and a beep at the same instant in the last clip of a 90 s lesson stay together."""
    root = tmp_path / "content" / "demo"
    make_video(root / "media" / "long.mp4", seconds=50, size="160x90", extra=("-preset", "ultrafast"))
    run_ffmpeg("-f", "lavfi", "-i", "color=black:s=160x90:r=30:d=10,drawbox=c=white:t=fill:enable='gte(t,5)'",
               "-f", "lavfi", "-i", "aevalsrc='if(gte(t,5),0.5*sin(2*PI*1000*t),0)':s=44100:d=10",
               "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(root / "media" / "flash.mp4"))
    the_lesson = lesson(root,
                        (TitleCard("", 5.0), Clip("media/long.mp4"),
                         CardSlide("pause", duration=20.0), Clip("media/flash.mp4"), EndCard((), 5.0)),
                        (section("pause", ""),))
    result = build(the_lesson, tmp_path / "build" / "demo", tmp_path / "objects")
    probed = inspect(tmp_path / "build" / "demo" / result.videos["16:9"])
    house_ok(probed, (320, 180), 2700)
    assert abs(probed.audio_seconds - probed.video_seconds) < 1 / 30
    import av

    with av.open(str(tmp_path / "build" / "demo" / result.videos["16:9"])) as container:
        flash = next(f.time for f in container.decode(video=0) if f.time > 79.9 and f.to_ndarray(format="gray").mean() > 128)
    onset = np.argmax(np.abs(probed.audio[80 * 48000:, 0]) > 0.01) / 48000 + 80
    assert flash == pytest.approx(80.0, abs=1e-6)
    assert abs(onset - flash) < 1 / 30


def test_changed_card_re_encodes_only_its_segments_and_poster_skips_black(tmp_path, monkeypatch):
    from PIL import Image

    root = tmp_path / "content" / "demo"
    the_lesson = lesson(root,
                        (TitleCard("", 1.0), CardSlide("a", duration=3.0),
                         CardSlide("b", duration=2.5), EndCard((), 1.0)),
                        (section("a", ""), section("b", "")))
    encodes = []
    real = ffmpeg.run
    def counting(argv, **kw):
        if "-i" in argv and argv[argv.index("-i") + 1].endswith(".png"):  # a slide segment
            encodes.append(argv[argv.index("-i") + 1])
        return real(argv, **kw)

    monkeypatch.setattr(ffmpeg, "run", counting)
    out = tmp_path / "build" / "demo"
    first = build(the_lesson, out, tmp_path / "objects", SMALL, colors={"title": "black", "a": "white", "b": "orange"})
    assert len(encodes) == 4  # 15-frame units: title 2 of them, a 6, b 5, end 2; no tails
    poster = Image.open(out / "poster-16x9.jpg").convert("L")
    assert np.asarray(poster).mean() > 100  # the black title is skipped for card a
    encodes.clear()
    second = build(the_lesson, out, tmp_path / "objects", SMALL, colors={"title": "black", "a": "white", "b": "purple"})
    assert [Path(p).name for p in encodes] == ["b-16x9.png"]
    assert first.frames == second.frames == 225
    assert sha256_file(out / "video/demo-16x9.mp4") != first.artifacts[-1].sha256


@pytest.mark.media
def test_a_second_machine_takes_the_audio_track_from_the_shared_store_and_new_words_make_new_audio(tmp_path, monkeypatch):
    """The final build keeps its finished track (measured, normalised, AAC, measured again) in the
    object store under ``assemble.audio_key``: a second machine's fresh build folder on the same
    shared store encodes no audio and gives the very result (every artifact's bytes, the loudness
    report) of a build without any store; a changed narration word or recording is a new track."""
    from pipeline.sharedstore import SharedStore
    from pipeline.stage import ObjectStore
    from pipeline.transcode.assemble import transcode
    from transcode_helpers import context, fake_cards

    root = tmp_path / "content" / "demo"
    (root / "media").mkdir(parents=True)
    _recorded(root / "media" / "memo.m4a")
    the_lesson = lesson(root, (TitleCard("A guide", 1.0), CardSlide("steady"), CardSlide("memo", audio="media/memo.m4a"),
                               EndCard(("Anna",), 1.0)),
                        (section("steady", "Hold the phone with both hands."), section("memo", "I recorded this.")),
                        slug="demo")
    shared = SharedStore((tmp_path / "shared").as_uri())
    aac = []
    real = ffmpeg.run

    def counting(argv, **kw):
        if "-c:a" in argv and argv[argv.index("-c:a") + 1] == "aac":
            aac.append(argv)
        return real(argv, **kw)

    monkeypatch.setattr(ffmpeg, "run", counting)

    def on(machine: str, the_lesson=the_lesson, store: SharedStore | None = shared):
        out = tmp_path / machine / "demo"
        ctx = context(the_lesson, out, tmp_path / machine / "objects", fake_cards(out, the_lesson, SMALL))
        ctx.objects = ObjectStore(ctx.objects.root, store)
        aac.clear()
        result = transcode(ctx, SMALL, reuse_audio=True) if store else transcode(ctx, SMALL)
        return result, len(aac), out

    plain, encoded, _ = on("plain", store=None)  # no store at all: the reference bytes
    assert encoded == 1
    first, encoded, _ = on("first")
    assert encoded == 1 and first == plain
    second, encoded, out = on("second")  # a fresh build folder and object store, the same shared store
    assert encoded == 0 and second == plain  # every artifact's sha256 and the loudness report

    worded = replace(the_lesson, sections=(section("steady", "Hold the phone with two hands."),
                                           section("memo", "I recorded this.")))
    reworded, encoded, _ = on("third", worded)
    assert encoded == 1 and reworded.artifacts != plain.artifacts
    _recorded_louder(root / "media" / "memo.m4a")
    rerecorded, encoded, _ = on("fourth")
    assert encoded == 1 and rerecorded.artifacts != plain.artifacts


def _recorded_louder(path: Path) -> None:
    """The same memo recorded again: another tone, so other samples."""
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=330:r=44100:d=2,adelay=800,apad=pad_dur=1", "-c:a", "aac", str(path))
