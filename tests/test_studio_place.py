"""Which field of the studio's page a `make check` message belongs to."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.build import check
from pipeline.settings import Settings
from pipeline.studio.place import placed, target
from pipeline.studio.watch import lesson_of

EXAMPLE = Path(__file__).resolve().parent.parent / "content" / "first-teacher-video"
SCRIPT = "## One {#one}\n\nText\n\nNarration: Said.\n\n## Two\n\nB\n"


def test_targets_of_yaml_and_script_messages():
    assert (
        target({"file": "content/x/lesson.yaml", "line": 4, "field": "authors[0].name"}, "script.md", SCRIPT)
        == "field:authors[0].name"
    )
    assert target({"file": "content/x/lesson.yaml", "line": 0, "field": ""}, "script.md", SCRIPT) == "lesson"
    assert target({"file": "content/x/script.md", "line": 1}, "script.md", SCRIPT) == "section:one.title"
    assert target({"file": "content/x/script.md", "line": 3}, "script.md", SCRIPT) == "section:one.body"
    # the cards stage names the card when its text does not fit: the text is what to shorten
    assert (
        target({"file": "content/x/script.md", "line": 1, "field": "section 'one'"}, "script.md", SCRIPT)
        == "section:one.body"
    )
    assert target({"file": "content/x/script.md", "line": 5}, "script.md", SCRIPT) == "section:one.narration"
    assert target({"file": "content/x/script.md", "line": 9}, "script.md", SCRIPT) == "section:two.body"
    assert target({"file": "content/x/media/clip.mp4", "message": "not media"}, "script.md", SCRIPT) == "lesson"


def test_check_messages_are_placed_with_the_text_make_check_prints(tmp_path, monkeypatch):
    root = tmp_path / "content" / "first-teacher-video"
    shutil.copytree(EXAMPLE, root)
    monkeypatch.chdir(tmp_path)
    yaml = (root / "lesson.yaml").read_text().replace("  - name: Microlearn contributors\n", "  - name: ''\n")
    (root / "lesson.yaml").write_text(yaml)
    script = (root / "script.md").read_text().replace("Narration: Face a window,", "Narration: Face a **window**,")
    (root / "script.md").write_text(script)
    report = check(Settings(tmp_path / "content", tmp_path / "build"), [root])[0]
    shown = placed(report.errors, "script.md", script)
    assert [(d["target"], d["text"]) for d in shown] == [
        (
            "field:authors[0].name",
            "content/first-teacher-video/lesson.yaml:5:11: authors[0].name: is empty — write some text, or remove the line",
        ),
        (
            "section:light-and-sound.narration",
            "content/first-teacher-video/script.md:17:19: narration contains bold marks (** or __), which would be read aloud and "
            "shown in the captions — write the words exactly as they are spoken; put formatting on the card text above the narration",
        ),
    ]


def test_changed_paths_name_their_lesson(tmp_path):
    content = tmp_path / "content"
    assert lesson_of(content, str(content / "intro" / "script.md")) == "intro"
    assert lesson_of(content, str(content / "intro" / "media" / "a.mp4")) == "intro"
    assert lesson_of(content, str(content / "README.md")) is None
    assert lesson_of(content, str(tmp_path / "elsewhere" / "x")) is None


def test_lesson_list_states(tmp_path):
    from pipeline.studio.workspace import Workspace

    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content / "first-teacher-video")
    shutil.copytree(EXAMPLE, content / "broken")
    (content / "broken" / "lesson.yaml").write_text(
        (EXAMPLE / "lesson.yaml").read_text().replace("licence: CC-BY-4.0", "licence: mine")
    )
    workspace = Workspace(Settings(content, tmp_path / "build"))
    states = {item["slug"]: (item["title"], item["state"], item["reason"]) for item in workspace.lessons()}
    assert states == {
        "broken": ("Record your first teacher video with a phone", "invalid", "1 problem"),
        "first-teacher-video": ("Record your first teacher video with a phone", "valid", ""),
    }
    workspace.update("first-teacher-video", valid=True, building="transcode")
    assert [item["state"] for item in workspace.lessons()] == ["invalid", "building"]


def test_text_that_does_not_fit_its_card_is_shown_at_the_card_text(tmp_path, monkeypatch):
    from pipeline.studio.workspace import Workspace

    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content / "first-teacher-video")
    script = content / "first-teacher-video" / "script.md"
    long_list = "\n".join(f"- Point number {n}: say it clearly, slowly and with an example from your own class" for n in range(14))
    script.write_text(script.read_text().replace("- Stop before 90 seconds", long_list))
    monkeypatch.chdir(tmp_path)
    workspace = Workspace(Settings(content, tmp_path / "build"))
    workspace.validate("first-teacher-video")  # a lesson whose page is not open: the card checks run here
    state = workspace.state("first-teacher-video")
    assert state["valid"] is False
    assert [d["target"] for d in state["diagnostics"]] == ["section:one-idea.body"]
    assert state["diagnostics"][0]["text"] == (
        "content/first-teacher-video/script.md:3:1: section 'one-idea': the card text is 251% too long for the 16:9 slide "
        "(1920x1080): cut about 865 characters — shorten the text or split it into two cards; cards never shrink text below the theme's size"
    )
