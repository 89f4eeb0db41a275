"""Real teachers' recordings through the transcode stage: even sound part by part, any layout,
HDR phone video, browser WebM. Media is generated here; every result is read back with
independent tools (pyloudnorm on PyAV-decoded audio, PyAV for streams and frames)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from conftest import make_video, needs_tool, run_ffmpeg
from pipeline import ffmpeg
from pipeline.errors import LessonError
from pipeline.lesson.model import CardSlide, Clip, TitleCard
from pipeline.probe import probe
from pipeline.review.checks.loudness import parts as parts_check
from transcode_helpers import build, inspect, lesson, loudness, section

pytestmark = [needs_tool("espeak-ng"), pytest.mark.media]
RATE = 48000
SPOKEN = "This part I recorded myself. It has a second sentence, and then a third one."
CARDS = "Hold the phone with both hands. Lean on a table to keep it steady."


def _espeak(tmp: Path) -> np.ndarray:
    """espeak-ng speech at 48 kHz mono float (a stand-in for a voice: pauses between sentences)."""
    tmp.mkdir(parents=True, exist_ok=True)
    raw, wav = tmp / "espeak.wav", tmp / "espeak48.wav"
    if not wav.exists():
        subprocess.run(["espeak-ng", "-w", str(raw), SPOKEN], check=True, stdin=subprocess.DEVNULL)
        run_ffmpeg("-i", str(raw), "-ar", str(RATE), "-c:a", "pcm_f32le", str(wav))
    return soundfile.read(str(wav), dtype="float64")[0]


def _lufs(x: np.ndarray) -> float:
    import pyloudnorm

    return pyloudnorm.Meter(RATE).integrated_loudness(x)


def _recording(path: Path, lufs: float, noise_dbfs: float = -100.0, drive_db: float = 0.0, soft: bool = False) -> Path:
    """The espeak voice at ``lufs``, over white noise at ``noise_dbfs`` RMS, driven ``drive_db``
    into hard clipping (or softly saturated, as a loud recording with a limiter), 16-bit WAV."""
    x = _espeak(path.parent.parent)
    x = x * 10 ** ((lufs - _lufs(x)) / 20) * 10 ** (drive_db / 20)
    if soft:
        x = np.tanh(3 * x) / 3 * 2.9
    x = x + np.random.default_rng(7).standard_normal(len(x)) * 10 ** (noise_dbfs / 20)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), np.clip(x, -1, 1).astype(np.float32), RATE, subtype="PCM_16")
    return path


def _windows(result) -> dict:
    """Each card's narration window (seconds) or each clip's whole part, by section or file."""
    spans = {}
    for entry in result.timeline:
        if entry.kind == "card" and entry.speech:
            spans[entry.section] = (entry.speech.offset, entry.end)
        elif entry.kind == "clip":
            spans[entry.file] = (entry.start, entry.end)
    return spans


def _cut(audio: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    return audio[round(span[0] * RATE): round(span[1] * RATE)]


class _Evidence:
    """What a review check reads: the stages' results as ``upstream``."""

    def __init__(self, result):
        self.upstream = type("Upstream", (), {"transcode": result})()


