"""Draw every page of a lesson, each only when its content, theme, fonts or tools changed.

A page's cache key is its template context with file URLs replaced by the files' hashes, the
theme folder's digest, the font files' hashes, the size and the renderer's tool versions. The
object store keeps two things per page: the PNG and the layout measurements (so a cached page
still reports how full it is). A page that does not fit is never stored.
"""
from __future__ import annotations

import atexit
import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.i18n import _
from pipeline.cards import fit as fitting
from pipeline import reveal
from pipeline.cards import fonts, overlap
from pipeline.digests import code_fingerprint
from pipeline.cards.pages import CARD_FORMATS, FORMAT_NAMES, Page, context
from pipeline.cards.render import BlockedResource, Renderer, mount_url, tool_versions
from pipeline.cards.theme import Theme, themes_root
from pipeline.templates import environment
from pipeline.errors import ConfigError, Diagnostic, LessonError
from pipeline.stage import Context

# what a page looks like (and its PNG bytes) is decided by this package's code and the house format
RENDER_CODE = ("pipeline.cards", "pipeline.templates", "pipeline.house")
# appended to a page whose text overflows, to measure how much room the text needs
UNBOUNDED = ("<style>@page {{ size: {width}px 100000px; }} "
             ".fit {{ bottom: auto !important; height: auto !important; max-height: none !important; }}</style>")

# A card is first set in the theme's larger type (body class amount-few), then amount-some, then
# the theme's own sizes (amount-many) until its text fits without collisions: little text fills
# the canvas instead of leaving its lower half empty.
AMOUNTS = ("few", "some", "many")
# A card's text is laid out from the top of its box; when it fills less, it is moved down by this
# share of the room left (a little above the middle: the optical centre), on the formats whose
# whole height a viewer sees. Portrait slides keep their text high: the lower part of a 9:16 video
# is where social apps put their buttons and where the open captions go. A picture above the
# text already balances the card.
BALANCE = 0.42
BALANCED = ("social", "square", "16:9")
LOWER = "<style>.fit > :first-child {{ margin-top: {offset}px !important; }}</style>"

_RENDERER = Renderer()  # warm across lessons of one build: fonts are loaded once
atexit.register(_RENDERER.close)  # before shutdown tears modules down (see Renderer.close)


@dataclass
class Drawn:
    """The stored files of every page and what their layout measured."""

    pngs: dict[int, Path] = field(default_factory=dict)  # page index -> stored PNG
    fits: dict[int, dict] = field(default_factory=dict)  # page index -> Fit.as_dict()
    handout: Path | None = None
    steps: dict[int, list[Path]] = field(default_factory=dict)  # slide page index -> its reveal steps (units 1..k shown)
    pictures: dict[int, tuple[int, ...]] = field(default_factory=dict)  # slide page index -> its picture's box (camera move)


