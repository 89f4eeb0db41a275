"""Loudness as the transcode stage measured it (two-pass loudnorm), before and after."""
from pipeline.i18n import N_, _
from pipeline.review.registry import check


def _after(ev):
    return (ev.data("transcode").get("loudness") or {}).get("after") or {}


def _before(ev, key: str) -> str:
    value = ((ev.data("transcode").get("loudness") or {}).get("before") or {}).get(key)
    return _("before normalisation: {value}", value=value) if value is not None else ""


def _reliable(ev):
    return (ev.data("transcode").get("loudness") or {}).get("reliable", True)


@check("loudness.integrated", N_("Integrated loudness -16 LUFS ±1 LU"), "blocking", N_("report this: normalisation did not reach the target"))
def integrated(ev):
    value = _after(ev).get("I")
    if value is None or not _reliable(ev):
        yield None, value, "-16 ±1", _("too short to measure reliably (under 3 s)")
        return
    yield abs(float(value) + 16) <= 1.0, float(value), "-16 ±1", _before(ev, "I")


@check("loudness.true_peak", N_("True peak at most -1.5 dBTP"), "blocking", N_("report this: the limiter did not hold the peak"))
def true_peak(ev):
    value = _after(ev).get("TP")
    if value is None:
        yield None, None, -1.5, _("not measured")
        return
    yield float(value) <= -1.5 + 0.05, float(value), -1.5, _before(ev, "TP")


@check("loudness.range", N_("Loudness range at most 11 LU"), "advisory", N_("level out loud and quiet passages in the recording"))
def loudness_range(ev):
    value = _after(ev).get("LRA")
    if value is None:
        yield None, None, 11, _("not measured")
        return
    yield float(value) <= 11, float(value), 11, _before(ev, "LRA")


@check("loudness.mode", N_("Linear normalisation (no dynamic compression)"), "advisory",
       N_("if the peaks are in your own recordings, record a little quieter or further from the microphone; with the computer voice alone nothing needs doing"))
def mode(ev):
    loud = ev.data("transcode").get("loudness") or {}
    if not loud:
        yield None, None, "linear", _("not measured")
        return
    linear = loud.get("mode") == "linear"
    detail = "" if linear else loud.get("detail", "")
    if not linear and _only_synthesised(ev.lesson):
        detail = _("the computer voice (espeak-ng) has sharp peaks: linear gain to -16 LUFS would pass -1.5 dBTP, so a limiter "
                   "held them, as the house format allows when it is recorded")
    yield linear, loud.get("mode"), "linear", detail


def _only_synthesised(lesson) -> bool:
    """True when everything heard is synthesised narration: no clips, no recorded card audio."""
    from pipeline.lesson.model import CardSlide, Clip

    return not any(isinstance(item, Clip) or (isinstance(item, CardSlide) and item.audio) for item in lesson.sequence)
