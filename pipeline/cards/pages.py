"""Every page a lesson's cards stage draws, as data: which template, which size, which words.

A page is a title card, a content card (one script section) or an end card, in one format:
``social`` 1080x1350 and ``square`` 1080x1080 (card.html.j2), ``16:9`` 1920x1080 and ``9:16``
1080x1920 (slide.html.j2). Its template context is plain data, so it doubles as the page's cache
key once file URLs are replaced by the files' hashes.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.i18n import N_
from pipeline.cards.markdown import CardContent
from pipeline.cards.render import mount_url
from pipeline.fsutil import sha256_file
from pipeline.house import HOUSE
from pipeline.lesson.model import FORMATS, EndCard, Lesson, TitleCard

CARD_FORMATS = HOUSE.card_sizes
SLIDE_FOLDERS = {"16:9": "16x9", "9:16": "9x16"}
FORMAT_NAMES = {"social": N_("social card (1080x1350)"), "square": N_("square card (1080x1080)"),
                "16:9": N_("16:9 slide (1920x1080)"), "9:16": N_("9:16 slide (1080x1920)")}
LICENCE_NAMES = {"CC-BY-4.0": "CC BY 4.0", "CC-BY-SA-4.0": "CC BY-SA 4.0", "CC-BY-NC-4.0": "CC BY-NC 4.0",
                 "CC-BY-NC-SA-4.0": "CC BY-NC-SA 4.0", "CC-BY-ND-4.0": "CC BY-ND 4.0",
                 "CC-BY-NC-ND-4.0": "CC BY-NC-ND 4.0",
                 "CC0-1.0": "CC0 1.0"}


@dataclass(frozen=True)
class Page:
    kind: str  # "title" | "card" | "end"
    format: str  # "social" | "square" | "16:9" | "9:16"
    rel: str  # output path, relative to the lesson's build folder
    card: CardContent | None = None
    number: int = 0  # the card's place among the cards, from 1
    answer: bool = False  # a question card's answer slide (shown after the question in the video)

    @property
    def size(self) -> tuple[int, int]:
        return CARD_FORMATS.get(self.format) or FORMATS[self.format]

    @property
    def artifact_kind(self) -> str:
        """The artifact kind of its picture: "card" (a social or square card) or "slide" (a video format's)."""
        return "card" if self.format in CARD_FORMATS else "slide"

    @property
    def template(self) -> str:
        return "card.html.j2" if self.format in CARD_FORMATS else "slide.html.j2"

    @property
    def layout(self) -> str:
        """The format's class name in templates: social, square, landscape, portrait."""
        return {"16:9": "landscape", "9:16": "portrait"}.get(self.format, self.format)


def file_stem(number: int, section_id: str) -> str:
    """``NN-slug``: ASCII-safe whatever the id's script; a short hash keeps non-ASCII ids apart."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", section_id):
        return f"{number:02d}-{section_id.lower()}"
    ascii_part = re.sub(r"[^a-z0-9]+", "-", section_id.lower().encode("ascii", "ignore").decode()).strip("-")
    digest = hashlib.sha256(section_id.encode("utf-8")).hexdigest()[:8]
    return f"{number:02d}-{ascii_part}-{digest}" if re.search(r"[a-z]", ascii_part) else f"{number:02d}-{digest}"


def plan(lesson: Lesson, cards: list[CardContent], answers: dict[str, CardContent] | None = None) -> list[Page]:
    """Every page, in order: for each card its social and square card and its slides (and, for a
    question card, its answer slides from ``answers``); the title and end slides of each video
    format; the title and end cards of the handout."""
    pages: list[Page] = []
    answers = answers or {}
    for number, card in enumerate(cards, 1):
        stem = file_stem(number, card.id)
        pages.append(Page("card", "social", f"cards/social/{stem}.png", card, number))
        pages.append(Page("card", "square", f"cards/square/{stem}.png", card, number))
        for fmt in lesson.formats:
            pages.append(Page("card", fmt, f"slides/{SLIDE_FOLDERS[fmt]}/{stem}.png", card, number))
            if card.id in answers:
                pages.append(Page("card", fmt, f"slides/{SLIDE_FOLDERS[fmt]}/{stem}-answer.png", answers[card.id],
                                  number, answer=True))
    for fmt in lesson.formats:
        pages.append(Page("title", fmt, f"slides/{SLIDE_FOLDERS[fmt]}/00-title.png"))
        pages.append(Page("end", fmt, f"slides/{SLIDE_FOLDERS[fmt]}/99-end.png"))
    # the handout's own title and end pages (not written as PNG files)
    pages.append(Page("title", "social", ""))
    pages.append(Page("end", "social", ""))
    return pages


def image_shape(path: Path) -> str:
    """``wide``, ``tall`` or ``square``: lets a theme place a picture by its shape."""
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
    return "wide" if width >= 1.3 * height else "tall" if height >= 1.3 * width else "square"


def title_card(lesson: Lesson) -> TitleCard:
    return next((item for item in lesson.sequence if isinstance(item, TitleCard)), TitleCard())


def end_card(lesson: Lesson) -> EndCard:
    return next((item for item in lesson.sequence if isinstance(item, EndCard)), EndCard())


def context(page: Page, lesson: Lesson, total: int, colors: dict, fonts, labels: dict, for_key: bool = False,
            source_hash: Callable[[str], str] | None = None) -> dict:
    """The template context of a page. ``for_key``: file URLs become content hashes (from
    ``source_hash(rel)``, by default read now), so the context is the page's cache key wherever
    the lesson folder is."""

    def file(rel: str) -> str:
        if for_key:
            return source_hash(rel) if source_hash else sha256_file(lesson.root / rel)
        return mount_url("lesson", rel)  # the same URL wherever the lesson folder is (see render.py)

    from markupsafe import Markup, escape

    from pipeline.cards.markdown import keep_words

    def words(html: str) -> Markup:
        return Markup(keep_words(html) if lesson.language == "ko" else html)

    card = None
    if page.card is not None:
        card = {"id": page.card.id, "title": words(escape(page.card.title)), "html": words(page.card.html), "amount": "",
                "images": [{"url": file(i.path), "alt": i.alt, "shape": image_shape(lesson.root / i.path)} for i in page.card.images]}
    school = lesson.school
    authors = [a.name for a in lesson.authors]
    schools = sorted({a.school for a in lesson.authors if a.school})
    return {
        "page": {"kind": page.kind, "format": page.layout, "width": page.size[0], "height": page.size[1],
                 "number": page.number, "total": total, "lang": lesson.language},
        "card": card,
        "lesson": {
            "title": words(escape(lesson.title)),
            "subtitle": words(escape(title_card(lesson).subtitle)),
            "authors": authors,
            "author_schools": schools,
            "rubric": lesson.rubric,
            "licence": LICENCE_NAMES.get(lesson.licence) or labels.get("all_rights_reserved", lesson.licence),
            "credits": list(end_card(lesson).credits),
            "school": {"name": school.name, "logo": file(school.logo) if school.logo else ""},
        },
        "labels": labels,
        "colors": colors,
        "fonts": {"heading": fonts.css_stack("heading"), "body": fonts.css_stack("body")},
    }


def lesson_texts(ctx: dict) -> list[tuple[str, str, str]]:
    """(field, role, text) of every text the pages show besides the cards' own, for the glyph
    check; ``field`` names where it is written."""
    lesson, labels = ctx["lesson"], ctx["labels"]
    found = [("title", "heading", lesson["title"]), ("sequence: title.subtitle", "heading", lesson["subtitle"]),
             ("rubric", "body", lesson["rubric"]), ("school.name", "body", lesson["school"]["name"])]
    found += [("authors", "body", name) for name in lesson["authors"] + lesson["author_schools"]]
    found += [("sequence: end.credits", "body", line) for line in lesson["credits"]]
    found += [("licence", "body", lesson["licence"])]
    found += [(f"templates/themes/labels.yaml: {key}", "body", str(value)) for key, value in sorted(labels.items())]
    # what templates add themselves: numbers, separators, list markers
    found += [("", "body", "0123456789 /·—–-•▪")]
    return [item for item in found if item[2]]
