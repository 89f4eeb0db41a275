"""The handout on paper: the card pages (drawn at the social card's 4:5 size) placed on A4 or US
Letter sheets, scaled to fit inside a margin and centred, so a teacher can print it as it is.

pdfium transforms each page's content in place (``FPDFPage_TransFormWithClip`` wraps the content
stream in one ``cm``), so the text stays real, selectable text and the document keeps the title
and language WeasyPrint gave it; only the page boxes change.
"""
from __future__ import annotations

import ctypes
import hashlib
import re

PT_PER_MM = 72 / 25.4
# ISO 216 A4 is 210 x 297 mm; US Letter 8.5 x 11 in (ANSI A).
PAPERS = {"a4": (210 * PT_PER_MM, 297 * PT_PER_MM), "letter": (612.0, 792.0)}
MARGIN = 12 * PT_PER_MM  # inside what most office printers can print (about 5 mm)
FILES = {"a4": "cards/handout.pdf", "letter": "cards/handout-letter.pdf"}


def placement(page: tuple[float, float], paper: tuple[float, float], margin: float = MARGIN) -> tuple[float, float, float]:
    """(scale, x, y): the page scaled to fit inside ``paper`` less ``margin`` on every side, centred."""
    width, height = page
    free_w, free_h = paper[0] - 2 * margin, paper[1] - 2 * margin
    scale = min(free_w / width, free_h / height)
    return scale, (paper[0] - width * scale) / 2, (paper[1] - height * scale) / 2


def on_paper(pdf: bytes, paper: str) -> bytes:
    """``pdf`` with every page placed on a sheet of ``paper`` ("a4" or "letter")."""
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from pipeline.cards.render import ENGINE_LOCK

    sheet = PAPERS[paper]
    with ENGINE_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            for index in range(len(document)):
                page = document[index]
                scale, x, y = placement(page.get_size(), sheet)
                matrix = raw.FS_MATRIX(scale, 0, 0, scale, x, y)
                clip = raw.FS_RECTF(x, y + page.get_height() * scale, x + page.get_width() * scale, y)
                if not raw.FPDFPage_TransFormWithClip(page.raw, ctypes.byref(matrix), ctypes.byref(clip)):
                    raise RuntimeError(f"pdfium could not place handout page {index + 1} on {paper}")
                page.set_mediabox(0, 0, *sheet)
                page.set_cropbox(0, 0, *sheet)
                page.close()
            out = io.BytesIO()
            document.save(out)
            return stable_id(out.getvalue())
        finally:
            document.close()


_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]{32})>\s*<([0-9A-Fa-f]{32})>\s*\]")


def stable_id(pdf: bytes) -> bytes:
    """pdfium writes a random file /ID into the trailer on every save; same inputs must give the
    same bytes, so the ID becomes the MD5 of everything before the trailer (as PDF 32000-1
    14.4 suggests: a hash of the content). Same length, so no offset moves."""
    at = pdf.rfind(b"trailer")
    match = _ID.search(pdf, at) if at >= 0 else None
    if not match:
        return pdf
    digest = hashlib.md5(pdf[:at]).hexdigest().upper().encode()
    return pdf[: match.start(1)] + digest + pdf[match.end(1): match.start(2)] + digest + pdf[match.end(2):]
