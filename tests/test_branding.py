"""The school's intro, outro and sting, and the music bed, through the real transcode stage.

Checked with readers independent of the stage: PyAV for frames and samples, pyloudnorm for the
whole's loudness, and ffmpeg's own astats meter on time windows of a band the speech cannot reach
(the test's music is a 12 kHz tone; espeak-ng speaks at 22.05 kHz, so nothing of the voice lies
over 11.025 kHz), so the bed's level is read under speech and in the pauses alike.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import LESSON_YAML, make_image, run_ffmpeg
from pipeline import ffmpeg
from pipeline.errors import LessonError
from pipeline.lesson.loader import load_lesson
from pipeline.lesson.model import CardSlide, EndCard, Music, School, TitleCard
from pipeline.transcode import music
from pipeline.transcode.plan import Part, Plan
from transcode_helpers import build, inspect, lesson, loudness, section

NARRATION = ("Hold the phone with both hands and keep your elbows close to your body. "
             "Lean on a table or a wall to keep it steady while you speak.")
BACKGROUND = (0x1a, 0x5f, 0xb4)
ACCENT = "#e01b24"


def _school_lesson(root: Path, with_music: bool = True, sting: bool = True):
    make_image(root / "media" / "logo.png", "120x120", "yellow")
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=1000:r=48000:d=1.2", "-c:a", "aac", str(root / "media" / "sting.m4a"))
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=12000:r=48000:d=5", "-c:a", "pcm_s16le", str(root / "media" / "bed.wav"))
    base = lesson(root, (TitleCard(duration=2.0), CardSlide("steady"), EndCard(duration=2.0)),
                  (section("steady", NARRATION),))
    school = School("Lyceum 1", "media/logo.png", (("background", "#1a5fb4"), ("accent", ACCENT)),
                    "media/sting.m4a" if sting else "", 2.0, 2.0)
    bed = Music("media/bed.wav", "CC0-1.0", "a 12 kHz tone made by the test") if with_music else None
    return replace(base, school=school, music=bed)


@pytest.fixture(scope="module")
def branded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("branded")
    the_lesson = _school_lesson(tmp / "content" / "demo")
    result = build(the_lesson, tmp / "build" / "demo", tmp / "store")
    return the_lesson, result, tmp / "build" / "demo" / result.videos["16:9"]


def _astats_rms(video: Path, start: float, end: float, band: bool) -> float:
    """RMS level (dBFS) of [start, end) of the video's sound, measured by ffmpeg's astats; with
    ``band`` only 11.5–12.5 kHz (the test music), through four band-pass stages."""
    chain = f"atrim=start={start}:end={end}"
    if band:
        chain += ",bandpass=f=12000:width_type=h:w=500" * 4
    chain += ",astats=measure_perchannel=none"
    done = subprocess.run([ffmpeg.ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(video), "-map", "0:a:0",
                           "-af", chain, "-f", "null", "-"], capture_output=True, text=True, check=True)
    return float(re.findall(r"RMS level dB:\s*(-?[\d.]+|-inf)", done.stderr)[-1])


def _frame_rgb(video: Path, seconds: float) -> np.ndarray:
    import av

    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            if frame.time >= seconds:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame at {seconds} s")


@pytest.mark.media
def test_intro_and_outro_in_the_school_colours(branded):
    the_lesson, result, video = branded
    kinds = [p.kind for p in result.timeline]
    assert kinds == ["intro", "title", "card", "end", "outro"]
    intro, outro = result.timeline[0], result.timeline[-1]
    assert (intro.start, intro.end) == (0.0, 2.0)
    assert round(outro.end - outro.start, 6) == 2.0 and outro.end == result.duration
    probed = inspect(video)
    assert probed.frames == result.frames and abs(probed.video_seconds - result.duration) < 1e-6
    for at in (1.0, result.duration - 1.0):
        rgb = _frame_rgb(video, at)
        corner = rgb[8, 8].astype(int)
        assert np.abs(corner - BACKGROUND).max() <= 6, (at, corner)  # the school's background, by pixel
        middle = rgb[rgb.shape[0] // 2, rgb.shape[1] // 2].astype(int)
        assert middle[0] > 200 and middle[1] > 200 and middle[2] < 80, middle  # the (yellow) logo in the middle
    last = _frame_rgb(video, result.duration - 0.5)
    assert np.abs(last[-2, 8].astype(int) - (0xe0, 0x1b, 0x24)).max() <= 12  # the outro's accent band
    title = _frame_rgb(video, 3.0)
    assert np.abs(title[8, 8].astype(int) - BACKGROUND).max() > 40  # the title card is not the intro


@pytest.mark.media
def test_sting_heard_over_intro_and_outro(branded):
    _, result, video = branded
    assert _astats_rms(video, 0.1, 1.0, band=False) > -40  # the sting
    assert _astats_rms(video, result.duration - 1.9, result.duration - 1.0, band=False) > -40
    assert _astats_rms(video, 1.5, 1.9, band=True) < -70  # no music under the intro: it starts with the lesson


@pytest.mark.media
def test_music_ducked_under_speech_and_loudness_on_target(branded):
    _, result, video = branded
    card = next(p for p in result.timeline if p.kind == "card")
    sentences = card.speech.sentences
    assert len(sentences) == 2
    # the bed in the pause of the title card (after its 1 s fade-in) against the bed under each sentence
    gap = _astats_rms(video, 3.0, 3.9, band=True)
    under = [_astats_rms(video, s.start + 0.4, s.end - 0.3, band=True) for s in sentences]
    assert gap > -60, gap  # the bed is heard
    for level in under:
        assert gap - level >= 6.0, (gap, under)  # ducked by at least 6 dB while the voice speaks
    integrated, peak = loudness(inspect(video).audio)
    assert abs(integrated - (-16.0)) <= 1.0 and peak <= -1.5, (integrated, peak)
    assert result.loudness.after.I is not None and abs(result.loudness.after.I + 16) <= 1.0
    print(f"bed in the pause {gap:.1f} dBFS, under speech {', '.join(f'{u:.1f}' for u in under)} dBFS; "
          f"whole {integrated:.2f} LUFS, true peak {peak:.2f} dBTP")


@pytest.mark.pure
def test_unbranded_lesson_keeps_its_plan(tmp_path):
    plain = lesson(tmp_path / "content" / "demo", (TitleCard(duration=2.0), EndCard(duration=2.0)))
    from pipeline.transcode.plan import _framed

    parts = [Part(0, "title", 60), Part(1, "end", 60)]
    assert list(_framed(plain, parts)) == parts


@pytest.mark.pure
def test_mix_command_is_data():
    parts = (Part(0, "intro", 60), Part(1, "card", 90), Part(2, "outro", 60))
    where = music.layout(Plan(parts))
    assert where == music.Layout(336000, (96000, 240000), (0, 240000))
    argv = music.mix_command("t.f32", "bed.f32", -20.5, "s.f32", -3.0, where, "out.f32")
    graph = argv[argv.index("-filter_complex") + 1].split(";")
    assert graph[0] == "[0:a]asplit=2[voice][key]"
    assert graph[1] == ("[1:a]volume=-20.50dB,afade=t=in:ss=0:ns=48000,afade=t=out:ss=72000:ns=72000,"
                        "adelay=delays=96000S:all=1,apad=whole_len=336000[bed]")
    assert graph[2] == "[bed][key]sidechaincompress=threshold=0.03:ratio=8:attack=20:release=400:knee=4[ducked]"
    assert graph[3:6] == ["[2:a]volume=-3.00dB,asplit=2[s0][s1]", "[s0]adelay=delays=0S:all=1[t0]",
                          "[s1]adelay=delays=240000S:all=1[t1]"]
    assert graph[6].startswith("[voice][ducked][t0][t1]amix=inputs=4:duration=first:normalize=0")
    assert argv.count("-protocol_whitelist") == 3 and argv[-1] == "out.f32"


PINNED = [
    "L/lesson.yaml:26:10: school.intro: the intro shows your school's logo, and there is none — add "
    "'logo: media/<your logo>.png' under 'school:', or remove the intro",
    "L/lesson.yaml:33:10: music.level: 3 is outside -30 to -6 — write a number from -30 to -6",
]
BRANDED_YAML = LESSON_YAML + """\
school:
  name: Lyceum 1
  logo: media/logo.png
  colors: {background: "#1a5fb4"}
  intro: 2
  outro: 2.5
  sting: media/sting.m4a
