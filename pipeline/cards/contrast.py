"""Text contrast by WCAG 2.2 (success criterion 1.4.3, contrast minimum).

The ratio is (L1 + 0.05) / (L2 + 0.05) of the relative luminances of the lighter and the darker
colour, with sRGB channels linearised as the WCAG definition of relative luminance says. Normal
text needs 4.5:1, large text (at least 24 px, or 18.66 px bold) 3:1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.i18n import _

NORMAL_TEXT = 4.5
LARGE_TEXT = 3.0


def luminance(color: str) -> float:
    """Relative luminance of ``#rrggbb`` (0 black .. 1 white)."""
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    # WCAG 2.2 writes the threshold as 0.04045 (the sRGB standard's value; 0.03928 in older texts)
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(foreground: str, background: str) -> float:
    """The contrast ratio of two colours, 1.0 .. 21.0."""
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def shown(value: float) -> str:
    """A ratio as people read it: cut (never rounded up) to two decimals, so 4.499 is not "4.5"."""
    return f"{math.floor(value * 100) / 100:.2f}"


@dataclass(frozen=True)
class Pair:
    """A text colour role on a background role, the ratio it needs and what it is used for."""

    text: str
    on: str
    minimum: float
    purpose: str


@dataclass(frozen=True)
class Failure:
    pair: Pair
    text_color: str
    background_color: str
    value: float

    def message(self) -> str:
        p = self.pair
        return _("{text} colour {text_color} on {on} colour {background_color} has a contrast of {ratio}:1, under the {minimum}:1 WCAG 2.2 asks for {purpose}",
                 text=p.text, text_color=self.text_color, on=p.on, background_color=self.background_color, ratio=shown(self.value),
                 minimum=f"{p.minimum:g}", purpose=p.purpose)

    def hint(self) -> str:
        lighter_text = luminance(self.text_color) > luminance(self.background_color)
        if lighter_text:
            return _("choose a lighter {text} colour or a darker {on} colour", text=self.pair.text, on=self.pair.on)
        return _("choose a darker {text} colour or a lighter {on} colour", text=self.pair.text, on=self.pair.on)


def check(colors: dict[str, str], pairs: tuple[Pair, ...]) -> tuple[list[Failure], list[tuple[Pair, float]]]:
    """Measure every pair; returns the failures and every (pair, ratio) measured."""
    failures, measured = [], []
    for pair in pairs:
        value = ratio(colors[pair.text], colors[pair.on])
        measured.append((pair, value))
        # compare the exact ratio: WCAG gives no rounding, 4.499:1 fails 4.5:1
        if value < pair.minimum:
            failures.append(Failure(pair, colors[pair.text], colors[pair.on], value))
    return failures, measured
