"""Long silences inside spoken parts (ffmpeg silencedetect; title and end slides are silent by design)."""
from pipeline.review.registry import check
from pipeline.review.measure import SILENCE_DB

LIMIT = 3.0  # s


@check("silence.long", f"No silence longer than {LIMIT:g} s while someone should be speaking", "advisory", "cut the pause: split the clip in two with start:/end: in lesson.yaml, or re-record")
def long_silence(ev):
    if ev.signals is None:
        yield None, None, LIMIT, "no video built"
        return
    found = []
    for part in ev.parts(spoken=True):
        for s in ev.signals.silent:
            start, end = max(s.start, float(part.start)), min(s.end, float(part.end))
            if end - start > 0:
                found.append((round(end - start, 2), start, end, part))
    worst = max((f[0] for f in found), default=0.0)
    yield worst <= LIMIT, worst, LIMIT, "; ".join(
        f"{p.file or p.section or p.kind}: silent (under {SILENCE_DB} dB) {a:.1f}–{b:.1f} s" for length, a, b, p in found if length > LIMIT)
