"""What a catalog visitor watches in the page: one video, its WebVTT captions and the cards.

All of it comes from inside the approved bundle zip, read in the same pass that hashed it
(``signoff.integrity.layout``), like the thumbnail: the catalog shows approved bytes only. The
cards' titles and text are read from the bundle's own player page (index.html, rendered from
templates/player/ by the package stage) with lxml, as *text*: no markup of it reaches the catalog,
which escapes it again. Every file is uploaded under ``watch/<bundle>/`` with its name inside the
bundle, which the package stage made safe (package/names.py) and which is checked again here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

PREFERRED = ("16x9", "9x16")  # the clean video of this shape is shown (captions come from the track)
MAX_CARDS = 100  # the loader's own bound on cards in a lesson
MAX_TEXT = 600  # characters of a card's text kept as its picture's description


@dataclass(frozen=True)
class Card:
    src: str  # path inside the bundle
    title: str
    text: str


def safe(name: str) -> bool:
    """A bundle entry name that stays under its upload folder."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and ".." not in parts and "\\" not in name


def video_of(manifest: dict) -> tuple[str, str] | None:
    """(bundle path, "16:9" or "9:16") of the clean video to show, or None."""
    videos = sorted(f["path"] for f in manifest.get("files", []) if f.get("kind") == "video" and safe(f["path"]))
    for shape in PREFERRED:
        for path in videos:
            if path.endswith(f"-{shape}.mp4"):
                return path, shape.replace("x", ":")
    return None


def captions_of(manifest: dict) -> str | None:
    found = sorted(f["path"] for f in manifest.get("files", []) if f.get("kind") == "captions"
                   and f["path"].endswith(".vtt") and safe(f["path"]))
    return found[0] if found else None


def cards_of(page: bytes, manifest: dict) -> list[Card]:
    """The cards of the player page, in order, each with its picture (a file the manifest lists)."""
    import lxml.html

    listed = {f["path"] for f in manifest.get("files", []) if f.get("kind") == "card"}
    try:
        root = lxml.html.fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return []
    cards = []
    for article in root.xpath("//article[contains(concat(' ', normalize-space(@class), ' '), ' card ')]")[:MAX_CARDS]:
        pictures = [src for src in article.xpath(".//img[contains(@class, 'card-picture')]/@src") if src in listed]
        if not pictures:
            continue
        title = " ".join(" ".join(article.xpath(".//h3//text()")).split())
        body = article.xpath(".//*[contains(@class, 'card-text')]") or article.xpath(".//form")
        text = " ".join(" ".join(body[0].xpath(".//text()")).split()) if body else ""
        cards.append(Card(pictures[0], title, text[:MAX_TEXT]))
    return cards


def plan(manifest: dict, page: bytes | None) -> tuple[dict, list[str]]:
    """The catalog's "watch" facts (paths inside the bundle) and the bundle entries they need."""
    video = video_of(manifest)
    if video is None:
        return {}, []
    captions = captions_of(manifest)
    cards = cards_of(page, manifest) if page else []
    facts = {"video": video[0], "format": video[1], "captions": captions,
             "cards": [{"src": c.src, "title": c.title, "text": c.text} for c in cards]}
    return facts, [video[0]] + ([captions] if captions else []) + [c.src for c in cards]


def placed(facts: dict, folder: str) -> dict:
    """``facts`` with every path moved under ``folder`` (the upload folder: watch/<bundle>)."""
    if not facts:
        return {}
    return {**facts, "video": f"{folder}/{facts['video']}",
            "captions": f"{folder}/{facts['captions']}" if facts["captions"] else None,
            "cards": [{**card, "src": f"{folder}/{card['src']}"} for card in facts["cards"]]}
