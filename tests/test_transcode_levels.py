"""The per-voice loudness rules (pure: made-up measurements), the noise/clipping profile on
synthetic samples, and loudnorm's input ranges (real ffmpeg on a raw track)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import transcode_result
from pipeline.contracts import Level, Loudness, PartLoudness
from pipeline.transcode import levels, loudness
from pipeline.transcode.levels import Profile, Voice, judge
from pipeline.transcode.loudness import Measure

RECORDED = Voice("recorded-2", "recorded", "content/demo/media/memo.m4a", (2,), "card 'memo': media/memo.m4a")
CLIP = Voice("clip-1", "clip", "content/demo/media/room.mp4", (1,), "clip media/room.mp4")
SYNTH = Voice("synthesised", "synthesised", "content/demo: the synthesised voice", (3,), "synthesised voice (card 'a')")


def _m(i: float, tp: float = -10.0) -> Measure:
    return Measure(i, tp, 5.0, i - 10)


def test_speech_with_a_low_noise_floor_is_raised_however_quiet():
    level, problem = judge(RECORDED, _m(-58.0), Profile(-100.0, 0.0, 5.0))
    assert problem is None and (level.action, level.reliable, level.gain_db) == ("normalise", True, 42.0)


def test_speech_too_quiet_over_its_noise_is_refused_with_the_numbers():
    level, problem = judge(RECORDED, _m(-40.0), Profile(-55.0, 0.0, 5.0))
    assert level.action == "keep"
    assert str(problem) == (
        "content/demo/media/memo.m4a: its sound is too quiet to bring to -16 LUFS: it measures -40.0 LUFS over background noise at "
        "-55.0 dBFS, and the +24.0 dB needed would lift that noise to -31.0 dBFS (the limit is -35 dBFS) — record it again closer to "
        "the microphone, with the input level higher, in a quieter room")


def test_a_loud_noisy_recording_is_not_refused_when_it_is_turned_down():
    level, problem = judge(RECORDED, _m(-10.0), Profile(-30.0, 0.0, 5.0))
    assert problem is None and level.gain_db == -6.0


def test_noise_only_clip_is_kept_and_noise_only_narration_is_an_error():
    level, problem = judge(CLIP, _m(-63.0), Profile(-66.0, 0.0, 4.0))
    assert problem is None and (level.action, level.gain_db) == ("keep", 0.0)
    assert level.detail == "background noise only (-63.0 LUFS, no speech-like pauses): left as recorded, not boosted"
    _, problem = judge(RECORDED, _m(-63.0), Profile(-66.0, 0.0, 4.0))
    assert str(problem) == ("content/demo/media/memo.m4a: has no speech in it, only background noise at -63.0 LUFS — choose the recording "
                            "of this card's narration, or remove 'audio:' from the card to use the computer voice")


def test_a_steady_loud_sound_is_normalised_not_taken_for_noise():
    level, problem = judge(CLIP, _m(-21.0), Profile(-23.0, 0.0, 4.0))  # a tone, a hum, music without pauses
    assert problem is None and level.action == "normalise"


def test_clipped_beyond_repair_is_an_error_and_a_few_clipped_peaks_are_not():
    _, problem = judge(RECORDED, _m(2.0, 0.5), Profile(-40.0, 0.25, 5.0))
    assert str(problem) == ("content/demo/media/memo.m4a: is clipped: 25.0% of its samples are at full scale, distortion that no gain can "
                            "undo — record it again with the input level lower (or further from the microphone), so the loudest words stay under full scale")
    level, problem = judge(RECORDED, _m(-14.0, 0.0), Profile(-70.0, 0.004, 5.0))
    assert problem is None and level.action == "normalise"


def test_short_parts_are_normalised_but_not_called_reliable_and_tiny_ones_are_kept():
    level, problem = judge(SYNTH, _m(-22.0), Profile(-50.0, 0.0, 1.2))
    assert problem is None and (level.action, level.reliable) == ("normalise", False)
    assert level.detail == "lasts 1.2 s, under 3 s: normalised with what its 400 ms blocks measure, not reliably measured"
    level, problem = judge(CLIP, levels.UNMEASURED, Profile(-50.0, 0.0, 0.3))
    assert problem is None and (level.action, level.gain_db) == ("keep", 0.0)
    assert level.detail == "lasts 0.30 s, under one 0.4 s BS.1770 block: cannot be measured, kept at its level"
    _, problem = judge(RECORDED, levels.UNMEASURED, Profile(-math.inf, 0.0, 0.03))
    assert str(problem).startswith("content/demo/media/memo.m4a: has almost no sound in it: 0.03 s are left once the silence before and after is cut")


def test_profile_finds_the_floor_in_the_pauses_and_ignores_digital_silence():
    rng = np.random.default_rng(3)
    rate = 48000
    speech = np.sin(np.arange(rate) * 2 * np.pi * 200 / rate) * 0.3
    noise = rng.standard_normal(rate // 2) * 10 ** (-70 / 20)
    mono = np.concatenate([noise, speech, noise, speech, np.zeros(rate)])  # padding at the end
    stereo = np.stack([mono, mono], axis=1)
    found = levels.profile(iter([stereo[:30000], stereo[30000:]]))  # blocks not a multiple of the window
    assert found.floor == pytest.approx(-70.0, abs=1.0)
    assert found.clipped == 0.0 and found.seconds == pytest.approx(len(mono) / rate, abs=0.02)
    hard = np.clip(stereo * 4, -1, 1)
    assert levels.profile([hard]).clipped == pytest.approx(0.19, abs=0.02)  # |1.2 sin| >= 0.99 for 37% of the half that is tone


@pytest.mark.media
def test_a_track_loudnorm_cannot_take_is_limited_not_a_raw_ffmpeg_error(tmp_path):
    # a square wave at full scale measures above 0 LUFS: loudnorm refuses measured_I > 0
    rate = 48000
    square = np.sign(np.sin(np.arange(rate * 4) * 2 * np.pi * 300 / rate)).astype(np.float32) * 0.999
    raw = tmp_path / "loud.f32"
    raw.write_bytes(np.stack([square, square], axis=1).astype(np.float32).tobytes())
    before = loudness.measure(raw, "test", raw=True)
    assert before.I > 0
    result = loudness.normalise(raw, tmp_path / "out.f32", "test", before=before)
    after = loudness.measure(tmp_path / "out.f32", "test", raw=True)
    assert result.mode == "limited" and abs(after.I + 16) <= 0.5 and after.TP <= loudness.AIM_TP + 0.1


class _Evidence:
    """What a review check reads: the stages' results as ``upstream``."""

    def __init__(self, parts: list[PartLoudness]):
        level = Level(-16.0, -2.0, 5.0)
        loud = Loudness(level, level, "linear", 0.0, True, "", parts=tuple(parts))
        self.upstream = type("Upstream", (), {"transcode": transcode_result(loudness=loud)})()


