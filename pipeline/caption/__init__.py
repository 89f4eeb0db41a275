"""The caption stage: align each part's script to its speech, cut cues by the language's rules,
check them, and write WebVTT, SRT and a transcript (text and HTML).

Reads ``ctx.upstream.transcode.timeline``: every part with speech has its text, a 16 kHz mono WAV of
exactly that speech, the WAV's offset in the video and, for synthesised narration, each
sentence's exact times. Synthesised sentences are aligned one by one inside their known windows
(so sentence boundaries are exact and only word times come from alignment); recorded speech is
aligned as a whole. Writes ``captions/<slug>.<lang>.vtt`` and ``.srt`` (one set for both video
formats: they share one timeline), ``transcript.txt`` and ``transcript.html``.
"""
from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

from pipeline.caption import qc
from pipeline.caption.rules import rules_for
from pipeline.caption.segment import Token, segment, time_cues
from pipeline.errors import Diagnostic, LessonError
from pipeline.i18n import N_, _
from pipeline.lesson.model import Lesson
from pipeline.contracts import CaptionCue, CaptionFiles, CaptionResult, Divergence, PartMatch, TimelinePart
from pipeline.stage import Context, Settings, Stage

# Calibrated on the corpus (bench/bench_caption.py prints the separation per language).
FLAG_BELOW = 0.5  # cues with a lower alignment confidence go to the reviewer
MISMATCH_BELOW = 0.3  # a part matched this badly is not the recording of its script: error
DOUBTFUL_BELOW = 0.5  # a part matched this weakly has every cue flagged for the reviewer


WHAT = {"audio-only": N_("the audio has speech the text lacks"), "script-only": N_("these words are not heard in the audio"),
        "mismatch": N_("the words do not match the audio")}


