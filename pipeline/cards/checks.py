"""The checks made before any card is drawn: every character has a glyph, every colour pair
has enough contrast. Each failure is a located diagnostic; all of them are reported at once."""
from __future__ import annotations

from pipeline.i18n import N_, _
from pipeline.cards import contrast, fonts
from pipeline.cards.fonts import BOLD, BOLD_ITALIC, ITALIC, REGULAR, FontSet
from pipeline.cards.markdown import CardContent
from pipeline.cards.theme import SCHOOL_ROLES, Theme
from pipeline.errors import Diagnostic
from pipeline.lesson.model import Lesson

GLYPH_HINT = N_("remove it or write it in words: the card fonts (DejaVu, Nanum) have no glyph for it, and a box would be shown instead")
# one whole sentence per face, so that each language words it its own way
MISSING_GLYPH = {REGULAR: N_("no font of the card has a glyph for {char}"), BOLD: N_("no font of the card has a glyph for {char} in bold text"),
                 ITALIC: N_("no font of the card has a glyph for {char} in italic text"),
                 BOLD_ITALIC: N_("no font of the card has a glyph for {char} in bold italic text")}


def glyphs(lesson: Lesson, label: str, cards: list[CardContent], font_set: FontSet,
           others: list[tuple[str, str, str]]) -> tuple[list[Diagnostic], int]:
    """Characters no font of the theme can draw, and how many characters were checked.

    Card headings are checked in the heading fonts (regular and bold), card text in the body fonts
    in the face it is set in; ``others`` are (field, role, text) of the title and end cards."""
    problems: list[Diagnostic] = []
    checked = 0
    script = f"{label}/{lesson.script}"
    for card in cards:
        where = f"section '{card.id}'"
        items = [(card.title, "heading", face) for face in (REGULAR, BOLD)]
        items += [(run.text, "body", _face(run.bold, run.italic)) for run in card.runs]
        seen: set[str] = set()
        for text, role, face in items:
            checked += len(text)
            for char in fonts.missing(text, font_set.stack(role), face):
                if char not in seen:
                    seen.add(char)
                    problems.append(Diagnostic(script, card_line(lesson, card.id), 1, where,
                                               _(MISSING_GLYPH[face], char=fonts.describe(char)), _(GLYPH_HINT)))
    seen_other: set[tuple[str, str]] = set()
    for field, role, text in others:
        for face in (REGULAR, BOLD):
            checked += len(text)
            for char in fonts.missing(text, font_set.stack(role), face):
                if (field, char) not in seen_other:
                    seen_other.add((field, char))
                    file = field.split(": ", 1)[0] if field.startswith("templates/") else f"{label}/lesson.yaml"
                    name = field.split(": ", 1)[-1]
                    problems.append(Diagnostic(file, 0, 0, name, _(MISSING_GLYPH[REGULAR], char=fonts.describe(char)), _(GLYPH_HINT)))
    return problems, checked


def card_line(lesson: Lesson, section_id: str) -> int:
    return lesson.section(section_id).line


def _face(bold: bool, italic: bool) -> tuple[int, str]:
    return {(False, False): REGULAR, (True, False): BOLD, (False, True): ITALIC,
            (True, True): BOLD_ITALIC}[(bold, italic)]


def colours(lesson: Lesson, label: str, theme: Theme) -> tuple[list[Diagnostic], list[dict]]:
    """WCAG 2.2 contrast of every text pair the theme declares, with the school's colours applied.

    Returns the diagnostics and the measured pairs (for the report)."""
    palette = theme.palette(lesson.school.colors)
    school = {role for role, _ in lesson.school.colors if role in SCHOOL_ROLES}
    failures, measured = contrast.check(palette, theme.pairs)
    problems = []
    for failure in failures:
        from_school = failure.pair.text in school or failure.pair.on in school
        file, field = (f"{label}/lesson.yaml", "school.colors") if from_school else (theme.label, "colors")
        problems.append(Diagnostic(file, 0, 0, field, failure.message(), failure.hint()))
    report = [{"text": p.text, "on": p.on, "ratio": round(value, 2), "minimum": p.minimum} for p, value in measured]
    return problems, report