def _row(voice: str, before: float, after: float, action: str = "normalise", reliable: bool = True, detail: str = "") -> PartLoudness:
    return PartLoudness(voice, "clip", (0,), 5.0, before, -70.0, action, "linear", 0.0, after, -2.0, reliable, detail)


def test_the_per_part_check_fails_a_part_more_than_2_lu_off_and_says_what_it_could_not_measure():
    from pipeline.review.checks.loudness import parts
    from pipeline.review.registry import all_checks

    rows = [
        _row("card 'memo': media/memo.m4a", -58.0, -16.4),
        _row("clip media/loud.mp4", -8.0, -13.5),
        _row("synthesised voice (card 'a')", -22.0, -16.1, reliable=False,
             detail="lasts 1.2 s, under 3 s: normalised with what its 400 ms blocks measure, not reliably measured"),
        _row("clip media/room.mp4", -63.0, -63.2, action="keep", reliable=False,
             detail="background noise only (-63.0 LUFS, no speech-like pauses): left as recorded, not boosted"),
    ]
    assert list(parts(_Evidence(rows))) == [
        (True, -16.4, "-16 ±2", "card 'memo': media/memo.m4a: -58.0 → -16.4 LUFS"),
        (False, -13.5, "-16 ±2", "clip media/loud.mp4: -8.0 → -13.5 LUFS"),
        (None, -16.1, "-16 ±2", "synthesised voice (card 'a'): -22.0 → -16.1 LUFS; lasts 1.2 s, under 3 s: normalised with what its 400 ms "
                                "blocks measure, not reliably measured"),
        (None, -63.2, "-16 ±2", "clip media/room.mp4: background noise only (-63.0 LUFS, no speech-like pauses): left as recorded, not boosted"),
    ]
    check = next(c for c in all_checks() if c.id == "loudness.parts")
    assert check.severity == "blocking"
    assert [r.passed for r in check.run(_Evidence(rows))] == [True, False, None, None]
