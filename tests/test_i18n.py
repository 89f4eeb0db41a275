"""Every message in en, ru and ko, kept complete: the catalogs against the code, placeholders,
golden messages of the common mistakes in each language, language selection, --json codes, and
Korean web text that breaks between words (checked in Chromium)."""
from __future__ import annotations

import json
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from conftest import LESSON_YAML, ROOT, make_image, make_video
from pipeline.errors import LessonError
from pipeline.i18n import LOCALE_DIR, _, locale_language, message_code, normalise, suggest, use_language
from pipeline.lesson.loader import load_lesson

TRANSLATED = ("ru", "ko")


def catalog(language: str):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "microlearn.po", "rb") as handle:
        return read_po(handle, locale=language)


def ids(messages) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in messages if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The messages the code and templates use now, extracted as `make messages` does."""
    pot = tmp_path_factory.mktemp("pot") / "microlearn.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg", "-k", "_", "-k", "N_",
                    "-k", "_n:1,2", "--no-location", "--sort-output", "--omit-header", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as handle:
        return ids(read_po(handle))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language, extracted):
    po = catalog(language)
    missing = sorted(extracted - ids(po))
    assert not missing, f"{len(missing)} message(s) not in the {language} catalog — run: make messages, then translate: {missing[:5]}"
    untranslated, fuzzy = [], []
    for message in po:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"untranslated in {language}: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy in {language} (check and clear the flag): {fuzzy[:5]}"
    assert not po.fuzzy and po.num_plurals == {"ru": 3, "ko": 1}[language]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_match(language):
    wrong = []
    for message in catalog(language):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(_fields(s) for s in sources)) - {"n"}
        for text in strings:
            try:
                found = _fields(text) - {"n"}
            except ValueError as exc:  # a lone brace
                wrong.append((sources[0], str(exc)))
                continue
            if found != expected:
                wrong.append((sources[0], f"{sorted(found)} != {sorted(expected)}"))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("language", TRANSLATED)
def test_committed_mo_is_compiled_from_the_po(language, tmp_path):
    compiled = tmp_path / "microlearn.mo"
    with open(compiled, "wb") as handle:
        write_mo(handle, catalog(language))
    committed = LOCALE_DIR / language / "LC_MESSAGES" / "microlearn.mo"
    assert committed.read_bytes() == compiled.read_bytes(), "the .mo is out of date — run: make messages"


def problems(folder, language: str) -> list[str]:
    with use_language(language), pytest.raises(LessonError) as caught:
        load_lesson(folder)
    return [str(d).replace(str(folder), "L") for d in caught.value.diagnostics]


GOLDEN = {
    "unknown-key": {
        "en": "L/lesson.yaml:6:1: rubrik: unknown key 'rubrik' — did you mean 'rubric'?",
        "ru": "L/lesson.yaml:6:1: rubrik: неизвестный ключ 'rubrik' — может быть, 'rubric'?",
        "ko": "L/lesson.yaml:6:1: rubrik: 모르는 키 'rubrik' — 'rubric'을(를) 쓰려고 했나요?",
    },
    "missing-file": {
        "en": "L/lesson.yaml:21:11: sequence[2].file: file 'media/intro.mp4' does not exist — did you mean 'media/intro.mov'?",
        "ru": "L/lesson.yaml:21:11: sequence[2].file: файла 'media/intro.mp4' нет — может быть, 'media/intro.mov'?",
        "ko": "L/lesson.yaml:21:11: sequence[2].file: 'media/intro.mp4' 파일이 없습니다 — 'media/intro.mov'을(를) 쓰려고 했나요?",
    },
    "trim-past-end": {
        "en": "L/lesson.yaml:23:10: sequence[2].end: end 00:31 is past the clip's length 00:02 — shorten it or pick another clip",
        "ru": "L/lesson.yaml:23:10: sequence[2].end: конец 00:31 дальше длины фрагмента 00:02 — сократите или выберите другой фрагмент",
        "ko": "L/lesson.yaml:23:10: sequence[2].end: 끝 00:31이(가) 영상 조각 길이 00:02보다 깁니다 — 줄이거나 다른 영상 조각을 고르세요",
    },
    "bad-language": {
        "en": "L/lesson.yaml:2:11: language: 'kr' is not one of en, ru, ko — did you mean 'ko'? write one of: en, ru, ko",
        "ru": "L/lesson.yaml:2:11: language: 'kr' — допустимо только одно из: en, ru, ko — может быть, 'ko'? допустимо: en, ru, ko",
        "ko": "L/lesson.yaml:2:11: language: 'kr'은(는) 쓸 수 없는 값입니다. 가능한 값: en, ru, ko — 'ko'을(를) 쓰려고 했나요? 쓸 수 있는 값: en, ru, ko",
    },
}


def _mistake(lesson_dir, kind: str):
    if kind == "unknown-key":
        return lesson_dir(LESSON_YAML.replace("rubric:", "rubrik:"))
    if kind == "missing-file":
        folder = lesson_dir(LESSON_YAML.replace("  - type: end", "  - type: clip\n    file: media/intro.mp4\n  - type: end"))
        (folder / "media" / "intro.mov").write_bytes(b"")
        return folder
    if kind == "trim-past-end":
        folder = lesson_dir(LESSON_YAML.replace("  - type: end", "  - type: clip\n    file: media/intro.mp4\n    start: 00:01\n    end: 00:31\n  - type: end"))
        make_video(folder / "media" / "intro.mp4", seconds=2, size="64x64")
        return folder
    return lesson_dir(LESSON_YAML.replace("language: en", "language: kr"))


@pytest.mark.media  # the trim is checked against a real (generated) clip's length
@pytest.mark.parametrize("kind", sorted(GOLDEN))
def test_golden_messages_of_common_mistakes(lesson_dir, kind):
    folder = _mistake(lesson_dir, kind)
    for language, expected in GOLDEN[kind].items():
        assert problems(folder, language) == [expected], language


def test_message_codes_are_stable_and_language_neutral():
    with use_language("ko"):
        text = _("unknown key '{key}'", key="rubrik")
    assert text == "모르는 키 'rubrik'"
    assert (text.code, text.msgid, text.params) == ("unknown-key", "unknown key '{key}'", {"key": "rubrik"})
    assert message_code("file '{value}' does not exist") == "file-does-not-exist"
    assert message_code("end {end} is past the clip's length {length}") == "end-is-past-the-clip-s-length"


def test_interface_language_from_the_environment():
    assert locale_language({}) == "en"
    assert locale_language({"LANG": "ru_RU.UTF-8"}) == "ru"
    assert locale_language({"LANG": "ko_KR.UTF-8", "LC_MESSAGES": "ru_RU.UTF-8"}) == "ru"
    assert locale_language({"LC_ALL": "C.UTF-8", "LANG": "ru_RU.UTF-8"}) == "en"
    assert locale_language({"LANGUAGE": "de:ko", "LANG": "ru_RU.UTF-8"}) == "ko"
    assert locale_language({"LANG": "de_DE.UTF-8"}) == "en"
    assert locale_language({"MICROLEARN_LANG": "ko", "LANG": "ru_RU.UTF-8"}) == "ko"
    assert (normalise("ru_RU.UTF-8"), normalise("kr"), suggest("kr"), suggest("Russian")) == ("ru", None, "ko", "ru")


def microlearn(*args, cwd, **env):
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("MICROLEARN_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=environ)


def test_cli_speaks_the_locale_and_lang_overrides_it(lesson_dir, tmp_path):
    lesson_dir(LESSON_YAML.replace("rubric:", "rubrik:"), slug="bad")
    russian = microlearn("check", cwd=tmp_path, LANG="ru_RU.UTF-8")
    assert "content/bad/lesson.yaml:6:1: rubrik: неизвестный ключ 'rubrik' — может быть, 'rubric'?" in russian.stderr
    assert "Проверен 1 урок, с ошибками: 1" in russian.stderr
    korean = microlearn("--lang", "ko", "check", cwd=tmp_path, LANG="ru_RU.UTF-8")
    assert "수업 1개를 검사했습니다. 실패: 1" in korean.stderr
    english = microlearn("check", cwd=tmp_path, LANG="ru_RU.UTF-8", MICROLEARN_LANG="en")
    assert "1 lesson checked, 1 failed" in english.stderr
    wrong = microlearn("--lang", "kr", "check", cwd=tmp_path, LANG="C")
    assert wrong.returncode == 2 and "language 'kr' is not supported — did you mean 'ko'? use one of: en, ru, ko" in wrong.stderr


def test_json_carries_codes_beside_the_translated_text(lesson_dir, tmp_path):
    lesson_dir(LESSON_YAML.replace("rubric:", "rubrik:"), slug="bad")
    documents = {lang: json.loads(microlearn("check", "--json", cwd=tmp_path, MICROLEARN_LANG=lang).stdout) for lang in ("en", "ko")}
    errors = {lang: doc["lessons"][0]["errors"][0] for lang, doc in documents.items()}
    assert errors["en"]["code"] == errors["ko"]["code"] == "unknown-key"
    assert (errors["en"]["message"], errors["ko"]["message"]) == ("unknown key 'rubrik'", "모르는 키 'rubrik'")
    assert {k: v for k, v in errors["en"].items() if k not in ("message", "hint")} == {k: v for k, v in errors["ko"].items() if k not in ("message", "hint")}


def test_new_lesson_follows_the_language_and_its_comments_too(tmp_path):
    made = microlearn("new", "pervyj-urok", cwd=tmp_path, LANG="ru_RU.UTF-8")
    assert made.returncode == 0, made.stderr
    text = (tmp_path / "content" / "pervyj-urok" / "lesson.yaml").read_text(encoding="utf-8")
    assert "language: ru" in text and "# Строки, начинающиеся с #, — заметки для вас: программа их не читает." in text
    assert load_lesson(tmp_path / "content" / "pervyj-urok").language == "ru"
    korean = microlearn("new", "cheot-sueop", "--lang", "ko", cwd=tmp_path, LANG="C")
    assert korean.returncode == 0, korean.stderr
    assert "# #으로 시작하는 줄은 나를 위한 메모입니다." in (tmp_path / "content" / "cheot-sueop" / "lesson.yaml").read_text(encoding="utf-8")


KOREAN = "교사 크리에이터가 휴대폰으로 찍은 짧은 수업 영상을 포털에 올리기 전에 검토자가 꼼꼼하게 확인합니다"


def _word_lines(page, selector: str) -> list[int]:
    """How many line boxes each space-separated word of the element's text occupies."""
    return page.evaluate("""(selector) => {
        const node = document.querySelector(selector).firstChild;
        const counts = [];
        let start = 0;
        for (const word of node.textContent.split(' ')) {
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + word.length);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            counts.push(tops.size);
            start += word.length + 1;
        }
        return counts;
    }""", selector)


