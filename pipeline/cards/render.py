"""HTML to PNG and PDF in-process: WeasyPrint lays out and writes a PDF, pdfium rasterises it.

Measured here (Debian 12, 2 cores, warm renderer): layout ~0.015 s, PDF ~0.015 s (with HarfBuzz's
subsetter, Debian package libharfbuzz-subset0; fontTools' subsetter, WeasyPrint's fallback, takes
~0.5 s per card with the Hangul fonts), rasterising ~0.01 s, PNG encoding ~0.04 s. No browser.

WeasyPrint fetches nothing but what ``Fetcher`` allows: files inside the lesson folder, the theme
folders and the font files, and ``data:`` URLs. Anything else is recorded and becomes an error
after the render instead of a silently missing picture.

Pages name the lesson's and the themes' files by *mounted* URLs (``file:///microlearn/lesson/...``,
see ``mount_url``), never by absolute paths: WeasyPrint names every picture inside the PDF after
the md5 of its URL (weasyprint/images.py), so an absolute path would make the handout's bytes, and
with them the bundle's sha256 that a reviewer signs, depend on where the checkout is.
"""
from __future__ import annotations

import io
import mimetypes
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from pipeline.cards.fonts import FontSet

PX_PER_PT = 4 / 3  # CSS px are 0.75 pt; the PDF page is in points

# Neither Pango (under WeasyPrint) nor pdfium may be entered from two threads at once, and lessons
# build in parallel threads: every call into them holds this lock (seen without it: GLib's
# "corrupted double-linked list"). Layout and rasterising are ~0.05 s a card, so little is lost.
ENGINE_LOCK = threading.RLock()


MOUNT = "/microlearn/"  # the URL path every mounted folder lives under


def mount_url(name: str, rel: str = "") -> str:
    """The machine-independent URL of ``rel`` inside the mounted folder ``name`` ("lesson", "themes")."""
    return "file://" + MOUNT + quote(name) + "/" + quote(rel)


