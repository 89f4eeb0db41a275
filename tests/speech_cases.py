"""Speech with known boundaries, for the caption tests and bench/bench_caption.py.

espeak-ng reads sentences as a "speaker" other than the aligner's own voice (another variant,
slower, other pitch), with pauses of known length between them, so each sentence's true start
and end are known to the sample.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from pipeline.audio import resample as _resample

RATE = 16000
SPEAKER = {"en": ("en-gb+m3", 140, 35), "ru": ("ru+f2", 135, 60), "ko": ("ko+m2", 130, 40)}


def speak(text: str, voice: str, speed: int = 175, pitch: int = 50) -> np.ndarray:
    """espeak-ng reading ``text`` as 16 kHz float32, its own leading/trailing silence trimmed."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "s.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), "--stdin"],
                       input=text.encode(), check=True, capture_output=True)
        samples, rate = soundfile.read(str(out), dtype="float32")
    samples = _resample(samples, rate, RATE)
    loud = np.flatnonzero(np.abs(samples) > 1e-3)
    return samples[loud[0]: loud[-1] + 1]


def reading(sentences: list[str], language: str, pauses: list[float] | float = 0.5, lead: float = 0.5,
            speaker: tuple | None = None) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Sentences read one after another with the given pauses: samples and each sentence's
    exact (start, end) in seconds. A little room noise keeps the silence realistic."""
    voice, speed, pitch = speaker or SPEAKER[language]
    pauses = pauses if isinstance(pauses, list) else [pauses] * len(sentences)
    pieces, spans, at = [np.zeros(round(lead * RATE), np.float32)], [], lead
    for sentence, pause in zip(sentences, pauses):
        voice_samples = speak(sentence, voice, speed, pitch)
        spans.append((at, at + len(voice_samples) / RATE))
        pieces += [voice_samples, np.zeros(round(pause * RATE), np.float32)]
        at += len(voice_samples) / RATE + pause
    samples = np.concatenate(pieces)
    noise = np.random.default_rng(1).standard_normal(len(samples)).astype(np.float32) * 0.002
    return samples + noise, spans


def music(seconds: float) -> np.ndarray:
    """A pulsing two-tone chord: something that is loud and voiced but is not speech."""
    t = np.arange(round(seconds * RATE)) / RATE
    return (0.2 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 2 * t)) / 2 + 0.1 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
