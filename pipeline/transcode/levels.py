"""Loudness part by part: every voice of a lesson reaches the house loudness on its own.

Normalising only the whole track lets one part decide for all: a quiet recording stays quiet
beside the computer voice, a loud one pushes the computer voice down. So the track is made of
*voices* — each clip's sound, each recorded narration, and the synthesised voice (all
synthesised cards together: one speaker, one gain) — and each is measured (ebur128, BS.1770)
and brought to -16 LUFS with true-peak limiting before the whole is assembled and measured.

Before any gain, each voice is judged, and the rules are stated here:

- **background noise**: the level of the quietest 5% of its 20 ms windows (RMS, both channels,
  digital silence from padding or trimming left out). A voice whose loudness rises less than
  ``STEADY`` LU over that floor has no pauses between words: a tone, a hum, or noise.
- **noise only**: a steady voice under ``NOISE_ONLY`` LUFS is background noise (room tone,
  hiss): a clip's is left as recorded, never boosted; a narration of it is an error.
- **too quiet to rescue**: raising a recording lifts its background noise by the same gain; the
  noise may end at most at ``NOISE_CEILING`` dBFS, otherwise it is an error that says so.
- **clipped**: more than ``CLIP_SHARE`` of the samples at full scale is distortion no gain
  undoes: an error. Fewer clipped peaks are held by the limiter.
- **short**: BS.1770 gates 400 ms blocks, and the house rule calls loudness under 3 s unreliable.
  A voice of 0.4–3 s is normalised with what its blocks measure and reported as *not reliably
  measured* (the review says so instead of passing or failing it); under 0.4 s nothing can be
  measured and it keeps its level.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from pipeline.errors import Diagnostic
from pipeline.i18n import _
from pipeline.transcode import loudness
from pipeline.transcode.settings import AUDIO_RATE as RATE

WINDOW = RATE // 50  # 20 ms: short enough to fall inside the pauses between words
QUIETEST = 5  # percent of windows that make the background-noise estimate
DIGITAL_SILENCE = 1e-12  # mean square power (-120 dBFS): padding, not a recording's noise
STEADY = 10.0  # LU over the noise floor: less, and the sound has no speech-like pauses
NOISE_ONLY = -45.0  # LUFS: a steady sound this quiet is background noise
NOISE_CEILING = -35.0  # dBFS: the loudest background noise normalisation may lift a recording to
CLIP_LEVEL = 0.99  # |sample| at or over this is at full scale
CLIP_SHARE = 0.01  # more than 1% of samples at full scale: clipped beyond repair
BLOCK = 0.4  # seconds: one BS.1770 gating block, the least that can be measured at all
UNMEASURED = loudness.Measure(-math.inf, -math.inf, 0.0, -math.inf)


@dataclass(frozen=True)
class Voice:
    """One source the listener hears as one: ``parts`` are plan part indices."""

    key: str  # "clip-3", "recorded-2", "synthesised"
    kind: str  # "clip" | "recorded" | "synthesised"
    label: str  # the file (or lesson) errors name: "content/intro/media/memo.m4a"
    parts: tuple[int, ...]
    name: str = ""  # how the review report names it: "card 'memo': media/memo.m4a"


@dataclass(frozen=True)
class Profile:
    """What the samples say besides loudness: the background-noise floor and clipping."""

    floor: float  # dBFS, -inf when there is only digital silence
    clipped: float  # share of samples at full scale
    seconds: float


@dataclass(frozen=True)
class Level:
    """The decision for one voice: the gain to apply (or none) and why."""

    voice: Voice
    measured: loudness.Measure
    profile: Profile
    action: str  # "normalise" | "keep"
    reliable: bool  # False: too short (or nothing) to measure reliably
    detail: str

    @property
    def gain_db(self) -> float:
        return round(loudness.TARGET_I - self.measured.I, 2) if self.action == "normalise" else 0.0


def profile(blocks: Iterable[np.ndarray]) -> Profile:
    """The background-noise floor and the clipped share of (n, channels) float blocks.

    Reads block by block, so a long clip never sits in memory whole."""
    powers, rest = [], np.zeros((0, 1), dtype=np.float64)
    clipped = total = 0
    for block in blocks:
        block = np.asarray(block, dtype=np.float64)
        if rest.shape[1] != block.shape[1]:
            rest = np.zeros((0, block.shape[1]))
        block = np.concatenate([rest, block])
        usable = len(block) - len(block) % WINDOW
        frames, rest = block[:usable], block[usable:]
        if usable:
            powers.append((frames ** 2).mean(axis=1).reshape(-1, WINDOW).mean(axis=1))
        clipped += int((np.abs(block[:usable]).max(axis=1, initial=0) >= CLIP_LEVEL).sum())
        total += usable
    total += len(rest)
    power = np.concatenate(powers) if powers else np.zeros(0)
    power = power[power > DIGITAL_SILENCE]
    floor = 10 * math.log10(float(np.percentile(power, QUIETEST))) if len(power) else -math.inf
    return Profile(round(floor, 2), clipped / total if total else 0.0, total / RATE)


def judge(voice: Voice, measured: loudness.Measure, found: Profile) -> tuple[Level, Diagnostic | None]:
    """The gain rule for one voice (see the module's docstring), and the problem when the voice
    cannot be used as it is. Pure: tested with made-up measurements."""
    def keep(detail: str, reliable: bool = False) -> Level:
        return Level(voice, measured, found, "keep", reliable, detail)

    if found.seconds < BLOCK and voice.kind == "recorded":
        return keep(_("no sound")), _problem(
            voice, _("has almost no sound in it: {seconds} s are left once the silence before and after is cut",
                     seconds=f"{found.seconds:.2f}"),
            _("choose the recording of this card's narration (the whole file may be quieter than -80 dBFS), or remove 'audio:' "
              "from the card"))
    if found.seconds < BLOCK:
        return keep(_("lasts {seconds} s, under one 0.4 s BS.1770 block: cannot be measured, kept at its level",
                      seconds=f"{found.seconds:.2f}")), None
    if not math.isfinite(measured.I) or measured.I <= loudness.SILENT:
        return keep(_("silent: nothing to normalise")), None
    recorded = voice.kind != "synthesised"
    if recorded and found.clipped > CLIP_SHARE:
        return keep(_("clipped")), _problem(
            voice, _("is clipped: {share} of its samples are at full scale, distortion that no gain can undo",
                     share=f"{found.clipped:.1%}"),
            _("record it again with the input level lower (or further from the microphone), so the loudest words stay under "
              "full scale"))
    rise = measured.I - found.floor
    if recorded and rise < STEADY and measured.I < NOISE_ONLY:
        if voice.kind == "clip":
            return keep(_("background noise only ({lufs} LUFS, no speech-like pauses): left as recorded, not boosted",
                          lufs=f"{measured.I:.1f}")), None
        return keep(_("noise only")), _problem(
            voice, _("has no speech in it, only background noise at {lufs} LUFS", lufs=f"{measured.I:.1f}"),
            _("choose the recording of this card's narration, or remove 'audio:' from the card to use the computer voice"))
    gain = loudness.TARGET_I - measured.I
    lifted = found.floor + gain
    if recorded and rise >= STEADY and gain > 0 and lifted > NOISE_CEILING:
        return keep(_("too quiet")), _problem(
            voice,
            _("its sound is too quiet to bring to {target} LUFS: it measures {lufs} LUFS over background noise at {floor} dBFS, "
              "and the {gain} dB needed would lift that noise to {lifted} dBFS (the limit is {ceiling} dBFS)",
              target=f"{loudness.TARGET_I:g}", lufs=f"{measured.I:.1f}", floor=f"{found.floor:.1f}", gain=f"{gain:+.1f}",
              lifted=f"{lifted:.1f}", ceiling=f"{NOISE_CEILING:g}"),
            _("record it again closer to the microphone, with the input level higher, in a quieter room"))
    if found.seconds < loudness.SHORT:
        detail = _("lasts {seconds} s, under 3 s: normalised with what its 400 ms blocks measure, not reliably measured",
                   seconds=f"{found.seconds:.1f}")
        return Level(voice, measured, found, "normalise", False, detail), None
    return Level(voice, measured, found, "normalise", True, ""), None


def _problem(voice: Voice, message: str, hint: str) -> Diagnostic:
    return Diagnostic(voice.label, 0, 0, "", message, hint)


def raw_blocks(path: Path, block: int = RATE * 10) -> Iterable[np.ndarray]:
    """(n, 2) float32 blocks of a raw 48 kHz stereo float file."""
    with open(path, "rb") as handle:
        while chunk := handle.read(block * 8):
            yield np.frombuffer(chunk, dtype=np.float32).reshape(-1, 2)


def write_raw(path: Path, pieces: Iterable[np.ndarray]) -> None:
    with open(path, "wb") as handle:
        for piece in pieces:
            handle.write(np.ascontiguousarray(piece, dtype=np.float32).tobytes())


def read_raw(path: Path) -> np.ndarray:
    return np.fromfile(path, dtype=np.float32).reshape(-1, 2)