music:
  file: media/bed.wav
  licence: CC-BY-4.0
  credit: "Morning by Anna, from the school band"
  level: -18
"""


def _branded_folder(lesson_dir, yaml: str = BRANDED_YAML, sting_seconds: float = 1.2):
    folder = lesson_dir(yaml=yaml)
    make_image(folder / "media" / "logo.png", "64x64", "yellow")
    run_ffmpeg("-f", "lavfi", "-i", f"sine=f=1000:r=48000:d={sting_seconds}", "-c:a", "aac", str(folder / "media" / "sting.m4a"))
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=300:r=48000:d=4", str(folder / "media" / "bed.wav"))
    return folder


@pytest.mark.media
def test_branding_loads(lesson_dir):
    loaded = load_lesson(_branded_folder(lesson_dir))
    assert loaded.school == School("Lyceum 1", "media/logo.png", (("background", "#1a5fb4"),), "media/sting.m4a", 2.0, 2.5)
    assert loaded.music == Music("media/bed.wav", "CC-BY-4.0", "Morning by Anna, from the school band", -18.0)


def _problems(folder) -> list[str]:
    """The lesson's messages with its folder written 'L'."""
    with pytest.raises(LessonError) as caught:
        load_lesson(folder)
    return [str(d).replace(str(folder), "L") for d in caught.value.diagnostics]


