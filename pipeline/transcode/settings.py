"""The house media format and the encoder settings of the transcode stage, as one frozen value.

Everything the output bytes depend on lives here, so ``asdict(settings)`` goes into every cache
key (segments, narration, the stage key) and a changed setting can never reuse a stale segment.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from pipeline.house import HOUSE

FPS = HOUSE.fps
AUDIO_RATE = HOUSE.audio_rate  # Hz, the track's rate from first decode to the AAC encoder
SPEECH_RATE = HOUSE.speech_rate  # Hz, the speech WAVs written for the caption stage
SAMPLES_PER_FRAME = HOUSE.samples_per_frame  # 1600: a part of n frames carries exactly n * 1600 audio samples
GOP = 60  # frames: a closed GOP at least every 2 s; clip chunks are multiples of it


def _house_sizes() -> tuple[tuple[str, tuple[int, int]], ...]:
    return tuple(sorted(HOUSE.video_sizes.items()))


@dataclass(frozen=True)
class MediaSettings:
    """How the stage encodes. The defaults are the product; tests shrink ``sizes`` and ``preset``.

    ``threads`` is 1 because multi-threaded libx264 in this ffmpeg build does not give the same
    bytes twice (measured: three runs of one 1080p encode with 2 threads, frame or sliced, gave
    three different files; with 1 thread always the same). The stage gets its parallelism
    instead from encoding segments side by side, long clips cut into GOP-aligned chunks.
    """

    sizes: tuple[tuple[str, tuple[int, int]], ...] = field(default_factory=_house_sizes)
    preset: str = "fast"  # x264: medium is ~1.4x slower here for ~1% smaller files (bench/bench_transcode.py)
    crf: int = 21
    maxrate: str = "5M"  # capped CRF: about 5 Mbit/s at 1080p at most, far less on still slides
    bufsize: str = "10M"
    threads: int = 1
    chunk: int = 300  # frames: long clips are encoded in chunks of this many frames, in parallel
    # frames: a still slide is one encoded unit of this many frames, repeated (plus a shorter
    # tail). x264 costs ~20 ms per 1080p frame even when nothing moves, so the unit is short;
    # each repeat starts with a keyframe (~17 KB for a text slide: about 0.3 Mbit/s).
    slide_unit: int = 15
    audio_bitrate: str = "160k"
    fit: str = "blur"  # "blur" (blurred fill of the frame) or "pad" (black bars)
    pad_before: float = 0.4  # silence before a card's narration, seconds
    pad_after: float = 0.6
    sentence_gap: float = 0.3  # pause between synthesised sentences

    def size(self, fmt: str) -> tuple[int, int]:
        return dict(self.sizes)[fmt]

    def key(self) -> dict:
        """The JSON-able form used in cache keys and ``Stage.params``."""
        return asdict(self)
