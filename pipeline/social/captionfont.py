"""The font open captions are set in: a family of the theme's body stack that has every
character of the cues, saved under a private family name for libass.

libass (inside ffmpeg's ``ass`` filter) finds fonts through fontconfig as well as in the
``fontsdir`` we give it; a family name such as "DejaVu Sans" could then be answered by a
different file on another machine. So, like the cards' @font-face rules, the chosen file is
copied with its family renamed to ``mlcap-<key>``, a name no installed font has, and the
captions name only that family. Because the chosen family covers every character, libass never
falls back to another font (which would depend on the machine).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pipeline.cards import fonts
from pipeline.stage import ObjectStore

FACE = fonts.BOLD  # open captions are set bold: thin strokes vanish on a phone
FONT_VERSION = "1"


def family_name(key: str) -> str:
    return f"mlcap-{key}"


def choose(text: str, stack: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """The first family of ``stack`` whose bold face has every character of ``text``, and the
    characters no single family of the stack has (empty when one does)."""
    for key in stack:
        if not fonts.missing(text, (key,), FACE):
            return key, []
    best = min(stack, key=lambda k: len(fonts.missing(text, (k,), FACE)))
    return None, fonts.missing(text, (best,), FACE)


def file_of(key: str) -> Path:
    return fonts.font_file(fonts.FAMILIES[key].file_for(FACE))


def parts(key: str) -> dict:
    """What the private copy of a family's caption face depends on (its object-store key)."""
    import fontTools

    return {"stage": "social", "what": "caption-font", "code": FONT_VERSION, "font": fonts.digest(file_of(key)),
            "family": family_name(key), "fonttools": fontTools.version}


def private_copy(key: str, objects: ObjectStore) -> Path:
    """The caption face of ``key`` renamed to its private family, from the object store."""
    return objects.memo(parts(key), ".ttf", lambda tmp: _rename(file_of(key), family_name(key), tmp))


def _rename(source: Path, family: str, out: Path) -> None:
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), recalcTimestamp=False)
    names = font["name"]
    # 1/16: family, 2/17: subfamily, 4: full name, 6: PostScript name. Remove the typographic
    # ones so the renamed legacy family is the only family name libass can see.
    for name_id in (16, 17, 21, 22):
        names.removeNames(nameID=name_id)
    for name_id, value in ((1, family), (2, "Regular"), (4, family), (6, family), (3, family)):
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)
    font.save(str(out))


@lru_cache(maxsize=None)
def metrics(path: Path) -> tuple[int, dict[int, int]]:
    """(units per em, advance width of every code point) of a font file."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        glyphs = font.getBestCmap() or {}
        widths = font["hmtx"].metrics
        return font["head"].unitsPerEm, {code: widths[name][0] for code, name in glyphs.items()}


def width_em(text: str, path: Path) -> float:
    """How wide ``text`` is set in the font, in ems (advance widths; no kerning, so a little wide)."""
    units, advances = metrics(path)
    default = max(advances.values(), default=units)
    return sum(advances.get(ord(c), default) for c in text) / units
