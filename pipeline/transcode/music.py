"""The school's sting over the intro and outro, and the music bed under the narration, ducked.

Mixed into the assembled track *before* the whole is normalised, so the two-pass linear
loudness rule of the house format (-16 LUFS, -1.5 dBTP) holds for what the learner hears,
music included; every voice was brought to the house loudness on its own before (``voices``).

- The sting and the music are first rendered as raw 48 kHz stereo float (the music looped to
  the body of the lesson, between intro and outro) and measured with the same ebur128 meter, so
  their gains are exact whatever their format or channel layout.
- The sting is set to ``STING_LEVEL`` LUFS, the bed to the lesson's ``music.level`` dB under
  the house loudness (-8 dB: heard in the pauses), both with their peaks kept ``HEADROOM`` dB
  under the limiter's aim so the mix stays linear.
- The loudness range (LRA, at most 11 LU in the house format) is the trap of a music bed: BS.1770
  gates out silence, but not a quiet bed, so music alone in the pauses 14–20 dB under the voice
  stretches the range to 14–20 LU (measured on the Russian example: 3.1 LU without music, 14.7 at
  -14 dB, 20.3 at -20 dB, 10.7 at -10 dB, 8.8 at -8 dB, 3.6 at -24 dB, where the gate drops it).
  So the mix is measured, and while its range is over ``LRA_AIM`` the bed is raised by the excess
  (at most to ``LEVEL_MAX``); the level used is reported with the loudness.
- Ducking is ffmpeg's ``sidechaincompress`` keyed by the narration track itself: while anyone
  speaks (narration, a clip's sound) the bed is pushed down by about ``ratio``'s worth, and
  comes back over ``RELEASE`` ms in the pauses. We use ffmpeg rather than pydub (which the
  narration clean-up uses) because pydub's ducking would be hand-written gain envelopes over
  whole tracks held in memory, while the filter streams and is one more argv list.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from pipeline import ffmpeg
from pipeline.house import HOUSE
from pipeline.i18n import _
from pipeline.lesson.model import Lesson
from pipeline.transcode import commands, loudness
from pipeline.transcode.commands import BITEXACT, QUIET, WHITELIST
from pipeline.transcode.plan import Plan
from pipeline.transcode.settings import AUDIO_RATE, SAMPLES_PER_FRAME

STING_LEVEL = loudness.TARGET_I - 2.0  # LUFS: the sting a little under the voice that follows it
HEADROOM = 3.0  # dB under the limiter's aim for the sting's and the bed's peaks
FADE_IN = 1.0  # seconds
FADE_OUT = 2.0
# sidechaincompress: threshold in amplitude (0.03 = -30.5 dBFS, well under speech at -16 LUFS and
# over the room tone of a normalised recording), ratio 8 (about 12 dB down under speech at the
# house loudness, measured in tests/test_branding.py), a 20 ms attack that catches a word's
# onset, and a 400 ms release so the bed does not pump between words.
DUCKING = {"threshold": 0.03, "ratio": 8, "attack": 20, "release": 400, "knee": 4}
LRA_AIM = HOUSE.loudness.loudness_range - 1.0  # LU: one under the house limit, for the encoder's rounding
LEVEL_MAX = -6.0  # dB: the bed is never raised closer to the voice than this
RAISES = 3  # mixes at most, after the first


@dataclass(frozen=True)
class Layout:
    """Where the branded sound goes in the track, in samples."""

    total: int
    body: tuple[int, int]  # the bed plays over [first, last): between the intro and the outro
    stings: tuple[int, ...]  # where the sting starts: the intro's and the outro's first sample


def needed(lesson: Lesson) -> bool:
    return bool(lesson.music or lesson.school.sting)


def layout(plan: Plan) -> Layout:
    starts = plan.starts()
    total = plan.frames * SAMPLES_PER_FRAME
    first, last, stings = 0, total, []
    for part, start in zip(plan.parts, starts):
        if part.kind == "intro":
            first = (start + part.frames) * SAMPLES_PER_FRAME
            stings.append(start * SAMPLES_PER_FRAME)
        elif part.kind == "outro":
            last = start * SAMPLES_PER_FRAME
            stings.append(start * SAMPLES_PER_FRAME)
    return Layout(total, (first, max(first, last)), tuple(stings))


def render_command(src: str, samples: int | None, loop: bool, out: str) -> list[str]:
    """A sting or music file as raw 48 kHz stereo float: looped and cut to ``samples`` for the bed."""
    trim = f",atrim=end_sample={samples}" if samples else ""
    return [
        "ffmpeg", *QUIET, *(["-stream_loop", "-1"] if loop else []), *WHITELIST, "-i", src, "-map", "0:a:0", "-vn",
        "-af", f"{commands.downmix('stereo')}{trim}", "-ac", "2", "-ar", str(AUDIO_RATE),
        "-c:a", "pcm_f32le", "-flags:a", "+bitexact", *BITEXACT, "-f", "f32le", out,
    ]


def mix_command(track: str, bed: str | None, bed_gain: float, sting: str | None, sting_gain: float,
                where: Layout, out: str) -> list[str]:
    """The track with the ducked bed and the stings mixed in: raw float in, raw float out, exactly
    ``where.total`` samples. Pure: tests compare the argv."""
    raw = ["-f", "f32le", "-ar", str(AUDIO_RATE), "-ac", "2"]
    argv = ["ffmpeg", *QUIET, *raw, *WHITELIST, "-i", track]
    graph, mixed = [], ["[voice]"]
    if bed is not None:
        argv += [*raw, *WHITELIST, "-i", bed]
        first, last = where.body
        length = last - first
        fade_in, fade_out = min(round(FADE_IN * AUDIO_RATE), length // 2), min(round(FADE_OUT * AUDIO_RATE), length // 2)
        duck = ":".join(f"{k}={v}" for k, v in DUCKING.items())
        graph += [
            "[0:a]asplit=2[voice][key]",
            f"[1:a]volume={bed_gain:.2f}dB,afade=t=in:ss=0:ns={fade_in},"
            f"afade=t=out:ss={length - fade_out}:ns={fade_out},adelay=delays={first}S:all=1,"
            f"apad=whole_len={where.total}[bed]",
            f"[bed][key]sidechaincompress={duck}[ducked]",
        ]
        mixed.append("[ducked]")
    else:
        graph.append("[0:a]anull[voice]")
    if sting is not None and where.stings:
        index = 2 if bed is not None else 1
        argv += [*raw, *WHITELIST, "-i", sting]
        names = [f"[s{i}]" for i in range(len(where.stings))]
        graph.append(f"[{index}:a]volume={sting_gain:.2f}dB,asplit={len(names)}{''.join(names)}")
        for i, at in enumerate(where.stings):
            graph.append(f"[s{i}]adelay=delays={at}S:all=1[t{i}]")
            mixed.append(f"[t{i}]")
    graph.append(f"{''.join(mixed)}amix=inputs={len(mixed)}:duration=first:normalize=0:dropout_transition=0,"
                 f"apad=whole_len={where.total},atrim=end_sample={where.total}[out]")
    return argv + ["-filter_complex", ";".join(graph), "-map", "[out]", "-c:a", "pcm_f32le", "-flags:a", "+bitexact",
                   *BITEXACT, "-f", "f32le", out]


def gain(measured: loudness.Measure, target: float) -> float:
    """The gain that brings ``measured`` to ``target`` LUFS, its true peak kept under the aim."""
    if not math.isfinite(measured.I):
        return 0.0
    wanted = target - measured.I
    if math.isfinite(measured.TP):
        wanted = min(wanted, loudness.AIM_TP - HEADROOM - measured.TP)
    return round(wanted, 2)


@dataclass(frozen=True)
class Mixed:
    """What was mixed: the gains, the bed's level against the voice and, with a bed, the mix's
    loudness as measured (the normalisation takes it instead of measuring the same bytes again)."""

    bed_gain: float | None
    sting_gain: float | None
    level: float | None = None
    measured: loudness.Measure | None = None

    @property
    def lra(self) -> float | None:
        return self.measured.LRA if self.measured is not None else None

    def note(self, asked: float | None) -> str:
        """A sentence for the loudness detail when the bed had to be raised, else ""."""
        if self.level is None or asked is None or self.level <= asked + 1e-9:
            return ""
        return _("the music bed was raised from {asked} to {level} dB under the voice so the loudness range stays "
                 "within {limit} LU ({lra} LU)", asked=f"{asked:g}", level=f"{self.level:.1f}",
                 limit=f"{HOUSE.loudness.loudness_range:g}", lra=f"{self.lra:.1f}")


def mix(plan: Plan, lesson: Lesson, track: Path, out: Path, scratch: Path, context: str) -> Mixed:
    """Write ``track`` (raw float) with the school's sting and the lesson's music bed into ``out``."""
    where = layout(plan)
    bed = sting = None
    bed_gain = sting_gain = None
    if lesson.music is not None and where.body[1] > where.body[0]:
        bed = scratch / "music-bed.f32"
        ffmpeg.run(render_command(str(lesson.root / lesson.music.file), where.body[1] - where.body[0], True, str(bed)),
                   context=f"{context}/{lesson.music.file}")
        bed_measure = loudness.measure(bed, context, raw=True)
        bed_gain = gain(bed_measure, loudness.TARGET_I + lesson.music.level)
    if lesson.school.sting and where.stings:
        sting = scratch / "sting.f32"
        ffmpeg.run(render_command(str(lesson.root / lesson.school.sting), None, False, str(sting)),
                   context=f"{context}/{lesson.school.sting}")
        sting_gain = gain(loudness.measure(sting, context, raw=True), STING_LEVEL)
    level = lesson.music.level if bed is not None else None
    for attempt in range(RAISES + 1):
        argv = mix_command(str(track), str(bed) if bed else None, bed_gain or 0.0, str(sting) if sting else None,
                           sting_gain or 0.0, where, str(out))
        ffmpeg.run(argv, context=context)
        if bed is None:
            break
        measured = loudness.measure(out, context, raw=True)
        lra = measured.LRA
        if not math.isfinite(lra) or lra <= LRA_AIM or level >= LEVEL_MAX or attempt == RAISES:
            break
        level = min(LEVEL_MAX, level + (lra - LRA_AIM))
        bed_gain = gain(bed_measure, loudness.TARGET_I + level)
    for path in (bed, sting):
        if path is not None:
            path.unlink()
    return Mixed(bed_gain, sting_gain, level, measured if bed is not None else None)
