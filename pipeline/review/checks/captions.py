"""Captions: coverage of what is said, reading speed, line length, cue timing, alignment confidence.

Measured on the cues the caption stage wrote (CaptionResult), against the language's rules; a
violation the lesson accepts (Violation.accepted, the reason given) passes with that reason.
"""
import re
from collections import Counter

from pipeline.house import rules_for, width
from pipeline.i18n import N_, _, _n
from pipeline.review.registry import check

COVERAGE = 0.98  # share of spoken words that appear in the captions (WCAG 1.2.2)


def _rules(ev):
    return rules_for(ev.lesson.language, ev.lesson.captions)


def _cues(ev):
    return ev.upstream.caption.cues if ev.upstream.caption else ()


def _violations(ev, *names: str):
    """[(violation, acceptance reason or "")] of the caption stage's QC for these rules."""
    violations = ev.upstream.caption.qc if ev.upstream.caption else ()
    return [(violation, violation.accepted) for violation in violations if violation.rule in names]


def _verdict(ev, names, value, limit):
    found = _violations(ev, *names)
    open_ = [v for v, reason in found if not reason]
    detail = "; ".join([v.message for v in open_[:5]] + [f"accepted: {v.message} ({reason})" for v,
                                                         reason in found if reason][:3])
    return not open_, value, limit, detail


def _none(ev, limit):
    if ev.upstream.caption is None:
        return (None, None, limit, "no captions built")
    return None


@check("captions.coverage", N_("Captions cover everything that is said"), "blocking",
       N_("every spoken word needs a caption: check the script text against the recording"))
def coverage(ev):
    if missing := _none(ev, COVERAGE):
        yield missing
        return
    words = lambda text: re.findall(r"\w+", text.casefold())  # noqa: E731
    spoken = Counter(w for p in ev.parts(spoken=True) for w in words(p.speech.text))
    shown = Counter(w for c in _cues(ev) for line in c.lines for w in words(line))
    total = sum(spoken.values())
    if not total:
        yield None, None, COVERAGE, _("nothing is said in this lesson")
        return
    share = sum((spoken & shown).values()) / total
    lost = sorted((spoken - shown).elements())[:8]
    yield share >= COVERAGE, round(share, 3), COVERAGE, _("not captioned: {words}",
                                                          words=", ".join(lost)) if lost else _n("{n} spoken word", "{n} spoken words", total)


@check("captions.cps", N_("Reading speed within the language's limit"), "blocking", N_("say fewer words in this time: shorten the sentence, or pause after it"))
def cps(ev):
    if missing := _none(ev, None):
        yield missing
        return
    rules = _rules(ev)
    speeds = [width(" ".join(c.lines), rules) / max(c.end - c.start, 0.001) for c in _cues(ev)]
    yield _verdict(ev, ("max_cps",), round(max(speeds, default=0.0), 2), rules.max_cps)


@check("captions.line_length", N_("Lines and lines per cue within the language's limits"), "blocking", N_("shorten the sentence or split it with a full stop"))
def line_length(ev):
    if missing := _none(ev, None):
        yield missing
        return
    rules = _rules(ev)
    longest = max((width(line, rules) for c in _cues(ev) for line in c.lines), default=0.0)
    yield _verdict(ev, ("max_line_chars", "max_lines"), longest,
                   f"{rules.max_line_chars:g} chars × {rules.max_lines} lines")


@check("captions.timing", N_("Each cue shown 0.833–7 s, 2 frames apart"), "blocking",
       N_("join short phrases, add pauses in long stretches of speech, leave a short pause between sentences"))
def timing(ev):
    if missing := _none(ev, None):
        yield missing
        return
    rules = _rules(ev)
    durations = [c.end - c.start for c in _cues(ev)]
    value = f"{min(durations, default=0):.3f}–{max(durations, default=0):.3f} s"
    yield _verdict(ev, ("min_duration", "max_duration", "min_gap", "order"),
                   value, f"{rules.min_duration:g}–{rules.max_duration:g} s")


@check("captions.confidence", N_("Caption timing is confident"), "advisory", N_("listen to the flagged cues and adjust the script if they are off"))
def confidence(ev):
    if missing := _none(ev, 0):
        yield missing
        return
    flagged = [c for c in _cues(ev) if c.flagged]
    yield not flagged, len(flagged), 0, "; ".join(_("cue {index}: {reason}", index=c.index, reason=c.reason or _("low confidence"))
                                                  for c in flagged[:5])


@check("captions.match", N_("Each recording matches its script"), "advisory",
       N_("listen where the text and the audio first diverge, and make the text say what is said there"))
def match(ev):
    """Per aligned part: its match (0..1, calibrated: the build rejects under the caption stage's
    MISMATCH_BELOW) and where the script and the speech first diverge."""
    if missing := _none(ev, None):
        yield missing
        return
    for part in ev.upstream.caption.parts:
        if part.method != "aligned":
            continue
        worst = min(part.windows or ((0.0, 0.0, 1.0),), key=lambda w: w[2])
        values = {"part": part.part + 1, "start": f"{worst[0]:.1f}", "end": f"{worst[1]:.1f}", "margin": f"{worst[2]:.3f}"}
        if part.first_divergence:
            detail = _("part {part}: {divergence}; weakest stretch {start}–{end} s (margin {margin})",
                       divergence=part.first_divergence, **values)
        else:
            detail = _("part {part}: no divergence; weakest stretch {start}–{end} s (margin {margin})", **values)
        yield part.quality >= part.doubtful_below and not part.first_divergence, part.quality, part.doubtful_below, detail


@check("captions.accepted", N_("Accepted caption rule breaks, with their reasons"), "advisory",
       N_("read each reason; remove an acceptance from captions.accept in lesson.yaml when it no longer matches a caption"))
def accepted_breaks(ev):
    """Every ``captions.accept`` entry of the lesson: the captions it covers and its reason, or
    that it matches none (stale: the script changed)."""
    if missing := _none(ev, None):
        yield missing
        return
    for item in ev.lesson.captions.accept:
        covered = [v for v in ev.upstream.caption.qc if item.matches(v.rule, v.text, v.start, v.end)]
        cues = ", ".join(str(v.cue) for v in covered)
        if covered:
            detail = _("{rule} for {names}: cue {cues} — {reason}", rule=item.rule, names=item.names(), cues=cues,
                       reason=item.reason)
        else:
            detail = _("{rule} for {names}: matches no caption — {reason}", rule=item.rule, names=item.names(),
                       reason=item.reason)
        yield bool(covered), len(covered), None, detail
