"""The report's pictures as inline SVG made here (no JavaScript library, nothing downloaded).

Numbers are written with fixed precision so the same measurements give the same bytes.
"""
from __future__ import annotations

from html import escape

from pipeline.house import HOUSE
from pipeline.i18n import _

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28


def _x(t: float, span: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (t / span if span else 0)


def _y(value: float, low: float, high: float) -> float:
    value = min(max(value, low), high)
    return TOP + (HEIGHT - TOP - BOTTOM) * (high - value) / (high - low)


def _frame(title: str, kind: str, body: list[str], y_ticks: list[tuple[float, str]], span: float,
           low: float, high: float) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="plot {kind}" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">', f"<title>{escape(title)}</title>",
             f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" height="{HEIGHT - TOP - BOTTOM}" fill="#fff" '
             'stroke="#c5cbd3"/>']
    for value, label in y_ticks:
        y = _y(value, low, high)
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#4a5561">{escape(label)}</text>')
    step = max(1, round(span / 8)) if span else 1
    t = 0
    while t <= span + 1e-9:
        x = _x(t, span)
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle" font-size="11" fill="#4a5561">{t:g} s</text>')
        t += step
    parts += body
    parts.append("</svg>")
    return "\n".join(parts)


def loudness_svg(points: list[tuple[float, float, float]], target: float = HOUSE.loudness.integrated,
                 tolerance: float = HOUSE.loudness.tolerance) -> str:
    """Momentary (thin) and short-term (thick) loudness over time, with the target band."""
    low, high = -60.0, 0.0
    span = max((p[0] for p in points), default=0.0)
    body = [f'<rect class="target" x="{LEFT}" y="{_y(target + tolerance, low, high):.1f}" '
            f'width="{WIDTH - LEFT - RIGHT}" '
            f'height="{_y(target - tolerance, low, high) - _y(target + tolerance, low, high):.1f}" fill="#ddf3e4"/>']
    for index, (name, colour, width) in enumerate((("momentary", "#8fa3b8", 1), ("short-term", "#1f5fa8", 2)), start=1):
        line = " ".join(f"{_x(p[0], span):.1f},{_y(p[index], low, high):.1f}" for p in points)
        body.append(f'<polyline class="{name}" points="{line}" fill="none" stroke="{colour}" stroke-width="{width}"/>')
    ticks = [(v, f"{v:g} LUFS" if v == target else f"{v:g}") for v in (0, target, -30, -45, -60)]
    title = _("Loudness over time (target {target} LUFS ±{tolerance})", target=f"{target:g}", tolerance=f"{tolerance:g}")
    return _frame(title, "loudness", body, ticks,
                  span, low, high)


def reading_speed_svg(cues: list[dict], speeds: list[float], limit: float) -> str:
    """One bar per cue, placed at its time: characters per second against the language's limit."""
    span = max((c["end"] for c in cues), default=0.0)
    high = max([limit * 1.5] + [s * 1.1 for s in speeds])
    body = []
    for cue, speed in zip(cues, speeds):
        x0, x1 = _x(cue["start"], span), _x(cue["end"], span)
        y = _y(speed, 0, high)
        colour = "#c0392b" if speed > limit + 1e-9 else "#2e8b57"
        text = escape(" / ".join(cue.get("lines", [])))
        label = escape(_("cue {n}: {speed} characters per second", n=cue["index"], speed=f"{speed:.1f}"))
        body.append(f'<rect class="cue" x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0 - 1, 1):.1f}" '
                    f'height="{_y(0, 0, high) - y:.1f}" '
                    f'fill="{colour}"><title>{label} — {text}</title></rect>')
    y = _y(limit, 0, high)
    body.append(f'<line class="limit" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#8a1c17" '
                'stroke-dasharray="6 4"/>')
    ticks = [(0, "0"), (limit, f"{limit:g}/s"), (high, f"{high:.0f}")]
    title = _("Reading speed per cue (limit {limit} characters per second)", limit=f"{limit:g}")
    return _frame(title, "reading-speed", body, ticks,
                  span, 0, high)
