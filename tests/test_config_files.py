"""One located reader for every file a person writes (issue 18 item 5).

Each kind of file (lesson.yaml, a card theme, reviewers.yaml, the review checklist, a reviewer's
answers, publish.yaml) is given several mistakes at once: every one is reported, each with its
file:line:col, what is wrong and how to fix it, as one ConfigError (LessonError for a lesson).
The messages are pinned: they are what a teacher, a reviewer or a school's admin reads.
"""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from pipeline.cards.theme import load_theme
from pipeline.errors import ConfigError, DiagnosticsError, LessonError
from pipeline.lesson.fields import read_yaml
from pipeline.lesson.loader import load_lesson
from pipeline.lesson.yamlnodes import from_value
from pipeline.publish.config import PublishConfigError, load_config
from pipeline.signoff.checklist import ChecklistError, load_answers, load_checklist, validate_answers
from pipeline.signoff.keys import generate_key
from pipeline.signoff.reviewers import ReviewersError, load_reviewers

FAMILIES = ("dejavu-sans, dejavu-sans-condensed, dejavu-serif, nanum-gothic, nanum-myeongjo, nanum-square, "
            "nanum-square-round")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(error: pytest.ExceptionInfo) -> list[str]:
    return str(error.value).splitlines()


def test_a_lesson_with_several_mistakes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "content" / "demo"
    write(root / "lesson.yaml", """\
        title: Demo
        language: english
        authors: [Kim Minji]
        rubric: Tips
        license: CC-BY-4.0
        audience: Teachers
        objectives: [Hold the phone level]
        formats: ["16:9"]
        sequence:
          - type: card
            section: intro
            duraton: 4
        """)
    write(root / "script.md", "## Intro\n\nCard text\n\nNarration: Hello.\n")
    with pytest.raises(LessonError) as caught:
        load_lesson(root, probe_media=False)
    assert problems(caught) == [
        "content/demo/lesson.yaml:2:11: language: 'english' is not one of en, ru, ko — did you mean 'en'? write one of: "
        "en, ru, ko",
        "content/demo/lesson.yaml:5:1: license: unknown key 'license' — did you mean 'licence'?",
        "content/demo/lesson.yaml:12:5: sequence[0].duraton: unknown key 'duraton' — did you mean 'duration'?",
    ]
    assert not isinstance(caught.value, ConfigError)


def test_a_theme_with_several_mistakes(tmp_path):
    folder = tmp_path / "templates" / "themes" / "plain"
    for template in ("card.html.j2", "slide.html.j2"):
        write(folder / template, "")
    write(folder / "theme.yaml", """\
        colours: {background: "#ffffff"}
        colors:
          background: #fbf7f0
          text: black
          accent: "#B0401C"
        fonts:
          heading: [dejavu-serif, nanum-myeongjo]
          body: dejavu-sans
          kr: {heading: [nanum-gothic]}
          ko: {heding: [nanum-gothic], body: [dejavu-sanz]}
        contrast:
          - {fg: text, bg: backgrund, min: 4.5, for: card text}
          - {fg: accent, bg: background, min: 30, for: headings, numbers}
        motion: revel
        """)
    with pytest.raises(ConfigError) as caught:
        load_theme("plain", tmp_path / "templates")
    label = "templates/themes/plain/theme.yaml"
    assert problems(caught) == [
        f"{label}:1:1: colours: unknown key 'colours' — did you mean 'colors'?",
        f"{label}:3:14: colors.background: is empty — in YAML '#' starts a comment, so a colour must be in quotes, "
        "e.g. \"#1a5fb4\"",
        f"{label}:4:9: colors.text: 'black' is not a colour — write it as hex in quotes, e.g. \"#1a5fb4\"",
        f"{label}:8:9: fonts.body: expected a list of font families — e.g. [dejavu-sans, nanum-gothic]; families: "
        + FAMILIES,
        f"{label}:9:3: fonts.kr: unknown key 'kr' — did you mean 'ko'?",
        f"{label}:10:8: fonts.ko.heding: unknown key 'heding' — did you mean 'heading'?",
        f"{label}:10:39: fonts.ko.body: unknown font family 'dejavu-sanz' — did you mean 'dejavu-sans'?",
        f"{label}:12:20: contrast[0].bg: the colour role 'backgrund' is not in colors — did you mean 'background'?",
        f"{label}:13:39: contrast[1].min: 30 is outside 1 to 21 — write a number from 1 to 21",
        f"{label}:13:58: contrast[1].numbers: unknown key 'numbers' — known keys: bg, fg, for, min",
        f"{label}:14:9: motion: 'revel' is not one of reveal, still — did you mean 'reveal'? write one of: reveal, still",
    ]
    assert type(caught.value) is ConfigError and caught.value.as_dict()["kind"] == "ConfigError"


def test_the_tool_s_own_themes_read_cleanly():
    from pipeline.templates import available_themes, default_templates

    for name in available_themes(default_templates()):
        theme = load_theme(name)
        assert dict(theme.colors)["background"].startswith("#") and theme.fonts[0][0] == ""


