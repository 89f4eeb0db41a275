"""The loader splits the script into cards with the same markdown parser the cards are rendered
with, so the cards a teacher sees are the headings markdown sees."""
from __future__ import annotations

import re

import pytest

from pipeline.lesson.script import parse_script
from pipeline.markdown import parser

CASES = {
    "setext heading": ("# Title\n\nHold it steady\n--------------\n\nBoth hands.\n\nNarration: Hold it with both hands.\n",
                       ["Hold it steady"]),
    "## inside an HTML comment": ("## Framing\n\nEyes at the top third.\n<!--\n## Not a card\n-->\n\nNarration: Look here.\n",
                                  ["Framing"]),
    "indented heading": ("## Light\n\nFace the window.\n\n   ## Sound\n\nA quiet room.\n\nNarration: Quiet, please.\n",
                         ["Light", "Sound"]),
    "## in a fenced block": ("## Code\n\n```\n## not a heading\n```\n\nNarration: Read the code.\n", ["Code"]),
    "## in an indented code block": ("## Code\n\nText.\n\n    ## not a heading\n\nNarration: Read it.\n", ["Code"]),
}


def rendered_h2(text: str) -> list[str]:
    html = parser().render(text)
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2>(.*?)</h2>", html)]


@pytest.mark.parametrize("case", CASES)
def test_cards_are_the_level_two_headings_markdown_renders(case):
    text, titles = CASES[case]
    sections, problems = parse_script(text, "script.md")
    assert problems == []
    assert [s.title for s in sections] == titles == rendered_h2(text)


def test_a_setext_card_starts_after_its_underline():
    sections, _ = parse_script(CASES["setext heading"][0], "script.md")
    assert (sections[0].line, sections[0].body, sections[0].narration) == (3, "Both hands.", "Hold it with both hands.")


def test_text_before_the_first_card_is_still_refused_but_a_comment_is_not():
    assert parse_script("<!-- draft -->\n## A\n\nText.\n", "script.md")[1] == []
    [problem] = parse_script("Intro.\n\n## A\n\nText.\n", "script.md")[1]
    assert str(problem) == ("script.md:1:1: text before the first card heading belongs to no card — "
                            "start every card with a line '## Card heading', or delete this text")


FENCE_CASES = {
    "a ``` line inside a ~~~ fence": ("## A\n\nText\n\n~~~\n```\nNarration: inside\n~~~\n\nNarration: Real words.\n",
                                      "Real words."),
    "a fence in a list item": ("## A\n\n- item\n\n    ```\n    Narration: inside\n    ```\n\nNarration: Real words.\n",
                               "Real words."),
    "a ``` line in an HTML block": ("## A\n\n<div>\n```\n</div>\n\nNarration: Real words.\n", "Real words."),
}


@pytest.mark.parametrize("case", FENCE_CASES)
def test_a_marker_is_code_exactly_where_markdown_shows_code(case):
    text, narration = FENCE_CASES[case]
    [section], problems = parse_script(text, "script.md")
    assert problems == [] and section.narration == narration
    code = "".join(re.findall(r"<code[^>]*>(.*?)</code>", parser().render(section.body), flags=re.S))
    assert ("Narration: inside" in code) == ("inside" in section.body)


def test_a_fence_never_closed_is_reported_where_it_opens():
    problems = parse_script("## A\n\nText\n\n- item\n\n  ````\n  code\n", "script.md")[1]
    assert [str(p) for p in problems] == ["script.md:7:1: code block opened with ```` is never closed — add a line with "
                                          "```` where the block ends"]
    # closed by the end of its quote, as markdown-it reads it: not an open fence running to the end
    assert parse_script("## A\n\n> ```\n> code\n\nNarration: Words.\n", "script.md")[1] == []
