"""The cards stage: each script section becomes a designed card (social 1080x1350 and square
1080x1080 PNG) and a slide for every video format, plus title and end slides and a PDF handout on
A4 and on US Letter paper (``paper``).

Phases: load the theme (``theme``); turn each section's markdown into sanitised content
(``markdown``); check every character against the fonts (``fonts``) and every colour pair against
WCAG 2.2 (``contrast``) — all problems reported at once; then draw each page through the theme's
jinja2 templates with WeasyPrint and pdfium (``render``), each only when it changed, failing any
page whose text does not fit (``fit``). Module map: docs/cards.md.

Writes ``cards/social/NN-<id>.png``, ``cards/square/NN-<id>.png``, ``cards/handout.pdf`` (A4),
``cards/handout-letter.pdf`` and
``slides/<16x9|9x16>/{00-title,NN-<id>,99-end}.png``.
"""
from __future__ import annotations

from pipeline.lesson.model import CardSlide, Lesson, Section
from pipeline.contracts import Artifact, CaptionFont, Card, CardImage, CardsResult, Check, SlideSet
from pipeline.stage import Context, Settings, Stage


def _prepare(ctx: Context):
    """Theme, fonts, card contents and pages, after the checks that need no layout (glyphs,
    contrast); LessonError lists every problem found."""
    from pipeline.cards import checks
    from pipeline.cards.markdown import card_content
    from pipeline.cards.pages import lesson_texts, plan, context
    from pipeline.cards.theme import labels as theme_labels
    from pipeline.cards.theme import load_theme
    from pipeline.errors import LessonError

    lesson = ctx.lesson
    theme = load_theme(lesson.theme, ctx.settings.templates)
    font_set = theme.font_set(lesson.language)
    colors = theme.palette(lesson.school.colors)
    labels = theme_labels(lesson.language, ctx.settings.templates)

    problems, cards, answers = [], [], {}
    for section_id in shown_sections(lesson):
        section = lesson.section(section_id)
        content, found = card_content(section, f"{ctx.label}/{lesson.script}")
        problems += found
        cards.append(content)
        if section.quiz is not None:
            answers[section_id], _ = card_content(answer_section(section, labels), f"{ctx.label}/{lesson.script}")
    pages = plan(lesson, cards, answers)
    sample = context(pages[-1], lesson, len(cards), colors, font_set, labels)
    missing, checked = checks.glyphs(lesson, ctx.label, cards, font_set, lesson_texts(sample))
    weak, ratios = checks.colours(lesson, ctx.label, theme)
    problems += missing + weak
    if problems:
        raise LessonError(problems)
    return theme, font_set, colors, labels, cards, pages, checked, ratios


def check(ctx: Context) -> None:
    """Everything this stage would refuse, found without drawing a PNG: missing glyphs, weak
    contrast, and text that does not fit its card (the same layout and measurement as the
    build, ``fit.py``). Raises LessonError. ``microlearn check`` runs it; it stores only layout
    measurements in the object store."""
    from pipeline.cards import deck

    theme, font_set, colors, labels, cards, pages, _, _ = _prepare(ctx)
    deck.draw(ctx, theme, pages, len(cards), colors, font_set, labels, render=False)


