"""Cards a designer would post: on a stress set of the longest texts the lesson format allows, in
English, Russian and Korean, no element of any card in any size overlaps another (and a collision
fails the build naming the card and both elements)."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipeline.cards import STAGE
from pipeline.errors import LessonError
from pipeline.lesson.loader import load_lesson
from pipeline.contracts import Upstream
from pipeline.stage import Context, ObjectStore, Settings

pytestmark = [pytest.mark.media]

YAML = """\
title: "{title}"
language: {language}
authors:
  - name: {author}
rubric: "{rubric}"
licence: CC-BY-4.0
objectives: [x]
audience: teachers
formats: ["16:9", "9:16"]
theme: {theme}
sequence:
  - type: title
    subtitle: "{subtitle}"
  - type: card
    section: a
    duration: 3
  - type: end
    credits: ["{author}"]
"""

# The rubric at its 60-character limit, titles near their 100, headings of long words.
STRESS = {
    "en": dict(rubric="Professional growth for teachers of rural schools: part two",
               title="How to record, edit and publish a short teaching video with a phone",
               subtitle="A practical guide for busy teachers", author="Anna Petrova-Vodkina",
               heading="Internationalisation and accessibility considerations", body="Keep it short."),
    "ru": dict(rubric="Профессиональное развитие учителей сельских школ: часть 2",
               title="Как записать и опубликовать короткое учебное видео с телефона",
               subtitle="Практическое руководство для занятых учителей", author="Анна Петрова-Водкина",
               heading="Высокопроизводительная видеосъёмка на смартфоне", body="Коротко и ясно."),
    "ko": dict(rubric="농어촌 학교 교사를 위한 전문성 개발 프로그램 두 번째 시간: 영상 제작과 배포의 실제 사례와 나눔",
               title="휴대전화와 창문 하나만으로 짧은 수업 영상을 녹화하고 편집하고 게시하는 방법에 대한 실전 안내서",
               subtitle="바쁜 선생님을 위한 실전 안내", author="김민지",
               heading="스마트폰으로 고화질 수업 영상을 촬영하는 방법", body="짧고 분명하게."),
}


def _lesson(base: Path, language: str, theme: str, **override) -> Path:
    fields = {**STRESS[language], **override}
    folder = base / "content" / f"stress-{language}-{theme}"
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "lesson.yaml").write_text(YAML.format(language=language, theme=theme, **fields), encoding="utf-8")
    (folder / "script.md").write_text(f"# {fields['title']}\n\n## {fields['heading']} {{#a}}\n\n{fields['body']}\n", encoding="utf-8")
    return folder


def _run(base: Path, folder: Path, templates: Path | None = None):
    settings = Settings(folder.parent, base / "build") if templates is None else Settings(folder.parent, base / "build", templates=templates)
    lesson = load_lesson(folder, probe_media=False, templates=settings.templates)
    ctx = Context(lesson, settings, base / "build" / lesson.slug, ObjectStore(base / "objects"), Upstream(),
                  logging.getLogger("test.cards"))
    return STAGE.run(ctx)


def test_stress_texts_fit_the_limits():
    for fields in STRESS.values():
        assert len(fields["rubric"]) <= 60 and len(fields["title"]) <= 100


@pytest.mark.parametrize("theme", ["classic", "chalk", "poster"])
@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_no_element_overlaps_another_on_any_card_in_any_size(tmp_path, language, theme):
    result = _run(tmp_path, _lesson(tmp_path, language, theme))
    assert result.cards and {c.id: c.passed for c in result.checks}["cards.fit"]


def test_a_collision_fails_the_build_naming_the_page_and_both_elements(tmp_path):
    import shutil

    from pipeline.settings import default_templates

    templates = tmp_path / "templates"
    shutil.copytree(default_templates(), templates)
    with (templates / "themes/classic/style.css").open("a", encoding="utf-8") as css:
        # the layout before the check existed: the rubric ran under the card number, the circle sat top right
        css.write("\n.top .rubric { margin-right: 0; }\n.decor .corner { right: -230px; top: -230px; bottom: auto; width: 520px; height: 520px; }\n")
    with pytest.raises(LessonError) as caught:
        _run(tmp_path, _lesson(tmp_path, "ru", "classic"), templates)
    lines = [line.split("content/")[1] for line in str(caught.value).splitlines()]
    assert "stress-ru-classic/lesson.yaml: rubric: card page 01 as social card (1080x1350): the rubric 'ПРОФЕССИОНАЛЬНОЕ РАЗВИТИЕ УЧИТЕ…' " \
           "overlaps the card number '01' — shorten the rubric in lesson.yaml (or report it: the theme 'classic' should make room)" in lines
    assert "stress-ru-classic/script.md:3:1: section 'a': card page 01 as social card (1080x1350): the heading 'Высокопроизводи‐' " \
           "overlaps the decorative circle — shorten the heading or the text (or report it: the theme 'classic' should make room)" in lines, lines
