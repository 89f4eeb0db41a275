"""Motion that follows the narration: a card slide's paragraphs and list items appear one after
another, as the narration reaches them.

The cards stage draws, for every video slide of a card with two or more *units* (a paragraph,
a heading or quote of the card text, or one item of a list), one extra picture per step: step k
shows the first k units and keeps the others' place empty (``visibility: hidden``), so nothing
moves when a unit appears. The transcode stage then holds each step from the moment the narration
reaches it (``reveal_frames``) — still pictures, encoded as cached units like any slide, so motion
costs only a few more short encodes per card.
"""
from __future__ import annotations

from html.parser import HTMLParser

LISTS = ("ul", "ol")
VOID = {"br", "hr", "img", "wbr"}


class _Units(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.block = 0  # 1-based index of the current top-level element
        self.block_tag = ""
        self.item = 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in VOID:
            return
        if self.depth == 0:
            self.block += 1
            self.block_tag, self.item = tag, 0
            if tag not in LISTS:
                self.found.append(f".card-body > :nth-child({self.block})")
        elif self.depth == 1 and self.block_tag in LISTS and tag == "li":
            self.item += 1
            self.found.append(f".card-body > :nth-child({self.block}) > li:nth-child({self.item})")
        self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.depth = max(0, self.depth - 1)


def units(html: str) -> list[str]:
    """CSS selectors of the units of a card's (sanitised) body HTML, in reading order."""
    parser = _Units()
    parser.feed(html)
    parser.close()
    return parser.found


def hide_after(selectors: list[str], shown: int) -> str:
    """A style element that hides every unit after the first ``shown``."""
    rest = selectors[shown:]
    return "<style>" + ", ".join(rest) + " { visibility: hidden !important; }</style>" if rest else ""


def reveal_frames(units_count: int, sentence_starts: list[int]) -> list[int]:
    """The frame (from the part's start) at which each unit appears: the first at once, the others
    spread over the narration's sentences in order (unit k of R at sentence ``k * N // R``), so the
    last units come with the last sentences. Without sentence times every unit shows at once."""
    if units_count <= 1 or not sentence_starts:
        return [0] * units_count
    n = len(sentence_starts)
    return [0] + [sentence_starts[k * n // units_count] for k in range(1, units_count)]


def steps(units_count: int, sentence_starts: list[int], frames: int, grid: int = 1) -> list[tuple[int, int]]:
    """(units shown, frames held) for a part of ``frames`` frames, in order; the last step shows
    every unit (for one frame at least, should a sentence start past the part's end).

    ``grid``: a unit appears on a multiple of this many frames, at or just before its sentence.
    The transcode stage passes its slide unit (15 frames, half a second): every step but the
    last is then whole units, which repeat one stored encode, so motion costs one short encode
    per step instead of two."""
    appear = [min(f - f % grid, frames - 1) for f in reveal_frames(units_count, sentence_starts)] + [frames]
    held = [(shown, appear[shown] - appear[shown - 1]) for shown in range(1, units_count + 1)]
    return [(shown, count) for shown, count in held if count > 0]