@pytest.fixture
def key_line(tmp_path) -> str:
    return generate_key(tmp_path / "keys" / "kim")


def test_reviewers_yaml_with_several_mistakes(tmp_path, key_line):
    path = write(tmp_path / "reviewers.yaml", f"""\
        reviewers:
          - name: Kim Minji
            public_key: {key_line}
          - name: kim  minji
            public_key: {key_line}
          - name: Anna Petrova
            publik_key: {key_line}
          - name: Lee Jiwoo
            public_key: ssh-rsa AAAAB3NzaC1yc2E
          - public_key: AAAA
        """)
    with pytest.raises(ReviewersError) as caught:
        load_reviewers(path)
    label = str(path)
    assert problems(caught) == [
        f"{label}:4:11: reviewers[1].name: 'kim minji' is listed twice (first on line 2) — keep one entry per reviewer",
        f"{label}:7:5: reviewers[2].publik_key: unknown key 'publik_key' — did you mean 'public_key'?",
        f"{label}:9:17: reviewers[3].public_key: only ssh-ed25519 keys are accepted, not ssh-rsa — paste the line "
        "'make keygen' printed (or your ~/.ssh/id_ed25519.pub)",
        f"{label}:10:5: reviewers[4].name: is required — add 'name: ...', the reviewer's name as they sign",
        f"{label}:10:17: reviewers[4].public_key: base64 decodes to 3 bytes, an Ed25519 public key has 32 — paste the "
        "line 'make keygen' printed (or your ~/.ssh/id_ed25519.pub)",
    ]
    assert isinstance(caught.value, ConfigError) and not isinstance(caught.value, LessonError)


def test_a_checklist_with_several_mistakes(tmp_path):
    path = write(tmp_path / "checklist.yaml", """\
        items:
          - id: accuracy
            title: Content accuracy
            questoin: Is every statement correct?
          - id: privacy
          - not an item
          - id: accuracy
            title: ''
            question: Is it correct?
        """)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    label = str(path)
    assert problems(caught) == [
        f"{label}:4:5: items[0].questoin: unknown key 'questoin' — did you mean 'question'?",
        f"{label}:5:5: items[1].question: is required — add 'question: ...', what the reviewer confirms",
        f"{label}:5:5: items[1].title: is required — add 'title: ...', what the item is about",
        f"{label}:6:5: items[2]: expected a mapping of 'key: value' lines, found 'not an item'",
        f"{label}:8:12: items[3].title: is empty — write some text, or remove the line",
    ]


def test_a_checklist_with_a_repeated_id(tmp_path):
    path = write(tmp_path / "checklist.yaml", """\
        items:
          - {id: tone, title: Tone, question: Is the tone right}
          - {id: tone, title: Tone again, question: Really}
        """)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    assert problems(caught) == [f"{path}:3:10: items[1].id: 'tone' is used twice (first on line 2) — give each item "
                                "its own id"]


def test_an_answers_file_with_several_mistakes(tmp_path):
    items = load_checklist()
    path = write(tmp_path / "answers.yaml", """\
        accuracy: {ok: "yes"}
        objectives:
          ok: true
          note: [a, b]
        privacy: {ok: false}
        rigths: {ok: true}
        tone: true
        """)
    with pytest.raises(ChecklistError) as caught:
        load_answers(path, items)
    label = str(path)
    assert problems(caught) == [
        f"{label}:1:1: rights: 'rights' (Rights to every asset) is not answered — add 'rights: {{ok: true, note: ...}}' "
        "once you have checked it",
        f"{label}:1:16: accuracy.ok: expected true or false, found 'yes' — write ok: true (without quotes) when the item "
        "holds",
        f"{label}:4:9: objectives.note: must be text — write the note on one line after 'note:', or remove it",
        f"{label}:5:15: privacy.ok: 'privacy' (Privacy) is not confirmed — fix the lesson first; an approval confirms "
        "every item",
        f"{label}:6:1: rigths: 'rigths' is not an item of the checklist — did you mean 'rights'?",
        f"{label}:7:7: tone: 'tone' (Tone) is answered with 'true', not with ok — write tone: {{ok: true, note: ...}}",
    ]


def test_a_good_answers_file_reads_as_the_prompt_s_answers(tmp_path):
    items = load_checklist()
    path = write(tmp_path / "answers.yaml", "".join(f"{i.id}: {{ok: yes, note: '  checked  '}}\n" for i in items))
    typed = {i.id: {"ok": True, "note": "checked"} for i in items}
    assert load_answers(path, items) == validate_answers(items, typed) == typed


