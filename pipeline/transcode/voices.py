"""The voices of a lesson's track, each judged and normalised on its own (rules: ``levels``).

``prepare`` runs in the plan phase, before any video is encoded: it extracts every clip's sound,
measures every voice and raises one LessonError naming every recording that cannot be used.
``normalise`` brings each voice to the house loudness; ``measure_after`` measures each voice
again in the encoded audio, for the review's per-part check.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline import ffmpeg
from pipeline.contracts import PartLoudness
from pipeline.errors import LessonError
from pipeline.transcode import commands, levels, loudness, track
from pipeline.transcode.levels import Level, Voice
from pipeline.transcode.plan import Plan, source_path


@dataclass(frozen=True)
class Prepared:
    """A voice, its sound as the stage found it, and the decision taken."""

    level: Level
    source: Path  # a clip's float WAV, or the narration's samples as raw float
    raw: bool


def voices_of(plan: Plan, label: str) -> list[Voice]:
    """Each clip with sound, each recorded narration, and the synthesised voice (all cards spoken
    by espeak-ng, as one voice with one gain), in the order each is first heard."""
    found, synthesised = [], []
    for part in plan.parts:
        if part.kind == "clip" and part.info.audio is not None:
            found.append(Voice(f"clip-{part.index}", "clip", f"{label}/{part.file}", (part.index,), f"clip {part.file}"))
        elif part.kind == "card" and part.narration is not None:
            if part.narration.synthesised:
                if len(part.narration.samples):
                    synthesised.append(part)
            else:  # even when trimming left nothing of it: that is said, not skipped
                found.append(Voice(f"recorded-{part.index}", "recorded", f"{label}/{part.file}", (part.index,),
                                   f"card '{part.section}': {part.file}"))
    if synthesised:
        names = ", ".join(f"'{p.section}'" for p in synthesised)
        found.append(Voice("synthesised", "synthesised", f"{label}: the synthesised voice", tuple(p.index for p in synthesised),
                           f"synthesised voice (card{'s' if len(synthesised) > 1 else ''} {names})"))
    return sorted(found, key=lambda voice: voice.parts[0])


def prepare(plan: Plan, lesson, label: str, objects, scratch: Path) -> list[Prepared]:
    """Measure and judge every voice; raise LessonError listing every unusable recording."""
    prepared, problems = [], []
    for voice in voices_of(plan, label):
        if voice.kind == "clip":
            part = plan.parts[voice.parts[0]]
            source, raw = track.clip_audio(part, source_path(lesson, part), objects, voice.label), False
            blocks = _wav_blocks(source)
        else:
            source, raw = scratch / f"{voice.key}.f32", True
            levels.write_raw(source, (plan.parts[i].narration.samples for i in voice.parts))
            blocks = levels.raw_blocks(source)
        found = levels.profile(blocks)
        measured = loudness.measure(source, voice.label, raw=raw) if found.seconds >= levels.BLOCK else levels.UNMEASURED
        level, problem = levels.judge(voice, measured, found)
        prepared.append(Prepared(level, source, raw))
        if problem is not None:
            problems.append(problem)
    if problems:
        raise LessonError(problems)
    return prepared


def _wav_blocks(path: Path):
    import soundfile

    with soundfile.SoundFile(str(path)) as wav:
        yield from wav.blocks(track.BLOCK, dtype="float32", always_2d=True)


def normalise(plan: Plan, prepared: list[Prepared], scratch: Path, context: str) -> tuple[dict[int, Path], dict[int, np.ndarray], dict[str, loudness.Result]]:
    """Each voice at the house loudness (or kept, as judged): clips as raw float files, card
    narrations as samples, and how each was normalised."""
    clips, cards, results = {}, {}, {}
    for item in prepared:
        voice, out = item.level.voice, scratch / f"{item.level.voice.key}.normal.f32"
        if item.level.action == "normalise":
            results[voice.key] = loudness.normalise(item.source, out, context, before=item.level.measured, raw=item.raw)
        else:
            loudness.copy_raw(item.source, out, item.raw, context)
        if voice.kind == "clip":
            clips[voice.parts[0]] = out
            continue
        samples, at = levels.read_raw(out), 0
        for index in voice.parts:
            length = len(plan.parts[index].narration.samples)
            cards[index] = samples[at: at + length]
            at += length
    return clips, cards, results


def measure_after(plan: Plan, prepared: list[Prepared], m4a: Path, results: dict[str, loudness.Result], scratch: Path,
                  context: str) -> tuple[PartLoudness, ...]:
    """Each voice measured again in the encoded audio (its narration windows, or its clip's whole
    part), with what was measured before and done: the rows of the review's per-part check."""
    decoded = scratch / "encoded.f32"
    ffmpeg.run(commands.raw_output(commands.decode_float(str(m4a), str(decoded))), context=context)
    samples = np.memmap(decoded, dtype=np.float32, mode="r").reshape(-1, 2)
    rows = []
    for item in prepared:
        level, voice = item.level, item.level.voice
        windows = [track.part_window(plan, i) if voice.kind == "clip" else track.speech_window(plan, i) for i in voice.parts]
        piece = scratch / f"{voice.key}.after.f32"
        levels.write_raw(piece, (samples[first:last] for first, last in windows if last > first))
        after = loudness.measure(piece, context, raw=True)
        piece.unlink()
        result = results.get(voice.key)
        rows.append(PartLoudness(
            voice=voice.name,
            kind=voice.kind,
            parts=voice.parts,
            seconds=round(level.profile.seconds, 2),
            before=level.measured.as_dict()["I"],
            noise_floor=level.profile.floor if np.isfinite(level.profile.floor) else None,
            action=level.action,
            mode=result.mode if result else None,
            gain_db=result.gain_db if result else 0.0,
            after=after.as_dict()["I"],
            true_peak=after.as_dict()["TP"],
            reliable=level.reliable,
            detail=level.detail,
        ))
    del samples
    decoded.unlink()
    return tuple(rows)