def test_quiet_loud_and_clipped_narrations_beside_the_computer_voice_each_reach_minus_16(tmp_path):
    root = tmp_path / "content" / "demo"
    media = root / "media"
    _recording(media / "quiet.wav", -58.0)
    _recording(media / "loud.wav", -12.0, noise_dbfs=-80, soft=True)
    clipped = _recording(media / "clipped.wav", -17.0, noise_dbfs=-80, drive_db=3.0)
    hard = np.abs(soundfile.read(str(clipped))[0]) >= 0.99
    assert 0.001 < hard.mean() < 0.01  # clipped peaks, few enough for the limiter to hold
    the_lesson = lesson(root, (
        TitleCard("t", 1.0), CardSlide("first"), CardSlide("quiet", audio="media/quiet.wav"), CardSlide("loud", audio="media/loud.wav"),
        CardSlide("clipped", audio="media/clipped.wav"), CardSlide("last"),
    ), (section("first", CARDS), section("quiet", SPOKEN), section("loud", SPOKEN), section("clipped", SPOKEN),
        section("last", "The computer voice again, after the recordings. It says two sentences.")))
    result = build(the_lesson, tmp_path / "build" / "demo", tmp_path / "objects")
    audio = inspect(tmp_path / "build" / "demo" / result.videos["16:9"]).audio
    spans = _windows(result)
    measured = {name: loudness(_cut(audio, span)) for name, span in spans.items()}
    measured["synthesised"] = loudness(np.concatenate([_cut(audio, spans["first"]), _cut(audio, spans["last"])]))
    measured["whole"] = loudness(audio)
    for name, (integrated, peak) in measured.items():
        assert abs(integrated + 16) <= 1.0, (name, integrated)
        assert peak <= -1.5, (name, peak)
    rows = {row.voice: row for row in result.loudness.parts}
    assert sorted(rows) == ["card 'clipped': media/clipped.wav", "card 'loud': media/loud.wav", "card 'quiet': media/quiet.wav",
                            "synthesised voice (cards 'first', 'last')"]
    assert rows["card 'quiet': media/quiet.wav"].before < -50 and rows["card 'quiet': media/quiet.wav"].gain_db > 35
    assert rows["card 'loud': media/loud.wav"].gain_db < -5
    checks = list(parts_check(_Evidence(result)))
    assert len(checks) == 4 and all(passed is True and abs(value + 16) <= 1 for passed, value, _, _ in checks)


def test_unusable_recordings_are_all_named_before_any_video_is_encoded(tmp_path):
    root = tmp_path / "content" / "demo"
    media = root / "media"
    _recording(media / "shouted.wav", -3.0, drive_db=12.0)  # heavily clipped: loudnorm itself measures over 0 LUFS
    _recording(media / "far.wav", -45.0, noise_dbfs=-58.0)  # speech barely over the room's noise
    _recording(media / "hiss.wav", -200.0, noise_dbfs=-56.0)  # nothing but hiss
    _recording(media / "blank.wav", -200.0, noise_dbfs=-100.0)  # nearly digital silence: all of it trimmed
    the_lesson = lesson(root, (CardSlide("a", audio="media/shouted.wav"), CardSlide("b", audio="media/far.wav"),
                               CardSlide("c", audio="media/hiss.wav"), CardSlide("d", audio="media/blank.wav")),
                        (section("a", SPOKEN), section("b", SPOKEN), section("c", SPOKEN), section("d", SPOKEN)))
    with pytest.raises(LessonError) as caught:
        build(the_lesson, tmp_path / "build" / "demo", tmp_path / "objects")
    lines = str(caught.value).splitlines()
    label = f"{root}/media"
    assert len(lines) == 4
    assert lines.pop(0) == (f"{label}/blank.wav: has almost no sound in it: 0.03 s are left once the silence before and after is cut — "
                            "choose the recording of this card's narration (the whole file may be quieter than -80 dBFS), or remove 'audio:' from the card")
    number = r"-\d+\.\d"
    assert re.fullmatch(
        rf"{re.escape(label)}/far\.wav: its sound is too quiet to bring to -16 LUFS: it measures {number} LUFS over background noise at {number} dBFS, "
        rf"and the \+\d+\.\d dB needed would lift that noise to {number} dBFS \(the limit is -35 dBFS\) — record it again closer to the microphone, "
        r"with the input level higher, in a quieter room", lines[0])
    assert re.fullmatch(
        rf"{re.escape(label)}/hiss\.wav: has no speech in it, only background noise at {number} LUFS — choose the recording of this card's narration, "
        r"or remove 'audio:' from the card to use the computer voice", lines[1])
    assert re.fullmatch(
        rf"{re.escape(label)}/shouted\.wav: is clipped: \d+\.\d% of its samples are at full scale, distortion that no gain can undo — record it "
        r"again with the input level lower \(or further from the microphone\), so the loudest words stay under full scale", lines[2])
    assert not (tmp_path / "build" / "demo" / "video").exists()