def run(ctx: Context, handout: bool = True, early: bool = False, steps: tuple[str, ...] | None = None) -> CardsResult:
    """Draw the lesson's cards, slides and (unless ``handout`` is False) its handout.

    ``early``: place each page's PNG in the build folder as soon as it is drawn (and so tell
    ``ctx.ready``), edited cards first, instead of all of them once every page is drawn — the
    studio's preview, which shows an edited card before its slides are done. The final build
    places nothing until every page is drawn, so a failing stage leaves the last good pages.
    ``steps``: the video formats whose slides' reveal steps are drawn (default: all)."""
    from pipeline.cards.fonts import BOLD, FAMILIES, font_file
    from pipeline.cards.fonts import digest as font_digest
    from pipeline.cards.paper import FILES, on_paper
    from pipeline.digests import code_fingerprint
    from pipeline.cards import deck
    from pipeline.cards.fit import MIN_FONT_PX

    lesson = ctx.lesson
    theme, font_set, colors, labels, cards, pages, checked, ratios = _prepare(ctx)
    placed: dict[int, Artifact] = {}

    def place(index: int, png) -> None:
        page = pages[index]
        placed[index] = ctx.copy_artifact(page.artifact_kind, page.rel, png)

    drawn = deck.draw(ctx, theme, pages, len(cards), colors, font_set, labels, handout=handout,
                      on_page=place if early else None, steps=steps)

    artifacts: list[Artifact] = []
    slides: dict[str, dict] = {fmt: {"title": "", "end": "", "cards": {}, "answers": {}, "steps": {}, "pictures": {}} for fmt in lesson.formats}
    pngs: dict[str, dict[str, str]] = {card.id: {} for card in cards}  # card id -> {"social": path, "square": path}
    for index, page in enumerate(pages):
        if not page.rel:
            continue
        artifacts.append(placed.get(index) or ctx.copy_artifact(page.artifact_kind, page.rel, drawn.pngs[index]))
        if page.artifact_kind == "card":
            pngs[page.card.id][page.format] = page.rel
        elif page.card is not None:
            slides[page.format]["answers" if page.answer else "cards"][page.card.id] = page.rel
            steps = [page.rel.removesuffix(".png") + f"-step{shown}.png" for shown in range(1, len(drawn.steps.get(index, [])) + 1)]
            artifacts += [ctx.copy_artifact("slide", rel, stored) for rel, stored in zip(steps, drawn.steps.get(index, []))]
            if steps:
                slides[page.format]["steps"][page.card.id] = tuple(steps)
            if index in drawn.pictures:
                slides[page.format]["pictures"][page.card.id] = drawn.pictures[index]
        else:
            slides[page.format][page.kind] = page.rel
    for paper, rel in FILES.items() if handout else ():
        sheet = ctx.objects.memo({"what": "cards.handout-paper", "version": code_fingerprint("pipeline.cards.paper"),
                                  "handout": drawn.handout.name, "paper": paper},
                                 ".pdf", lambda tmp, p=paper: tmp.write_bytes(on_paper(drawn.handout.read_bytes(), p)))
        artifacts.append(ctx.copy_artifact("handout", rel, sheet))

    fullest = max(drawn.fits.items(), key=lambda item: item[1]["fill"])
    smallest = min(f["smallest_font"] for f in drawn.fits.values())
    weakest = min(ratios, key=lambda r: r["ratio"] / r["minimum"])
    fullest_page = pages[fullest[0]].rel or "handout " + pages[fullest[0]].kind
    data_checks = (
        Check("cards.glyphs", True, 0,
              0, f"{checked} characters checked against the fonts " + ", ".join(font_set.keys())),
        Check("cards.contrast", True, weakest["ratio"], weakest["minimum"],
              "; ".join(f"{r['text']} on {r['on']} {r['ratio']}:1 (needs {r['minimum']:g}:1)" for r in ratios)),
        Check("cards.fit", True, round(fullest[1]["fill"] * 100), 100,
              f"fullest page: {fullest_page} ({round(fullest[1]['fill'] * 100)}% of its text box)"),
        Check("cards.font-size", True, smallest, MIN_FONT_PX, f"smallest text {smallest:g} px"),
        Check("cards.alt-text", True, sum(len(c.images) for c in cards), 0, "every image on a card has alt text"),
    )
    return CardsResult(
        artifacts=tuple(artifacts),
        checks=data_checks,
        slides={fmt: SlideSet(**entry) for fmt, entry in slides.items()},
        cards=tuple(Card(card.id, card.title, card.text, card.html,
                         tuple(CardImage(i.path, i.alt) for i in card.images),
                         **pngs[card.id]) for card in cards),
        handout=FILES["a4"] if handout else "",
        handouts=dict(FILES) if handout else {},
        palette=colors,
        caption_fonts=tuple(CaptionFont(key, str(font_file(FAMILIES[key].file_for(BOLD))), font_digest(font_file(FAMILIES[key].file_for(BOLD))))
                            for key in font_set.stack("body")),
        theme=theme.name,
    )


def answer_section(section: Section, labels: dict) -> Section:
    """A question card's answer slide, as a section: the right answers marked, then the explanation."""
    from dataclasses import replace

    from pipeline.lesson.quiz import answer_markdown

    return replace(section, body=answer_markdown(section.quiz, labels.get("right_answer", "right answer")))


def shown_sections(lesson: Lesson) -> list[str]:
    """Section ids in the order their cards are shown in the sequence."""
    seen: list[str] = []
    for item in lesson.sequence:
        if isinstance(item, CardSlide) and item.section not in seen:
            seen.append(item.section)
    return seen


def params(lesson: Lesson, settings: Settings) -> dict:
    """Everything a card shows besides files: texts, theme, school, language and formats."""
    from pipeline.cards.pages import end_card, title_card

    return {
        "title": lesson.title,
        "subtitle": title_card(lesson).subtitle,
        "credits": list(end_card(lesson).credits),
        "authors": [[a.name, a.school] for a in lesson.authors],
        "rubric": lesson.rubric,
        "licence": lesson.licence,
        "language": lesson.language,
        "formats": list(lesson.formats),
        "theme": lesson.theme,
        "script": lesson.script,  # named in its messages
        "school": {"name": lesson.school.name,
                   "logo": lesson.school.logo, "colors": [list(c) for c in lesson.school.colors]},
        "cards": [[s, lesson.section(s).title, lesson.section(s).body] for s in shown_sections(lesson)],
        "quizzes": {s: lesson.section(s).quiz.as_dict() for s in shown_sections(lesson) if lesson.section(s).quiz is not None},
    }


def inputs(lesson: Lesson) -> list[str]:
    """The lesson files cards read: pictures on cards and the school's logo."""
    files = {image.path for section in lesson.sections for image in section.images}
    if lesson.school.logo:
        files.add(lesson.school.logo)
    return sorted(files)


def tools(settings: Settings) -> dict:
    """Renderer versions, the themes' files and the card fonts: a change to any redraws the cards."""
    from pipeline.cards.fonts import FAMILIES, FACES, digest as font_digest, font_file
    from pipeline.cards.render import tool_versions
    from pipeline.cards.theme import digest, themes_root
    from pipeline.errors import SetupError

    fonts = {}
    for family in FAMILIES.values():
        for face in FACES:
            name = family.file_for(face)
            try:
                fonts[name] = font_digest(font_file(name))
            except SetupError:
                fonts[name] = None
    root = themes_root(settings.templates)
    themes = {p.name: digest(p) for p in sorted(root.iterdir()) if p.is_dir()} if root.is_dir() else {}
    return {**tool_versions(), "fonts": fonts, "themes": themes}


STAGE = Stage(name="cards", needs=(), run=run, params=params, inputs=inputs, tools=tools, result=CardsResult)
