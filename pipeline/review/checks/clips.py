"""Speech in a clip that has no ``says:`` text: it would reach the viewer without captions.

Captions are made from the words a teacher writes; a clip without ``says:`` gets none, which is
right for a clip of music or of a silent demonstration and wrong for a clip where someone talks.
This check listens to each such clip in the built video (voice activity from the caption stage's
own detector: loud for the recording *and* changing its spectrum like speech, so a held tone or hum
does not count) and reports the clips that sound like speech.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.i18n import N_, _
from pipeline.review.registry import check

FLOOR_DB = -45.0  # dBFS RMS per 10 ms: quieter is room noise in a track normalised to -16 LUFS
SPEECH_S = 1.0  # seconds of speech-like sound that make a clip "talking"


def speech_seconds(video: Path, start: float, end: float, context: str = "") -> float:
    """Seconds of speech-like sound in ``video``'s audio between ``start`` and ``end``."""
    import numpy as np

    from pipeline import ffmpeg
    from pipeline.audio import FRAME, HOP, SPEECH_RATE, features, voiced

    done = ffmpeg.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", *ffmpeg.WHITELIST, "-ss", f"{start:.3f}",
                       "-t", f"{max(end - start, 0.0):.3f}",
                       "-i", str(video), "-vn", "-ac", "1", "-ar", str(SPEECH_RATE), "-f", "f32le", "-"],
                      context=context, capture_stdout=True)
    samples = np.frombuffer(done.stdout, dtype=np.float32)
    if len(samples) < HOP:
        return 0.0
    found = features(samples)
    frames = len(found.energy_db)
    padded = np.pad(samples, (0, frames * HOP - len(samples)))[: frames * HOP]
    rms_db = 10 * np.log10(np.mean(padded.reshape(frames, HOP) ** 2, axis=1) + 1e-12)
    speech = voiced(found.energy_db, mfcc=found.mfcc) & (rms_db > FLOOR_DB)
    return float(speech.sum() * FRAME)


@check("captions.clip_speech", N_("Every clip where someone speaks has its words (says:)"), "advisory",
       N_("if someone speaks in this clip, write what they say under its says: in lesson.yaml so it gets captions; music or silence needs nothing"))
def clip_speech(ev):
    silent_clips = [p for p in ev.parts("clip") if p.speech is None]
    path = ev.video_path()
    if path is None:
        yield None, None, SPEECH_S, _("no video built")
        return
    if not silent_clips:
        yield True, 0.0, SPEECH_S, _("every clip has its words")
        return
    context = f"review {ev.lesson.slug}"
    heard = [(p, speech_seconds(path, float(p.start), float(p.end), context)) for p in silent_clips]
    talking = [(p, s) for p, s in heard if s >= SPEECH_S]
    worst = max((s for _, s in heard), default=0.0)
    yield not talking, round(worst, 2), SPEECH_S, "; ".join(
        _("{file}: {seconds} s of speech-like sound at {start}–{end} s, no says:", file=p.file, seconds=f"{s:.1f}", start=f"{float(p.start):.1f}",
          end=f"{float(p.end):.1f}") for p, s in talking)
