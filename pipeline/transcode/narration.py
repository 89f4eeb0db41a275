"""A card's narration as 48 kHz stereo samples: synthesised with espeak-ng, or the teacher's
recording cleaned up with pydub (leading and trailing silence trimmed).

Synthesised narration is spoken one sentence at a time and joined with fixed pauses, so every
sentence's start and end is known to the sample (the caption stage gets them for free).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.digests import code_fingerprint
from pipeline.espeak import ESPEAK, run_espeak
from pipeline.transcode.settings import AUDIO_RATE
from pipeline.toolversions import espeak_version  # noqa: F401  (re-exported)

from pipeline.lesson.model import voice_for  # noqa: E402,F401  (re-exported: the stage speaks with it)
# Words per minute where espeak-ng's default (175) is too fast to caption: Russian words are long,
# and at 175 wpm the captions of a dense card exceed the 17 characters a second Russian rules allow.
SPEEDS = {"ru": 150}
# in every narration cache key: the code that synthesises, decodes and trims it
NARRATION_CODE = ("pipeline.transcode.narration", "pipeline.espeak", "pipeline.transcode.commands", "pipeline.transcode.settings", "pipeline.house")
# A sentence runs to . ! ? … (or their full-width forms), with any closing quotes or brackets,
# followed by white space or the end. Korean uses the same punctuation as English; "v2.0" is
# not split because no space follows the dot.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…。！？]+[\"'»”’)\]]*(?=\s|$)|$)")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: float  # seconds from the start of the narration's audio
    end: float


@dataclass(frozen=True)
class Narration:
    """Narration audio ready to place on a card: ``samples`` is (n, 2) float32 at 48 kHz."""

    samples: np.ndarray
    sentences: tuple[Sentence, ...]
    text: str
    synthesised: bool

    @property
    def seconds(self) -> float:
        return len(self.samples) / AUDIO_RATE


def split_sentences(text: str) -> list[str]:
    """Split narration into sentences at . ! ? … (a sentence without final punctuation is kept)."""
    flat = " ".join(text.split())
    return [part.strip() for part in _SENTENCE.findall(flat) if part.strip()]


def espeak_argv(voice: str, out: str) -> list[str]:
    """espeak-ng reading UTF-8 text from stdin (never from argv: no option injection, no length limit)."""
    speed = speed_for(voice)
    return [ESPEAK, "-b", "1", "-v", voice, *(["-s", str(speed)] if speed else []), "-w", out, "--stdin"]


def speed_for(voice: str) -> int | None:
    """The speaking rate for ``voice`` (None: espeak-ng's default)."""
    return SPEEDS.get(voice.split("+", 1)[0].split("-", 1)[0].casefold())


def synthesise(text: str, voice: str, gap: float, objects, context: str = "") -> Narration:
    """Speak ``text`` sentence by sentence, each cached in the object store (key: text, voice,
    espeak-ng version), trimmed of espeak's own leading/trailing silence, joined by ``gap`` s."""
    from pipeline.ffmpeg import ffmpeg_version

    pieces, sentences, at = [], [], 0
    pause = np.zeros((round(gap * AUDIO_RATE), 2), dtype=np.float32)
    for index, sentence in enumerate(split_sentences(text)):
        parts = {"kind": "espeak", "text": sentence, "voice": voice, "espeak": espeak_version(), "rate": AUDIO_RATE,
                 "trim": code_fingerprint(*NARRATION_CODE), "ffmpeg": ffmpeg_version(), "speed": speed_for(voice)}
        stored = objects.memo(parts, ".wav", lambda tmp, s=sentence: _speak(s, voice, tmp, context))
        samples = read_wav(stored)
        if index:
            pieces.append(pause)
            at += len(pause)
        sentences.append(Sentence(sentence, at / AUDIO_RATE, (at + len(samples)) / AUDIO_RATE))
        pieces.append(samples)
        at += len(samples)
    samples = np.concatenate(pieces) if pieces else np.zeros((0, 2), dtype=np.float32)
    return Narration(samples, tuple(sentences), text, True)


def _speak(sentence: str, voice: str, out: Path, context: str) -> None:
    """espeak-ng -> pydub trims espeak's own silence -> ffmpeg resamples 22.05 kHz mono to the
    house rate (swresample: in a subprocess it costs less than importing scipy.signal)."""
    from pipeline import ffmpeg
    from pipeline.transcode import commands

    raw = out.with_name(out.name + ".espeak.wav")
    trimmed = out.with_name(out.name + ".trimmed.wav")
    try:
        run_espeak(espeak_argv(voice, str(raw)), sentence, context)
        sound = trim_silence(raw)
        if len(sound) == 0:  # nothing audible (a sentence of punctuation): no audio, no time
            write_wav(out, np.zeros((0, 2), dtype=np.float32))
            return
        sound.export(str(trimmed), format="wav")
        ffmpeg.run(commands.resample_wav(str(trimmed), str(out)), context=context)
    finally:
        raw.unlink(missing_ok=True)
        trimmed.unlink(missing_ok=True)


def recorded(path: Path, text: str, objects, source_hash: str, ffmpeg_version: str, context: str = "") -> Narration:
    """A teacher's recorded narration: decoded by ffmpeg, silence at both ends trimmed (pydub)."""
    from pipeline import ffmpeg
    from pipeline.transcode import commands

    def make(tmp: Path) -> None:
        decoded = tmp.with_name(tmp.name + ".decoded.wav")
        try:
            ffmpeg.run(commands.decode_audio(str(path), str(decoded)), context=context)
            write_wav(tmp, samples_of(trim_silence(decoded)))
        finally:
            decoded.unlink(missing_ok=True)

    parts = {"kind": "recorded-narration", "sha256": source_hash, "ffmpeg": ffmpeg_version, "rate": AUDIO_RATE, "trim": code_fingerprint(*NARRATION_CODE)}
    stored = objects.memo(parts, ".wav", make)
    return Narration(read_wav(stored), (), text, False)


def trim_silence(path: Path):
    """Trim leading and trailing silence of a WAV with pydub; returns the AudioSegment.

    The silence threshold follows the recording: 35 dB under its peak, kept between -60 and
    -30 dBFS, so a noisy classroom recording is trimmed as well as a clean studio one. 30 ms
    of the silence is kept on each side so the first consonant is never clipped.
    """
    AudioSegment, detect_leading_silence = _pydub()
    sound = AudioSegment.from_wav(str(path))
    if len(sound) == 0 or sound.max == 0:
        return sound[:0]
    threshold = max(-60.0, min(-30.0, sound.max_dBFS - 35.0))
    lead = detect_leading_silence(sound, silence_threshold=threshold, chunk_size=5)
    tail = detect_leading_silence(sound.reverse(), silence_threshold=threshold, chunk_size=5)
    return sound[max(0, lead - 30): max(lead, len(sound) - tail + 30)]


def samples_of(sound) -> np.ndarray:
    """A pydub AudioSegment at 48 kHz as (n, 2) float32 samples."""
    samples = np.array(sound.get_array_of_samples(), dtype=np.float32).reshape(-1, sound.channels)
    samples /= float(1 << (8 * sound.sample_width - 1))
    return to_house_rate(samples, sound.frame_rate)


def _pydub():
    """pydub, told where our ffmpeg is. It looks for one on PATH at import and warns when there
    is none; we only hand it WAV files, which it reads without ffmpeg."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no ffmpeg on PATH
        warnings.simplefilter("ignore", DeprecationWarning)  # audioop, Python 3.11-3.12
        from pydub import AudioSegment
        from pydub.silence import detect_leading_silence
    from pipeline.ffmpeg import ffmpeg_path

    AudioSegment.converter = ffmpeg_path()
    return AudioSegment, detect_leading_silence


def to_house_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """(n, channels) samples at 48 kHz -> (n, 2) float32 (mono on both channels, same level)."""
    if rate != AUDIO_RATE:
        raise ValueError(f"expected {AUDIO_RATE} Hz audio, got {rate} Hz")  # ffmpeg resamples before us
    if samples.shape[1] == 1:
        samples = np.repeat(samples, 2, axis=1)
    elif samples.shape[1] > 2:
        samples = samples[:, :2]
    return np.ascontiguousarray(samples, dtype=np.float32)


def read_wav(path: Path) -> np.ndarray:
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return to_house_rate(samples, rate)


def write_wav(path: Path, samples: np.ndarray) -> None:
    import soundfile

    soundfile.write(str(path), samples, AUDIO_RATE, subtype="PCM_24", format="WAV")  # float WAVs get a PEAK chunk with a timestamp


