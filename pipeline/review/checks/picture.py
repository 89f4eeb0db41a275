"""Long black or frozen stretches in the picture (ffmpeg blackdetect / freezedetect, one pass)."""
from pipeline.i18n import N_, _
from pipeline.review.registry import check

BLACK_LIMIT = 2.0  # s
FROZEN_LIMIT = 3.0  # s; only inside clips: title, card and end slides are still pictures by design


def _overlap(stretch, part) -> float:
    return max(0.0, min(stretch.end, float(part.end)) - max(stretch.start, float(part.start)))


@check("picture.black", N_("No black stretch longer than {limit} s"), "advisory",
       N_("trim the black part with the clip's start:/end: in lesson.yaml, or check the recording"),
       limit=f"{BLACK_LIMIT:g}")
def black(ev):
    if ev.signals is None:
        yield None, None, BLACK_LIMIT, _("no video built")
        return
    longest = max(ev.signals.black, key=lambda s: s.seconds, default=None)
    yield (longest is None or longest.seconds <= BLACK_LIMIT), longest.seconds if longest else 0.0, BLACK_LIMIT, \
        "; ".join(_("black {start}–{end} s", start=f"{s.start:.1f}", end=f"{s.end:.1f}") for s in ev.signals.black if s.seconds > BLACK_LIMIT)


@check("picture.frozen", N_("No frozen picture longer than {limit} s inside a clip"), "advisory",
       N_("trim the still part of the clip, or show a card instead of a frozen frame"),
       limit=f"{FROZEN_LIMIT:g}")
def frozen(ev):
    if ev.signals is None:
        yield None, None, FROZEN_LIMIT, _("no video built")
        return
    found = [(round(_overlap(s, p), 2),
              s, p) for s in ev.signals.frozen for p in ev.parts("clip") if _overlap(s, p) > 0]
    worst = max((f[0] for f in found), default=0.0)
    yield worst <= FROZEN_LIMIT, worst, FROZEN_LIMIT, "; ".join(
        _("{file}: frozen {start}–{end} s", file=p.file, start=f"{max(s.start, p.start):.1f}", end=f"{min(s.end, p.end):.1f}")
        for length, s, p in found if length > FROZEN_LIMIT)
