"""The command line as a teacher and CI use it: exit codes, messages, --json, new, clean."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from conftest import LESSON_YAML
from pipeline.lesson.loader import load_lesson


def microlearn(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_check_exits_1_and_names_every_problem(lesson_dir, tmp_path):
    lesson_dir(slug="good")
    lesson_dir(LESSON_YAML.replace("language: en", "language: english").replace("licence", "license"), slug="bad")
    done = microlearn("check", cwd=tmp_path)
    assert done.returncode == 1
    assert "content/bad/lesson.yaml:2:11: language: 'english' is not one of en, ru, ko — did you mean 'en'? write one of: en, ru, ko" in done.stderr
    assert "content/bad/lesson.yaml:8:1: license: unknown key 'license' — did you mean 'licence'?" in done.stderr
    assert "2 lessons checked, 1 failed" in done.stderr


def test_check_json(lesson_dir, tmp_path):
    lesson_dir(slug="good")
    done = microlearn("check", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["command"] == "check" and document["ok"] is True
    assert [(l["slug"], l["status"]) for l in document["lessons"]] == [("good", "valid")]


def test_check_of_an_empty_content_folder_says_how_to_start(tmp_path):
    (tmp_path / "content").mkdir()
    done = microlearn("check", cwd=tmp_path)
    assert done.returncode == 0
    assert "no lessons found" in done.stderr and "make new LESSON=my-lesson LANG=en" in done.stderr


def test_new_refuses_bad_names_and_existing_folders(tmp_path, lesson_dir):
    lesson_dir(slug="taken")
    bad = microlearn("new", "My Lesson", cwd=tmp_path)
    assert bad.returncode == 2
    assert "microlearn: 'My Lesson' is not a valid lesson name — folder names use Latin letters a–z, digits and dashes; try: my-lesson" in bad.stderr
    cyrillic = microlearn("new", "мой-урок", cwd=tmp_path)
    assert cyrillic.returncode == 2 and "try: moj-urok" in cyrillic.stderr
    korean = microlearn("new", "첫-수업", cwd=tmp_path)
    assert korean.returncode == 2 and "try: cheot-sueop" in korean.stderr
    nothing = microlearn("new", "!!!", cwd=tmp_path)
    assert nothing.returncode == 2 and "use lower-case letters, digits and dashes, e.g. first-teacher-video" in nothing.stderr
    taken = microlearn("new", "taken", cwd=tmp_path)
    assert taken.returncode == 2 and "already exists" in taken.stderr
    lang = microlearn("new", "fine", "--lang", "fr", cwd=tmp_path)
    assert lang.returncode == 2 and "language 'fr' is not supported — use one of: en, ru, ko" in lang.stderr
    korean = microlearn("new", "fine", "--lang", "kr", cwd=tmp_path)
    assert korean.returncode == 2 and "language 'kr' is not supported — did you mean 'ko'? use one of: en, ru, ko" in korean.stderr
    assert not (tmp_path / "content" / "fine").exists()


def test_new_scaffolds_a_valid_lesson_in_every_language(tmp_path):
    for language in ("en", "ru", "ko"):
        done = microlearn("new", f"lesson-{language}", "--lang", language, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        lesson = load_lesson(tmp_path / "content" / f"lesson-{language}")
        assert lesson.language == language
        assert "#" in (tmp_path / "content" / f"lesson-{language}" / "lesson.yaml").read_text()  # comments that teach
        assert yaml.safe_load((tmp_path / "content" / f"lesson-{language}" / "lesson.yaml").read_text())["language"] == language
    assert sorted(p.name for p in (tmp_path / "content").iterdir()) == ["lesson-en",
            "lesson-ko", "lesson-ru"]  # no staging left


def test_clean_removes_outputs(tmp_path):
    (tmp_path / "build" / "x").mkdir(parents=True)
    (tmp_path / "build" / "x" / "f").write_text("1")
    done = microlearn("clean", cwd=tmp_path)
    assert done.returncode == 0
    assert [p.name for p in (tmp_path / "build").iterdir()] in ([], [".lock"])


def test_approve_says_what_is_missing_in_the_answers_before_building_anything(lesson_dir, tmp_path):
    lesson_dir(slug="good")
    (tmp_path / "answers.yaml").write_text("accuracy: {ok: true}\nprivacy: {ok: false}\n", encoding="utf-8")
    done = microlearn("approve", "good", "--reviewer", "Kim Minji", "--key", str(tmp_path / "no.key"), "--answers",
                      "answers.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "'privacy' (Privacy) is not confirmed — fix the lesson first" in done.stderr
    assert "'tone' (Tone) is not answered" in done.stderr
    assert not (tmp_path / "build").exists()  # nothing was built for an approval that cannot be given


def test_approve_asks_on_a_terminal_and_takes_yes_in_every_language(monkeypatch):
    """A reviewer answering in Russian or Korean on the terminal confirms the items they say yes to."""
    import io

    from pipeline import cli
    from pipeline.signoff.checklist import ChecklistError, load_checklist, validate_answers

    items = load_checklist()
    replies = iter(["да", "", "예", "checked the faces", "Yes", "", "д", "", "네", ""] + ["y", ""] * len(items))
    stdin = io.StringIO()
    stdin.isatty = lambda: True
    monkeypatch.setattr("sys.stdin", stdin)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(replies))
    answers = cli._ask_answers(items)
    assert set(answers) == {i.id for i in items} and all(a["ok"] for a in answers.values())
    assert validate_answers(items, answers)[items[1].id]["note"] == "checked the faces"
    replies = iter(["нет", ""] + ["y", ""] * len(items))
    with pytest.raises(ChecklistError, match="is not confirmed"):
        validate_answers(items, cli._ask_answers(items))
