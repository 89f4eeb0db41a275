"""The launch page inside the bundle (index.html): video, captions, transcript and cards.

Rendered with jinja2 from templates/player/; the script and style sheet beside the template are
copied as they are. Everything the page shows comes from the upstream stages' results, with each
file named by its path inside the bundle.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.timefmt import minutes
from pipeline.lesson.model import Lesson
from pipeline.templates import environment

STATIC = ("player.css", "player.js", "cmi5.js")
FORMAT_KEYS = {"16:9": "landscape", "9:16": "portrait"}

# The page's own words, in the lesson's language.
STRINGS = {
    "en": {"skip": "Skip to the video", "video": "Video", "formats": "Video shape", "16:9": "Landscape 16:9",
           "9:16": "Portrait 9:16",
           "captions": "English", "transcript": "Transcript", "transcript_file": "Transcript as a page",
           "play_from": "Play from",
           "cards": "Cards", "previous": "Previous card", "next": "Next card", "card_of": "Card {i} of {n}",
           "card_picture": "The card '{title}' as a picture", "done": "Completed.", "by": "By",
           "choose_one": "Choose one answer.", "choose_all": "Choose every right answer.", "check": "Check the answer",
           "try_again": "Try again", "right": "Right.", "wrong": "Not quite.", "pick_first": "Choose an answer first.",
           "explanation": "Why:", "score": "Your score: {score}%.", "passed": "Passed.",
           "failed": "Not passed yet: try the questions again.",
           "quiz_left": "Answer the questions to finish."},
    "ru": {"skip": "Перейти к видео", "video": "Видео", "formats": "Форма видео", "16:9": "Горизонтальное 16:9",
           "9:16": "Вертикальное 9:16",
           "captions": "Русский", "transcript": "Текст видео", "transcript_file": "Текст отдельной страницей",
           "play_from": "Смотреть с",
           "cards": "Карточки", "previous": "Предыдущая карточка",
           "next": "Следующая карточка", "card_of": "Карточка {i} из {n}",
           "card_picture": "Карточка «{title}» картинкой", "done": "Пройдено.", "by": "Авторы:",
           "choose_one": "Выберите один ответ.", "choose_all": "Выберите все верные ответы.",
           "check": "Проверить ответ",
           "try_again": "Попробовать ещё раз", "right": "Верно.", "wrong": "Не совсем так.",
           "pick_first": "Сначала выберите ответ.",
           "explanation": "Почему:", "score": "Ваш результат: {score}%.", "passed": "Зачтено.",
           "failed": "Пока не зачтено: ответьте на вопросы ещё раз.",
           "quiz_left": "Чтобы завершить урок, ответьте на вопросы."},
    "ko": {"skip": "영상으로 건너뛰기", "video": "영상", "formats": "영상 방향", "16:9": "가로 16:9", "9:16": "세로 9:16",
           "captions": "한국어", "transcript": "대본", "transcript_file": "대본 페이지", "play_from": "여기부터 재생",
           "cards": "카드", "previous": "이전 카드", "next": "다음 카드", "card_of": "카드 {i} / {n}",
           "card_picture": "카드 '{title}' 이미지", "done": "완료했습니다.", "by": "만든 사람:",
           "choose_one": "답을 하나 고르세요.", "choose_all": "맞는 답을 모두 고르세요.", "check": "정답 확인",
           "try_again": "다시 풀기", "right": "정답입니다.", "wrong": "아쉽지만 틀렸습니다.", "pick_first": "먼저 답을 고르세요.",
           "explanation": "해설:", "score": "점수: {score}%.", "passed": "통과했습니다.",
           "failed": "아직 통과하지 못했습니다. 문제를 다시 풀어 보세요.",
           "quiz_left": "문제를 풀면 학습이 끝납니다."},
}


@dataclass(frozen=True)
class PlayerInputs:
    """What the page shows, with every file already named by its bundle path."""

    videos: dict[str, str]  # format ("16:9") -> bundle path
    posters: dict[str, str]
    vtt: str | None
    transcript_html: str | None
    cues: list[dict]  # {start, end, lines}
    cards: list[dict]  # {id, title, html, picture, images: [{src, alt}], quiz: Quiz.as_dict() or None}
    duration: float


def render(lesson: Lesson, inputs: PlayerInputs, templates: Path) -> bytes:
    """index.html's bytes."""
    words = STRINGS.get(lesson.language, STRINGS["en"])
    formats = [fmt for fmt in ("16:9", "9:16") if fmt in inputs.videos]
    videos = [{"format": fmt, "key": FORMAT_KEYS[fmt], "label": words[fmt], "src": inputs.videos[fmt],
               "poster": inputs.posters.get(fmt, "")} for fmt in formats]
    sources = {v["key"]: {"src": v["src"], "poster": v["poster"]} for v in videos}
    cards = [dict(card, number=words["card_of"].format(i=index, n=len(inputs.cards)),
                  picture_alt=words["card_picture"].format(title=card["title"]), quiz=_question(card.get("quiz")))
             for index, card in enumerate(inputs.cards, start=1)]
    cues = [dict(cue, clock=minutes(cue["start"]), text=" ".join(cue["lines"])) for cue in inputs.cues]
    text = environment(templates / "player").get_template("index.html.j2").render(
        lesson=lesson,
        authors=", ".join(a.name for a in lesson.authors),
        words=words,
        videos=videos,
        sources_json=json.dumps(sources, sort_keys=True, separators=(",", ":")),
        vtt=inputs.vtt,
        transcript_html=inputs.transcript_html,
        cues=cues,
        cards=cards,
        duration=round(inputs.duration, 3),
        mastery=lesson.mastery,
        questions=sum(1 for card in cards if card["quiz"]),
    )
    return text.encode("utf-8")


def _question(quiz: dict | None) -> dict | None:
    """A question as the page asks it: SCORM 1.2 interaction type, and the right answers' letters
    (the ``choice`` response format is single letters a-z; true/false is t or f)."""
    if not quiz:
        return None
    from pipeline.lesson.quiz import TRUE_WORDS, answer_word

    def key(index: int, answer: dict) -> str:
        if quiz["kind"] == "true-false":  # t and f name the true and the false answer, in whichever order they were written
            return "t" if answer_word(answer["text"]) in TRUE_WORDS else "f"
        return "abcdefgh"[index]

    answers = [dict(a, key=key(i, a)) for i, a in enumerate(quiz["answers"])]
    correct = ",".join(a["key"] for a in answers if a["correct"])
    return dict(quiz, answers=answers, correct=correct,
                scorm_type="true-false" if quiz["kind"] == "true-false" else "choice")


def static_files(templates: Path) -> dict[str, Path]:
    """The page's script and style sheet: bundle name -> file in templates/player/."""
    return {name: templates / "player" / name for name in STATIC}
