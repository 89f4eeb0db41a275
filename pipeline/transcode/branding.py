"""The school's intro and outro: its logo on its background colour, held as a still slide.

Drawn here with Pillow rather than by the cards stage's HTML themes: an intro is the school's
signature, the same on every lesson whatever the theme, and it has no text to lay out (the title
card that follows names the lesson and the school). The picture is stored in the object store
by the logo's content, the colours and the size, and encoded like any other slide
(``segments.slide_jobs``), so an unchanged intro is never encoded twice.

The outro is the intro with a band of the school's accent colour along the bottom, so a viewer
who scrubs can tell the end from the beginning.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.digests import code_fingerprint
from pipeline.lesson.model import Lesson

WHITE = "#ffffff"
LOGO_SHARE = (0.5, 0.36)  # the logo fits in half the width and about a third of the height
BAND = 0.04  # the outro's accent band: this share of the height
BRANDING_CODE = ("pipeline.transcode.branding",)
KINDS = ("intro", "outro")


def background(lesson: Lesson) -> str:
    return lesson.school.color("background") or WHITE


def picture(lesson: Lesson, kind: str, size: tuple[int, int], objects, logo_sha256: str) -> Path:
    """The intro's (or outro's) PNG at ``size``, from the object store (``logo_sha256``: the logo
    as the runner hashed it for the stage's key)."""
    from PIL import __version__ as pillow

    school = lesson.school
    accent = school.color("accent") if kind == "outro" else None
    colour = background(lesson)
    key = {"stage": "transcode", "kind": f"school-{kind}", "code": code_fingerprint(*BRANDING_CODE), "pillow": pillow,
           "logo": logo_sha256, "background": colour, "accent": accent, "size": list(size)}
    return objects.memo(key, ".png", lambda tmp: _draw(lesson.root / school.logo, colour, accent, size, tmp))


def _draw(logo: Path, colour: str, accent: str | None, size: tuple[int, int], out: Path) -> None:
    from PIL import Image

    width, height = size
    canvas = Image.new("RGB", size, colour)
    with Image.open(logo) as source:
        mark = source.convert("RGBA")
    scale = min(width * LOGO_SHARE[0] / mark.width, height * LOGO_SHARE[1] / mark.height)
    mark = mark.resize((max(1, round(mark.width * scale)), max(1, round(mark.height * scale))), Image.Resampling.LANCZOS)
    canvas.paste(mark, ((width - mark.width) // 2, (height - mark.height) // 2), mark)
    if accent:
        band = max(2, round(height * BAND))
        canvas.paste(Image.new("RGB", (width, band), accent), (0, height - band))
    canvas.save(out, format="PNG", optimize=False)
