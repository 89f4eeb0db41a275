"""Nothing on a card may be drawn over anything else: measured on WeasyPrint's layout.

A page is reduced to *ink*: every run of text (its glyphs' box), every picture, and every
decoration the theme marks ``class="ornament"`` (a circle is taken as a circle, not its square).
Each piece belongs to a named part of the page: the first two classed elements above it
(``top > rubric``, ``top > count``, ``fit > card-title``, ``decor > corner``...). Two pieces of
different parts that overlap, an ornament under any text or picture, or text running off the
page, is a collision; the cards stage fails the page naming both parts and their text.

Decorations without ``ornament`` are backdrops (a board, a frame, a ledge): text may sit on them,
and the theme's contrast pairs say with which colours.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.i18n import N_, _

TOLERANCE = 1.0  # px: layout rounding; touching is not overlapping
# the parts of a page as a teacher names them (translated where they are shown)
NAMES = {
    "rubric": N_("the rubric"), "count": N_("the card number"), "card-title": N_("the heading"), "card-body": N_("the card text"),
    "figure": N_("the picture"), "logo": N_("the logo"), "school": N_("the school's name"), "lesson-title": N_("the title"),
    "subtitle": N_("the subtitle"), "authors": N_("the authors"), "author-schools": N_("the authors' schools"),
    "end-title": N_("the closing words"), "credits": N_("the credits"), "licence": N_("the licence"),
}


@dataclass(frozen=True)
class Ink:
    part: tuple[str, ...]  # the first two classed elements above it
    kind: str  # "text", "image" or "ornament"
    x0: float
    y0: float
    x1: float
    y1: float
    text: str = ""
    round: bool = False  # an ellipse inscribed in the box (border-radius of half its size)

    @property
    def name(self) -> str:
        label = NAMES.get(self.part[-1]) if self.part else None
        if label is None and self.kind == "ornament":
            label = N_("the decorative circle") if self.round else N_("the decoration")
        label = _(label) if label else "'" + " > ".join(self.part) + "'"
        return _("{part} '{text}'", part=label, text=_short(self.text)) if self.text else label


def _short(text: str, limit: int = 32) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Collision:
    first: Ink
    second: Ink | None  # None: ``first`` runs off the page

    def message(self) -> str:
        if self.second is None:
            return _("{part} runs off the page", part=self.first.name)
        return _("{part} overlaps {other}", part=self.first.name, other=self.second.name)


def inks(page_box) -> list[Ink]:
    """The ink of one laid-out WeasyPrint page."""
    from weasyprint.formatting_structure import boxes

    found: list[Ink] = []

    def add(ink: Ink, clip) -> None:
        if clip is not None:  # an ancestor with overflow: hidden cuts what sticks out of it
            x0, y0, x1, y1 = max(ink.x0, clip[0]), max(ink.y0, clip[1]), min(ink.x1, clip[2]), min(ink.y1, clip[3])
            if x1 - x0 <= TOLERANCE or y1 - y0 <= TOLERANCE:
                return
            ink = Ink(ink.part, ink.kind, x0, y0, x1, y1, ink.text, ink.round)
        found.append(ink)

    def walk(box, part: tuple[str, ...], ornament: bool, owner, clip) -> None:
        box = getattr(box, "_box", box)
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None)
        # line boxes and anonymous boxes carry their parent's element: a part is named once
        fresh = element is not None and element is not owner and tag not in (None, "body", "html") and not isinstance(box, boxes.TextBox)
        classes = (element.get("class") or "").split() if fresh else []
        if classes and len(part) < 2:
            part = part + (classes[0],)
        if fresh:
            owner = element
        if "ornament" in classes:
            x, y, w, h, *radii = box.rounded_border_box()
            round_ = all(rx >= w / 2 - 0.5 and ry >= h / 2 - 0.5 for rx, ry in radii)
            if w > 0 and h > 0:
                found.append(Ink(part, "ornament", x, y, x + w, y + h, round=round_))
            ornament = True
        if isinstance(box, boxes.TextBox) and box.text.strip() and not ornament:
            add(Ink(part, "text", box.position_x, box.position_y, box.position_x + box.width, box.position_y + box.height, box.text), clip)
        elif isinstance(box, (boxes.InlineReplacedBox, boxes.BlockReplacedBox)) and not ornament:
            x, y = box.border_box_x(), box.border_box_y()
            add(Ink(part if part else ("figure",), "image", x, y, x + box.border_width(), y + box.border_height()), clip)
        if fresh and getattr(box, "style", None) is not None and box.style["overflow"] != "visible":
            x, y = box.padding_box_x(), box.padding_box_y()
            mine = (x, y, x + box.padding_width(), y + box.padding_height())
            clip = mine if clip is None else (max(clip[0], mine[0]), max(clip[1], mine[1]), min(clip[2], mine[2]), min(clip[3], mine[3]))
        for child in getattr(box, "children", ()) or ():
            walk(child, part, ornament, owner, clip)

    walk(page_box, (), False, None, None)
    return found


def _overlap(a: Ink, b: Ink) -> bool:
    if min(a.x1, b.x1) - max(a.x0, b.x0) <= TOLERANCE or min(a.y1, b.y1) - max(a.y0, b.y0) <= TOLERANCE:
        return False
    for round_, box in ((a, b), (b, a)):
        if round_.round:
            # the nearest point of the box to the ellipse's centre lies inside the ellipse
            cx, cy = (round_.x0 + round_.x1) / 2, (round_.y0 + round_.y1) / 2
            rx, ry = (round_.x1 - round_.x0) / 2, (round_.y1 - round_.y0) / 2
            px, py = min(max(cx, box.x0), box.x1), min(max(cy, box.y0), box.y1)
            if ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 >= 1 - TOLERANCE / max(rx, ry):
                return False
    return True


def collisions(page_box, size: tuple[int, int]) -> list[Collision]:
    """Every collision on a page of ``size``, each pair of parts once, in reading order."""
    pieces = inks(page_box)
    width, height = size
    found: dict[tuple, Collision] = {}
    for index, a in enumerate(pieces):
        if a.kind != "ornament" and (a.x0 < -TOLERANCE or a.y0 < -TOLERANCE or a.x1 > width + TOLERANCE or a.y1 > height + TOLERANCE):
            found.setdefault((a.part, None), Collision(a, None))
        for b in pieces[index + 1:]:
            if a.part == b.part or (a.kind == "ornament" and b.kind == "ornament"):
                continue
            if _overlap(a, b):
                first, second = (a, b) if b.kind == "ornament" or a.kind != "ornament" else (b, a)
                found.setdefault(tuple(sorted((first.part, second.part))), Collision(first, second))
    return list(found.values())


def picture_box(page_box) -> tuple[int, int, int, int] | None:
    """The card's pictures on a page as one box (x, y, width, height in px, shrunk to even numbers
    for 4:2:0 video), or None: where the transcode stage moves its camera (pipeline/transcode/camera.py)."""
    found = [ink for ink in inks(page_box) if ink.kind == "image" and ink.part[:1] == ("figure",)]
    if not found:
        return None
    left, top = math.ceil(min(i.x0 for i in found)), math.ceil(min(i.y0 for i in found))
    right, bottom = math.floor(max(i.x1 for i in found)), math.floor(max(i.y1 for i in found))
    left, top = left + left % 2, top + top % 2
    width, height = (right - left) // 2 * 2, (bottom - top) // 2 * 2
    return (left, top, width, height) if width >= 16 and height >= 16 else None
