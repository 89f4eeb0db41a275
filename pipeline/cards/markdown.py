"""Card content from a section's markdown: sanitised HTML, plain text, images and styled runs.

Cards support paragraphs, bullet and numbered lists, a quote, ``###`` subheadings, emphasis,
inline code and images. Raw HTML in the markdown is parsed (so it can be found) and then removed
by nh3: a ``<script>`` disappears with its content, event attributes such as ``onerror`` with their
element's other attributes. Images are taken out of the flow: they come only from markdown image
syntax, whose paths the lesson loader has checked to stay inside the lesson folder, and the
theme decides where they go.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from pipeline.i18n import _
from pipeline.errors import Diagnostic
from pipeline.lesson.model import ImageRef, Section

# What a card may hold. No <img> (images are placed by the theme), no <a> (a card is a picture).
ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre", "h3",
                          "h4", "h5", "h6"})
ALLOWED_ATTRIBUTES = {"ol": {"start"}}
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript", "svg", "math"})


@dataclass(frozen=True)
class Run:
    """A stretch of card text and how it is set (for the glyph check of the face it uses)."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class CardContent:
    """What a card shows, ready for a template."""

    id: str
    title: str
    html: str  # sanitised fragment of the body, without images
    text: str  # plain text of the body, one block per line
    images: tuple[ImageRef, ...]
    runs: tuple[Run, ...]

    @property
    def length(self) -> int:
        """Characters of heading and text: the measure the fit message asks to cut from."""
        return len(self.title) + len(self.text.replace("\n", " "))


def _parser():
    from pipeline.markdown import parser

    return parser()


def sanitise(html: str) -> str:
    """Only the card tags of ALLOWED_TAGS survive; scripts and styles go with their content."""
    import nh3

    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     clean_content_tags=set(DROPPED_WITH_CONTENT), strip_comments=True,
                     link_rel=None, url_schemes=set())


def card_content(section: Section, script_label: str) -> tuple[CardContent, list[Diagnostic]]:
    """Parse a section's card markdown; returns the content and the problems found in it."""
    tokens = _parser().parse(section.body)
    problems: list[Diagnostic] = []
    images: list[ImageRef] = []
    known = {image.path: image for image in section.images}
    for token in tokens:
        if token.type.startswith("heading") and token.tag in ("h1", "h2"):
            token.tag = "h3"  # the card's own heading is the section heading
        if token.type != "inline" or not token.children:
            continue
        kept = []
        for child in token.children:
            if child.type == "image":
                path = unquote(child.attrGet("src") or "")
                ref = known.get(path)
                if ref is None:
                    problems.append(Diagnostic(script_label, section.line, 1, f"section '{section.id}'",
                                               _("the image {path} cannot be shown on the card", path=path or _("(no path)")),
                                               _("write images as ![what the picture shows](media/picture.png), with a file inside the lesson folder")))
                elif not ref.alt:
                    problems.append(Diagnostic(script_label, ref.line, ref.col, "", _("image {path} has no alt text", path=ref.path),
                                               _("describe the picture for people who cannot see it: ![a teacher holding a phone](media/photo.jpg)")))
                elif ref not in images:
                    images.append(ref)
                continue
            kept.append(child)
        token.children = kept
    html = sanitise(_parser().renderer.render(tokens, _parser().options, {}))
    # paragraphs left empty by a removed image
    html = html.replace("<p></p>", "").strip()
    # text and runs come from the sanitised HTML: exactly what the card shows, nothing removed
    text, runs = _text_and_runs(html)
    return CardContent(section.id, section.title, html, text, tuple(images), tuple(runs)), problems


BLOCKS = frozenset({"p", "li", "blockquote", "pre", "h3", "h4", "h5", "h6", "ul", "ol"})


def _text_and_runs(html: str) -> tuple[str, list[Run]]:
    """Plain text (a line per block) and the styled runs of a sanitised fragment."""
    import lxml.html

    pieces: list[str] = []
    runs: list[Run] = []

    def walk(element, bold: bool, italic: bool) -> None:
        bold = bold or element.tag in ("strong", "b")
        italic = italic or element.tag in ("em", "i")
        if element.tag in BLOCKS:
            pieces.append("\n")
        if element.tag == "br":
            pieces.append(" ")
        if element.text:
            pieces.append(element.text)
            runs.append(Run(element.text, bold, italic))
        for child in element:
            walk(child, bold, italic)
            if child.tail:
                pieces.append(child.tail)
                runs.append(Run(child.tail, bold, italic))
        if element.tag in BLOCKS:
            pieces.append("\n")

    for item in lxml.html.fragments_fromstring(html) if html.strip() else []:
        if isinstance(item, str):
            pieces.append(item)
            runs.append(Run(item))
        else:
            walk(item, False, False)
            if item.tail:
                pieces.append(item.tail)
    lines = (" ".join(line.split()) for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line), [r for r in runs if r.text.strip()]


_HANGUL_WORD = re.compile(r"[^\s<>]*[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3][^\s<>]*")
_TEXT_BETWEEN_TAGS = re.compile(r"(^|>)([^<]+)")


def keep_words(html: str) -> str:
    """Korean is broken between words, not between syllables (CSS ``word-break: keep-all``,
    which WeasyPrint lacks): each word with Hangul is wrapped in ``<span class="kw">``, which the
    page styles ``white-space: nowrap``. ``html`` is sanitised or escaped text."""

    def words(match: re.Match) -> str:
        return match.group(1) + _HANGUL_WORD.sub(lambda w: f'<span class="kw">{w.group(0)}</span>', match.group(2))

    return _TEXT_BETWEEN_TAGS.sub(words, html)
