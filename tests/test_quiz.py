"""Knowledge checks in the script: the question format, its kinds and every mistake's message (pure)."""
from __future__ import annotations

import textwrap

import pytest

from pipeline.lesson.quiz import answer_markdown, question_markdown
from pipeline.lesson.script import parse_script

def parse(text: str):
    return parse_script(textwrap.dedent(text), "content/x/script.md")


def messages(text: str) -> list[str]:
    return [str(d) for d in sorted(parse(text)[1])]


def test_single_choice_with_feedback_and_explanation():
    sections, problems = parse("""\
        ## Check yourself {#check}

        Question: Which shape fills a phone
        held upright?

        - [ ] 16:9
          > Landscape leaves most of an upright phone empty.
        - [x] 9:16
          > Right: vertical video fills the screen.
          > Feeds show it full screen.

        Explanation: Social feeds show vertical video full screen.

        Narration: Which shape fills a phone held upright?
        """)
    assert problems == []
    [section] = sections
    quiz = section.quiz
    assert quiz.kind == "single" and quiz.correct == (1,) and quiz.line == 3
    assert quiz.question == "Which shape fills a phone held upright?"
    assert [(a.text, a.correct, a.feedback) for a in quiz.answers] == [
        ("16:9", False, "Landscape leaves most of an upright phone empty."),
        ("9:16", True, "Right: vertical video fills the screen. Feeds show it full screen."),
    ]
    assert quiz.explanation == "Social feeds show vertical video full screen."
    assert section.narration == "Which shape fills a phone held upright?"
    # the card shows the question and the lettered answers, never which one is right
    assert section.body == "Which shape fills a phone held upright?\n\n- A. 16:9\n- B. 9:16"


def test_several_right_answers_make_a_multiple_choice_question():
    [section], problems = parse("""\
        ## Good light {#light}
        Question: What gives good light?
        - [x] A window in front of you
        - [X] A desk lamp behind the phone
        - [ ] A window behind you
        """)
    assert problems == [] and section.quiz.kind == "multiple" and section.quiz.correct == (0, 1)


@pytest.mark.parametrize("true, false, mark_true", [("True", "False", " "), ("Верно", "Неверно", "х"), ("참", "거짓", "x")])
def test_true_false_in_each_language(true, false, mark_true):
    # a Russian keyboard's Cyrillic х marks a right answer too
    mark_false = "x" if mark_true == " " else " "
    [section], problems = parse(f"""\
        ## Claim {{#claim}}
        Вопрос: One hand is enough.
        - [{mark_true}] {true}
        - [{mark_false}] {false}.
        """)
    assert problems == []
    assert section.quiz.kind == "true-false"
    assert section.quiz.correct == ((0,) if mark_true != " " else (1,))


def test_korean_and_russian_markers():
    [ko, ru], problems = parse("""\
        ## 확인 {#ko}
        질문: 세로 영상의 비율은?
        - [x] 9:16
        - [ ] 16:9
        해설: 휴대폰 화면을 가득 채웁니다.

        ## Проверка {#ru}
        Вопрос: Какой формат у вертикального видео?
        - [ ] 16:9
        - [x] 9:16
        Пояснение: Оно заполняет экран телефона.
        """)
    assert problems == []
    assert ko.quiz.explanation == "휴대폰 화면을 가득 채웁니다." and ru.quiz.explanation == "Оно заполняет экран телефона."


def test_every_mistake_is_reported_at_its_line():
    assert messages("""\
        ## Broken {#broken}
        Some words first.
        Question:
        - one
        - [ ] two
        - [ ] two
        Question: again?
        """) == [
        "content/x/script.md:2:1: text before the question belongs to no part of the question — a question card holds the 'Question:' line, "
        "the answers as '- [ ]' / '- [x]', feedback lines '  > ...' under an answer and an 'Explanation:' line",
        "content/x/script.md:3:1: no answer is marked right — mark the right answer with '- [x]'",
        "content/x/script.md:3:1: the question is empty — write the question after 'Question:'",
        "content/x/script.md:4:1: an answer needs a box: '- [x]' for a right answer, '- [ ]' for a wrong one — write it as '- [ ] answer' or '- [x] answer'",
        "content/x/script.md:6:1: the answer 'two' is listed twice (first on line 5) — list each answer once",
        "content/x/script.md:7:1: card 'Broken' asks a second question (the first is on line 3) — ask one question per card: "
        "start another '## Heading' section for the next question",
    ]


def test_too_few_answers_and_a_true_false_with_two_right():
    assert messages("""\
        ## One {#one}
        Question: Only one answer?
        - [x] Yes

        ## Both {#both}
        Question: Both right?
        - [x] True
        - [x] False
        """) == [
        "content/x/script.md:2:1: the question has 1 answer, it needs at least 2 — list the answers under it, one per line: "
        "'- [x] right answer', '- [ ] wrong answer'",
        "content/x/script.md:6:1: a true/false question needs exactly one right answer — mark either the true or the false answer with '- [x]'",
    ]


def test_too_many_answers():
    answers = "\n".join(f"- [{'x' if i == 0 else ' '}] answer {i}" for i in range(9))
    assert messages(f"## Many {{#many}}\nQuestion: Which?\n{answers}\n") == [
        "content/x/script.md:11:1: the question has 9 answers, at most 8 fit a card — keep the answers that matter most"]


def test_teacher_text_stays_text_on_the_generated_cards():
    [section], _ = parse("""\
        ## Marks {#marks}
        Question: Is *this* <b>bold</b>?
        - [x] **Yes**
        - [ ] # no
        Explanation: Because `code`.
        """)
    assert question_markdown(section.quiz) == "Is \\*this\\* \\<b\\>bold\\</b\\>?\n\n- A. \\*\\*Yes\\*\\*\n- B. \\# no"
    assert answer_markdown(section.quiz, "right answer") == (
        "Is \\*this\\* \\<b\\>bold\\</b\\>?\n\n- **A. \\*\\*Yes\\*\\*** — right answer\n- B. \\# no\n\nBecause \\`code\\`.")


def test_mastery_is_validated_in_lesson_yaml(tmp_path):
    from pipeline.errors import LessonError
    from pipeline.lesson.loader import load_lesson

    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "script.md").write_text("## A {#a}\nQuestion: Yes?\n- [x] Yes\n- [ ] No\nNarration: Yes or no?\n", encoding="utf-8")
    yaml = ("title: T\nlanguage: en\nauthors: [A]\nrubric: R\nlicence: CC0-1.0\nobjectives: [o]\naudience: a\n"
            "mastery: {}\nsequence:\n  - type: card\n    section: a\n")
    (folder / "lesson.yaml").write_text(yaml.format(150), encoding="utf-8")
    with pytest.raises(LessonError) as caught:
        load_lesson(folder, probe_media=False)
    assert [str(d).split(": ", 1)[1] for d in caught.value.diagnostics] == ["mastery: 150 is outside 1 to 100 — write a whole number from 1 to 100"]
    (folder / "lesson.yaml").write_text(yaml.format(60), encoding="utf-8")
    lesson = load_lesson(folder, probe_media=False)
    assert lesson.mastery == 60 and [s.id for s in lesson.quizzes] == ["a"]
