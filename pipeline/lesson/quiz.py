"""Knowledge checks in the script: a card section that asks one question.

A quiz section's card text is a ``Question:`` line (``Вопрос:``, ``질문:``), its answers as a task
list (``- [x]`` marks a right answer, ``- [ ]`` a wrong one), an optional feedback line under each
answer (indented ``> ...``) and an optional ``Explanation:`` (``Пояснение:``, ``해설:``). One right
answer makes a single-choice question, several a multiple-choice one; two answers that are the
language's words for true and false make a true/false question. docs/lesson-format.md has an example.

The question becomes a pause card in the video (the question, then after a beat the answer) and an
interactive question in the player, which scores it for the portal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.i18n import _, _n
from pipeline.errors import Diagnostic

QUESTION_MARKERS = ("question:", "вопрос:", "질문:", "문제:")
EXPLANATION_MARKERS = ("explanation:", "пояснение:", "объяснение:", "해설:", "설명:")
# The words a true/false question's two answers are written with, per language (compared casefolded,
# without final punctuation).
TRUE_WORDS = frozenset({"true", "верно", "правда", "да", "맞다", "맞음", "참", "o", "예"})
FALSE_WORDS = frozenset({"false", "неверно", "ложь", "нет", "틀리다", "틀림", "거짓", "x", "아니요"})
MAX_ANSWERS = 8

_OPTION = re.compile(r"^(?P<indent> {0,3})[-*+][ \t]+\[(?P<mark>[ xXхХ])\][ \t]*(?P<text>.*)$")
_LOOSE_OPTION = re.compile(r"^ {0,3}[-*+][ \t]+")
_FEEDBACK = re.compile(r"^(?: {2,}|\t)>[ \t]?(?P<text>.*)$")


@dataclass(frozen=True)
class Answer:
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Quiz:
    """One question: its kind (``single``, ``multiple``, ``true-false``), answers and explanation."""

    question: str
    kind: str
    answers: tuple[Answer, ...]
    explanation: str = ""
    line: int = 0

    @property
    def correct(self) -> tuple[int, ...]:
        """Indexes of the right answers."""
        return tuple(i for i, answer in enumerate(self.answers) if answer.correct)

    def as_dict(self) -> dict:
        return {"question": self.question, "kind": self.kind, "explanation": self.explanation,
                "answers": [{"text": a.text, "correct": a.correct, "feedback": a.feedback} for a in self.answers]}


def is_quiz(lines: list[str]) -> bool:
    """Whether a section's card text is a question (it has a ``Question:`` line)."""
    return any(_marker(line, QUESTION_MARKERS) is not None for line in lines)


def _marker(line: str, markers: tuple[str, ...]) -> str | None:
    stripped = line.strip().casefold()
    return next((m for m in markers if stripped.startswith(m)), None)