def draw(ctx: Context, theme: Theme, pages: list[Page], total: int, colors: dict, font_set,
         labels: dict, render: bool = True, handout: bool = True,
         on_page: Callable[[int, Path], None] | None = None, steps: tuple[str, ...] | None = None) -> Drawn:
    """Render (or find stored) every page and the handout; LessonError lists every page that
    does not fit; ConfigError names a theme template that fetches a forbidden file or lacks a fit box. ``render=False`` only lays out and
    measures (for ``check``): no PNG, no handout; only the measurements of pages that fit are stored,
    so the next check or build does not lay them out again. ``handout=False`` leaves the handout
    out (the studio's preview shows none); ``steps`` names the video formats whose slides' reveal
    steps are drawn (default: every one; the studio's draft video is of one format).

    Pages are drawn in the order a person looks at them (``_looked_at``): the social and square
    cards first, then the video slides, title and end pages; ``on_page(index, png)`` hears of each
    page's PNG as soon as it is stored, so the studio can show an edited card before its slides,
    reveal steps and the handout are drawn. The result, and the order of the problems found, do not
    depend on that order."""
    lesson, objects = ctx.lesson, ctx.objects
    env = environment(themes_root(ctx.settings.templates))  # autoescaped: only the sanitised card HTML is inserted as markup
    tools = tool_versions()
    font_hashes = {path.name: fonts.digest(path) for path in font_set.files()}
    mounts = {"lesson": lesson.root, "themes": themes_root(ctx.settings.templates)}
    drawn, documents, problems = Drawn(), {}, []
    overflows: dict[str, tuple[float, int, Diagnostic]] = {}  # card id or page kind -> its worst page

    def parts(page: Page) -> dict:
        return {"what": "cards.page", "version": code_fingerprint(*RENDER_CODE), "theme": theme.name,
                "theme_files": theme.digest,
                "template": page.template, "size": list(page.size), "fonts": font_hashes, "tools": tools,
                "context": context(page, lesson, total, colors, font_set, labels, for_key=True,
                                   source_hash=ctx.source_hash)}

    chosen: dict[int, str] = {}  # page index -> the amount of type its card was set in

    def html_of(page: Page, amount: str = "", offset: int = 0) -> str:
        values = context(page, lesson, total, colors, font_set, labels)
        if values["card"] is not None:
            values["card"]["amount"] = amount or AMOUNTS[-1]
        html = env.get_template(f"{theme.name}/{page.template}").render(**values)
        return html.replace("</head>", LOWER.format(offset=offset) + "</head>", 1) if offset else html

    def laid_out(html: str, page: Page):
        try:
            return _RENDERER.layout(html, mount_url("themes", f"{theme.name}/"), font_set, mounts)
        except BlockedResource as exc:
            raise ConfigError([Diagnostic(f"templates/themes/{theme.name}/{page.template}", 0, 0, "", str(exc),
                                          _("cards may use only files of the lesson folder, the theme folder and the card fonts"))]) from None

    offsets: dict[int, int] = {}  # page index -> how far its text was moved down (px)

    def layout(index: int, page: Page):
        if index not in documents:
            documents[index] = laid_out(html_of(page, chosen.get(index, ""), offsets.get(index, 0)), page)
        return documents[index]

    def largest(index: int, page: Page):
        """The page set in the largest type that fits without collisions: a card with little text
        fills its canvas (AMOUNTS, largest first); other pages have one size."""
        for amount in AMOUNTS if page.card is not None else ("",):
            document = laid_out(html_of(page, amount), page)
            try:
                measure = fitting.measure(document)
            except fitting.ThemeLayoutError as exc:
                raise ConfigError([Diagnostic(f"templates/themes/{theme.name}/{page.template}", 0, 0, "", str(exc),
                                              _("wrap the card text in <div class=\"fit\"> with a fixed size"))]) from None
            crowded = [] if measure.overflows else overlap.collisions(document.pages[0]._page_box, page.size)
            if not (measure.overflows or crowded) or amount in ("", AMOUNTS[-1]):
                break
        documents[index], chosen[index] = document, amount
        offset = int((measure.available - measure.needed) * BALANCE)
        if page.card is not None and not page.card.images and page.format in BALANCED and offset > 0 and not (measure.overflows or crowded):
            lowered = laid_out(html_of(page, amount, offset), page)
            again = fitting.measure(lowered)
            if not again.overflows:
                documents[index], offsets[index], measure = lowered, offset, again
                crowded = overlap.collisions(lowered.pages[0]._page_box, page.size)
        return documents[index], measure, crowded

    keys = {}
    located: list[tuple[int, Diagnostic]] = []  # (page index, problem): reported in page order
    first_over: dict[str, int] = {}  # owner -> its first overflowing page: owners reported in page order
    for index in _looked_at(pages):
        page = pages[index]
        key = parts(page)
        keys[index] = objects.key(key)
        png = objects.path(objects.key({**key, "out": "png"}), ".png")
        measured = objects.path(objects.key({**key, "out": "fit"}), ".json")
        if objects.present(measured) and (not page.rel or not render or objects.present(png)):
            drawn.fits[index] = json.loads(measured.read_text(encoding="utf-8"))
            chosen[index] = drawn.fits[index].get("amount", "")
            offsets[index] = drawn.fits[index].get("offset", 0)
            if page.rel:
                drawn.pngs[index] = png
                if on_page is not None and render:
                    on_page(index, png)
            continue
        ctx.progress(_("drawing {file}", file=page.rel) if page.rel else _("drawing the handout title page") if page.kind == "title"
                     else _("drawing the handout end page") if page.kind == "end" else _("drawing a handout page"))
        document, measure, crowded = largest(index, page)
        if measure.smallest_font < fitting.MIN_FONT_PX - 0.01:
            located.append((index, Diagnostic(f"templates/themes/{theme.name}/{page.template}", 0, 0, page.layout,
                                              _("text '{text}' is set at {size} px, under the {min} px minimum",
                                                text=measure.smallest_text[:40], size=f"{measure.smallest_font:g}",
                                                min=fitting.MIN_FONT_PX),
                                              _("make it larger in the theme's stylesheet"))))
            continue
        if measure.overflows:
            # on its page, overflowing text stops at the page's edge: lay it out once more on an
            # endless page, with the text box free to grow, to learn how much room it needs
            unbounded = UNBOUNDED.format(width=page.size[0]) + "</head>"
            endless = fitting.measure(laid_out(html_of(page, chosen[index], offsets.get(index, 0)).replace("</head>", unbounded, 1), page))
            measure = dataclasses.replace(measure, needed=max(measure.needed, endless.needed), pages=1)
            owner = page.card.id if page.card is not None else page.kind
            worst = measure.fill * measure.pages
            # the worst page of the owner; of equally bad ones, the first in page order
            if owner not in overflows or (-worst, index) < (-overflows[owner][0], overflows[owner][1]):
                overflows[owner] = (worst, index, _overflow(ctx, page, measure))
            first_over[owner] = min(index, first_over.get(owner, index))
            continue
        if crowded:
            located += [(index, _collision(ctx, page, c)) for c in crowded]
            continue
        picture = overlap.picture_box(document.pages[0]._page_box) if _camera_page(page) else None
        drawn.fits[index] = {**measure.as_dict(), "amount": chosen[index], "offset": offsets.get(index, 0), "picture": picture}
        objects.memo({**key, "out": "fit"}, ".json", lambda tmp, f=drawn.fits[index]: tmp.write_text(json.dumps(f), encoding="utf-8"))
        if not render:
            continue
        if page.rel:
            level = 6 if page.format in CARD_FORMATS else 1  # slides feed only ffmpeg: fast zlib
            drawn.pngs[index] = objects.memo({**key, "out": "png"}, ".png",
                                             lambda tmp, d=document, p=page, z=level: tmp.write_bytes(_RENDERER.png(d, p.size, z)))
            if on_page is not None:
                on_page(index, drawn.pngs[index])
    drawn.fits, drawn.pngs = dict(sorted(drawn.fits.items())), dict(sorted(drawn.pngs.items()))
    for index, page in enumerate(pages):
        if theme.camera_moves and render and _camera_page(page) and (drawn.fits.get(index) or {}).get("picture"):
            drawn.pictures[index] = tuple(drawn.fits[index]["picture"])
        moving = (page.card is not None and not page.answer and page.format not in CARD_FORMATS and theme.motion == "reveal"
                  and (steps is None or page.format in steps))
        units = reveal.units(page.card.html) if moving else []
        if len(units) < 2 or index not in drawn.pngs or not render:
            continue
        key = parts(page)

        def make_step(tmp: Path, p=page, i=index, shown=0, u=units) -> None:
            html = html_of(p, chosen.get(i, ""), offsets.get(i, 0)).replace("</head>", reveal.hide_after(u, shown) + "</head>", 1)
            tmp.write_bytes(_RENDERER.png(laid_out(html, p), p.size, 1))

        drawn.steps[index] = [objects.memo({**key, "out": "step", "shown": shown}, ".png", lambda tmp, s=shown: make_step(tmp, shown=s))
                              for shown in range(1, len(units))]
    problems += [diagnostic for _, diagnostic in sorted(located, key=lambda found: found[0])]
    problems += [overflows[owner][2] for owner in sorted(overflows, key=first_over.__getitem__)]
    if problems:
        raise LessonError(problems)
    if not render or not handout:
        return drawn

    order = _handout_order(pages)
    handout_key = {"what": "cards.handout",
                   "version": code_fingerprint(*RENDER_CODE), "pages": [keys[i] for i in order], "title": lesson.title,
                   "language": lesson.language}

    def make_handout(tmp: Path) -> None:
        ctx.progress(_("writing the handout"))
        tmp.write_bytes(_RENDERER.pdf([layout(i, pages[i]) for i in order], lesson.title, lesson.language))

    drawn.handout = objects.memo(handout_key, ".pdf", make_handout)
    return drawn