@pytest.mark.media
def test_branding_errors_name_file_field_and_fix(lesson_dir):
    yaml = BRANDED_YAML.replace("  logo: media/logo.png\n", "").replace("level: -18", "level: 3")
    assert _problems(_branded_folder(lesson_dir, yaml)) == PINNED


@pytest.mark.media
def test_sting_longer_than_the_intro_and_music_without_licence(lesson_dir):
    yaml = BRANDED_YAML.replace("  licence: CC-BY-4.0\n", "")
    folder = _branded_folder(lesson_dir, yaml, sting_seconds=3.0)
    found = _problems(folder)
    assert any(p.endswith("school.sting: 'media/sting.m4a' lasts 3.0 s, longer than the 2 s intro or outro it plays over — "
                          "cut the sting to 2 s or less, or lengthen the intro and outro") for p in found), found
    assert any(":17:3: music: 'licence' is missing" in p or "music.licence" in p for p in found), found


@pytest.mark.media
def test_music_outside_the_lesson_and_attribution(lesson_dir, tmp_path):
    yaml = BRANDED_YAML.replace("media/bed.wav", "../bed.wav").replace(
        "  credit: \"Morning by Anna, from the school band\"\n", "")
    found = _problems(_branded_folder(lesson_dir, yaml))
    assert any("music.file: '../bed.wav' leaves the lesson folder" in p for p in found), found
    yaml = BRANDED_YAML.replace("  credit: \"Morning by Anna, from the school band\"\n", "")
    found = _problems(_branded_folder(lesson_dir, yaml))
    assert any("music.licence: the licence CC-BY-4.0 asks you to name the work and its author, and there is no credit — "
               "add 'credit: \"<title> by <author>, <where it came from>\"' under 'music:'" in p for p in found), found


@pytest.mark.pure
def test_music_alone_covers_the_whole_and_a_sting_alone_is_input_one():
    where = music.layout(Plan((Part(0, "title", 30), Part(1, "card", 60))))
    assert where == music.Layout(144000, (0, 144000), ())
    argv = music.mix_command("t.f32", "bed.f32", -14.0, None, 0.0, where, "out.f32")
    graph = argv[argv.index("-filter_complex") + 1].split(";")
    assert graph[-1].startswith("[voice][ducked]amix=inputs=2:")
    intro = music.layout(Plan((Part(0, "intro", 30), Part(1, "card", 60))))
    argv = music.mix_command("t.f32", None, 0.0, "s.f32", -2.0, intro, "out.f32")
    graph = argv[argv.index("-filter_complex") + 1].split(";")
    assert graph == ["[0:a]anull[voice]", "[1:a]volume=-2.00dB,asplit=1[s0]", "[s0]adelay=delays=0S:all=1[t0]",
                     "[voice][t0]amix=inputs=2:duration=first:normalize=0:dropout_transition=0,"
                     "apad=whole_len=144000,atrim=end_sample=144000[out]"]