def parse_quiz(lines: list[tuple[int, str]], file: str, title: str) -> tuple[Quiz | None, list[Diagnostic]]:
    """Read a quiz from a section's card lines (``(line number, text)`` pairs, 1-based).

    Returns the quiz (None when it is unusable) and every problem found, each at its line.
    """
    problems: list[Diagnostic] = []
    question, question_line, explanation = "", 0, ""
    answers: list[dict] = []
    state = "start"  # start -> question -> answers -> explanation
    for number, line in lines:
        if not line.strip():
            continue
        if _marker(line, QUESTION_MARKERS) is not None:
            if question_line:
                problems.append(Diagnostic(file, number, 1, "",
                                           _("card '{title}' asks a second question (the first is on line {line})", title=title, line=question_line),
                                           _("ask one question per card: start another '## Heading' section for the next question")))
                continue
            question_line, state = number, "question"
            question = _after_marker(line)
            continue
        if _marker(line, EXPLANATION_MARKERS) is not None:
            explanation, state = _after_marker(line), "explanation"
            continue
        option = _OPTION.match(line)
        feedback = _FEEDBACK.match(line)
        if option and state in ("question", "answers"):
            state = "answers"
            text = option.group("text").strip()
            if not text:
                problems.append(Diagnostic(file, number, 1, "", _("an answer is empty"), _("write the answer after '- [ ]' or '- [x]'")))
            answers.append({"text": text, "correct": option.group("mark") != " ", "feedback": "", "line": number})
        elif feedback and state == "answers":
            if answers[-1]["feedback"]:
                answers[-1]["feedback"] += " " + feedback.group("text").strip()
            else:
                answers[-1]["feedback"] = feedback.group("text").strip()
        elif _LOOSE_OPTION.match(line) and state in ("question", "answers"):
            problems.append(Diagnostic(file, number, 1, "", _("an answer needs a box: '- [x]' for a right answer, '- [ ]' for a wrong one"),
                                       _("write it as '- [ ] answer' or '- [x] answer'")))
            state = "answers"
            answers.append({"text": _LOOSE_OPTION.sub("", line).strip(), "correct": False,
                            "feedback": "", "line": number})
        elif state == "question":
            question = f"{question} {line.strip()}".strip()
        elif state == "explanation":
            explanation = f"{explanation} {line.strip()}".strip()
        else:
            stray = (_("text before the question belongs to no part of the question") if state == "start"
                     else _("text after the answers belongs to no part of the question"))
            problems.append(Diagnostic(file, number, 1, "", stray,
                                       _("a question card holds the 'Question:' line, the answers as '- [ ]' / '- [x]', "
                                         "feedback lines '  > ...' under an answer and an 'Explanation:' line")))
    if not question_line:
        return None, problems
    if not question:
        problems.append(Diagnostic(file, question_line, 1, "", _("the question is empty"), _("write the question after 'Question:'")))
    if len(answers) < 2:
        problems.append(Diagnostic(file, question_line, 1, "", _n("the question has {n} answer, it needs at least 2",
                                                                  "the question has {n} answers, it needs at least 2", len(answers)),
                                   _("list the answers under it, one per line: '- [x] right answer', '- [ ] wrong answer'")))
    elif len(answers) > MAX_ANSWERS:
        problems.append(Diagnostic(file, answers[MAX_ANSWERS]["line"], 1, "",
                                   _("the question has {n} answers, at most {max} fit a card", n=len(answers), max=MAX_ANSWERS),
                                   _("keep the answers that matter most")))
    elif not any(a["correct"] for a in answers):
        problems.append(Diagnostic(file, question_line, 1, "", _("no answer is marked right"), _("mark the right answer with '- [x]'")))
    seen: dict[str, int] = {}
    for answer in answers:
        key = answer["text"].casefold()
        if key and key in seen:
            problems.append(Diagnostic(file, answer["line"], 1, "",
                                       _("the answer '{text}' is listed twice (first on line {line})",
                                         text=answer["text"], line=seen[key]), _("list each answer once")))
        seen.setdefault(key, answer["line"])
    if problems:
        return None, problems
    kind = _kind(answers)
    if kind == "true-false" and sum(a["correct"] for a in answers) != 1:
        problems.append(Diagnostic(file, question_line, 1, "",
                                   _("a true/false question needs exactly one right answer"), _("mark either the true or the false answer with '- [x]'")))
        return None, problems
    quiz = Quiz(question, kind, tuple(Answer(a["text"], a["correct"], a["feedback"]) for a in answers),
                explanation, question_line)
    return quiz, problems


def _after_marker(line: str) -> str:
    return line.split(":", 1)[1].strip()


def answer_word(text: str) -> str:
    """An answer as compared with the words for true and false: casefolded, without final . ! 。"""
    return re.sub(r"[.!。]+$", "", text).strip().casefold()


def _kind(answers: list[dict]) -> str:
    words = {answer_word(a["text"]) for a in answers}
    if len(answers) == 2 and len(words & TRUE_WORDS) == 1 and len(words & FALSE_WORDS) == 1:
        return "true-false"
    return "multiple" if sum(a["correct"] for a in answers) > 1 else "single"


LETTERS = "ABCDEFGH"


def question_markdown(quiz: Quiz) -> str:
    """The question card's text: the question and the answers, lettered."""
    lines = [_escape(quiz.question), ""]
    lines += [f"- {LETTERS[i]}. {_escape(a.text)}" for i, a in enumerate(quiz.answers)]
    return "\n".join(lines)


def answer_markdown(quiz: Quiz, right: str) -> str:
    """The answer card's text: the right answers in bold with ``right`` (the theme's word for it)
    after them, the others as they were, then the explanation."""
    lines = [_escape(quiz.question), ""]
    for i, answer in enumerate(quiz.answers):
        text = f"{LETTERS[i]}. {_escape(answer.text)}"
        lines.append(f"- **{text}** — {right}" if answer.correct else f"- {text}")
    if quiz.explanation:
        lines += ["", _escape(quiz.explanation)]
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Teacher text placed into generated markdown stays text (no emphasis, lists or HTML from it)."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)
