"""The lesson script: markdown with one ``## Heading`` section per card.

Inside a section, the card text comes first; a line ``Narration:`` (or ``Озвучка:``, ``내레이션:``)
starts the words spoken while the card is shown. See docs/lesson-format.md.
"""
from __future__ import annotations

import re
import unicodedata

from pipeline.errors import Diagnostic
from pipeline.i18n import N_, _
from pipeline.lesson.model import ImageRef, Section
from pipeline.lesson.quiz import is_quiz, parse_quiz, question_markdown

# Bounds that keep a hostile script from making the cards stage or speech synthesis run for hours;
# each is far above what fits on a card or in the longest lesson allowed (600 s).
MAX_SECTIONS = 100
MAX_CARD_CHARS = 4000  # a full 1080x1920 slide holds well under 1,000 characters
MAX_NARRATION_CHARS = 12000  # about 13 minutes of speech at 15 characters a second
NARRATION_MARKERS = ("narration:", "озвучка:", "закадровый текст:", "내레이션:", "나레이션:")
_EXPLICIT_ID = re.compile(r"\s*\{#([^}\s]*)\}\s*$")
_VALID_ID = re.compile(r"^[\w][\w-]*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
# Markdown that would be read aloud letter by letter if it reached the speech synthesiser.
_SPOKEN_MARKDOWN = (
    (re.compile(r"\*\*|__"), N_("bold marks (** or __)")),
    (re.compile(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])"), N_("emphasis marks (*)")),
    (re.compile(r"`"), N_("code marks (`)")),
    (re.compile(r"!?\[[^\]]*\]\([^)]*\)"), N_("a link or an image")),
    (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+"), N_("a list marker")),
    (re.compile(r"^\s*#{1,6}\s"), N_("a heading mark (#)")),
)


def slugify(text: str) -> str:
    """A section id from its heading: lower case, letters of any script kept, spaces to dashes."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s_-]+", "-", text).strip("-")


def parse_script(text: str, file: str) -> tuple[list[Section], list[Diagnostic]]:
    """Split a script into sections and report every problem in it.

    Returns the sections in order and the diagnostics (empty when the script is valid).
    """
    problems: list[Diagnostic] = []
    lines = text.splitlines()
    heads: list[tuple[int, int, str, str]] = []  # (0-based first line, line after the heading, text, explicit id or "")
    preamble_text: list[int] = []
    tokens = _tokens(text)
    fenced, fence = _fences(tokens, len(lines))
    for start, after, level, title in _blocks(tokens):
        if level == 2:
            explicit = ""
            id_match = _EXPLICIT_ID.search(title)
            if id_match:
                explicit = id_match.group(1)
                title = title[: id_match.start()].rstrip()
            elif "{#" in title:
                problems.append(Diagnostic(file, start + 1, lines[start].find("{#") + 1 or 1, "", _("unclosed section id"),
                                           _("write it as {{#my-id}} at the end of the heading")))
            heads.append((start, after, title, explicit))
        elif not heads and level != 1:
            preamble_text.append(start)
    if fence is not None:
        problems.append(
            Diagnostic(file, fence[1], 1, "", _("code block opened with {fence} is never closed", fence=fence[0]),
                       _("add a line with {fence} where the block ends", fence=fence[0]))
        )
    if preamble_text:
        first = preamble_text[0]
        problems.append(
            Diagnostic(file, first + 1, 1, "", _("text before the first card heading belongs to no card"),
                       _("start every card with a line '## Card heading', or delete this text"))
        )
    if not heads:
        if text.strip():
            problems.append(Diagnostic(file, 1, 1, "", _("the script has no card sections"), _("start each card with a line '## Card heading'")))
        else:
            problems.append(Diagnostic(file, 0, 0, "", _("the script is empty"), _("write one '## Card heading' section per card, each with its narration")))
        return [], problems

    if len(heads) > MAX_SECTIONS:
        index = heads[MAX_SECTIONS][0]
        problems.append(Diagnostic(file, index + 1, 1, "",
                                   _("the script has {n} card sections, more than the {max} a lesson may have",
                                     n=len(heads), max=MAX_SECTIONS),
                                   _("split it into several lessons")))
        return [], problems
    sections: list[Section] = []
    seen: dict[str, int] = {}
    for number, (index, after, title, explicit) in enumerate(heads):
        end = heads[number + 1][0] if number + 1 < len(heads) else len(lines)
        section, section_problems = _section(lines, index, after, end, title, explicit, file, fenced)
        problems.extend(section_problems)
        if section is None:
            continue
        if section.id in seen:
            problems.append(
                Diagnostic(file, index + 1, 1, "", _("section id '{id}' is used twice (first on line {line})", id=section.id, line=seen[section.id]),
                           _("give one of them its own id: ## Heading {{#other-id}}"))
            )
            continue
        seen[section.id] = index + 1
        sections.append(section)
    return sections, problems


def outline(text: str) -> tuple[list[tuple[int, int, str]], frozenset[int]]:
    """From one parse, as the loader and the renderer read the script: every card heading (first
    line, line after, heading text), and the 0-based lines inside a fenced code block (see
    ``_fences``: a narration marker there is code, not a marker). The studio's script editor reads both."""
    tokens = _tokens(text)
    headings = [(start, after, title) for start, after, level, title in _blocks(tokens) if level == 2]
    return headings, _fences(tokens, len(text.splitlines()))[0]


def _tokens(text: str) -> list:
    from pipeline.markdown import parser

    return parser().parse(text)


def _blocks(tokens: list) -> list[tuple[int, int, int, str]]:
    """The script's top-level blocks as the cards' markdown parser reads them: (first line, line
    after, heading level or 0, heading text). A setext heading ("Title" over "---") is a level-2
    heading; a "##" inside an HTML comment or an indented code block is not one."""
    blocks = []
    for number, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        start, after = token.map
        if token.type == "heading_open":
            blocks.append((start, after, int(token.tag[1]), tokens[number + 1].content.strip()))
        elif not (token.type == "html_block" and _only_comments(token.content)):
            blocks.append((start, after, 0, ""))
    return blocks


def _only_comments(html: str) -> bool:
    return not re.sub(r"<!--.*?-->", "", html, flags=re.S).strip()


def _fences(tokens: list, line_count: int) -> tuple[frozenset[int], tuple[str, int] | None]:
    """(lines inside fenced code blocks, (marker, 1-based line) of a fence never closed) from
    markdown-it's fence tokens, at any depth (in a list item or a quote too) and whatever mix of
    ``` and ~~~. "Inside" is the opening line and the code, not the closing line, which narration
    checks still see. A fence is closed when its token spans one line more than its opening line
    and its code; one that runs to the end of the script is reported (markdown would show the rest
    of the script as code)."""
    fenced: set[int] = set()
    unclosed = None
    for token in tokens:
        if token.type != "fence" or token.map is None:
            continue
        start, after = token.map
        closed = after - start - 1 - token.content.count("\n") >= 1
        fenced.update(range(start, after - 1 if closed else after))
        if not closed and after >= line_count and unclosed is None:
            unclosed = (token.markup, start + 1)
    return frozenset(fenced), unclosed


def _section(lines: list[str], index: int, after: int, end: int, title: str, explicit: str,
             file: str, fenced: frozenset[int]) -> tuple[Section | None, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    line_no = index + 1
    if not title:
        problems.append(Diagnostic(file, line_no, 1, "", _("card heading is empty"), _("write the card's heading after '## '")))
        return None, problems
    if explicit and not _VALID_ID.match(explicit):
        problems.append(Diagnostic(file, line_no, 1, "",
                                   _("section id '{id}' may hold only letters, digits, '-' and '_'", id=explicit), _("e.g. {{#why-short}}")))
        return None, problems
    section_id = explicit or slugify(title)
    if not section_id:
        problems.append(Diagnostic(file, line_no, 1, "", _("cannot make an id from the heading '{title}'",
                                                           title=title), _("add one at the end of the heading: ## Heading {{#my-id}}")))
        return None, problems

    body: list[str] = []
    body_lines: list[tuple[int, str]] = []  # (line number, text) of the card text, for a quiz's places
    narration: list[str] = []
    target = body
    narration_line = 0
    for offset in range(after, end):
        line = lines[offset]
        in_fence = offset in fenced
        stripped = line.strip()
        marker = next((m for m in NARRATION_MARKERS if stripped.casefold().startswith(m)), None)
        if marker and not in_fence and target is narration:
            problems.append(Diagnostic(file, offset + 1, 1, "",
                                       _("card '{title}' has a second '{marker}' line (its narration started on line {line})",
                                         title=title, marker=stripped[:len(marker)], line=narration_line),
                                       _("keep one narration marker per card and continue the words on the following lines")))
            continue
        if marker and not in_fence:
            target, narration_line = narration, offset + 1
            column = line.index(stripped[:len(marker)]) + len(marker)
            rest = line[column:]
            if rest.strip():
                problems.extend(_narration_problems(rest, file, offset + 1, column))
                narration.append(rest.strip())
            continue
        if target is narration and not in_fence:
            problems.extend(_narration_problems(line, file, offset + 1, 0))
        elif target is body:
            body_lines.append((offset + 1, line))
        target.append(line)

    images = []
    for offset in range(after, end):
        for match in _IMAGE.finditer(lines[offset]):
            alt, path = match.group(1).strip(), match.group(2)
            if not alt:
                problems.append(
                    Diagnostic(file, offset + 1, match.start() + 1, "", _("image {path} has no alt text", path=path),
                               _("describe the picture for people who cannot see it: ![a teacher holding a phone](media/photo.jpg)"))
                )
            images.append(ImageRef(path, alt, offset + 1, match.start() + 1))

    body_text = "\n".join(body).strip()
    narration_text = " ".join(" ".join(narration).split())
    if len(body_text) > MAX_CARD_CHARS:
        problems.append(Diagnostic(file, line_no, 1, "",
                                   _("card '{title}' has {n} characters of text, more than {max}", title=title,
                                     n=len(body_text), max=MAX_CARD_CHARS),
                                   _("a card holds a few hundred characters: split it into several cards")))
        return None, problems
    if len(narration_text) > MAX_NARRATION_CHARS:
        problems.append(Diagnostic(file, narration_line, 1, "",
                                   _("card '{title}' has {n} characters of narration, more than {max}", title=title,
                                     n=len(narration_text), max=MAX_NARRATION_CHARS),
                                   _("that is over ten minutes of speech: split it into several cards or lessons")))
        return None, problems
    question = None
    if is_quiz(body):
        question, quiz_problems = parse_quiz(body_lines, file, title)
        problems.extend(quiz_problems)
        if question is None:
            return None, problems
        body_text = question_markdown(question)
    if not body_text and not narration_text:
        problems.append(Diagnostic(file, line_no, 1, "", _("card '{title}' has no text and no narration",
                                                           title=title), _("add the card text under the heading and a 'Narration:' line with what is said")))
    section = Section(id=section_id, title=title, body=body_text, narration=narration_text, line=line_no, images=tuple(images), quiz=question)
    return section, problems


def has_html(text: str) -> bool:
    """Whether ``text`` contains an HTML tag (refused in anything spoken or captioned)."""
    return _RAW_HTML.search(text) is not None


def _narration_problems(text: str, file: str, line: int, column: int) -> list[Diagnostic]:
    """Narration is spoken and becomes the captions: no HTML, no markdown marks."""
    found = [Diagnostic(file, line, column + m.start() + 1, "", _("HTML tags are not allowed in narration"), _("write the words exactly as they are spoken"))
             for m in _RAW_HTML.finditer(text)]
    if not found:
        for pattern, what in _SPOKEN_MARKDOWN:
            match = pattern.search(text)
            if match:
                found.append(Diagnostic(file, line, column + match.start() + 1, "",
                                        _("narration contains {what}, which would be read aloud and shown in the captions", what=_(what)),
                                        _("write the words exactly as they are spoken; put formatting on the card text above the narration")))
                break
    return found
