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

STATIC = ("player.css", "player.js")
FORMAT_KEYS = {"16:9": "landscape", "9:16": "portrait"}

# The page's own words, in the lesson's language.
STRINGS = {
    "en": {"skip": "Skip to the video", "video": "Video", "formats": "Video shape", "16:9": "Landscape 16:9", "9:16": "Portrait 9:16",
           "captions": "English", "transcript": "Transcript", "transcript_file": "Transcript as a page", "play_from": "Play from",
           "cards": "Cards", "previous": "Previous card", "next": "Next card", "card_of": "Card {i} of {n}",
           "card_picture": "The card '{title}' as a picture", "done": "Completed.", "by": "By"},
    "ru": {"skip": "Перейти к видео", "video": "Видео", "formats": "Форма видео", "16:9": "Горизонтальное 16:9", "9:16": "Вертикальное 9:16",
           "captions": "Русский", "transcript": "Текст видео", "transcript_file": "Текст отдельной страницей", "play_from": "Смотреть с",
           "cards": "Карточки", "previous": "Предыдущая карточка", "next": "Следующая карточка", "card_of": "Карточка {i} из {n}",
           "card_picture": "Карточка «{title}» картинкой", "done": "Пройдено.", "by": "Авторы:"},
    "ko": {"skip": "영상으로 건너뛰기", "video": "영상", "formats": "영상 방향", "16:9": "가로 16:9", "9:16": "세로 9:16",
           "captions": "한국어", "transcript": "대본", "transcript_file": "대본 페이지", "play_from": "여기부터 재생",
           "cards": "카드", "previous": "이전 카드", "next": "다음 카드", "card_of": "카드 {i} / {n}",
           "card_picture": "카드 '{title}' 이미지", "done": "완료했습니다.", "by": "만든 사람:"},
}


@dataclass(frozen=True)
class PlayerInputs:
    """What the page shows, with every file already named by its bundle path."""

    videos: dict[str, str]  # format ("16:9") -> bundle path
    posters: dict[str, str]
    vtt: str | None
    transcript_html: str | None
    cues: list[dict]  # {start, end, lines}
    cards: list[dict]  # {id, title, html, picture, images: [{src, alt}]}
    duration: float


def render(lesson: Lesson, inputs: PlayerInputs, templates: Path) -> bytes:
    """index.html's bytes."""
    words = STRINGS.get(lesson.language, STRINGS["en"])
    formats = [fmt for fmt in ("16:9", "9:16") if fmt in inputs.videos]
    videos = [{"format": fmt, "key": FORMAT_KEYS[fmt], "label": words[fmt], "src": inputs.videos[fmt],
               "poster": inputs.posters.get(fmt, "")} for fmt in formats]
    sources = {v["key"]: {"src": v["src"], "poster": v["poster"]} for v in videos}
    cards = [dict(card, number=words["card_of"].format(i=index, n=len(inputs.cards)),
                  picture_alt=words["card_picture"].format(title=card["title"]))
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
    )
    return text.encode("utf-8")


def static_files(templates: Path) -> dict[str, Path]:
    """The page's script and style sheet: bundle name -> file in templates/player/."""
    return {name: templates / "player" / name for name in STATIC}