def run(ctx: Context) -> CaptionResult:
    from pipeline.caption import draft, formats
    from pipeline.caption.speech import align_part, draft_part

    lesson = ctx.lesson
    rules = rules_for(lesson.language, lesson.captions)
    timeline = ctx.upstream.transcode.timeline
    problems, parts, doubts, owners, spoken, divergences, report = [], [], [], [], [], [], []
    for index, entry in enumerate(timeline):
        speech = entry.speech
        if speech is None:
            continue
        place = _place(ctx, index, entry)
        drafted = ""
        if not speech.text.strip():
            drafted = draft.recogniser(lesson.language) or ""
            if not drafted:
                problems.append(_no_words(place, lesson.language))
                continue
            ctx.progress(_("drafting captions of part {part} from speech ({recogniser})", part=index + 1, recogniser=drafted))
            result = draft_part(ctx, speech, lesson.language)
            if not result.words:
                problems.append(_no_words(place, lesson.language))
                continue
        else:
            ctx.progress(_("aligning part {part} of {total}", part=index + 1, total=len(timeline)))
            result = align_part(ctx, speech, lesson.language, lesson.voice)
        if result.quality < MISMATCH_BELOW and not speech.synthesised and not drafted:
            problems.append(Diagnostic(place.file, place.line, place.col, place.field,
                                       _mismatch(_recording(lesson, entry, speech), result),
                                       _("check that the recording is the right file and that the text is what is said in it, "
                                         "all of it")))
            continue
        tokens = [Token(w.text, w.start, w.end, w.confidence) for w in result.words]
        parts.append((tokens, segment(tokens, rules, float(entry.end)), float(entry.end)))
        part_doubts = []
        for d in result.divergences:
            there = " ".join(t.text for t in tokens[d.word: d.word + 6])
            what = _(WHAT[d.kind])
            reason = _("text and audio diverge at {start}–{end}: {what} (near \"{words}\")",
                       start=formats.cue_time(d.start), end=formats.cue_time(d.end), what=what, words=there)
            part_doubts.append((d.start, d.end, reason))
            divergences.append(Divergence(index, d.start, d.end, d.kind, there, reason))
            ctx.log.warning("%s: %s", place.file, reason)
        if not drafted and not speech.synthesised and result.quality < DOUBTFUL_BELOW:
            part_doubts.append((float("-inf"), float("inf"), _("the recording matches its text only weakly (match {quality}): listen to it",
                                                               quality=f"{result.quality:.2f}")))
        if drafted:
            part_doubts.append((float("-inf"), float("inf"), _("drafted from speech by {recogniser} (there is no script): check every word",
                                                               recogniser=drafted)))
        doubts.append(part_doubts)
        owners.append((index, place))
        said = " ".join(speech.text.split()) or " ".join(t.text for t in tokens)
        spoken.append(formats.TranscriptPart(float(entry.start), _heading(lesson, entry), said))
        report.append(PartMatch(index, result.quality, result.method, tuple(result.windows), _divergence(result), DOUBTFUL_BELOW))
    if problems:
        raise LessonError(problems)

    cues = time_cues(parts, rules, FLAG_BELOW, doubts)
    cue_parts = [owners[c.part] for c in cues]
    accepting = acceptances(lesson)
    violations = [replace(v, accepted=found.reason) if (found := qc.accepted(v, accepting)) else v
                  for v in qc.check(cues, rules, [index for index, _ in cue_parts])]
    divergences = [replace(item, cues=tuple(c.index for c in cues if c.start < item.end and c.end > item.start
                                             and cue_parts[c.index - 1][0] == item.part)) for item in divergences]
    if ctx.settings.caption_check:
        qc.enforce(violations, [cue_parts[v.cue - 1][1] for v in violations], accepting)

    stem = f"captions/{lesson.slug}.{lesson.language}"
    named = CaptionFiles(vtt=f"{stem}.vtt", srt=f"{stem}.srt", transcript_txt="transcript.txt",
                         transcript_html="transcript.html")
    files = asdict(named)
    texts = {
        "vtt": formats.webvtt(cues, lesson.language),
        "srt": formats.srt(cues),
        "transcript_txt": formats.transcript_text(lesson.title, spoken, lesson.language),
        "transcript_html": formats.transcript_html(lesson.title, spoken, lesson.language, ctx.settings.templates),
    }
    kinds = {"vtt": "captions", "srt": "captions", "transcript_txt": "transcript", "transcript_html": "transcript"}
    artifacts = [ctx.artifact(kinds[key], files[key],
                              lambda tmp, t=texts[key]: tmp.write_text(t, encoding="utf-8")) for key in files]
    return CaptionResult(
        artifacts=tuple(artifacts),
        cues=tuple(CaptionCue(**c.as_dict(), part=cue_parts[c.index - 1][0]) for c in cues),
        files=named,
        qc=tuple(violations),
        rules=rules.as_dict(),
        divergences=tuple(divergences),
        parts=tuple(report),
    )


def _divergence(result) -> str:
    """Where text and audio first diverge (or the worst stretch when they differ throughout), or ''."""
    from pipeline.timefmt import cue_time

    if not result.divergences:
        if result.windows and result.quality < DOUBTFUL_BELOW:
            start, end, _score = min(result.windows, key=lambda w: w[2])
            return _("text and audio differ throughout {start}–{end}", start=cue_time(start), end=cue_time(end))
        return ""
    d = result.divergences[0]
    near = " ".join(w.text for w in result.words[d.word: d.word + 6])
    return _("text and audio first diverge at {time}: {what} (near \"{words}\")", time=cue_time(d.start),
             what=_(WHAT[d.kind]), words=near)


def _mismatch(recording: str, result) -> str:
    """The recording does not match its text, and where: the first divergence, or the worst stretch
    when they differ throughout. One whole sentence per case, so each language words it its own way."""
    from pipeline.timefmt import cue_time

    values = {"file": recording, "quality": f"{result.quality:.2f}", "limit": MISMATCH_BELOW}
    if not result.divergences:
        if result.windows and result.quality < DOUBTFUL_BELOW:  # unlike throughout: name the worst stretch
            start, end, _score = min(result.windows, key=lambda w: w[2])
            return _("the recording {file} does not match this text (match {quality}, under {limit}); "
                     "text and audio differ throughout {start}–{end}", start=cue_time(start), end=cue_time(end), **values)
        return _("the recording {file} does not match this text (match {quality}, under {limit})", **values)
    d = result.divergences[0]
    near = " ".join(w.text for w in result.words[d.word: d.word + 6])
    return _("the recording {file} does not match this text (match {quality}, under {limit}); "
             "text and audio first diverge at {time}: {what} (near \"{words}\")",
             time=cue_time(d.start), what=_(WHAT[d.kind]), words=near, **values)