def _camera_page(page: Page) -> bool:
    """A video slide of a card with pictures (not its answer slide): where the camera may move."""
    return page.card is not None and bool(page.card.images) and not page.answer and page.format not in CARD_FORMATS


def _looked_at(pages: list[Page]) -> list[int]:
    """Page indexes in the order a person looks at them: social cards, square cards, slides, then
    the title and end pages (stable within each)."""
    rank = {"social": 0, "square": 1}
    return sorted(range(len(pages)), key=lambda i: (pages[i].kind != "card", rank.get(pages[i].format, 2)))


def _handout_order(pages: list[Page]) -> list[int]:
    """The handout: title, every card, end, all in the social format."""
    social = {(p.kind, p.number): i for i, p in enumerate(pages) if p.format == "social"}
    cards = sorted(i for (kind, _), i in social.items() if kind == "card")
    return [social[("title", 0)], *sorted(cards, key=lambda i: pages[i].number), social[("end", 0)]]


def _collision(ctx: Context, page: Page, collision: overlap.Collision) -> Diagnostic:
    """Where a collision is fixed: the card's section, or lesson.yaml for the title and end pages."""
    lesson = ctx.lesson
    parts = {collision.first.part[-1:], collision.second.part[-1:] if collision.second else ()}
    theme = lesson.theme
    if ("rubric",) in parts:
        file, line, field = f"{ctx.label}/lesson.yaml", 0, "rubric"
        hint = _("shorten the rubric in lesson.yaml (or report it: the theme '{theme}' should make room)", theme=theme)
    elif page.card is not None:
        file = f"{ctx.label}/{lesson.script}"
        line, field = lesson.section(page.card.id).line, f"section '{page.card.id}'"
        hint = _("shorten the heading or the text (or report it: the theme '{theme}' should make room)", theme=theme)
    else:
        file, line, field = f"{ctx.label}/lesson.yaml", 0, page.kind
        hint = _("shorten the title, subtitle or credits (or report it: the theme '{theme}' should make room)", theme=theme)
    where, problem = _(FORMAT_NAMES[page.format]), collision.message()
    if page.card is not None:
        message = _("card page {number} as {format}: {problem}", number=f"{page.number:02d}", format=where, problem=problem)
    elif page.kind == "title":
        message = _("title page as {format}: {problem}", format=where, problem=problem)
    else:
        message = _("end page as {format}: {problem}", format=where, problem=problem)
    return Diagnostic(file, line, 1 if line else 0, field, message, hint)


def _overflow(ctx: Context, page: Page, measure: fitting.Fit) -> Diagnostic:
    lesson = ctx.lesson
    where = FORMAT_NAMES[page.format]
    hint = _("shorten the text or split it into two cards; cards never shrink text below the theme's size")
    if page.card is not None:
        message = fitting.cut_message(measure, page.card.length, "card", where)
        return Diagnostic(f"{ctx.label}/{lesson.script}", lesson.section(page.card.id).line,
                          1, f"section '{page.card.id}'", message, hint)
    if page.kind == "title":
        from pipeline.cards.pages import title_card

        length = len(lesson.title) + len(title_card(lesson).subtitle) + sum(len(a.name) for a in lesson.authors)
        return Diagnostic(f"{ctx.label}/lesson.yaml", 0, 0, "title", fitting.cut_message(measure, length, "title card", where),
                          _("shorten the title or the subtitle"))
    from pipeline.cards.pages import end_card

    length = sum(len(line) for line in end_card(lesson).credits) + sum(len(a.name) for a in lesson.authors)
    return Diagnostic(f"{ctx.label}/lesson.yaml", 0, 0, "sequence: end.credits", fitting.cut_message(measure, length, "end card", where),
                      _("shorten the credits or list fewer lines"))