def test_a_clip_of_background_noise_is_not_boosted(tmp_path):
    root = tmp_path / "content" / "demo"
    make_video(root / "media" / "plain.mp4", seconds=4, size="160x90", audio=False)
    run_ffmpeg("-i", str(root / "media" / "plain.mp4"), "-f", "lavfi", "-i", "anoisesrc=c=white:a=0.001:r=48000:d=4", "-map", "0:v", "-map", "1:a", "-ac", "2",
               "-c:v", "copy", "-c:a", "aac", "-b:a", "128k", "-shortest", str(root / "media" / "hiss.mp4"))
    source = loudness(inspect(root / "media" / "hiss.mp4").audio)[0]
    assert -66 < source < -58  # about -63 LUFS of hiss
    the_lesson = lesson(root, (Clip("media/hiss.mp4"), CardSlide("talk")), (section("talk", CARDS),))
    result = build(the_lesson, tmp_path / "build" / "demo", tmp_path / "objects")
    audio = inspect(tmp_path / "build" / "demo" / result.videos["16:9"]).audio
    spans = _windows(result)
    assert abs(loudness(_cut(audio, spans["media/hiss.mp4"]))[0] - source) <= 1.0
    assert abs(loudness(_cut(audio, spans["talk"]))[0] + 16) <= 1.0
    row = result.loudness.parts[0]
    assert (row.voice, row.action, row.gain_db) == ("clip media/hiss.mp4", "keep", 0.0)
    assert row.detail.startswith("background noise only (-6") and row.detail.endswith("LUFS, no speech-like pauses): left as recorded, not boosted")
    first = list(parts_check(_Evidence(result)))[0]
    assert first[0] is None and first[3] == f"clip media/hiss.mp4: {row.detail}"


def _levels(stereo: np.ndarray) -> tuple[float, float]:
    power = (stereo.astype(np.float64) ** 2).mean(axis=0)
    return tuple(10 * np.log10(np.maximum(power, 1e-20)))


def test_surround_and_unbalanced_recordings_come_out_centred(tmp_path):
    root = tmp_path / "content" / "demo"
    media = root / "media"
    voice = _espeak(tmp_path)
    voice = voice * 10 ** ((-24 - _lufs(voice)) / 20)
    silent = np.zeros_like(voice)
    # 5.1 (FL FR FC LFE BL BR) with the voice only in the centre, as a lecture's camera records it
    media.mkdir(parents=True)
    soundfile.write(str(media / "centre.wav"), np.stack([silent, silent, voice, silent, silent, silent], axis=1).astype(np.float32), RATE, subtype="PCM_16")
    # stereo with one side 14.7 dB weaker (FL -21.9, FR -36.6 dBFS in a measured lecture)
    soundfile.write(str(media / "lopsided.wav"), np.stack([voice, voice * 10 ** (-14.7 / 20)], axis=1).astype(np.float32), RATE, subtype="PCM_16")
    # the same 5.1 sound on a clip
    make_video(media / "picture.mp4", seconds=4, size="160x90", audio=False)
    run_ffmpeg("-i", str(media / "picture.mp4"), "-i", str(media / "centre.wav"), "-map", "0:v", "-map", "1:a", "-c:v", "copy",
               "-c:a", "aac", "-t", "4", str(media / "lecture.mp4"))
    assert probe(media / "lecture.mp4").audio.channels == 6
    the_lesson = lesson(root, (CardSlide("centre", audio="media/centre.wav"), CardSlide("lopsided", audio="media/lopsided.wav"), Clip("media/lecture.mp4")),
                        (section("centre", SPOKEN), section("lopsided", SPOKEN)))
    result = build(the_lesson, tmp_path / "build" / "demo", tmp_path / "objects")
    audio = inspect(tmp_path / "build" / "demo" / result.videos["16:9"]).audio
    for name, span in _windows(result).items():
        left, right = _levels(_cut(audio, span))
        assert abs(left - right) <= 1.0, (name, left, right)
        assert abs(loudness(_cut(audio, span))[0] + 16) <= 1.0, name


