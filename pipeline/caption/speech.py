"""One part's speech aligned to its text, in video time, memoised in the object store.

Synthesised narration comes with each sentence's exact window, so each sentence is aligned
inside its own window: sentence boundaries stay exact and only the word times inside a sentence
come from alignment (espeak-ng against the same espeak-ng voice: confidence near 1). Recorded
speech is aligned as a whole.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.caption.align import Divergence, Word, align
from pipeline.audio import SPEECH_RATE, read_audio
from pipeline.contracts import Speech
from pipeline.caption.segment import tokens_of
from pipeline.caption.synth import espeak_version

from pipeline.digests import code_fingerprint
from pipeline.lesson.model import DEFAULT_VOICES as VOICES  # noqa: E402,F401  (as the transcode stage speaks them; bench/ reads it)
from pipeline.lesson.model import voice_for  # noqa: E402
EDGE = 0.1  # s of audio either side of a synthesised sentence's window
# the code whose change can change word times for the same audio and text (part of the memo keys)
ALIGN_CODE = ("pipeline.caption.speech", "pipeline.caption.align", "pipeline.caption.dtw", "pipeline.audio",
              "pipeline.caption.synth", "pipeline.caption.draft", "pipeline.espeak")


@dataclass(frozen=True)
class PartAlignment:
    words: tuple[Word, ...]  # times in the video
    divergences: tuple[Divergence, ...]  # times in the video
    quality: float
    method: str  # "aligned" or "sentences" (synthesised: per sentence, in known windows)


def align_part(ctx, speech: Speech, language: str, voice_override: str = "") -> PartAlignment:
    """Align ``speech`` (a timeline part's speech) and return word times in the video."""
    from pipeline.fsutil import sha256_file

    path = ctx.out / speech.audio
    voice = voice_for(language, voice_override)
    offset = float(speech.offset)
    windows = [(s.text, float(s.start) - offset, float(s.end) - offset) for s in speech.sentences]
    exact = speech.synthesised and bool(windows)
    key = {"kind": "caption-align", "audio": sha256_file(path), "text": speech.text, "windows": windows if exact else [],
           "voice": voice, "espeak": espeak_version(), "version": code_fingerprint(*ALIGN_CODE)}

    def compute() -> dict:
        samples = read_audio(path)
        return _by_sentence(samples, windows, voice, ctx.label) if exact else _whole(samples, speech.text, voice, ctx.label)

    stored = _memo(ctx, key, compute)
    divergences = tuple(Divergence(round(d["start"] + offset, 2), round(d["end"] + offset, 2), d["word"], d["kind"]) for d in stored["divergences"])
    return PartAlignment(_words_at(stored, offset), divergences, stored["quality"], "sentences" if exact else "aligned")


def _memo(ctx, key: dict, compute) -> dict:
    """``compute()``'s JSON result, kept in the object store under ``key``."""
    def make(tmp: Path) -> None:
        tmp.write_text(json.dumps(compute(), ensure_ascii=False, sort_keys=True), encoding="utf-8")

    return json.loads(ctx.objects.memo(key, ".json", make).read_text(encoding="utf-8"))


def _words_at(stored: dict, offset: float) -> tuple[Word, ...]:
    """The stored words moved from the part's audio time to video time."""
    return tuple(Word(w["text"], round(w["start"] + offset, 3), round(w["end"] + offset, 3), w["confidence"]) for w in stored["words"])


def _as_json(words, divergences, quality: float) -> dict:
    return {"words": [{"text": w.text, "start": w.start, "end": w.end, "confidence": w.confidence} for w in words],
            "divergences": [{"start": d.start, "end": d.end, "word": d.word, "kind": d.kind} for d in divergences],
            "quality": quality}


def _whole(samples: np.ndarray, text: str, voice: str, context: str) -> dict:
    result = align(samples, tokens_of(text), voice, context)
    return _as_json(result.words, result.divergences, result.quality)


def _by_sentence(samples: np.ndarray, windows: list[tuple[str, float, float]], voice: str, context: str) -> dict:
    words, divergences, qualities = [], [], []
    for text, start, end in windows:
        lo = max(0, int((start - EDGE) * SPEECH_RATE))
        hi = min(len(samples), int(np.ceil((end + EDGE) * SPEECH_RATE)))
        result = align(samples[lo:hi], tokens_of(text), voice, context)
        shift = lo / SPEECH_RATE
        for w in result.words:
            # the window is exact: keep every word inside it
            s = min(max(w.start + shift, start), end)
            e = min(max(w.end + shift, s), end)
            words.append(Word(w.text, round(s, 3), round(e, 3), w.confidence))
        divergences += [Divergence(round(d.start + shift, 2), round(d.end + shift, 2), d.word + len(words) - len(result.words), d.kind)
                        for d in result.divergences]
        qualities.append(result.quality)
    return _as_json(words, divergences, float(min(qualities)) if qualities else 1.0)


def draft_part(ctx, speech: Speech, language: str) -> PartAlignment:
    """Words recognised from a part's speech (no script), in video time; see draft.py."""
    from pipeline.caption import draft
    from pipeline.fsutil import sha256_file

    path = ctx.out / speech.audio
    offset = float(speech.offset)
    key = {"kind": "caption-draft", "audio": sha256_file(path), "language": language, "recogniser": draft.version(language),
           "version": code_fingerprint(*ALIGN_CODE)}

    stored = _memo(ctx, key, lambda: _as_json(draft.draft(read_audio(path), language), (), 0.0))
    return PartAlignment(_words_at(stored, offset), (), 0.0, "drafted")
