"""Two-pass linear loudness normalisation (EBU R128 via ffmpeg's loudnorm), stated honestly.

Pass 1 measures (ebur128, the same BS.1770 meter loudnorm uses, 8x faster than loudnorm's
own measuring pass); pass 2 is loudnorm in linear mode with those measurements. loudnorm silently switches to *dynamic* mode
(a compressor) when linear gain would push the true peak over the ceiling, or when the range
is over its target (ffmpeg-normalize #181). We never accept that: the gain is applied linearly
or, when the peaks do not allow it, linearly followed by an explicit limiter, and the result
says which ("linear" or "limited") — and loudnorm's own ``normalization_type`` is checked.
"""
from __future__ import annotations

import json
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline import ffmpeg
from pipeline.house import HOUSE
from pipeline.i18n import _
from pipeline.transcode import commands

TARGET_I = HOUSE.loudness.integrated
TARGET_LRA = float(HOUSE.loudness.loudness_range)
# Aim 0.5 dB under the true-peak ceiling: the AAC encoder's reconstruction can overshoot a
# little, and the ceiling is checked on the encoded audio.
AIM_TP = -2.0
SILENT = -70.0  # loudnorm's floor: a track this quiet has nothing to normalise
SHORT = 3.0  # seconds: EBU R128 loudness range needs 3 s windows; below it nothing is reliable

_JSON = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)
_SUMMARY = re.compile(
    r"Integrated loudness:\s*I:\s*(?P<I>\S+) LUFS\s*Threshold:\s*(?P<thresh>\S+) LUFS"
    r".*?Loudness range:\s*LRA:\s*(?P<LRA>\S+) LU"
    r".*?True peak:\s*Peak:\s*(?P<TP>\S+) dBFS",
    re.S,
)


@dataclass(frozen=True)
class Measure:
    I: float
    TP: float
    LRA: float
    thresh: float

    def as_dict(self) -> dict:
        return {"I": _round(self.I), "TP": _round(self.TP), "LRA": _round(self.LRA)}


@dataclass(frozen=True)
class Result:
    before: Measure
    mode: str  # "linear" | "limited"
    gain_db: float
    detail: str  # why the mode was chosen, in words


def parse_report(stderr: str) -> dict:
    """The last loudnorm JSON report in ffmpeg's stderr, values as strings as loudnorm prints them."""
    found = _JSON.findall(stderr)
    if not found:
        raise ValueError("loudnorm printed no JSON report")
    return json.loads(found[-1])


def _number(value: str) -> float:
    return float(value) if value not in ("-inf", "inf", "nan") else (-math.inf if value == "-inf" else math.inf)


def _round(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def parse_summary(stderr: str) -> "Measure":
    """The ebur128 filter's summary (the last one in ffmpeg's stderr) as a Measure."""
    found = list(_SUMMARY.finditer(stderr))
    if not found:
        raise ValueError("ebur128 printed no summary")
    values = found[-1].groupdict()
    return Measure(_number(values["I"]), _number(values["TP"]), _number(values["LRA"]), _number(values["thresh"]))


def measure(path: Path, context: str, raw: bool = False) -> Measure:
    """Integrated loudness, true peak and loudness range of an audio file (or raw float track)."""
    argv = commands.measure(str(path))
    if raw:
        argv = commands.raw_input(argv)
    return parse_summary(ffmpeg.run(argv, context=context).stderr)


def normalise(track: Path, out: Path, context: str, before: Measure | None = None, raw: bool = True) -> Result:
    """Normalise ``track`` (raw float, or any audio file with ``raw=False``) into ``out`` (raw
    float) and say how. ``before`` is the track's measurement when it was taken already.

    Raises nothing for quiet or short tracks: a silent track is copied unchanged (mode linear,
    gain 0) — there is no loudness to reach.
    """
    before = before or measure(track, context, raw=raw)
    if not math.isfinite(before.I) or before.I <= SILENT:
        copy_raw(track, out, raw, context)
        return Result(before, "linear", 0.0, "the track is silent: nothing to normalise")
    gain = TARGET_I - before.I
    # loudnorm goes dynamic when the measured range is over its LRA target; asking for at least
    # the measured range keeps it linear (a wide range is reported by the review, not squashed).
    lra = min(50.0, max(TARGET_LRA, math.ceil(before.LRA + 0.5)))
    if before.TP + gain <= AIM_TP and _loudnorm_accepts(before):
        # loudnorm takes a measured range of exactly 0 (a steady tone, a short track) for "not
        # measured" and then goes dynamic; in linear mode the range is only checked, never used.
        measured = {"I": before.I, "TP": before.TP, "LRA": max(before.LRA, 0.01), "thresh": before.thresh}
        argv = commands.raw_output(_input(commands.loudnorm_apply(str(track), measured, TARGET_I, AIM_TP, lra, str(out)), raw))
        second = parse_report(ffmpeg.run(argv, context=context).stderr)
        if second.get("normalization_type") == "linear":
            return Result(before, "linear", round(gain, 2), _("linear gain"))
        detail = _("loudnorm chose {mode} mode; applied linear gain and a limiter instead",
                   mode=repr(second.get("normalization_type")))
    elif before.TP + gain <= AIM_TP:
        detail = _("linear gain (a volume filter: the measurements are outside what loudnorm accepts)")
    else:
        detail = _("linear gain of {gain} dB would put the true peak at {peak} dBTP; a limiter holds it at {limit} dBTP",
                   gain=f"{gain:+.1f}", peak=f"{before.TP + gain:+.1f}", limit=f"{AIM_TP:g}")
    return _limited(track, out, before, gain, detail, context, raw)


def _loudnorm_accepts(measured: Measure) -> bool:
    """loudnorm refuses measurements outside its option ranges (``measured_I`` -99..0 LUFS,
    ``measured_TP`` -99..99, ``measured_thresh`` -99..0): a clipped, very loud recording measures
    above 0 LUFS, and ffmpeg then fails with "Value ... for parameter 'measured_I' out of range"."""
    return -99 < measured.I < 0 and -99 < measured.TP < 99 and -99 < measured.thresh < 0


def _input(argv: list[str], raw: bool) -> list[str]:
    return commands.raw_input(argv) if raw else argv


def copy_raw(track: Path, out: Path, raw: bool, context: str) -> None:
    """``track``'s samples unchanged into the raw float file ``out``."""
    if raw:
        shutil.copyfile(track, out)  # streamed: a long raw track need not fit in memory
    else:
        ffmpeg.run(commands.raw_output(commands.decode_float(str(track), str(out))), context=context)


def _limited(track: Path, out: Path, before: Measure, gain: float, detail: str, context: str, raw: bool = True) -> Result:
    """Gain plus limiter; the limiter takes some loudness off the peaks, so the gain is raised
    by what is missing and applied again (at most three times; usually once is within 0.5 LU)."""
    for _attempt in range(3):
        argv = commands.raw_output(_input(commands.limited_gain(str(track), gain, AIM_TP, str(out)), raw))
        ffmpeg.run(argv, context=context)
        after = measure(out, context, raw=True)
        if not math.isfinite(after.I) or abs(after.I - TARGET_I) <= 0.5:
            break
        gain += TARGET_I - after.I
    return Result(before, "limited", round(gain, 2), detail)
