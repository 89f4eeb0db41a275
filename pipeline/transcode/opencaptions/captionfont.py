"""The font open captions are set in: the first family of the theme's body stack (handed over by
the cards stage as ``CardsResult.caption_fonts``) that has every character of the cues, saved
under a private family name for libass.

libass (inside ffmpeg's ``ass`` filter) finds fonts through fontconfig as well as in the
``fontsdir`` we give it; a family name such as "DejaVu Sans" could then be answered by a
different file on another machine. So, like the cards' @font-face rules, the chosen file is
copied with its family renamed to ``mlcap-<key>``, a name no installed font has, and the
captions name only that family. Because the chosen family covers every character, libass never
falls back to another font (which would depend on the machine).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from pipeline.contracts import CaptionFont
from pipeline.digests import code_fingerprint
from pipeline.stage import ObjectStore



def family_name(key: str) -> str:
    return f"mlcap-{key}"


@lru_cache(maxsize=None)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def missing(text: str, path: str) -> list[str]:
    """Distinct characters of ``text`` the font lacks; line breaks and invisible format characters
    (category Cc, Cf, Zl, Zp) need no glyph (the same rule as the cards' glyph check)."""
    covered, found = _cmap(path), []
    for char in text:
        if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp") and ord(char) not in covered and char not in found:
            found.append(char)
    return found


def choose(text: str, stack: tuple[CaptionFont, ...]) -> tuple[CaptionFont | None, list[str]]:
    """The first font of ``stack`` with every character of ``text``, and the characters the
    closest font lacks (empty when one has them all)."""
    for font in stack:
        if not missing(text, font.path):
            return font, []
    best = min(stack, key=lambda f: len(missing(text, f.path)))
    return None, missing(text, best.path)


def describe(char: str) -> str:
    return f"U+{ord(char):04X} '{char}'"


def parts(font: CaptionFont) -> dict:
    """What the private copy of a caption face depends on (its object-store key)."""
    import fontTools

    return {"stage": "social", "what": "caption-font", "code": code_fingerprint("pipeline.transcode.opencaptions.captionfont"), "font": font.sha256,
            "family": family_name(font.key), "fonttools": fontTools.version}


def private_copy(font: CaptionFont, objects: ObjectStore) -> Path:
    """The caption face renamed to its private family, from the object store."""
    return objects.memo(parts(font), ".ttf", lambda tmp: _rename(Path(font.path), family_name(font.key), tmp))


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
def metrics(path: str) -> tuple[int, dict[int, int]]:
    """(units per em, advance width of every code point) of a font file."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        glyphs = font.getBestCmap() or {}
        widths = font["hmtx"].metrics
        return font["head"].unitsPerEm, {code: widths[name][0] for code, name in glyphs.items()}


def width_em(text: str, path: str) -> float:
    """How wide ``text`` is set in the font, in ems (advance widths; no kerning, so a little wide)."""
    units, advances = metrics(path)
    default = max(advances.values(), default=units)
    return sum(advances.get(ord(c), default) for c in text) / units