class Fetcher:
    """A WeasyPrint URL fetcher limited to files under the ``mounts`` (name -> folder, reached by
    ``mount_url``), the exact ``files`` (the fonts, by their real path) and data: URLs."""

    def __init__(self, mounts: dict[str, Path], files: tuple[Path, ...] = ()):
        from weasyprint.urls import URLFetcher

        self.mounts = {name: root.resolve() for name, root in mounts.items()}
        self.files = frozenset(f.resolve() for f in files)
        self.blocked: list[str] = []
        self._data = URLFetcher(allowed_protocols={"data"})
        self._fail_on_errors = False  # read by weasyprint.urls.fetch

    def resolve(self, url: str) -> Path | None:
        """The real file a file: URL names when it is allowed, else None."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = unquote(parts.path)
        if path.startswith(MOUNT):
            name, _, rel = path[len(MOUNT):].partition("/")
            root = self.mounts.get(name)
            if root is None:
                return None
            real = (root / rel).resolve()
            return real if real.is_relative_to(root) and real.is_file() else None
        real = Path(path).resolve()
        return real if real in self.files and real.is_file() else None

    def __call__(self, url: str, headers=None):
        from weasyprint.urls import URLFetcherResponse

        if urlsplit(url).scheme == "data":
            return self._data.fetch(url)
        real = self.resolve(url)
        if real is not None:
            kind = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
            # the URL stays the mounted one: nested URLs (a stylesheet's pictures) resolve against it
            return URLFetcherResponse(url, real.read_bytes(), {"Content-Type": kind})
        self.blocked.append(url)
        raise ValueError(f"not allowed on cards: {url}")

    fetch = __call__


class BlockedResource(Exception):
    def __init__(self, urls: list[str]):
        self.urls = urls
        super().__init__("the card asked for resources outside the lesson and theme folders: " + ", ".join(urls))


class ThemeSheets:
    """The theme's stylesheet parsed once, not once per page.

    WeasyPrint parses every ``<link rel="stylesheet">`` anew for each document: for a card that is
    about half of its layout (tinycss2 and cssselect2 compile every selector again). A parsed
    ``weasyprint.CSS`` is a selector matcher that layout only reads, so the same object can serve
    every page, as long as parsing it changed nothing outside it: a sheet with an at-rule
    (``@page``, ``@font-face``, ``@layer``...) registers it in the document being rendered, so a
    sheet with any ``@`` in it is parsed every time as before. Installed in place of the
    ``CSS`` that ``weasyprint.css.find_stylesheets`` calls (pinned WeasyPrint; its version is in
    every card's cache key); only stylesheets of the mounted theme folders are kept, by URL, media
    type and the sha256 of their bytes, so an edited theme is parsed again."""

    def __init__(self, parse):
        self.parse = parse  # weasyprint.CSS
        self.sheets: dict[tuple[str, str, str], object] = {}
        self.parsed = 0  # how many theme sheets were parsed (for tests)

    def __call__(self, *args, **kwargs):
        url, fetcher = kwargs.get("url"), kwargs.get("url_fetcher")
        real = fetcher.resolve(url) if not args and url and isinstance(fetcher, Fetcher) else None
        if real is None or not url.startswith(mount_url("themes")):
            return self.parse(*args, **kwargs)
        data = real.read_bytes()
        if b"@" in data:
            return self.parse(*args, **kwargs)
        import hashlib

        key = (url, str(kwargs.get("media_type")), hashlib.sha256(data).hexdigest())
        if key not in self.sheets:
            self.sheets[key] = self.parse(*args, **kwargs)
            self.parsed += 1
        return self.sheets[key]


def theme_sheets() -> ThemeSheets:
    """The installed sheet cache (installed on first use; every WeasyPrint call holds ENGINE_LOCK)."""
    import weasyprint.css

    with ENGINE_LOCK:
        if not isinstance(weasyprint.css.CSS, ThemeSheets):
            weasyprint.css.CSS = ThemeSheets(weasyprint.css.CSS)
        return weasyprint.css.CSS


@dataclass
class Renderer:
    """A warm renderer: font configurations and @font-face sheets are built once per font set,
    images are loaded once per run."""

    _fonts: dict = field(default_factory=dict)
    images: dict = field(default_factory=dict)

    def _font_sheet(self, fonts: FontSet):
        if fonts not in self._fonts:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            config = FontConfiguration()
            fetcher = Fetcher({}, tuple(fonts.files()))
            sheet = CSS(string=fonts.face_css(), font_config=config, url_fetcher=fetcher)
            if fetcher.blocked:
                raise BlockedResource(fetcher.blocked)
            self._fonts[fonts] = (config, sheet)
        return self._fonts[fonts]

    def close(self) -> None:
        """Let go of the font configurations while Python is still whole. Each one removes its
        temporary font folder when collected; left to interpreter shutdown, that cleanup finds its
        module already torn down and prints "Exception ignored in FontConfiguration.__del__"."""
        with ENGINE_LOCK:
            self._fonts.clear()
            self.images.clear()

    def layout(self, html: str, base_url: str, fonts: FontSet, mounts: dict[str, Path]):
        """Lay out one page of HTML (relative URLs resolve against ``base_url``, a ``mount_url``)."""
        from weasyprint import HTML

        with ENGINE_LOCK:
            theme_sheets()
            config, sheet = self._font_sheet(fonts)
            fetcher = Fetcher(mounts, tuple(fonts.files()))
            document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
                stylesheets=[sheet], font_config=config, cache=self.images)
        if fetcher.blocked:
            raise BlockedResource(fetcher.blocked)
        return document

    @staticmethod
    def png(document, size: tuple[int, int], compress_level: int = 6) -> bytes:
        """The first page as a PNG of exactly ``size`` pixels (RGB, no metadata: same page, same bytes).

        ``compress_level`` 6 for pictures people download; 1 for video slides, which only ffmpeg
        reads (zlib at 6 was a third of a card's drawing time; at 1 the file is ~25% larger)."""
        import pypdfium2 as pdfium

        with ENGINE_LOCK:
            pdf = pdfium.PdfDocument(document.write_pdf())
            try:
                page = pdf[0]
                width, height = page.get_size()
                scale = size[0] / width
                if round(height * scale) != size[1]:
                    raise ValueError(f"page is {width}x{height} pt, not the shape of {size[0]}x{size[1]} px")
                image = page.render(scale=scale, may_draw_forms=False).to_pil().convert("RGB")
                page.close()
            finally:
                pdf.close()
        if image.size != size:
            # pdfium rounds the bitmap size; a one-pixel difference is resampled, never cropped
            from PIL import Image

            image = image.resize(size, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=compress_level)
        return out.getvalue()

    @staticmethod
    def pdf(documents: list, title: str, language: str) -> bytes:
        """One PDF of the first page of every document, with real (selectable) text and a title."""
        with ENGINE_LOCK:
            pages = [d.pages[0] for d in documents]
            combined = documents[0].copy(pages)
            combined.metadata.title = title
            combined.metadata.lang = language
            return combined.write_pdf(pdf_identifier=False)


def tool_versions() -> dict:
    """Versions whose change can change a card's pixels (pdfium comes inside pypdfium2's wheel).

    Read from package metadata, and Pango's remembered while its library file stays: importing
    WeasyPrint to ask would cost most of a no-op rebuild."""
    from pipeline.toolversions import package_versions, remembered, shared_library

    def pango_version() -> int:
        from weasyprint.text.ffi import pango

        return pango.pango_version()

    packages = package_versions("weasyprint", "pydyf", "pypdfium2", "pillow")
    libraries = [shared_library("libpango-1.0.so.0"), shared_library("libharfbuzz.so.0")]
    return {**packages, "pango": remembered("pango", libraries if None not in libraries else [None], pango_version)}
