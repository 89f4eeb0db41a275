"""Long silences inside spoken parts (ffmpeg silencedetect; title and end slides are silent by design)."""
from pipeline.i18n import N_, _
from pipeline.review.registry import check
from pipeline.review.measure import SILENCE_DB

LIMIT = 3.0  # s


@check("silence.long", N_("No silence longer than {limit} s while someone should be speaking"), "advisory",
       N_("cut the pause: split the clip in two with start:/end: in lesson.yaml, or re-record"),
       limit=f"{LIMIT:g}")
def long_silence(ev):
    if ev.signals is None:
        yield None, None, LIMIT, _("no video built")
        return
    found = []
    for part in ev.parts(spoken=True):
        for s in ev.signals.silent:
            start, end = max(s.start, float(part.start)), min(s.end, float(part.end))
            if end - start > 0:
                found.append((round(end - start, 2), start, end, part))
    worst = max((f[0] for f in found), default=0.0)
    yield worst <= LIMIT, worst, LIMIT, "; ".join(
        _("{part}: silent (under {db} dB) {start}–{end} s", part=p.file or p.section or p.kind, db=SILENCE_DB, start=f"{a:.1f}", end=f"{b:.1f}")
        for length, a, b, p in found if length > LIMIT)
