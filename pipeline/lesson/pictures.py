"""Pictures on cards (and the school's logo) must be raster images the cards stage can draw.

Checked when the lesson is validated, so ``check`` says it instead of the build failing later: an
SVG, a text file named ``.png`` or a damaged file is refused here with its place in the lesson. The
header is read with Pillow (which the cards stage uses too); nothing is decoded beyond a
structural check, and the pixel count is bounded so no picture can exhaust memory when drawn.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.i18n import _
from pipeline.lesson.fields import INVALID, Reader, check_inside
from pipeline.lesson.yamlnodes import Y

FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "GIF": "GIF"}
MAX_PIXELS = 50_000_000  # 50 megapixels: more than any phone camera; a card shows at most 1080x1920


def check_picture(reader: Reader, node: Y | None, path: str, root: Path, rel: str) -> Any:
    """``rel`` if ``root/rel`` is a PNG, JPEG, WebP or GIF picture of sane size; else report why."""
    from PIL import Image, UnidentifiedImageError

    names = list(FORMATS.values())
    kinds = _("{first} or {last}", first=", ".join(names[:-1]), last=names[-1])
    try:
        with Image.open(root / rel) as image:
            kind, (width, height) = image.format, image.size
            if kind in FORMATS and width * height <= MAX_PIXELS:
                image.verify()
    except UnidentifiedImageError:
        return reader.error(node, path, _("'{file}' is not a picture ({what})", file=rel, what=_what(root / rel)),
                            _("save it as {kinds} (for SVG drawings: export as PNG)", kinds=kinds))
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow reports damaged files with all three
        return reader.error(node, path, _("'{file}' is a damaged picture ({reason})", file=rel, reason=str(exc).splitlines()[0][:80]),
                            _("export or save the picture again"))
    if kind not in FORMATS:
        return reader.error(node, path, _("'{file}' is a {kind} picture, which cards cannot show", file=rel, kind=kind),
                            _("save it as {kinds}", kinds=kinds))
    if width * height > MAX_PIXELS:
        return reader.error(node,
                            path, _("'{file}' is {width}x{height} pixels, over the limit of {limit} megapixels", file=rel,
                                    width=width, height=height, limit=MAX_PIXELS // 1_000_000),
                            _("make it smaller (a card shows at most 1080x1920 pixels)"))
    return rel


def _what(path: Path) -> str:
    """A few words on what the file is instead, from its first bytes (never quoted)."""
    with open(path, "rb") as handle:
        head = handle.read(512).lstrip()
    if head.startswith(b"<?xml") or b"<svg" in head:
        return _("an SVG drawing")
    if not head:
        return _("an empty file")
    if head.startswith((b"\x89PNG", b"\xff\xd8", b"GIF8", b"RIFF")):
        return _("it is cut short or damaged")
    if not any(b < 9 or 13 < b < 32 for b in head):  # no control bytes: text, in any script
        return _("a text file")
    return _("its format is unknown")


def picture(root: Path):
    """A field converter: a picture file inside the lesson folder (see ``check_picture``)."""

    def convert(reader: Reader, node: Y, path: str) -> Any:
        if node.kind != "scalar" or not str(node.value).strip():
            return reader.error(node, path, _("expected a file path"),
                                _("write a path inside the lesson folder, e.g. media/logo.png"))
        rel = check_inside(reader, node, path, root, str(node.value).strip(), kinds="image")
        return rel if rel is INVALID else check_picture(reader, node, path, root, rel)

    return convert
