"""The transcode stage: a lesson's media and cards in the house format, fast and checked.

``STAGE`` runs ``assemble.transcode`` with the product settings (``settings.MediaSettings``).
Modules: ``plan`` (probe, narration, frame counts, duration limit), ``commands`` (pure argv
builders), ``segments`` (cached video segments), ``narration`` (espeak-ng, pydub clean-up),
``track`` (the sample-exact audio track, speech WAVs), ``levels`` (the loudness rules for each voice),
``voices`` (each voice measured, judged, normalised, measured again), ``loudness`` (two-pass linear
loudnorm), ``colour`` (HDR sources), ``thumbnail`` (posters from non-black frames), ``branding`` (the school's
intro and outro pictures), ``music`` (its sting and the ducked music bed), ``assemble`` (the phases in order).
"""
from __future__ import annotations

from dataclasses import asdict

from pipeline.lesson.model import CardSlide, Clip, Lesson
from pipeline.contracts import TranscodeResult
from pipeline.stage import Context, Settings, Stage
from pipeline.transcode.settings import MediaSettings

SETTINGS = MediaSettings()


def run(ctx: Context) -> TranscodeResult:
    from pipeline.transcode.assemble import transcode

    # the finished audio track is kept in the object store under everything it is made of
    # (assemble.audio_key): a second machine on a shared store takes it instead of making it again
    return transcode(ctx, SETTINGS, reuse_audio=True)


def params(lesson: Lesson, settings: Settings) -> dict:
    """What the output depends on besides file contents: the sequence, the narration text of
    the cards shown, language and voice, formats, the limit, and the encoder settings."""
    narrations = {item.section: lesson.section(item.section).narration for item in lesson.sequence if isinstance(item, CardSlide)}
    return {
        "slug": lesson.slug,
        "sequence": [asdict(item) for item in lesson.sequence],
        "narration": narrations,
        "questions": [s.id for s in lesson.quizzes],  # a question card holds its answer slide after the question
        "language": lesson.language,
        "voice": lesson.voice,
        "formats": list(lesson.formats),
        "max_duration": lesson.max_duration,
        "platforms": list(lesson.platforms),  # their limits are checked on the plan, before encoding
        "settings": SETTINGS.key(),
        **_branding(lesson),
    }


def _branding(lesson: Lesson) -> dict:
    """The school's intro, outro and sting and the music bed, only when set: a lesson without
    them keeps the key (and so the bytes) it had before they existed."""
    found = {}
    school = lesson.school
    if school.branded:
        found["school"] = {"intro": school.intro, "outro": school.outro, "sting": school.sting, "logo": school.logo,
                           "colors": [list(c) for c in school.colors]}
    if lesson.music is not None:
        found["music"] = {"file": lesson.music.file, "level": lesson.music.level}
    return found


def inputs(lesson: Lesson) -> list[str]:
    files = set()
    for item in lesson.sequence:
        if isinstance(item, Clip):
            files.add(item.file)
        elif isinstance(item, CardSlide) and item.audio:
            files.add(item.audio)
    if lesson.school.branded:
        files.update(f for f in (lesson.school.logo, lesson.school.sting) if f)
    if lesson.music is not None:
        files.add(lesson.music.file)
    return sorted(files)


def tools(settings: Settings) -> dict:
    from pipeline.ffmpeg import ffmpeg_version
    from pipeline.toolversions import espeak_version

    return {"ffmpeg": ffmpeg_version(), "espeak-ng": espeak_version()}


STAGE = Stage("transcode", ("cards",), run, params, inputs, tools, result=TranscodeResult)
