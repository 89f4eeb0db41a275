"""Measurements of a built video that checks and the report share, taken in one decode per video.

One ffmpeg pass (through pipeline/ffmpeg.py) runs blackdetect and freezedetect on a downscaled
picture, silencedetect and ebur128 on the sound, and writes a tiny copy of the picture (the luma
plane at 64x36) to stdout, from which numpy counts flashes (WCAG 2.3.1). Decoding the 1080p H.264
is nearly all the cost, so it happens once, on one thread, without the deblocking filter (which
changes no measured value at this scale) and with the cheapest scaler.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.house import HOUSE

# Stretches shorter than these are not reported by the filters at all; the checks' limits are longer.
MIN_STRETCH = 1.0
BLACK_PIXEL = 0.10  # blackdetect pix_th: a pixel darker than 10% of the range counts as black
FREEZE_NOISE = 0.003  # freezedetect n: difference under which two frames count as the same
SILENCE_DB = -50  # silencedetect n: quieter than this is silence
ANALYSIS_WIDTH = 160  # px: the picture is scaled to this width before black/freeze detection
FLASH_GRID = (4, 4)  # luminance is averaged per block, so a flash in part of the screen counts
FLASH_SIZE = (64, 36)  # px: the grey decode for the flash count


@dataclass(frozen=True)
class Stretch:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return round(self.end - self.start, 3)

    def as_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "seconds": self.seconds}


@dataclass(frozen=True)
class Signals:
    black: tuple[Stretch, ...]
    frozen: tuple[Stretch, ...]
    silent: tuple[Stretch, ...]
    loudness: tuple[tuple[float, float, float], ...]  # (t, momentary, short-term) LUFS every 0.1 s
    flashes: "Flashes | None" = None

    def as_dict(self) -> dict:
        return {"black": [s.as_dict() for s in self.black], "frozen": [s.as_dict() for s in self.frozen],
                "silent": [s.as_dict() for s in self.silent], "loudness": [list(p) for p in self.loudness]}

    def stored(self) -> dict:
        """Everything, for the object store (``from_stored`` reads it back)."""
        return dict(self.as_dict(), flashes=self.flashes.as_dict() if self.flashes else None)

    @classmethod
    def from_stored(cls, raw: dict) -> "Signals":
        def stretches(key):
            return tuple(Stretch(s["start"], s["end"]) for s in raw[key])

        flashes = Flashes(**raw["flashes"]) if raw.get("flashes") else None
        return cls(stretches("black"), stretches("frozen"), stretches("silent"), tuple(tuple(p) for p in raw["loudness"]), flashes)


def signal_argv(video: str) -> list[str]:
    """The one ffmpeg pass over a video: stretches and loudness in the log, tiny frames on stdout."""
    width, height = FLASH_SIZE
    graph = (f"[0:v]scale={ANALYSIS_WIDTH}:-2:flags=fast_bilinear,split[p][f];"
             f"[p]blackdetect=d={MIN_STRETCH}:pix_th={BLACK_PIXEL},freezedetect=n={FREEZE_NOISE}:d={MIN_STRETCH}[v];"
             f"[f]scale={width}:{height}:flags=area,format=yuv420p[small];"
             f"[0:a]silencedetect=n={SILENCE_DB}dB:d={MIN_STRETCH},ebur128[a]")
    return ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-v", "info", "-threads", "1", "-filter_threads", "1",
            "-skip_loop_filter", "all", "-protocol_whitelist", "file", "-i", video, "-filter_complex", graph,
            "-map", "[v]", "-map", "[a]", "-f", "null", "-", "-map", "[small]", "-f", "rawvideo", "pipe:1"]


_BLACK = re.compile(r"black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)")
_FREEZE = re.compile(r"lavfi\.freezedetect\.freeze_(start|end):\s*([\d.]+)")
_SILENCE = re.compile(r"silence_(start|end):\s*(-?[\d.]+)")
_EBUR = re.compile(r"\] t:\s*([\d.]+)\s+TARGET:\S+ LUFS\s+M:\s*(\S+)\s+S:\s*(\S+)")
FLOOR_LUFS = -70.0  # ebur128's absolute gate: quieter is shown as the floor (ffmpeg prints nan/-inf)


def _lufs(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return FLOOR_LUFS
    return FLOOR_LUFS if value != value or value < FLOOR_LUFS else value


def _pairs(events: list[tuple[str, float]], duration: float) -> tuple[Stretch, ...]:
    """start/end events in order -> stretches; a stretch still open at the end closes there."""
    found, start = [], None
    for kind, value in events:
        if kind == "start":
            start = max(0.0, value)
        elif start is not None:
            found.append(Stretch(start, value))
            start = None
    if start is not None and duration > start:
        found.append(Stretch(start, duration))
    return tuple(found)


def parse_signals(stderr: str, duration: float) -> Signals:
    """The filters' reports in ffmpeg's log -> Signals (pure; tested on real ffmpeg output)."""
    black = tuple(Stretch(float(a), float(b)) for a, b in _BLACK.findall(stderr))
    frozen = _pairs([(k, float(v)) for k, v in _FREEZE.findall(stderr)], duration)
    silent = _pairs([(k, float(v)) for k, v in _SILENCE.findall(stderr)], duration)
    loudness = tuple((round(float(t), 2), _lufs(m), _lufs(s)) for t, m, s in _EBUR.findall(stderr))
    return Signals(black, frozen, silent, loudness)


def measure_signals(video: Path, duration: float, fps: float = float(HOUSE.fps), context: str = "") -> Signals:
    """Every measurement of one video, from one ffmpeg decode."""
    from dataclasses import replace

    from pipeline import ffmpeg

    done = ffmpeg.run(signal_argv(str(video)), context=context, capture_stdout=True)
    signals = parse_signals(done.stderr, duration)
    return replace(signals, flashes=Flashes(*count_flashes(luminance(done.stdout), fps)))


def luminance(raw: bytes):
    """Array frames x blocks of mean relative luminance per block, from tiny yuv420p frames.

    The luma plane is video range (16-235); relative luminance linearises it with the sRGB curve.
    """
    import numpy as np

    rows, cols = FLASH_GRID
    width, height = FLASH_SIZE
    frame = width * height * 3 // 2
    count = len(raw) // frame
    if not count:
        return np.zeros((0, rows * cols))
    luma = np.frombuffer(raw[: count * frame], dtype=np.uint8).reshape(count, frame)[:, : width * height].astype(np.float64)
    blocks = luma.reshape(count, rows, height // rows, cols, width // cols).mean(axis=(2, 4)).reshape(count, rows * cols)
    level = np.clip((blocks - 16.0) / 219.0, 0.0, 1.0)
    return np.where(level <= 0.04045, level / 12.92, ((level + 0.055) / 1.055) ** 2.4)


def count_flashes(series, fps: float) -> tuple[int, float]:
    """(most flashes in any one-second window of any block, time of that window's start).

    WCAG 2.3.1 (general flash threshold): a flash is a pair of opposing changes in relative
    luminance of 10% or more of the maximum where the darker image is below 0.80. Transitions are
    found per block by following each swing to its extreme; two transitions make one flash.
    """
    import numpy as np

    worst, when = 0, 0.0
    window = max(1, int(round(fps)))
    for block in np.asarray(series).T:
        times = []
        direction, low, high = 0, block[0] if len(block) else 0.0, block[0] if len(block) else 0.0
        for index, value in enumerate(block):
            low, high = min(low, value), max(high, value)
            if direction != 1 and value - low >= 0.10 and low < 0.80:
                times.append(index)
                direction, low, high = 1, value, value
            elif direction != -1 and high - value >= 0.10 and value < 0.80:
                times.append(index)
                direction, low, high = -1, value, value
        for first in range(len(times)):
            last = first
            while last + 1 < len(times) and times[last + 1] - times[first] < window:
                last += 1
            flashes = (last - first + 1) // 2
            if flashes > worst:
                worst, when = flashes, times[first] / fps
    return worst, round(when, 2)


@dataclass(frozen=True)
class Flashes:
    most_per_second: int
    at: float

    def as_dict(self) -> dict:
        return asdict(self)
