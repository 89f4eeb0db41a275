"""The lesson's audio as one continuous track, sample-exact against the video.

Each part contributes exactly ``frames * 1600`` samples (48 kHz / 30 fps): a clip's own audio
padded or cut, a card's narration placed after a short lead-in on silence, silence for title and
end cards (and for clips without audio). Because every part is rounded to whole frames on both
sides, audio and video cannot drift apart at any join. The track is written as raw float
samples, part by part, so memory stays flat however long the lesson is.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline import ffmpeg
from pipeline.digests import code_fingerprint
from pipeline.transcode import commands
from pipeline.transcode.plan import Part, Plan
from pipeline.transcode.settings import AUDIO_RATE, SAMPLES_PER_FRAME

BLOCK = AUDIO_RATE * 10  # samples read and written at a time
TRACK_CODE = ("pipeline.transcode.track", "pipeline.transcode.commands", "pipeline.transcode.settings", "pipeline.house")


def clip_audio(part: Part, source: Path, objects, context: str) -> Path | None:
    """The clip's audio as exactly the part's samples (48 kHz stereo float WAV), or None."""
    if part.info.audio is None:
        return None
    samples = part.frames * SAMPLES_PER_FRAME
    key = {"stage": "transcode", "kind": "clip-audio", "code": code_fingerprint(*TRACK_CODE), "ffmpeg": ffmpeg.ffmpeg_version(),
           "sha256": part.source_hash, "start": part.start, "samples": samples}

    def make(tmp: Path) -> None:
        ffmpeg.run(commands.clip_audio(str(source), part.start, samples, part.info.audio.channels, str(tmp)), context=context)

    return objects.memo(key, ".wav", make)


def write_track(plan: Plan, clip_audio_files: dict[int, Path | None], out: Path) -> None:
    """Write the whole track as raw 48 kHz stereo float32 to ``out``."""
    import soundfile

    with open(out, "wb") as handle:
        for part in plan.parts:
            want = part.frames * SAMPLES_PER_FRAME
            written = 0
            source = clip_audio_files.get(part.index)
            if source is not None:
                with soundfile.SoundFile(str(source)) as wav:
                    for block in wav.blocks(BLOCK, dtype="float32", always_2d=True):
                        block = block[: want - written]
                        handle.write(np.ascontiguousarray(block[:, :2]).tobytes())
                        written += len(block)
            elif part.narration is not None and len(part.narration.samples):
                lead = round(part.lead * AUDIO_RATE)
                voice = part.narration.samples[: max(0, want - lead)]
                _silence(handle, min(lead, want))
                handle.write(voice.tobytes())
                written = min(lead, want) + len(voice)
            _silence(handle, want - written)


def _silence(handle, samples: int) -> None:
    while samples > 0:
        step = min(samples, BLOCK)
        handle.write(np.zeros((step, 2), dtype=np.float32).tobytes())
        samples -= step


def speech_window(plan: Plan, part_index: int) -> tuple[int, int] | None:
    """Sample range [first, last) of a part's speech in the track, or None when it has none."""
    start = plan.starts()[part_index] * SAMPLES_PER_FRAME
    part = plan.parts[part_index]
    if part.kind == "clip" and part.says.strip():
        return start, start + part.frames * SAMPLES_PER_FRAME
    if part.narration is not None and len(part.narration.samples):
        first = start + round(part.lead * AUDIO_RATE)
        return first, min(first + len(part.narration.samples), start + part.frames * SAMPLES_PER_FRAME)
    return None


def write_speech(track: Path, window: tuple[int, int], out: Path, context: str) -> None:
    """16 kHz mono 16-bit WAV of samples [first, last) of the raw track (for caption alignment)."""
    ffmpeg.run(commands.raw_input(commands.speech_wav(str(track), window[0], window[1], str(out))), context=context)
