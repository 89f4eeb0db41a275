"""Does the text fit its card? Measured on WeasyPrint's layout, never fixed by shrinking or clipping.

Every template marks the box the card's text must fit in with ``class="fit"`` and gives that box
a fixed size (themes position it absolutely). Its content is laid out at the theme's own type
sizes; the height the content needs is compared with the height the box has. Text that needs
more is an error that says how much to cut. Every piece of text on the page is also checked
against MIN_FONT_PX, so no theme can make text unreadably small.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.i18n import N_, _

# The smallest text allowed on any card or slide, in pixels. Every format is 1080 px on its short
# side (1080x1350, 1080x1080, 1920x1080, 1080x1920), so one number serves all: a 1080 px card
# shown 360 pt wide on a phone displays 30 px text at 10 pt, the smallest comfortable size for
# secondary text (footers, labels); card text itself is set much larger by the themes.
MIN_FONT_PX = 30

SLACK_PX = 0.5  # layout rounding: a box "over" by less than this fits


@dataclass(frozen=True)
class Fit:
    """What a laid-out page measured: the fit box's height, its content's height, the smallest text."""

    available: float
    needed: float
    smallest_font: float
    smallest_text: str
    pages: int

    @property
    def overflows(self) -> bool:
        return self.pages > 1 or self.needed > self.available + SLACK_PX

    @property
    def fill(self) -> float:
        """How full the box is: 1.0 is exactly full, 1.38 is 38% too long."""
        return self.needed / self.available if self.available > 0 else math.inf

    def as_dict(self) -> dict:
        return {"available": round(self.available, 1), "needed": round(self.needed, 1), "fill": round(self.fill, 3),
                "smallest_font": round(self.smallest_font, 1)}


class ThemeLayoutError(Exception):
    """The template has no usable ``.fit`` box (a theme bug, not the teacher's)."""


def _all(page_box):
    """Every box of a page, absolutely positioned ones included (WeasyPrint leaves placeholders)."""
    for box in page_box.descendants(placeholders=True):
        yield getattr(box, "_box", box)


def _fit_box(page_box):
    from weasyprint.formatting_structure import boxes

    for box in _all(page_box):
        element = getattr(box, "element", None)
        if element is None or not isinstance(box, (boxes.BlockBox, boxes.FlexBox)) or box.element_tag is None:
            continue
        if "fit" in (element.get("class") or "").split():
            return box
    return None


def measure(document) -> Fit:
    """Measure a rendered WeasyPrint document: the first page's ``.fit`` box and every text box."""
    from weasyprint.formatting_structure import boxes

    page_box = document.pages[0]._page_box
    box = _fit_box(page_box)
    if box is None:
        raise ThemeLayoutError("the template has no element with class=\"fit\" around the card text")
    children = [getattr(c, "_box", c) for c in box.children]
    # from the highest child's top to the lowest child's bottom: right whether the theme puts the
    # text at the top of its box or centres it (then overflowing text sticks out at both ends)
    top = min((c.position_y for c in children), default=box.content_box_y())
    bottom = max((c.position_y + c.margin_height() for c in children), default=top)
    smallest, text = math.inf, ""
    for page in document.pages:
        for item in _all(page._page_box):
            if isinstance(item, boxes.TextBox) and item.text.strip() and item.style["font_size"] < smallest:
                smallest, text = item.style["font_size"], item.text.strip()
    return Fit(box.height, bottom - top, smallest, text, len(document.pages))


def cut_message(fit: Fit, characters: int, what: str, where: str) -> str:
    """``the card text is 38% too long for the square card (1080x1080): cut about 120 characters``."""
    over = math.ceil((fit.fill - 1) * 100) if fit.pages == 1 else 100 * fit.pages
    over = max(over, 1)
    # the text must shrink by (needed - available) / needed of its length; a rough guide, hence "about"
    share = 1 - 1 / fit.fill if fit.pages == 1 and math.isfinite(fit.fill) else 0.5
    cut = max(1, math.ceil(characters * share / 5) * 5) if characters else 0
    # what and where are N_ names (WHAT_NAMES, pages.FORMAT_NAMES); translations put them where
    # their grammar allows (e.g. "{what}: ..." in Russian, which needs no case ending)
    if cut:
        return _("the {what} text is {over}% too long for the {where}: cut about {cut} characters", what=_(what), over=over, where=_(where), cut=cut)
    return _("the {what} text is {over}% too long for the {where}", what=_(what), over=over, where=_(where))


WHAT_NAMES = (N_("card"), N_("title card"), N_("end card"))
