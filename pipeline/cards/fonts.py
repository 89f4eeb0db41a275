"""The fonts cards are set in: known font files found by path, their @font-face rules, and the
glyph check that keeps missing-glyph boxes ("tofu") off every card.

Cards never rely on fontconfig's choice of a font: every family a theme names is a set of files
(found at Debian's paths, or by exact file name through ``fc-list``) declared with @font-face
under a private family name. A character that no font of a stack covers would make pango fall
back to whatever the machine has (or draw a box), so it is an error before anything is rendered.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.i18n import _
from pipeline.errors import SetupError

# (weight, style) of the four faces a card may use: text, **strong**, *emphasis*, both.
REGULAR, BOLD, ITALIC, BOLD_ITALIC = (400, "normal"), (700, "normal"), (400, "italic"), (700, "italic")
FACES = (REGULAR, BOLD, ITALIC, BOLD_ITALIC)

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/nanum"))


@dataclass(frozen=True)
class Family:
    """A font family by its files; ``package`` is the Debian package that installs them.

    Hangul has no italics: a family without an italic file uses its upright file for italic text
    (the same glyphs, so the glyph check stays exact)."""

    name: str
    package: str
    files: tuple[tuple[tuple[int, str], str], ...]  # ((weight, style), file name)

    def file_for(self, face: tuple[int, str]) -> str:
        files = dict(self.files)
        return files.get(face) or files[(face[0], "normal")]


FAMILIES: dict[str, Family] = {
    "dejavu-sans": Family("DejaVu Sans", "fonts-dejavu-core fonts-dejavu-extra", (
        (REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf"),
        (ITALIC, "DejaVuSans-Oblique.ttf"), (BOLD_ITALIC, "DejaVuSans-BoldOblique.ttf"))),
    "dejavu-sans-condensed": Family("DejaVu Sans Condensed", "fonts-dejavu-extra", (
        (REGULAR, "DejaVuSansCondensed.ttf"), (BOLD, "DejaVuSansCondensed-Bold.ttf"),
        (ITALIC, "DejaVuSansCondensed-Oblique.ttf"), (BOLD_ITALIC, "DejaVuSansCondensed-BoldOblique.ttf"))),
    "dejavu-serif": Family("DejaVu Serif", "fonts-dejavu-core fonts-dejavu-extra", (
        (REGULAR, "DejaVuSerif.ttf"), (BOLD, "DejaVuSerif-Bold.ttf"),
        (ITALIC, "DejaVuSerif-Italic.ttf"), (BOLD_ITALIC, "DejaVuSerif-BoldItalic.ttf"))),
    "nanum-gothic": Family("NanumGothic", "fonts-nanum", ((REGULAR, "NanumGothic.ttf"), (BOLD, "NanumGothicBold.ttf"))),
    "nanum-square": Family("NanumSquare", "fonts-nanum", ((REGULAR, "NanumSquareR.ttf"), (BOLD, "NanumSquareB.ttf"))),
    "nanum-square-round": Family("NanumSquareRound", "fonts-nanum",
                                 ((REGULAR, "NanumSquareRoundR.ttf"), (BOLD, "NanumSquareRoundB.ttf"))),
    "nanum-myeongjo": Family("NanumMyeongjo", "fonts-nanum",
                             ((REGULAR, "NanumMyeongjo.ttf"), (BOLD, "NanumMyeongjoBold.ttf"))),
}

ROLES = ("heading", "body")


def css_family(key: str) -> str:
    """The private family name a font is declared under, so no system font can answer for it."""
    return f"ml-{key}"


@lru_cache(maxsize=None)
def font_file(name: str) -> Path:
    """The path of a font file by its exact file name; SetupError saying what to install if absent."""
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    if shutil.which("fc-list"):
        # fc-list (unlike fc-match) lists only fonts that exist: no fallback can stand in
        listed = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, check=False).stdout
        for line in sorted(listed.splitlines()):
            if os.path.basename(line) == name and Path(line).is_file():
                return Path(line)
    package = next((f.package for f in FAMILIES.values() if name in dict(f.files).values()), "")
    raise SetupError(_("the font file {name} is not installed — run 'sudo apt-get install {package}' (make installs it)", name=name, package=package))


@dataclass(frozen=True)
class FontSet:
    """The font stacks of one theme for one language: family keys per role, first choice first."""

    heading: tuple[str, ...]
    body: tuple[str, ...]

    def stack(self, role: str) -> tuple[str, ...]:
        return getattr(self, role)

    def keys(self) -> list[str]:
        return sorted(set(self.heading) | set(self.body))

    def css_stack(self, role: str) -> str:
        """The CSS font-family value of a role (the theme's --font-heading / --font-body)."""
        return ", ".join(f'"{css_family(k)}"' for k in self.stack(role))

    def files(self) -> list[Path]:
        return sorted({font_file(FAMILIES[k].file_for(face)) for k in self.keys() for face in FACES})

    def face_css(self) -> str:
        """@font-face rules for every face of every family, by file URL."""
        rules = []
        for key in self.keys():
            for weight, style in FACES:
                url = font_file(FAMILIES[key].file_for((weight, style))).resolve().as_uri()
                rules.append(f'@font-face {{ font-family: "{css_family(key)}"; src: url("{url}"); font-weight: {weight}; font-style: {style}; }}')
        return "\n".join(rules) + "\n"


def digest(path: Path) -> str:
    """sha256 of a font file (kept while its size and mtime stay): part of every card's cache key."""
    from pipeline.fsutil import sha256_file
    from pipeline.toolversions import remembered

    return remembered(f"font:{path}", [path], lambda: sha256_file(path))


@lru_cache(maxsize=None)
def cmap(path: Path) -> frozenset[int]:
    """The code points a font file has glyphs for."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


@lru_cache(maxsize=None)
def coverage(stack: tuple[str, ...], face: tuple[int, str]) -> frozenset[int]:
    """Code points some family of ``stack`` draws in ``face`` (pango falls back along the stack)."""
    covered: set[int] = set()
    for key in stack:
        covered |= cmap(font_file(FAMILIES[key].file_for(face)))
    return frozenset(covered)


def drawn(char: str) -> bool:
    """Whether a character needs a glyph: line breaks, tabs and invisible format characters
    (zero-width joiners, soft hyphens, variation selectors) are not drawn from the font."""
    return unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp") and not 0xFE00 <= ord(char) <= 0xFE0F


def missing(text: str, stack: tuple[str, ...], face: tuple[int, str] = REGULAR) -> list[str]:
    """The distinct characters of ``text`` no font of ``stack`` has in ``face``, in order of appearance."""
    covered = coverage(stack, face)
    found: list[str] = []
    for char in text:
        if drawn(char) and ord(char) not in covered and char not in found:
            found.append(char)
    return found


def describe(char: str) -> str:
    """``U+1F4DA '📚'``: how a character is named in messages."""
    return f"U+{ord(char):04X} '{char}'"
