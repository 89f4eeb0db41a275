"""Helpers (no tests) for the transcode tests: lessons built in tmp_path, a faked cards stage, and
independent readers of the output (PyAV for streams and decoded audio, pyloudnorm for loudness)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from conftest import make_image
from pipeline.lesson.model import Author, Lesson, Section
from pipeline.contracts import CardsResult, SlideSet, TranscodeResult, Upstream
from pipeline.stage import Context, ObjectStore, Settings
from pipeline.transcode.assemble import transcode
from pipeline.transcode.settings import MediaSettings

SMALL = MediaSettings(sizes=(("16:9", (320, 180)), ("9:16", (180, 320))), preset="veryfast")
HOUSE_FAST = MediaSettings(preset="veryfast")


def lesson(root: Path, sequence: tuple, sections: tuple = (), formats=("16:9",), language="en", max_duration=90.0, slug="demo") -> Lesson:
    root.mkdir(parents=True, exist_ok=True)
    return Lesson(
        slug=slug, root=root, title="Demo", language=language, authors=(Author("Anna"),), rubric="r", tags=(),
        licence="CC-BY-4.0", objectives=("o",), audience="teachers", formats=tuple(formats), max_duration=max_duration,
        sequence=tuple(sequence), sections=tuple(sections),
    )


def section(id: str, narration: str) -> Section:
    return Section(id, id.title(), "text", narration, 1)


def fake_cards(out: Path, the_lesson: Lesson, settings: MediaSettings, colors: dict | None = None) -> CardsResult:
    """What the cards stage hands over: one full-frame PNG per slide and format."""
    colors = colors or {}
    slides = {}
    for fmt in the_lesson.formats:
        width, height = settings.size(fmt)
        tag = fmt.replace(":", "x")
        entry = {"title": f"cards/title-{tag}.png", "end": f"cards/end-{tag}.png", "cards": {}}
        make_image(out / entry["title"], f"{width}x{height}", colors.get("title", "navy"))
        make_image(out / entry["end"], f"{width}x{height}", colors.get("end", "darkgreen"))
        for s in the_lesson.sections:
            entry["cards"][s.id] = f"cards/{s.id}-{tag}.png"
            make_image(out / entry["cards"][s.id], f"{width}x{height}", colors.get(s.id, "white"))
        slides[fmt] = SlideSet(**entry)
    return CardsResult(slides=slides, cards=(), handout="", theme="")


def context(the_lesson: Lesson, out: Path, store: Path, cards: CardsResult) -> Context:
    return Context(the_lesson, Settings(the_lesson.root.parent, out.parent), out, ObjectStore(store), Upstream(cards=cards),
                   logging.getLogger("microlearn.test"))


def build(the_lesson: Lesson, out: Path, store: Path, settings: MediaSettings = SMALL, colors: dict | None = None) -> TranscodeResult:
    cards = fake_cards(out, the_lesson, settings, colors)
    return transcode(context(the_lesson, out, store, cards), settings)


@dataclass
class Probed:
    codec: str
    profile: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    frames: int
    video_seconds: float
    audio_seconds: float
    audio_codec: str
    audio_profile: str
    sample_rate: int
    channels: int
    rotation: int
    audio: np.ndarray  # (n, channels) float32


def inspect(path: Path) -> Probed:
    """Read an output with PyAV only (not our probe): streams, every frame, all the audio."""
    import av

    with av.open(str(path)) as container:
        v, a = container.streams.video[0], container.streams.audio[0]
        frames, rotation = 0, 0
        for frame in container.decode(v):
            frames += 1
            rotation = rotation or int(frame.rotation or 0)
        head = (v.codec_context.name, v.codec_context.profile, v.format.name, v.width, v.height, float(v.average_rate))
        video_seconds = float(v.duration * v.time_base)
        audio_seconds = float(a.duration * a.time_base)
        acodec = (a.codec_context.name, a.codec_context.profile, a.sample_rate, a.channels)
    with av.open(str(path)) as container:
        chunks = [f.to_ndarray() for f in container.decode(audio=0)]
    samples = np.concatenate(chunks, axis=1).T.astype(np.float32) if chunks else np.zeros((0, 2), np.float32)
    return Probed(*head, frames, video_seconds, audio_seconds, *acodec, rotation, samples)


def loudness(samples: np.ndarray, rate: int = 48000) -> tuple[float, float]:
    """Integrated loudness (pyloudnorm, BS.1770) and true peak (4x oversampled) in dBTP."""
    import pyloudnorm
    from scipy.signal import resample_poly

    integrated = pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64))
    peak = float(np.max(np.abs(resample_poly(samples.astype(np.float64), 4, 1, axis=0))))
    return integrated, 20 * np.log10(max(peak, 1e-12))


def house_ok(p: Probed, size: tuple[int, int], frames: int) -> None:
    assert (p.codec, p.profile, p.pix_fmt) == ("h264", "High", "yuv420p")
    assert (p.width, p.height) == size
    assert abs(p.fps - 30) < 1e-6 and p.frames == frames
    assert abs(p.video_seconds - frames / 30) < 1e-6
    assert abs(p.audio_seconds - p.video_seconds) < 1 / 30
    assert (p.audio_codec, p.audio_profile, p.sample_rate, p.channels) == ("aac", "LC", 48000, 2)
    assert p.rotation == 0
