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

from pipeline.lesson.model import CardSlide, Lesson
from pipeline.stage import Context, Stage, StageResult


def run(ctx: Context) -> StageResult:
    from pipeline.cards import checks, deck
    from pipeline.cards.fit import MIN_FONT_PX
    from pipeline.cards.markdown import card_content
    from pipeline.cards.paper import FILES, PAPER_VERSION, on_paper
    from pipeline.cards.pages import lesson_texts, plan, context
    from pipeline.cards.theme import labels as theme_labels
    from pipeline.cards.theme import load_theme
    from pipeline.errors import LessonError

    lesson = ctx.lesson
    theme = load_theme(lesson.theme)
    font_set = theme.font_set(lesson.language)
    colors = theme.palette(lesson.school.colors)
    labels = theme_labels(lesson.language)

    problems, cards = [], []
    for section_id in shown_sections(lesson):
        content, found = card_content(lesson.section(section_id), f"{ctx.label}/{lesson.script}")
        problems += found
        cards.append(content)
    pages = plan(lesson, cards)
    sample = context(pages[-1], lesson, len(cards), colors, font_set, labels)
    missing, checked = checks.glyphs(lesson, ctx.label, cards, font_set, lesson_texts(sample))
    weak, ratios = checks.colours(lesson, ctx.label, theme)
    problems += missing + weak
    if problems:
        raise LessonError(problems)

    drawn = deck.draw(ctx, theme, pages, len(cards), colors, font_set, labels)

    artifacts, slides = [], {fmt: {"title": "", "end": "", "cards": {}, "steps": {}} for fmt in lesson.formats}
    entries = {card.id: {"id": card.id, "title": card.title, "text": card.text, "html": card.html,
                         "images": [{"path": i.path, "alt": i.alt} for i in card.images]} for card in cards}
    for index, page in enumerate(pages):
        if not page.rel:
            continue
        kind = "card" if page.format in ("social", "square") else "slide"
        artifacts.append(ctx.copy_artifact(kind, page.rel, drawn.pngs[index]))
        if kind == "card":
            entries[page.card.id][page.format] = page.rel
        elif page.card is not None:
            slides[page.format]["cards"][page.card.id] = page.rel
            steps = [page.rel.removesuffix(".png") + f"-step{shown}.png" for shown in range(1, len(drawn.steps.get(index, [])) + 1)]
            artifacts += [ctx.copy_artifact("slide", rel, stored) for rel, stored in zip(steps, drawn.steps.get(index, []))]
            if steps:
                slides[page.format]["steps"][page.card.id] = steps
        else:
            slides[page.format][page.kind] = page.rel
    for paper, rel in FILES.items():
        sheet = ctx.objects.memo({"what": "cards.handout-paper", "version": PAPER_VERSION, "handout": drawn.handout.name, "paper": paper},
                                 ".pdf", lambda tmp, p=paper: tmp.write_bytes(on_paper(drawn.handout.read_bytes(), p)))
        artifacts.append(ctx.copy_artifact("handout", rel, sheet))

    fullest = max(drawn.fits.items(), key=lambda item: item[1]["fill"])
    smallest = min(f["smallest_font"] for f in drawn.fits.values())
    weakest = min(ratios, key=lambda r: r["ratio"] / r["minimum"])
    data_checks = [
        {"id": "cards.glyphs", "passed": True, "value": 0, "limit": 0,
         "detail": f"{checked} characters checked against the fonts " + ", ".join(font_set.keys())},
        {"id": "cards.contrast", "passed": True, "value": weakest["ratio"], "limit": weakest["minimum"],
         "detail": "; ".join(f"{r['text']} on {r['on']} {r['ratio']}:1 (needs {r['minimum']:g}:1)" for r in ratios)},
        {"id": "cards.fit", "passed": True, "value": round(fullest[1]["fill"] * 100), "limit": 100,
         "detail": f"fullest page: {pages[fullest[0]].rel or 'handout ' + pages[fullest[0]].kind} ({round(fullest[1]['fill'] * 100)}% of its text box)"},
        {"id": "cards.font-size", "passed": True, "value": smallest, "limit": MIN_FONT_PX, "detail": f"smallest text {smallest:g} px"},
        {"id": "cards.alt-text", "passed": True, "value": sum(len(c.images) for c in cards), "limit": 0,
         "detail": "every image on a card has alt text"},
    ]
    data = {"slides": slides, "cards": [entries[c.id] for c in cards], "handout": FILES["a4"], "handouts": dict(FILES),
            "theme": theme.name, "checks": data_checks}
    return StageResult(artifacts, data)


def shown_sections(lesson: Lesson) -> list[str]:
    """Section ids in the order their cards are shown in the sequence."""
    seen: list[str] = []
    for item in lesson.sequence:
        if isinstance(item, CardSlide) and item.section not in seen:
            seen.append(item.section)
    return seen


def params(lesson: Lesson) -> dict:
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
        "school": {"name": lesson.school.name, "logo": lesson.school.logo, "colors": [list(c) for c in lesson.school.colors]},
        "cards": [[s, lesson.section(s).title, lesson.section(s).body] for s in shown_sections(lesson)],
    }


def inputs(lesson: Lesson) -> list[str]:
    """The lesson files cards read: pictures on cards and the school's logo."""
    files = {image.path for section in lesson.sections for image in section.images}
    if lesson.school.logo:
        files.add(lesson.school.logo)
    return sorted(files)


def tools() -> dict:
    """Renderer versions, the themes' files and the card fonts: a change to any redraws the cards."""
    from pipeline.cards.deck import RENDER_VERSION
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
    root = themes_root()
    themes = {p.name: digest(p) for p in sorted(root.iterdir()) if p.is_dir()} if root.is_dir() else {}
    return {**tool_versions(), "render": RENDER_VERSION, "fonts": fonts, "themes": themes}


STAGE = Stage(name="cards", needs=(), run=run, params=params, inputs=inputs, tools=tools, version="2")