def test_publish_yaml_with_several_mistakes(tmp_path):
    path = write(tmp_path / "publish.yaml", """\
        site:
          titel: Lessons
        targets:
          - name: Share Folder
            type: folder
            path: /mnt/share
            url: https://example.org/
          - name: portal
            type: sftp
            host: files.example.org
            port: http
            user: microlearn
            path: /var/www
            host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOn8HcSOHg
            password_env: MICROLEARN_PASSWORD
        ledgr: ledger.json
        """)
    with pytest.raises(PublishConfigError) as caught:
        load_config(path, tmp_path)
    assert problems(caught) == [
        "publish.yaml:2:3: site.titel: unknown key 'titel' — did you mean 'title'?",
        "publish.yaml:4:11: targets[0].name: 'Share Folder' is not a usable target name — use lower-case letters, "
        "digits, '-' and '_'",
        "publish.yaml:11:11: targets[1].port: expected a whole number, found 'http' — write a whole number from 1 to "
        "65535",
        "publish.yaml:16:1: ledgr: unknown key 'ledgr' — did you mean 'ledger'?",
    ]
    assert isinstance(caught.value, ConfigError)


# --- what every file kind shares: read_yaml -------------------------------------------------------

READERS = {
    "theme": lambda path: load_theme("plain", path.parent.parent.parent),
    "reviewers": load_reviewers,
    "checklist": load_checklist,
    "answers": lambda path: load_answers(path, load_checklist()),
    "publish": lambda path: load_config(path, path.parent),
}
FILES = {"theme": "templates/themes/plain/theme.yaml", "reviewers": "reviewers.yaml", "checklist": "checklist.yaml",
         "answers": "answers.yaml", "publish": "publish.yaml"}


def _place(kind: str, tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / FILES[kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "theme":
        for template in ("card.html.j2", "slide.html.j2"):
            (path.parent / template).write_text("")
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", sorted(READERS))
@pytest.mark.parametrize("data, message", [
    (b"a: 1\n  b: 2\n", "2:4: YAML syntax error: mapping values are not allowed here — a value containing ': ' must be "
                        "quoted, e.g. title: \"Part 1: Basics\""),
    (b"a: 1\na: 2\n", "2:1: a: duplicate key (first given on line 1) — keep only one of them"),
    (b"a: caf\xe9\n", "1:7: is not UTF-8 text (byte 0xe9 here is not UTF-8) — save the file as UTF-8 in your editor "
                      "(Save as → Encoding: UTF-8)"),
    (b"# only a comment\n", ": the file is empty — "),
])
def test_every_config_file_is_read_the_same_way(tmp_path, kind, data, message):
    path = _place(kind, tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        READERS[kind](path)
    label = FILES[kind] if kind in ("theme", "publish") else str(path)
    assert any(line.startswith(label + (":" if message[0] != ":" else "") + message)
               for line in problems(caught)), problems(caught)


@pytest.mark.parametrize("kind", sorted(READERS))
def test_a_bom_is_dropped_and_a_fifo_is_not_waited_for(tmp_path, kind):
    path = _place(kind, tmp_path, b"\xef\xbb\xbfnot_a_key_of_any_file: 1\n")
    with pytest.raises(ConfigError) as caught:
        READERS[kind](path)
    assert f"{FILES[kind] if kind in ('theme', 'publish') else path}:1:1: not_a_key_of_any_file" in str(caught.value)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(ConfigError) as caught:
        READERS[kind](path)
    assert "is not a regular file — replace it with a plain text file" in str(caught.value)


def test_read_yaml_raises_the_caller_s_error_type(tmp_path):
    path = write(tmp_path / "x.yaml", "[1, 2\n")
    with pytest.raises(LessonError):
        read_yaml(path, "x.yaml", LessonError)
    with pytest.raises(FileNotFoundError):
        read_yaml(tmp_path / "missing.yaml", "missing.yaml")
    big = write(tmp_path / "big.yaml", "a: " + "x" * 2048 + "\n")
    with pytest.raises(ConfigError, match=r"^big.yaml: is over the limit of 1 KB for this file"):
        read_yaml(big, "big.yaml", limit=1024)
    assert issubclass(ConfigError, DiagnosticsError) and issubclass(LessonError, DiagnosticsError)


def test_values_made_in_code_are_located_nowhere():
    node = from_value({"ok": True, "note": "fine", "n": 3, "none": None, "list": ["a"]})
    assert node.kind == "map" and (node.line, node.col) == (0, 0)
    assert node.value["ok"].value == "true" and not node.value["ok"].quoted
    assert node.value["note"].quoted and node.value["none"].null and node.value["list"].kind == "seq"


def test_a_checklist_item_worded_per_language(tmp_path):
    path = write(tmp_path / "checklist.yaml", """\
        items:
          - id: tone
            title: Tone
            question: Is the tone right?
            ru: {title: Тон, question: "Уместен ли тон?"}
            ko: {title: 말투}
          - id: rights
            title: Rights
            question: Are the rights cleared?
            ru: [Права]
        """)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, "ru")
    assert problems(caught) == [f"{path}:10:9: items[1].ru: expected a mapping of 'key: value' lines, found a list"]
    path.write_text(path.read_text(encoding="utf-8").replace("    ru: [Права]\n", ""), encoding="utf-8")
    assert [(i.title, i.question) for i in load_checklist(path, "ru")] == [("Тон", "Уместен ли тон?"),
                                                                           ("Rights", "Are the rights cleared?")]
    # a language that words only the title keeps the question as written
    assert [(i.title, i.question) for i in load_checklist(path, "ko")][0] == ("말투", "Is the tone right?")