@pytest.mark.browser
def test_korean_web_text_breaks_between_words_not_inside_them(tmp_path, browser_page):
    from pipeline.publish.catalog import render
    from pipeline.publish.config import Site

    entry = {"lesson": "suup", "version": "1", "digest": "ab" * 32, "target": "share", "time": "2026-11-22T08:00:00Z", "sha256": "cd" * 32,
             "meta": {"title": KOREAN, "language": "ko", "rubric": "교사 크리에이터", "tags": ["영상"], "school": "경기 중학교", "licence": "CC-BY-4.0",
                      "authors": [{"name": "김민지", "school": ""}], "objectives": ["짧은 영상"], "duration": 60.0, "bundle": "bundles/suup-v1.zip",
                      "thumbnail": "thumbnails/suup-v1.jpg", "bytes": 1000}}
    for rel, data in render([entry], Site("수업 모음", "", "ko")).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    make_image(tmp_path / "thumbnails" / "suup-v1.jpg", size="320x180")
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto((tmp_path / "index.html").as_uri())
    title = "article#suup h2"
    assert page.evaluate("document.documentElement.lang") == "ko"
    assert page.locator("p.total").inner_text() == "수업 1개"
    page.add_style_tag(content="article h2 { width: 150px; }")  # a phone-narrow heading: several lines
    style = page.evaluate(f"getComputedStyle(document.querySelector('{title}'))")
    assert (style["wordBreak"], style["overflowWrap"]) == ("keep-all", "break-word")
    kept = _word_lines(page, title)
    assert len(kept) == len(KOREAN.split()) and max(kept) == 1, kept
    assert page.locator(title).evaluate("e => e.getClientRects()[0].height") > 2 * 16  # it does wrap, between words
    # the same text without the rule breaks inside words: the measurement can tell the difference
    page.add_style_tag(content=":lang(ko) { word-break: normal !important; }")
    assert max(_word_lines(page, title)) == 2
    assert page.problems == []


def test_review_player_transcript_and_catalog_styles_keep_korean_words_whole():
    for rel in ("templates/review/index.html.j2", "templates/player/player.css", "templates/transcript.html.j2", "templates/catalog/style.css"):
        assert ":lang(ko) { word-break: keep-all; overflow-wrap: break-word; }" in (ROOT / rel).read_text(encoding="utf-8"), rel