def _no_words(place: Diagnostic, language: str) -> Diagnostic:
    from pipeline.caption.draft import INSTALL

    if language in INSTALL:
        hint = _("write what is said (a 'Narration:' paragraph for a card, 'says:' for a clip); captions are made from it"
                 " — or run '{command}' to have captions drafted from the speech, for review", command=INSTALL[language])
    else:
        hint = _("write what is said (a 'Narration:' paragraph for a card, 'says:' for a clip); captions are made from it")
    return Diagnostic(place.file, place.line, place.col, place.field, _("this part has speech but no words to caption"), hint)


def _recording(lesson: Lesson, entry, speech) -> str:
    """The teacher's own file behind a part's speech (the clip, or the card's audio), never the
    stage's internal speech/NN.wav, which the teacher has never seen."""
    if entry.file:
        return entry.file
    from pipeline.lesson.model import CardSlide

    for item in lesson.sequence:
        if isinstance(item, CardSlide) and item.section == entry.section and item.audio:
            return item.audio
    return speech.audio


def acceptances(lesson: Lesson) -> tuple[qc.Acceptance, ...]:
    """Violations the lesson accepts (``captions.accept`` in lesson.yaml), each with its reason."""
    return tuple(lesson.captions.accept)


def _place(ctx: Context, index: int, entry: TimelinePart) -> Diagnostic:
    """Where a part's text is written: the card's section in the script, or the clip in lesson.yaml."""
    lesson = ctx.lesson
    if entry.kind == "card" and entry.section:
        try:
            section = lesson.section(entry.section)
        except KeyError:
            section = None
        return Diagnostic(f"{ctx.label}/{lesson.script}", section.line if section else 0, 1 if section else 0,
                          f"section '{entry.section}' narration")
    # the school's intro is a timeline part the sequence does not list
    intros = sum(1 for part in ctx.upstream.transcode.timeline[:index] if part.kind == "intro")
    return Diagnostic(f"{ctx.label}/lesson.yaml", 0, 0, f"sequence[{index - intros}].says")


def _heading(lesson: Lesson, entry: TimelinePart) -> str:
    from pipeline.caption.formats import LABELS

    if entry.section:
        try:
            return lesson.section(entry.section).title
        except KeyError:
            pass
    return LABELS[lesson.language]["clip"] + (f" ({Path(entry.file).name})" if entry.file else "")


def _params(lesson: Lesson, settings: Settings) -> dict:
    rules = rules_for(lesson.language, lesson.captions)
    return {"rules": rules.as_dict(), "voice": lesson.voice, "title": lesson.title, "slug": lesson.slug,
            "flag_below": FLAG_BELOW, "mismatch_below": MISMATCH_BELOW, "doubtful_below": DOUBTFUL_BELOW,
            "script": lesson.script,
            "headings": {s.id: s.title for s in lesson.sections}}  # transcript headings, messages


def _tools(settings: Settings) -> dict:
    from pipeline.fsutil import sha256_file
    from pipeline.toolversions import espeak_version

    template = settings.templates / "transcript.html.j2"
    from pipeline.caption.draft import version

    return {"espeak-ng": espeak_version(), "transcript-template": sha256_file(template) if template.is_file() else None,
            "recognisers": {language: version(language) for language in ("en", "ko")}}


STAGE = Stage(name="caption", needs=("transcode",), run=run, params=_params, inputs=lambda lesson: [],
              tools=_tools, result=CaptionResult)
