"""Loudness as the transcode stage measured it (two-pass loudnorm), before and after."""
from pipeline.house import HOUSE
from pipeline.i18n import N_, _
from pipeline.review.registry import check

TARGET = HOUSE.loudness
BAND = f"{TARGET.integrated:g} ±{TARGET.tolerance:g}"


def _loudness(ev):
    return ev.upstream.transcode.loudness if ev.upstream.transcode else None


def _after(ev, key: str) -> float | None:
    loud = _loudness(ev)
    return getattr(loud.after, key) if loud else None


def _before(ev, key: str) -> str:
    loud = _loudness(ev)
    value = getattr(loud.before, key) if loud else None
    return _("before normalisation: {value}", value=value) if value is not None else ""


def _reliable(ev):
    loud = _loudness(ev)
    return loud.reliable if loud else True


@check("loudness.integrated", N_("Integrated loudness {target} LUFS ±{tolerance} LU"), "blocking",
       N_("report this: normalisation did not reach the target"), target=f"{TARGET.integrated:g}", tolerance=f"{TARGET.tolerance:g}")
def integrated(ev):
    value = _after(ev, "I")
    if value is None or not _reliable(ev):
        loud = _loudness(ev)
        yield None, value, BAND, (loud.reason if loud and loud.reason else _("too short to measure reliably (under 3 s)"))
        return
    yield abs(float(value) - TARGET.integrated) <= TARGET.tolerance, float(value), BAND, _before(ev, "I")


PART_BAND = f"{TARGET.integrated:g} ±{TARGET.part_tolerance:g}"


@check("loudness.parts", N_("Every part (each clip's sound, each recorded narration, the synthesised voice) at {target} LUFS "
                            "±{tolerance} LU on its own"), "blocking",
       N_("report this: the part's normalisation did not reach the target"),
       target=f"{TARGET.integrated:g}", tolerance=f"{TARGET.part_tolerance:g}")
def parts(ev):
    """One row per voice, measured in the encoded audio: a part far from the others is a part the
    listener has to reach for the volume for, even when the whole track measures right."""
    loud = _loudness(ev)
    for row in loud.parts if loud else ():
        source = f"{row.voice}: {row.before} → {row.after} LUFS" if row.before is not None else row.voice
        if row.action != "normalise":
            yield None, row.after, PART_BAND, f"{row.voice}: {row.detail}"
        elif row.after is None or not row.reliable:
            yield None, row.after, PART_BAND, f"{source}; {row.detail}"
        else:
            yield abs(float(row.after) - TARGET.integrated) <= TARGET.part_tolerance, float(row.after), PART_BAND, source


@check("loudness.true_peak", N_("True peak at most {peak} dBTP"), "blocking", N_("report this: the limiter did not hold the peak"),
       peak=f"{TARGET.true_peak:g}")
def true_peak(ev):
    value = _after(ev, "TP")
    if value is None:
        yield None, None, TARGET.true_peak, _("not measured")
        return
    yield float(value) <= TARGET.true_peak + 0.05, float(value), TARGET.true_peak, _before(ev, "TP")


@check("loudness.range", N_("Loudness range at most {range} LU"), "advisory", N_("level out loud and quiet passages in the recording"),
       range=f"{TARGET.loudness_range:g}")
def loudness_range(ev):
    value = _after(ev, "LRA")
    if value is None:
        yield None, None, TARGET.loudness_range, _("not measured")
        return
    yield float(value) <= TARGET.loudness_range, float(value), TARGET.loudness_range, _before(ev, "LRA")


@check("loudness.mode", N_("Linear normalisation (no dynamic compression)"), "advisory",
       N_("if the peaks are in your own recordings, record a little quieter or further from the microphone; with the "
          "computer voice alone nothing needs doing"))
def mode(ev):
    loud = _loudness(ev)
    if loud is None:
        yield None, None, "linear", _("not measured")
        return
    linear = loud.mode == "linear"
    detail = "" if linear else loud.detail
    if not linear and _only_synthesised(ev.lesson):
        detail = _("the computer voice (espeak-ng) has sharp peaks: linear gain to {target} LUFS would pass {peak} dBTP, so a limiter "
                   "held them, as the house format allows when it is recorded", target=f"{TARGET.integrated:g}", peak=f"{TARGET.true_peak:g}")
    yield linear, loud.mode, "linear", detail


def _only_synthesised(lesson) -> bool:
    """True when everything heard is synthesised narration: no clips, no recorded card audio."""
    from pipeline.lesson.model import CardSlide, Clip

    return not any(isinstance(item, Clip) or (isinstance(item, CardSlide) and item.audio) for item in lesson.sequence)