def _hdr_clip(path: Path, transfer: str) -> Path:
    """A 10-bit HEVC clip with BT.2020 primaries and an HDR transfer, converted from testsrc2 so
    that SDR white lands on HDR reference white (203 nits: HLG 75%, BT.2408)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=1", "-f", "lavfi", "-i", "sine=d=1",
               "-vf", f"zscale=tin=bt709:min=bt709:pin=bt709:t={transfer}:m=bt2020nc:p=bt2020:r=tv:npl=203,format=yuv420p10le",
               "-c:v", "libx265", "-x265-params", "log-level=error", "-color_primaries", "bt2020", "-color_trc", transfer,
               "-colorspace", "bt2020nc", "-c:a", "aac", "-shortest", str(path))
    return path


@pytest.mark.parametrize("transfer", ["arib-std-b67", "smpte2084"])
def test_hdr_phone_video_is_tone_mapped_and_the_whole_file_is_bt709(tmp_path, transfer):
    import av

    root = tmp_path / "content" / "demo"
    _hdr_clip(root / "media" / "phone.mp4", transfer)
    make_video(root / "media" / "sdr.mp4", seconds=1, size="320x180")
    with av.open(str(root / "media" / "phone.mp4")) as source:
        stream = source.streams.video[0].codec_context
        assert (stream.format.name, stream.color_primaries, stream.colorspace) == ("yuv420p10le", 9, 9)
    the_lesson = lesson(root, (Clip("media/phone.mp4"), Clip("media/sdr.mp4")))
    result = build(the_lesson, tmp_path / "build" / "demo", tmp_path / "objects")
    with av.open(str(tmp_path / "build" / "demo" / result.videos["16:9"])) as out:
        stream = out.streams.video[0]
        assert (stream.codec_context.color_primaries, stream.codec_context.color_trc, stream.codec_context.colorspace) == (1, 1, 1)
        frames = list(out.decode(stream))
    assert len(frames) == 60
    assert all((f.color_primaries, f.color_trc, f.colorspace) == (1, 1, 1) for f in frames)
    hdr, sdr = frames[15].to_ndarray(format="gray").astype(float), frames[45].to_ndarray(format="gray").astype(float)
    # the same test pattern, once through HDR and tone mapping: levels close to the SDR copy's
    assert abs(hdr.mean() - sdr.mean()) < 15 and np.abs(hdr - sdr).mean() < 30
    assert np.percentile(hdr, 99) > 180 and np.percentile(hdr, 1) < 40


def test_browser_webm_without_a_duration_is_accepted_and_every_output_is_constant_30_fps(tmp_path):
    import av

    root = tmp_path / "content" / "demo"
    webm = root / "media" / "recorder.webm"
    webm.parent.mkdir(parents=True)
    # written to a pipe, as MediaRecorder writes it: the header cannot be updated with the length
    piped = subprocess.run([
        ffmpeg.ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=2.5",
        "-f", "lavfi", "-i", "sine=d=2.5", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus", "-shortest", "-f", "webm", "-",
    ], check=True, capture_output=True, stdin=subprocess.DEVNULL)
    webm.write_bytes(piped.stdout)
    with av.open(str(webm)) as container:
        assert container.duration is None and all(s.duration is None for s in container.streams)
    assert probe(webm).duration == pytest.approx(2.5, abs=0.05)
    result = build(lesson(root, (Clip("media/recorder.webm"), CardSlide("talk")), (section("talk", CARDS),)), tmp_path / "build" / "demo", tmp_path / "objects")
    assert result.timeline[0].end == 2.5
    with av.open(str(tmp_path / "build" / "demo" / result.videos["16:9"])) as out:
        stream = out.streams.video[0]
        pts = [packet.pts for packet in out.demux(stream) if packet.pts is not None]
        frame = int(1 / (30 * stream.time_base))
    steps = set(np.diff(sorted(pts)).tolist())
    assert steps == {frame}  # exactly one frame of 1/30 s between every two frames
    assert len(pts) == result.frames


@pytest.mark.e2e
def test_a_lesson_of_one_clip_builds(tmp_path, lesson_dir):
    from conftest import LESSON_YAML
    from pipeline.build import build as build_lessons
    from pipeline.stage import Settings

    folder = lesson_dir(LESSON_YAML.split("sequence:")[0] + "sequence:\n  - type: clip\n    file: media/clip.mp4\n", script=None)
    make_video(folder / "media" / "clip.mp4", seconds=1, size="320x180")
    [report] = build_lessons(Settings(folder.parent, tmp_path / "build"), [folder], until="transcode")
    assert report.status == "built", report.errors
    out = tmp_path / "build" / folder.name / "video" / f"{folder.name}-16x9.mp4"
    probed = inspect(out)
    assert (probed.width, probed.height, probed.frames) == (1920, 1080, 30)
    assert not (folder / "script.md").exists()