@pytest.mark.pure
def test_gain_keeps_the_peak_under_the_limiter():
    from pipeline.transcode.loudness import Measure

    assert music.gain(Measure(-30.0, -20.0, 3.0, -40.0), -18.0) == 12.0
    assert music.gain(Measure(-30.0, -6.0, 3.0, -40.0), -18.0) == 1.0  # -6 + 1 = -5 dBTP: 3 dB under the -2 aim
    assert music.gain(Measure(float("-inf"), float("-inf"), 0.0, -70.0), -18.0) == 0.0


@pytest.mark.media
def test_branded_build_gives_the_same_bytes_twice(branded, tmp_path):
    the_lesson, result, video = branded
    again = build(the_lesson, tmp_path / "build" / "demo", tmp_path / "store")
    assert (tmp_path / "build" / "demo" / again.videos["16:9"]).read_bytes() == video.read_bytes()


def _lra(video: Path) -> float:
    done = subprocess.run([ffmpeg.ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(video), "-map", "0:a:0",
                           "-af", "ebur128=framelog=quiet", "-f", "null", "-"], capture_output=True, text=True, check=True)
    return float(re.findall(r"LRA:\s+(\S+) LU", done.stderr)[-1])


@pytest.mark.media
def test_a_quiet_bed_is_raised_until_the_range_fits(tmp_path):
    """Music 20 dB under the voice, alone for seconds on the title and end cards: BS.1770's gate keeps
    it, and the loudness range would stretch far past 11 LU. The mix raises it until the range fits."""
    base = _school_lesson(tmp_path / "content" / "demo", sting=False)
    run_ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.2*sin(2*PI*220*t)+0.2*sin(2*PI*330*t):s=48000:d=8",
               str(tmp_path / "content" / "demo" / "media" / "pad.wav"))
    quiet = replace(base, sequence=(TitleCard(duration=6.0), CardSlide("steady"), EndCard(duration=6.0)),
                    music=Music("media/pad.wav", "CC0-1.0", "", -20.0))
    result = build(quiet, tmp_path / "build" / "demo", tmp_path / "store")
    video = tmp_path / "build" / "demo" / result.videos["16:9"]
    assert _lra(video) <= 11.0
    assert "the music bed was raised from -20 to " in result.loudness.detail, result.loudness.detail
    assert abs(result.loudness.after.I + 16) <= 1.0
    print(f"range {_lra(video):.1f} LU; {result.loudness.detail}")


@pytest.mark.media
def test_music_shorter_than_a_second_is_refused(lesson_dir):
    folder = _branded_folder(lesson_dir)
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=300:r=48000:d=0.5", str(folder / "media" / "bed.wav"))
    assert "L/lesson.yaml:31:9: music.file: 'media/bed.wav' lasts 0.50 s, too short to be a music bed — use music of at least " \
           "1 s (it is looped under the whole lesson)" in _problems(folder)


@pytest.mark.media
def test_a_draft_reusing_its_sound_hears_a_new_music_level(tmp_path):
    """The studio's draft keeps its finished track while only pictures change (reuse_audio): a new
    music level is a new track, not the kept one."""
    from pipeline.transcode.assemble import transcode
    from transcode_helpers import SMALL, context, fake_cards

    the_lesson = _school_lesson(tmp_path / "content" / "demo")
    out, store = tmp_path / "build" / "demo", tmp_path / "store"
    levels = []
    for level in (-8.0, -16.0):
        changed = replace(the_lesson, music=replace(the_lesson.music, level=level))
        result = transcode(context(changed, out, store, fake_cards(out, changed, SMALL)), SMALL, reuse_audio=True)
        levels.append(_astats_rms(out / result.videos["16:9"], 3.0, 3.9, band=True))
    assert levels[0] - levels[1] >= 6.0, levels  # the bed in the pause follows the level: the track was made again
