"""The transcode stage as a straight sequence of phases.

1. plan: probe every file, synthesise or clean narration, fix every part's frame count,
   enforce the duration limit, measure and judge every voice's loudness (``voices.prepare``)
   — all before any video is encoded;
2. audio (in a second thread, while video encodes): each voice normalised on its own, one
   sample-exact track, two-pass linear normalisation of the whole, AAC, measured again after
   (the whole and each voice);
3. video: one cached segment per part and format, joined with the concat demuxer by stream copy
   and muxed with the audio (``+faststart``);
4. speech WAVs for the caption stage, posters and the thumbnail, the timeline.
"""
from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.i18n import _
from pipeline import ffmpeg
from pipeline.contracts import Artifact, Check, Level, Loudness, Sentence, Speech, TimelinePart, TranscodeResult
from pipeline.stage import Context
from pipeline.transcode import branding, camera, commands, loudness, music, segments, thumbnail, track, voices
from pipeline.transcode.plan import Plan, make_plan, source_path
from pipeline.transcode.settings import FPS, AUDIO_RATE, MediaSettings


def transcode(ctx: Context, settings: MediaSettings = MediaSettings(), workers: int | None = None,
              reuse_audio: bool = False) -> TranscodeResult:
    """Build the lesson's videos (one per format), posters, thumbnail and speech WAVs.

    ``workers``: segments encoded at a time (default: the cores shared among the lessons the
    runner builds at once); it changes speed, never bytes. ``reuse_audio``: keep the finished
    track in the object store, keyed by everything it is made of (``audio_key``), and take it
    from there when only pictures changed — the studio's draft, where a card text edit must not
    measure, normalise and encode the whole lesson's sound again — or when another machine made
    it and left it in the shared store (the final build: issue 19). Raises MediaError (unusable
    media), LessonError (over the duration limit), ToolError (ffmpeg or espeak-ng failed).
    """
    workers = workers or max(1, (os.cpu_count() or 1) // max(1, ctx.settings.jobs))
    lesson = ctx.lesson
    scratch = ctx.out / ".work" / "transcode"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    ctx.progress(_("probing media and preparing narration"))
    plan = make_plan(lesson, ctx.label, settings, ctx.objects, ffmpeg.ffmpeg_version(), ctx.source_hash)
    kept_as = audio_key(plan, settings, _sound(ctx)) if reuse_audio else None
    kept = _kept_audio(ctx, kept_as) if kept_as else None
    if kept is None:
        ctx.progress(_("measuring the loudness of every voice"))
        prepared = voices.prepare(plan, lesson, ctx.label, ctx.objects, scratch)

    jobs = {fmt: _video_jobs(ctx, plan, fmt, settings) for fmt in lesson.formats}
    # The audio chain is a few short ffmpeg runs in a row, and on a lesson of slides it is the
    # longest path: it takes one of the ``workers`` slots first, and gives it back when done.
    slots = threading.Semaphore(workers)
    if kept is None:
        slots.acquire()
    with ThreadPoolExecutor(max_workers=1) as pool:
        audio_job = pool.submit(_released, slots, _audio, ctx, plan, prepared, settings, scratch) if kept is None else None
        stored = segments.encode([job for fmt in lesson.formats for job in jobs[fmt]], ctx.objects, workers, ctx.progress, slots)
        m4a, track_raw, level = audio_job.result() if kept is None else kept
    if kept_as and kept is None:
        m4a, track_raw = _keep_audio(ctx, kept_as, m4a, track_raw, level)
    concat_lists = {}
    for fmt in lesson.formats:
        files, stored = stored[: len(jobs[fmt])], stored[len(jobs[fmt]):]
        concat_lists[fmt] = scratch / f"segments-{fmt.replace(':', 'x')}.ffconcat"
        concat_lists[fmt].write_text(commands.concat_list([str(f.resolve()) for f in files]), encoding="utf-8")

    artifacts: list[Artifact] = []
    videos = {}
    for fmt in lesson.formats:
        rel = f"video/{lesson.slug}-{fmt.replace(':', 'x')}.mp4"
        ctx.progress(_("joining the {format} video", format=fmt))
        artifacts.append(ctx.artifact("video", rel, lambda tmp, f=fmt: ffmpeg.run(commands.mux(str(concat_lists[f]), str(m4a), str(tmp)), context=ctx.label)))
        videos[fmt] = rel

    timeline, speech_artifacts = _timeline(ctx, plan, track_raw)
    artifacts += speech_artifacts
    posters, thumb = _pictures(ctx, plan, videos, scratch)
    artifacts += posters + [thumb]
    shutil.rmtree(scratch, ignore_errors=True)
    return TranscodeResult(
        artifacts=tuple(sorted(artifacts, key=lambda a: a.path)),
        checks=_checks(plan),
        duration=round(plan.seconds, 6),
        frames=plan.frames,
        videos=videos,
        thumbnail=thumb.path,
        poster=f"poster-{('16:9' if '16:9' in videos else next(iter(videos))).replace(':', 'x')}.jpg",
        posters={fmt: p.path for fmt, p in zip(lesson.formats, posters)},
        timeline=timeline,
        loudness=level,
    )


def _sound(ctx: Context) -> dict:
    """The school's sting and the music bed the track is mixed with (transcode/music.py), by content."""
    lesson, found = ctx.lesson, {}
    if lesson.school.sting and lesson.school.branded:
        found["sting"] = ctx.source_hash(lesson.school.sting)
    if lesson.music is not None:
        found["music"] = [ctx.source_hash(lesson.music.file), lesson.music.level]
    return found


def audio_key(plan: Plan, settings: MediaSettings, sound: dict | None = None) -> dict:
    """Everything the finished track (and its loudness report) is made of: every field of every
    part (a field added to ``Part`` joins the key by itself; its probe by the audio streams, its
    narration by its very samples and sentences), the school's sting and music bed (``sound``),
    the settings, the ffmpeg version, the code of the whole transcode package and of the helpers
    it runs ffmpeg and writes records with, and the language and catalogs its words are in.
    Not where the lesson folder is (its name reaches error messages only, and a track with an
    error is never kept): machines with their content in other folders share it. The one key
    for the studio's draft and the final build: a stale track cannot be taken."""
    import dataclasses
    import hashlib

    from pipeline import records
    from pipeline.digests import code_fingerprint
    from pipeline.i18n import catalog_digest, current_language

    def narration(voiced) -> dict | None:
        if voiced is None:
            return None
        samples = voiced.samples.astype("<f4", copy=False)
        return {"samples": hashlib.sha256(samples.tobytes()).hexdigest(), "shape": list(samples.shape),
                "sentences": [records.dump(s) for s in voiced.sentences], "text": voiced.text,
                "synthesised": voiced.synthesised}

    def field(name: str, value):
        if name == "narration":
            return narration(value)
        if name == "info":  # the probe: only its audio streams reach the track
            return repr(value.audio) if value is not None else None
        return value

    parts = [{f.name: field(f.name, getattr(p, f.name)) for f in dataclasses.fields(p)} for p in plan.parts]
    code = code_fingerprint("pipeline.transcode", "pipeline.contracts", "pipeline.house", "pipeline.ffmpeg",
                            "pipeline.records")
    return {"what": "transcode.audio", "code": code, "ffmpeg": ffmpeg.ffmpeg_version(), "settings": settings.key(),
            "language": current_language(), "catalogs": catalog_digest(), "parts": parts,
            **({"sound": sound} if sound else {})}


def _kept_audio(ctx: Context, key: dict) -> tuple[Path, Path, Loudness] | None:
    """The finished track kept for ``key``: (AAC, normalised raw track, loudness), or None. With a
    shared store (MICROLEARN_CACHE) a track another machine made is fetched, each file checked
    against its seal; the report is looked for first, as it is written last."""
    import json

    from pipeline import records

    objects = ctx.objects
    report = objects.path(objects.key({**key, "out": "loudness"}), ".json")
    m4a = objects.path(objects.key({**key, "out": "aac"}), ".m4a")
    raw = objects.path(objects.key({**key, "out": "track"}), ".f32")
    if not (objects.present(report) and objects.present(m4a) and objects.present(raw)):
        return None
    return m4a, raw, records.load(Loudness, json.loads(report.read_text(encoding="utf-8")), "kept audio")


def _keep_audio(ctx: Context, key: dict, m4a: Path, raw: Path, level: Loudness) -> tuple[Path, Path]:
    """Move the finished track into the object store (same disk: a rename; with a shared store, put
    there too) and return where it is. The report goes last: its presence says the rest is there."""
    import json

    from pipeline import records

    objects = ctx.objects
    kept_m4a = objects.memo({**key, "out": "aac"}, ".m4a", lambda tmp: os.replace(m4a, tmp))
    kept_raw = objects.memo({**key, "out": "track"}, ".f32", lambda tmp: os.replace(raw, tmp))
    objects.memo({**key, "out": "loudness"}, ".json",
                 lambda tmp: tmp.write_text(json.dumps(records.dump(level)), encoding="utf-8"))
    return kept_m4a, kept_raw


def _released(slots: threading.Semaphore, work, *args):
    try:
        return work(*args)
    finally:
        slots.release()


def _video_jobs(ctx: Context, plan: Plan, fmt: str, settings: MediaSettings) -> list[segments.Job]:
    """Every segment of one format, in order (each is encoded unless already stored)."""
    slides = ctx.upstream.cards.slides[fmt]
    jobs: list[segments.Job] = []
    for part in plan.parts:
        if part.kind == "clip":
            jobs += segments.clip_jobs(part, source_path(ctx.lesson, part), fmt, settings, f"{ctx.label}/{part.file}")
            continue
        if part.kind in branding.KINDS:  # the school's intro or outro: its logo on its colours
            png = branding.picture(ctx.lesson, part.kind, settings.size(fmt), ctx.objects, ctx.source_hash(ctx.lesson.school.logo))
            jobs += segments.slide_jobs(png, part.frames, fmt, settings, ctx.label, f"{ctx.label}: school.{part.kind}")
            continue
        rel = slides.cards[part.section] if part.kind == "card" else getattr(slides, part.kind)
        held = _held(part, part.frames - part.reveal, rel, list(slides.steps.get(part.section, ())), settings.slide_unit)
        # a teacher's recorded narration keeps its slide still, as it keeps its text (no sentence times)
        move = camera.move_for(slides.pictures.get(part.section) if part.kind == "card" and not part.file else None,
                               part.frames - part.reveal, settings)
        at = 0
        for png, frames in held:
            label = f"{ctx.out.as_posix()}/{png}"
            moving = min(frames, move.frames - at) if move is not None and at < move.frames else 0
            if moving:
                jobs.append(segments.camera_job(ctx.out / png, move, at, moving, fmt, settings, ctx.label, label))
            if frames > moving:
                jobs += segments.slide_jobs(ctx.out / png, frames - moving, fmt, settings, ctx.label, label)
            at += frames
        if part.reveal:
            rel = slides.answers[part.section]
            jobs += segments.slide_jobs(ctx.out / rel, part.reveal, fmt, settings,
                                        ctx.label, f"{ctx.out.as_posix()}/{rel}")
    return jobs


def _held(part, frames: int, final: str, steps: list[str], grid: int = 1) -> list[tuple[str, int]]:
    """The pictures a card part shows in its ``frames`` and for how long each: its reveal steps
    from the moment its narration's sentences start (pipeline/reveal.py), else one still picture."""
    from pipeline.reveal import steps as reveal_steps

    sentences = part.narration.sentences if part.narration is not None else ()
    if not steps or not sentences:
        return [(final, frames)]
    starts = [round((part.lead + s.start) * FPS) for s in sentences]
    pictures = steps + [final]
    return [(pictures[shown - 1], count) for shown, count in reveal_steps(len(pictures), starts, frames, grid)]


def _audio(ctx: Context, plan: Plan, prepared: list[voices.Prepared], settings: MediaSettings, scratch: Path) -> tuple[Path, Path, Loudness]:
    """Normalise each voice, assemble the track, normalise and encode it; measure the whole
    before and after, and each voice again in the encoded audio."""
    clips, cards, results = voices.normalise(plan, prepared, scratch, ctx.label)
    raw = scratch / "track.f32"
    track.write_track(plan, clips, cards, raw)
    for path in clips.values():
        path.unlink()
    note, measured = "", None
    if music.needed(ctx.lesson):  # the school's sting and the music bed, under the whole normalisation
        ctx.progress(_("mixing the school's sting and the music bed"))
        mixed = scratch / "mixed.f32"
        done = music.mix(plan, ctx.lesson, raw, mixed, scratch, ctx.label)
        note, measured = done.note(getattr(ctx.lesson.music, "level", None)), done.measured
        os.replace(mixed, raw)
    normal = scratch / "normalised.f32"
    spoken = any(item.level.action == "normalise" for item in prepared)
    if spoken:
        result = loudness.normalise(raw, normal, ctx.label, before=measured)
        if note:
            result = replace(result, detail=f"{result.detail}; {note}")
    else:
        # Nothing was brought to the target (silence, noise only, parts too short to measure):
        # gain on the whole would boost exactly what the parts' rules kept as it was.
        result = loudness.Result(loudness.measure(raw, ctx.label, raw=True), "linear", 0.0, "no part has sound to normalise: the track is kept as it is")
        shutil.copyfile(raw, normal)
    raw.unlink()
    m4a = scratch / "audio.m4a"
    ffmpeg.run(commands.raw_input(commands.aac_encode(str(normal),
                                                      settings.audio_bitrate, str(m4a))), context=ctx.label)
    after = loudness.measure(m4a, ctx.label)
    reliable = spoken and plan.seconds >= loudness.SHORT
    level = Loudness(
        before=Level(**result.before.as_dict()),
        after=Level(**after.as_dict()),
        mode=result.mode,
        gain_db=result.gain_db,
        reliable=reliable,
        detail=result.detail,
        short_clips=tuple(part.file for part in plan.parts if part.kind == "clip" and part.seconds < loudness.SHORT),
        reason="" if reliable else _unreliable(plan),
        parts=voices.measure_after(plan, prepared, m4a, results, scratch, ctx.label),
    )
    return m4a, normal, level


def _unreliable(plan: Plan) -> str:
    if plan.seconds < loudness.SHORT:
        return "too short to measure reliably (under 3 s)"
    return "no part has sound to normalise (silence, background noise only, or parts too short to measure)"


def _timeline(ctx: Context, plan: Plan, normal: Path) -> tuple[tuple[TimelinePart, ...], list[Artifact]]:
    entries, artifacts = [], []
    for part, first in zip(plan.parts, plan.starts()):
        speech = None
        window = track.speech_window(plan, part.index)
        if window is not None:
            rel = f"speech/{part.index:02d}.wav"
            artifacts.append(ctx.artifact("speech", rel, lambda tmp,
                                          w=window: track.write_speech(normal, w, tmp, ctx.label)))
            offset = window[0] / AUDIO_RATE
            voiced = part.narration
            sentences = tuple(Sentence(s.text, round(offset + s.start, 6),
                                       round(offset + s.end, 6)) for s in (voiced.sentences if voiced else ()))
            speech = Speech(part.says if part.kind == "clip" else voiced.text, rel, round(offset, 6),
                            bool(voiced and voiced.synthesised), sentences)
        entries.append(TimelinePart(part.kind, round(first / FPS, 6), round((first + part.frames) / FPS, 6),
                                    part.section, part.file, speech))
    return tuple(entries), artifacts


def _pictures(ctx: Context, plan: Plan, videos: dict, scratch: Path) -> tuple[list[Artifact], Artifact]:
    frames = thumbnail.candidates(list(zip(plan.starts(), [p.frames for p in plan.parts])), plan.frames)
    posters, chosen = [], {}
    for fmt, rel in videos.items():
        _frame, image = thumbnail.choose(ctx.out / rel, frames, scratch / "frames", ctx.label)
        chosen[fmt] = image
        name = f"poster-{fmt.replace(':', 'x')}.jpg"
        posters.append(ctx.artifact("poster", name, lambda tmp, i=image: thumbnail.save_jpeg(i, tmp)))
    fmt = "16:9" if "16:9" in chosen else next(iter(chosen))
    thumb = ctx.artifact("thumbnail", "thumbnail.jpg",
                         lambda tmp: thumbnail.save_jpeg(chosen[fmt], tmp, thumbnail.THUMBNAIL[fmt]))
    return posters, thumb


def _checks(plan: Plan) -> tuple[Check, ...]:
    # The normalisation mode is not repeated here: the review's advisory check "loudness.mode"
    # reads it from the loudness data; stage checks are blocking.
    checks = []
    for part in plan.parts:
        if part.kind == "clip" and part.seconds < loudness.SHORT:
            checks.append(Check("loudness.short_clip", None, round(part.seconds, 2), loudness.SHORT,
                                f"{part.file} lasts {part.seconds:.1f} s: too short to measure its loudness reliably"))
    return tuple(checks)
