"""The script spoken by espeak-ng with every word's place in the synthetic audio known exactly.

One espeak-ng process reads the whole text as SSML with a 300 ms ``<break/>`` between words.
espeak-ng writes breaks as runs of exact digital zeros, longer than any pause inside a word
(stop closures are under 100 ms), so cutting the output at zero runs of 150 ms or more yields one
piece per word. The pieces are then joined with short, natural gaps (longer after punctuation),
giving a synthetic reading whose word boundaries are known to the sample. Only if the piece count
does not match (a token espeak-ng reads with a long internal pause) is each word spoken by its own
process, which is slower but always right.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from pipeline.audio import SPEECH_RATE, resample
from pipeline.caption.segment import ends_clause, ends_sentence
from pipeline.espeak import ESPEAK, run_espeak
from pipeline.toolversions import espeak_version  # noqa: F401  (re-exported)

ESPEAK_RATE = 22050
BREAK_MS = 300
MIN_BREAK = 0.15  # s of exact zeros that can only be one of our breaks
GAP_WORD, GAP_CLAUSE, GAP_SENTENCE = 0.04, 0.15, 0.30  # s joined between words
NOISE_BLOCK = 1 << 20  # samples of the reading's noise drawn at once


@dataclass(frozen=True)
class Synthetic:
    """16 kHz mono samples and each word's [start, end) in seconds."""

    samples: np.ndarray
    spans: tuple[tuple[float, float], ...]




def ssml(words: list[str]) -> str:
    """The SSML document espeak-ng reads: words XML-escaped, a fixed break between them."""
    return "<speak>" + f' <break time="{BREAK_MS}ms"/> '.join(escape(w) for w in words) + "</speak>"


def espeak_argv(voice: str, out: str, markup: bool = True) -> list[str]:
    """espeak-ng reading UTF-8 text (SSML with ``markup``) from stdin into a WAV file."""
    return [ESPEAK, "-b", "1", *(["-m"] if markup else []), "-v", voice, "-w", out, "--stdin"]


def _speak(argv: list[str], text: str, context: str) -> np.ndarray:
    import soundfile

    run_espeak(argv, text, context)
    samples, rate = soundfile.read(argv[argv.index("-w") + 1], dtype="float32")
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    return samples if rate == ESPEAK_RATE else resample(samples, rate, ESPEAK_RATE)


def word_pieces(samples: np.ndarray, rate: int = ESPEAK_RATE) -> list[np.ndarray]:
    """Cut espeak-ng output at zero runs of ``MIN_BREAK`` s or more; drop silent pieces."""
    zero = samples == 0.0
    # int8 throughout: a 20-minute reading is 25 million samples (int64 here took 400 MB)
    edges = np.diff(np.concatenate([np.zeros(1, np.int8), zero.view(np.int8), np.zeros(1, np.int8)]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    cuts = [(s, e) for s, e in zip(starts, ends) if e - s >= MIN_BREAK * rate]
    pieces, at = [], 0
    for s, e in cuts:
        pieces.append(samples[at:s])
        at = e
    pieces.append(samples[at:])
    return [p for p in pieces if np.any(p != 0.0)]


def gap_after(word: str) -> float:
    """The pause a reader makes after ``word``: longer after a clause or sentence end."""
    if ends_sentence(word):
        return GAP_SENTENCE
    if ends_clause(word):
        return GAP_CLAUSE
    return GAP_WORD


def synthesise(words: list[str], voice: str, context: str = "") -> Synthetic:
    """Speak ``words`` (display tokens) and return 16 kHz samples with each word's span."""
    with tempfile.TemporaryDirectory(prefix="caption-synth-") as scratch:
        wav = str(Path(scratch) / "words.wav")
        pieces = word_pieces(_speak(espeak_argv(voice, wav), ssml(words), context))
        if len(pieces) != len(words):
            pieces = []
            for index, word in enumerate(words):
                one = str(Path(scratch) / f"w{index}.wav")
                spoken = word_pieces(_speak(espeak_argv(voice, one, markup=False), word, context))
                pieces.append(np.concatenate(spoken) if spoken else np.zeros(0, np.float32))
    # each word is resampled on its own: many short transforms instead of one of the whole
    # reading (seconds for a 20-minute script), and the spans come out in 16 kHz samples
    lead = np.zeros(round(0.2 * SPEECH_RATE), np.float32)
    parts, spans, at = [lead], [], len(lead)
    for word, piece in zip(words, pieces):
        piece = resample(piece, ESPEAK_RATE, SPEECH_RATE)
        spans.append((at / SPEECH_RATE, (at + len(piece)) / SPEECH_RATE))
        gap = np.zeros(round(gap_after(word) * SPEECH_RATE), np.float32)
        parts += [piece, gap]
        at += len(piece) + len(gap)
    parts.append(lead)
    joined = np.concatenate(parts)
    # a whisper of deterministic noise: digital silence has no spectrum, a room always has one
    # (drawn a block at a time: the same numbers, without a float64 copy of a long reading)
    rng = np.random.default_rng(0)
    for a in range(0, len(joined), NOISE_BLOCK):
        block = joined[a: a + NOISE_BLOCK]
        block += rng.standard_normal(len(block)).astype(np.float32) * 1e-4
    return Synthetic(joined, tuple(spans))
