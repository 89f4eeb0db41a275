"""Open captions as an ASS script for libass: one style, one dialogue line per cue.

Pure: cues, a style and the frame size in, the script's text out. The script's coordinate space
is the frame itself (PlayResX/Y = the video's size), so every margin here is a pixel of the
video. The caption stage's line breaks are kept (``WrapStyle: 2`` never re-wraps), because its
QC measured exactly those lines; the font size is chosen so the longest line fits the safe area.
"""
from __future__ import annotations

from dataclasses import dataclass

# As a share of the frame's shorter side: the largest type (about 65 px on a 1080-wide frame,
# the size creators use for Reels captions) and the smallest we accept before saying no.
MAX_SIZE = 0.06
MIN_SIZE = 0.028
PADDING = 0.3  # the box's padding around the text, as a share of the font size


@dataclass(frozen=True)
class Style:
    """How captions look: the private font family, colours as "#rrggbb", size and box padding in pixels."""

    family: str
    size: int
    text: str
    box: str
    padding: int
    margins: tuple[int, int, int, int]  # left, top, right, bottom: the safe area's margins in pixels


def colour(hex_rgb: str, alpha: int = 0) -> str:
    """"#rrggbb" -> ASS "&HAABBGGRR" (alpha 0 is opaque)."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def timestamp(seconds: float) -> str:
    """ASS time ``h:mm:ss.cc`` (centiseconds, rounded to the nearest)."""
    total = max(0, round(seconds * 100))
    hours, rest = divmod(total, 360000)
    minutes, rest = divmod(rest, 6000)
    secs, cs = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{cs:02d}"


def escape(line: str) -> str:
    """A caption line as ASS event text: a brace would open an override block (libass reads
    ``\\{`` and ``\\}`` as the characters), and a backslash would start an escape (``\\N``), so a
    word joiner (U+2060, drawn as nothing) is put after each backslash."""
    return line.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")


def fit_size(widest_em: float, size: tuple[int, int], margins: tuple[int, int, int, int]) -> int:
    """The font size (pixels) at which a line ``widest_em`` ems wide fits between the side margins
    with the box's padding, capped at MAX_SIZE of the frame's shorter side."""
    width, height = size
    largest = round(min(width, height) * MAX_SIZE)
    free = width - margins[0] - margins[2]
    if widest_em <= 0:
        return largest
    # the line plus a padding of PADDING * size on each side must fit ``free``
    return min(largest, int(free / (widest_em + 2 * PADDING)))


def smallest(size: tuple[int, int]) -> int:
    return round(min(size) * MIN_SIZE)


def document(cues: list[dict], style: Style, size: tuple[int, int]) -> str:
    """The ASS script: ``cues`` are the caption stage's (start, end in seconds; lines)."""
    width, height = size
    left, _, right, bottom = style.margins
    text, box = colour(style.text), colour(style.box)
    head = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 2",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, "
        "MarginV, Encoding",
        # BorderStyle 3: an opaque box (in the outline colour) around each line, ``Outline`` pixels
        # of padding; bottom-centred (Alignment 2), its box's lower edge on the safe area's.
        f"Style: Open,{style.family},{style.size},{text},{text},{box},{box},0,0,0,0,100,100,0,0,3,{style.padding},0,2,"
        f"{left + style.padding},{right + style.padding},{bottom + style.padding},1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    newline = "\\N"
    events = [f"Dialogue: 0,{timestamp(c['start'])},{timestamp(c['end'])},Open,,0,0,0,,{newline.join(escape(line) for line in c['lines'])}"
              for c in cues]
    return "\n".join(head + events) + "\n"
