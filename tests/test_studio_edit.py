"""The studio's edits of lesson.yaml and script.md: what the form changed, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.lesson.loader import load_lesson
from pipeline.studio import document, scriptedit
from pipeline.studio.document import Conflict

EXAMPLE = Path(__file__).resolve().parent.parent / "content" / "first-teacher-video"


@pytest.fixture
def lesson(tmp_path) -> Path:
    root = tmp_path / "first-teacher-video"
    shutil.copytree(EXAMPLE, root)
    return root


def test_unchanged_form_writes_nothing(lesson):
    before = {p: p.read_bytes() for p in lesson.iterdir() if p.is_file()}
    form = document.read(lesson)
    assert document.save(lesson, form) == form["version"]
    assert {p: p.read_bytes() for p in lesson.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("example", ["first-teacher-video", "rubriki-shkolnoj-stranicy", "teacher-creator"])
def test_every_example_round_trips_byte_for_byte(example):
    root = EXAMPLE.parent / example
    files = document.read_files(root)
    form = document.read(root)
    assert document.apply(files.yaml_text, files.script_text, form) == (files.yaml_text, files.script_text)


def test_field_edits_keep_comments_order_and_quotes(lesson):
    form = document.read(lesson)
    form["fields"]["title"] = "Record your first video"
    form["fields"]["objectives"] = form["fields"]["objectives"][:2] + ["Keep it short"]
    form["fields"]["formats"] = ["9:16"]  # the lesson's platforms (vk-clips, ...) all take 9:16
    form["fields"]["authors"][0]["email"] = "team@example.org"
    form["fields"]["school"] = {"name": "School 7"}
    document.save(lesson, form)
    text = (lesson / "lesson.yaml").read_text()
    original = (EXAMPLE / "lesson.yaml").read_text()
    expected = (
        original.replace("title: Record your first teacher video with a phone", "title: Record your first video")
        .replace("  - Keep a video to one idea and under 90 seconds", "  - Keep it short")
        .replace('formats: ["16:9", "9:16"]   #', 'formats: ["9:16"]           #')  # the comment keeps its column
        .replace(
            "    school: Example lessons of the microlearn project\n",
            "    school: Example lessons of the microlearn project\n    email: team@example.org\n",
        )
        .replace("theme: classic\n", "theme: classic\nschool:\n  name: School 7\n")
    )  # a new key where the format documents it
    assert text == expected
    load_lesson(lesson)  # still a valid lesson


def test_card_text_and_narration_edit_only_their_lines(lesson):
    form = document.read(lesson)
    framing = next(s for s in form["sections"] if s["id"] == "framing")
    framing["body"] = "Phone at eye level."
    framing["narration"] = "Put the phone at eye level."
    document.save(lesson, form)
    expected = (
        (EXAMPLE / "script.md")
        .read_text()
        .replace(
            "Phone at eye level. Eyes on the upper grid line. Space at the bottom for captions.", "Phone at eye level."
        )
        .replace(
            "![A phone held upright with the camera grid on: the teacher's eyes are on the upper grid line, and the "
            "bottom of the screen is kept free for captions](media/framing-grid.png)\n\n",
            "",
        )
        .replace(
            "Narration: Put the phone at eye level, on a stack of books or a small tripod. Turn on the camera grid and "
            "keep your eyes on the upper line. Leave some space at the bottom for captions.",
            "Narration: Put the phone at eye level.",
        )
    )
    assert (lesson / "script.md").read_text() == expected
    assert (lesson / "lesson.yaml").read_bytes() == (EXAMPLE / "lesson.yaml").read_bytes()


def test_reorder_remove_and_add_parts(lesson):
    form = document.read(lesson)
    parts = form["parts"]
    assert [p["type"] for p in parts] == ["title", "card", "card", "card", "clip", "card", "card", "card", "end"]
    # swap the first two cards, drop 'checklist', add a new card in its place
    new_parts = [parts[0], parts[2], parts[1], parts[3], parts[4], parts[5],
                 {"index": None, "type": "card", "title": "Try it", "body": "- Record ten seconds",
                  "narration": "Now record ten seconds."},
                 parts[7], parts[8]]
    document.save(lesson, {"version": form["version"], "parts": new_parts})
    yaml_text = (lesson / "lesson.yaml").read_text()
    original = (EXAMPLE / "lesson.yaml").read_text()
    expected = original.replace(
        "  - type: card\n    section: one-idea\n  - type: card\n    section: light-and-sound\n",
        "  - type: card\n    section: light-and-sound\n  - type: card\n    section: one-idea\n",
    ).replace("  - type: card\n    section: checklist\n", "  - type: card\n    section: try-it\n")
    assert yaml_text == expected  # the clip's comments moved with nothing, stayed on their lines
    script = (lesson / "script.md").read_text()
    assert "{#checklist}" not in script
    assert script.endswith("## Try it {#try-it}\n\n- Record ten seconds\n\nNarration: Now record ten seconds.\n")
    lesson_model = load_lesson(lesson)
    assert [getattr(i, "section", None) for i in lesson_model.sequence][1:3] == ["light-and-sound", "one-idea"]


def test_a_save_based_on_an_old_version_is_refused(lesson):
    first_tab = document.read(lesson)
    second_tab = document.read(lesson)
    first_tab["fields"]["title"] = "From the first tab"
    document.save(lesson, first_tab)
    second_tab["fields"]["title"] = "From the second tab"
    with pytest.raises(Conflict) as caught:
        document.save(lesson, second_tab)
    assert str(caught.value) == (
        "first-teacher-video: lesson.yaml or script.md changed since you opened it (in another tab or an editor) "
        "— your change was not saved; reload to see the current text and make it again"
    )
    assert "title: From the first tab" in (lesson / "lesson.yaml").read_text()


def test_retitled_card_keeps_its_id_and_crlf_scripts_stay_crlf():
    text = "## One\r\n\r\nText\r\n\r\nNarration: Said.\r\n"
    edited = scriptedit.set_title(text, "one", "First")
    assert edited == "## First {#one}\r\n\r\nText\r\n\r\nNarration: Said.\r\n"
    assert scriptedit.set_narration(edited, "one", "") == "## First {#one}\r\n\r\nText\r\n"


def test_narration_marker_word_and_russian_text_are_kept():
    text = "## Кто готовит {#kto}\n\nТекст\n\nОзвучка: Старый текст\nпродолжение.\n\n## Next\n\nB\n"
    assert (
        scriptedit.set_narration(text, "kto", "Новый текст.")
        == "## Кто готовит {#kto}\n\nТекст\n\nОзвучка: Новый текст.\n\n## Next\n\nB\n"
    )


def test_a_script_path_outside_the_lesson_is_never_read_or_written(lesson):
    outside = lesson.parent / "outside.md"
    outside.write_text("## Secret {#secret}\n\nNarration: not the lesson's.\n")
    (lesson / "lesson.yaml").write_text((lesson / "lesson.yaml").read_text().replace("theme: classic\n",
            "theme: classic\nscript: ../outside.md\n"))
    form = document.read(lesson)
    assert form["sections"] == []
    document.save(lesson,
                  {"version": form["version"],
                   "sections": [{"id": "secret", "title": "Changed", "body": "x", "narration": "y"}]})
    assert outside.read_text() == "## Secret {#secret}\n\nNarration: not the lesson's.\n"
