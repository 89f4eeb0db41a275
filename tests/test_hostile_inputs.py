"""A hostile corpus, built by the tests themselves: lesson folders written by an attacker or a
careless author. Each case pins the exact message, bounds the time it takes (a hang fails), and
checks that nothing outside the lesson was read, written or deleted.

"Never opened" is proven with FIFOs: opening a FIFO for reading blocks until a writer comes, so a
tool that opened the decoy would hang (and the subprocess time-out fails the test); afterwards,
opening its write end without blocking fails with ENXIO, which says no reader has it open.
"""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import LESSON_YAML, SCRIPT_MD, make_video
from pipeline.errors import LessonError
from pipeline.lesson.loader import load_lesson
from pipeline.lesson.textfile import MAX_SCRIPT_BYTES, MAX_YAML_BYTES

SECRET = "SECRET-TOKEN-do-not-leak"
CPU_LIMIT = 2.0  # seconds of CPU for a refusal that should take milliseconds
WALL_LIMIT = 60  # a shared CI machine may be slow, but a hang is far slower


def microlearn(*args, cwd: Path, timeout: float = WALL_LIMIT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout,
                          stdin=subprocess.DEVNULL)


def refused(folder: Path) -> list[str]:
    """The lesson's messages (tmp folder shown as 'L'), loaded within the CPU bound."""
    started = time.process_time()
    with pytest.raises(LessonError) as caught:
        load_lesson(folder)
    assert time.process_time() - started < CPU_LIMIT
    return [str(d).replace(str(folder), "L") for d in caught.value.diagnostics]


def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / ".env"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"title: {SECRET}\nAPI_TOKEN={SECRET}\n")
    return path


def fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "outside" / name
    path.parent.mkdir(exist_ok=True)
    os.mkfifo(path)
    return path


def assert_never_opened(path: Path) -> None:
    with pytest.raises(OSError) as caught:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert caught.value.errno == errno.ENXIO  # no reader has the FIFO open


def no_secret_anywhere(done: subprocess.CompletedProcess, root: Path) -> None:
    assert SECRET not in done.stdout and SECRET not in done.stderr
    for path in (root / "build").rglob("*") if (root / "build").exists() else ():
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


# --- bounded: alias bombs, deep nesting, oversize files -------------------------------------------

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]" for prev, name in zip("abcdefgh", "bcdefghi")]
) + "\n"


def test_alias_bomb_is_refused_in_milliseconds(lesson_dir):
    assert refused(lesson_dir(BILLION_LAUGHS)) == [
        "L/lesson.yaml:2:8: aliases expand the document to more than 20000 values — write the values out instead of "
        "repeating anchors (&) with aliases (*)"
    ]


def test_alias_that_contains_itself_is_refused(lesson_dir):
    assert refused(lesson_dir("title: &t [a, *t]\n")) == [
        "L/lesson.yaml:1:15: an alias refers to the value it is part of — write the values out instead of using "
        "anchors (&) and aliases (*)"
    ]


def test_a_few_aliases_are_fine(lesson_dir):
    yaml = LESSON_YAML.replace("rubric: Teacher craft",
                               "rubric: &r Teacher craft").replace("audience: teachers", "audience: *r")
    assert load_lesson(lesson_dir(yaml)).audience == "Teacher craft"


@pytest.mark.parametrize("yaml,where", [
    ("title: " + "[" * 100_000 + "\n", "1:39"),  # flow style
    ("".join(" " * i + "k:\n" for i in range(40)), "32:32"),  # block style: the 33rd mapping starts on line 32
])
def test_deep_nesting_is_refused_in_milliseconds(lesson_dir, yaml, where):
    assert refused(lesson_dir(yaml)) == [
        f"L/lesson.yaml:{where}: nesting is deeper than 32 levels — a lesson needs only a few levels: check the "
        "indentation, or remove the extra brackets"
    ]


def test_oversize_lesson_yaml_is_refused_before_parsing(lesson_dir):
    folder = lesson_dir()
    (folder / "lesson.yaml").write_bytes(b"tags: [" + b"x, " * 20_000_000 + b"]\n")  # 60 MB
    assert refused(folder) == [f"L/lesson.yaml: is 58593 KB, over the limit of {MAX_YAML_BYTES // 1024} KB for this "
                               "file — a lesson's text files are small: remove pasted data or long logs from it"]


def test_oversize_script_is_refused(lesson_dir):
    folder = lesson_dir(script=SCRIPT_MD + "x" * MAX_SCRIPT_BYTES)
    assert (f"L/script.md: is 1024 KB, over the limit of {MAX_SCRIPT_BYTES // 1024} KB for this file — "
            "a lesson's text files are small: remove pasted data or long logs from it") in refused(folder)


def test_check_of_a_bomb_ends_with_its_summary_and_json(lesson_dir, tmp_path):
    lesson_dir(BILLION_LAUGHS, slug="bomb")
    lesson_dir("title: " + "[" * 10_000 + "\n", slug="deep")
    lesson_dir(LESSON_YAML.replace("language: en", "language: xx"), slug="plain")
    done = microlearn("check", "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert [(l["slug"], l["status"]) for l in document["lessons"]] == [("bomb", "invalid"), ("deep", "invalid"),
            ("plain", "invalid")]
    assert document["lessons"][2]["errors"][0]["message"] == "'xx' is not one of en, ru, ko"  # the next lesson is still checked
    assert document["summary"] == {"lessons": 3, "ok": 0, "failed": 3}
    assert all(l["seconds"] < CPU_LIMIT * 5 for l in document["lessons"][:2])


# --- contained: links out of the lesson are refused before anything is read -------------------------------


def test_lesson_yaml_linking_outside_is_not_read_nor_quoted(lesson_dir, tmp_path):
    folder = lesson_dir(slug="linked")
    (folder / "lesson.yaml").unlink()
    (folder / "lesson.yaml").symlink_to(secret_file(tmp_path))
    done = microlearn("check", "--json", cwd=tmp_path)
    assert done.returncode == 1
    errors = json.loads(done.stdout)["lessons"][0]["errors"]
    assert errors == [{"kind": "LessonError", "file": "content/linked/lesson.yaml", "line": 0, "column": 0, "field": "",
                       "code": "leads-outside-the-lesson-folder-through-a-link",
                       "message": "leads outside the lesson folder (through a link); it was not read",
                       "hint": "copy the file itself into the lesson folder instead of linking to it"}]
    no_secret_anywhere(done, tmp_path)
    plain = microlearn("check", cwd=tmp_path)
    assert ("content/linked/lesson.yaml: leads outside the lesson folder (through a link); it was not read — "
            "copy the file itself into the lesson folder instead of linking to it") in plain.stderr
    no_secret_anywhere(plain, tmp_path)


@pytest.mark.media
def test_script_and_picture_linking_outside_are_never_opened(lesson_dir, tmp_path):
    folder = lesson_dir(slug="linked",
                        script=SCRIPT_MD.replace("- Lean on a table",
                                                 "- Lean on a table\n\n![a decoy](media/photo.png)"))
    (folder / "script.md").rename(tmp_path / "outside-script.md")
    decoy_script, decoy_picture = fifo(tmp_path, "script-decoy"), fifo(tmp_path, "picture-decoy")
    (folder / "script.md").symlink_to(decoy_script)
    (folder / "media" / "photo.png").symlink_to(decoy_picture)
    done = microlearn("build", "--json", cwd=tmp_path)
    assert done.returncode == 1
    messages = [e["message"] for e in json.loads(done.stdout)["lessons"][0]["errors"]]
    assert messages == ["leads outside the lesson folder (through a link); it was not read"]
    assert_never_opened(decoy_script)
    assert_never_opened(decoy_picture)


def test_picture_link_to_a_secret_is_refused_without_quoting_it(lesson_dir, tmp_path):
    folder = lesson_dir(slug="linked",
                        script=SCRIPT_MD.replace("- Lean on a table",
                                                 "- Lean on a table\n\n![the key](media/photo.png)"))
    (folder / "media" / "photo.png").symlink_to(secret_file(tmp_path))
    done = microlearn("check", "--json", cwd=tmp_path)
    assert done.returncode == 1
    assert [e["message"] for e in json.loads(done.stdout)["lessons"][0]["errors"]] == [
        "'media/photo.png' leads outside the lesson folder (through a link)"]
    no_secret_anywhere(done, tmp_path)


@pytest.mark.media
def test_script_link_to_a_secret_never_reaches_cards_or_messages(lesson_dir, tmp_path):
    folder = lesson_dir(slug="linked")
    (folder / "script.md").unlink()
    secret = tmp_path / "outside" / "notes.md"
    secret.parent.mkdir()
    secret.write_text(SCRIPT_MD.replace("Use both hands", SECRET))
    (folder / "script.md").symlink_to(secret)
    done = microlearn("build", cwd=tmp_path)
    assert done.returncode == 1
    assert "content/linked/script.md: leads outside the lesson folder (through a link); it was not read" in done.stderr
    no_secret_anywhere(done, tmp_path)


def test_a_fifo_named_lesson_yaml_is_refused_without_blocking(lesson_dir):
    folder = lesson_dir()
    (folder / "lesson.yaml").unlink()
    os.mkfifo(folder / "lesson.yaml")
    assert refused(folder) == ["L/lesson.yaml: is not a regular file — replace it with a plain text file"]
    assert_never_opened(folder / "lesson.yaml")


def test_lesson_folder_linking_outside_is_refused(lesson_dir, tmp_path):
    elsewhere = lesson_dir(slug="elsewhere", root=tmp_path / "outside")
    (tmp_path / "content").mkdir(exist_ok=True)
    (tmp_path / "content" / "linked").symlink_to(elsewhere)
    with pytest.raises(LessonError) as caught:
        load_lesson(tmp_path / "content" / "linked")
    assert [d.message for d in caught.value.diagnostics] == ["the lesson folder is a link to a folder elsewhere; it "
                                                             "was not read"]


PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{target}\n#EXT-X-ENDLIST\n"


@pytest.mark.parametrize("name", ["clip.m3u8", "clip.mp4"])
def test_playlist_naming_a_local_file_never_opens_it(lesson_dir, tmp_path, name):
    decoy = fifo(tmp_path, "segment.ts")
    yaml = LESSON_YAML.replace("  - type: end", f"  - type: clip\n    file: media/{name}\n  - type: end")
    folder = lesson_dir(yaml, slug="playlist")
    (folder / "media" / name).write_text(PLAYLIST.format(target=decoy))
    done = microlearn("check", "--json", cwd=tmp_path)  # the old probe blocked here, opening the FIFO
    errors = json.loads(done.stdout)["lessons"][0]["errors"]
    assert [(e["line"], e["message"]) for e in errors] == [
        (21, f"'media/{name}' is a 'hls' file, which can make ffmpeg read other files or the network")]
    assert_never_opened(decoy)


# --- destructive and writing commands stay in their folder -------------------------------------------------


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder beside the project that no command may touch, and a project with a build folder."""
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "keep.txt").write_text("precious")
    project = tmp_path / "project"
    (project / "build" / "intro").mkdir(parents=True)
    (project / "content").mkdir()
    return folder


@pytest.mark.parametrize("name,message", [
    ("..",
     "microlearn: clean: '..' is not a lesson name — clean deletes only inside build/; name lessons by their folder "
     "name, e.g. microlearn clean intro"),
    ("../victim",
     "microlearn: clean: '../victim' is not a lesson name — clean deletes only inside build/; name lessons by their "
     "folder name, e.g. microlearn clean intro"),
    ("VICTIM",
     "microlearn: clean: 'VICTIM' is not a lesson name — clean deletes only inside build/; name lessons by their "
     "folder name, e.g. microlearn clean intro"),
    ("link",
     "microlearn: clean: build/link is a link, not a lesson's build folder — remove the link yourself if you want it gone"),
])
def test_clean_refuses_names_that_leave_the_build_folder(victim, tmp_path, name, message):
    project = tmp_path / "project"
    (project / "build" / "link").symlink_to(victim)
    name = name.replace("VICTIM", str(victim))
    done = microlearn("clean", name, cwd=project)
    assert (done.returncode, done.stderr.strip()) == (2, message.replace("VICTIM", name))
    assert (victim / "keep.txt").read_text() == "precious"
    assert (project / "build" / "intro").is_dir()  # nothing at all was deleted


def test_clean_of_everything_removes_links_without_following_them(victim, tmp_path):
    project = tmp_path / "project"
    (project / "build" / "link").symlink_to(victim)
    done = microlearn("clean", cwd=project)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (project / "build").iterdir()) in ([], [".lock"])
    assert (victim / "keep.txt").read_text() == "precious"


def test_clean_refuses_a_build_folder_that_holds_the_lessons(victim, tmp_path):
    project = tmp_path / "project"
    done = microlearn("--build-dir", ".", "clean", cwd=project)
    assert (done.returncode, done.stderr.strip()) == (
        2,
                                                      "microlearn: clean: the build folder . holds the lessons' folder "
                                                      "content — choose the folder the build writes (default: build)")
    assert (project / "content").is_dir() and (project / "build" / "intro").is_dir()


def test_make_clean_with_a_lesson_of_dot_dot_deletes_nothing(victim, tmp_path):
    project = tmp_path / "project"
    root = Path(__file__).resolve().parent.parent
    (project / "Makefile").write_text((root / "Makefile").read_text())
    (project / ".venv").symlink_to(root / ".venv")
    done = subprocess.run(["make", "-s", "clean", "LESSON=.."], cwd=project, capture_output=True,
                          text=True, timeout=WALL_LIMIT)
    assert done.returncode == 2
    assert "microlearn: clean: '..' is not a lesson name" in done.stderr
    assert (project / "build" / "intro").is_dir() and (project / "Makefile").is_file()


@pytest.mark.parametrize("command", [["build"], ["check"], ["review"]])
@pytest.mark.parametrize("name", ["..", "../victim", "VICTIM", "/etc"])
def test_lesson_names_that_leave_content_are_refused(victim, tmp_path, command, name):
    project = tmp_path / "project"
    name = name.replace("VICTIM", str(victim))
    done = microlearn(*command, name, cwd=project)
    assert (done.returncode, done.stderr.strip()) == (
        2,
                                                      f"microlearn: lesson '{name}' is not a folder inside content/ — "
                                                      "name a lesson by its folder name, e.g. intro")
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in (project / "build").iterdir()) == ["intro"]  # no build started


def test_lesson_named_by_its_path_or_linked_inside_content(lesson_dir, tmp_path, victim):
    lesson_dir(LESSON_YAML.replace("language: en", "language: xx"), slug="named")
    named = microlearn("check", "content/named", cwd=tmp_path)
    assert named.returncode == 1 and "content/named/lesson.yaml:2:11: language: 'xx' is not one of en, ru, ko" in named.stderr
    (tmp_path / "content" / "away").symlink_to(victim)
    done = microlearn("check", "away", cwd=tmp_path)
    assert (done.returncode, done.stderr.strip()) == (
        2,
                                                      "microlearn: lesson 'away' is a link to a folder outside "
                                                      "content/ — move the lesson folder itself into content/")


def test_approve_refuses_a_name_outside_content(victim, tmp_path):
    project = tmp_path / "project"
    (project / "answers.yaml").write_text("{}\n")
    done = microlearn("approve", "../victim", "--reviewer", "Kim", "--key", "k", "--answers",
                      "answers.yaml", cwd=project)
    assert (done.returncode, done.stderr.strip()) == (
        2,
                                                      "microlearn: lesson '../victim' is not a folder inside content/ "
                                                      "— name a lesson by its folder name, e.g. intro")
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("name", ["../x", "/tmp/x", "a/b", ".."])
def test_new_refuses_names_that_leave_content(tmp_path, name):
    done = microlearn("new", name, cwd=tmp_path)
    assert (done.returncode, done.stderr.strip()) == (
        2, f"microlearn: '{name}' is not a valid lesson name — use lower-case letters, digits and dashes, e.g. "
           "first-teacher-video")
    assert not (tmp_path / "x").exists() and not (tmp_path / "content").exists()


def test_new_refuses_a_dangling_link_in_its_place(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "taken").symlink_to(tmp_path / "nowhere")
    done = microlearn("new", "taken", cwd=tmp_path)
    assert (done.returncode, done.stderr.strip()) == (2,
                                                      "microlearn: content/taken already exists — choose another name, "
                                                      "or edit that lesson")
    assert not (tmp_path / "nowhere").exists()


# --- check finds what the build would refuse ----------------------------------------------------------------


def test_utf8_bom_keeps_the_first_card(lesson_dir):
    folder = lesson_dir()
    (folder / "script.md").write_bytes(b"\xef\xbb\xbf" + SCRIPT_MD.encode())
    (folder / "lesson.yaml").write_bytes(b"\xef\xbb\xbf" + LESSON_YAML.encode())
    lesson = load_lesson(folder)
    assert [s.id for s in lesson.sections] == ["hold-steady"]


def test_non_utf8_is_reported_with_its_line(lesson_dir):
    folder = lesson_dir()
    (folder / "script.md").write_bytes(SCRIPT_MD.replace("Lean on a table", "Lean on a café table").encode("cp1252"))
    assert refused(folder) == [
        "L/script.md:6:16: is not UTF-8 text (byte 0xe9 here is not UTF-8) — save the file as UTF-8 in your editor "
        "(Save as → Encoding: UTF-8)"]


def test_utf16_is_named(lesson_dir):
    folder = lesson_dir()
    (folder / "lesson.yaml").write_bytes(LESSON_YAML.encode("utf-16"))
    assert refused(folder) == ["L/lesson.yaml:1:1: is saved as UTF-16 text, not UTF-8 — save the file as UTF-8 in your editor"]


def test_bidi_controls_and_zero_width_characters_are_reported(lesson_dir):
    yaml = LESSON_YAML.replace("title: Recording", "title: Rec\u202eording")
    script = SCRIPT_MD.replace("Use both hands", "Use both\u200b hands")
    assert refused(lesson_dir(yaml, script)) == [
        "L/lesson.yaml:1:11: invisible direction control U+202E (RIGHT-TO-LEFT OVERRIDE): it changes the order in "
        "which the text is shown"
        " — delete it (it was probably pasted along with the text)",
        "L/script.md:5:11: invisible character U+200B (ZERO WIDTH SPACE): it splits or joins words without being seen"
        " — delete it (it was probably pasted along with the text)",
    ]


@pytest.mark.media
def test_html_in_what_a_clip_says_is_refused(lesson_dir):
    yaml = LESSON_YAML.replace("  - type: end",
                               "  - type: clip\n    file: media/clip.mp4\n    says: Hello <b>class</b>\n  - type: end")
    folder = lesson_dir(yaml)
    make_video(folder / "media" / "clip.mp4", seconds=1, size="160x90")
    assert refused(folder) == [
        "L/lesson.yaml:22:11: sequence[2].says: HTML tags are not allowed in what a clip says — write the words "
        "exactly as they are spoken"]


@pytest.mark.parametrize("content,what", [
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG drawing"),
    (b"just some notes\n", "a text file"),
    (b"", "an empty file"),
])
def test_pictures_that_are_not_raster_images_are_refused(lesson_dir, content, what):
    folder = lesson_dir(script=SCRIPT_MD.replace("- Lean on a table",
                                                 "- Lean on a table\n\n![a drawing](media/photo.png)"))
    (folder / "media" / "photo.png").write_bytes(content)
    assert refused(folder) == [
        f"L/script.md:8:1: 'media/photo.png' is not a picture ({what}) — save it as PNG, JPEG, WebP or GIF (for SVG "
        "drawings: export as PNG)"]


def test_school_logo_must_be_a_picture(lesson_dir):
    folder = lesson_dir(LESSON_YAML + "school:\n  logo: media/logo.png\n")
    (folder / "media" / "logo.png").write_text("<svg/>")
    assert refused(folder) == [
        "L/lesson.yaml:24:9: school.logo: 'media/logo.png' is not a picture (an SVG drawing) — save it as PNG, JPEG, "
        "WebP or GIF (for SVG drawings: export as PNG)"]


@pytest.mark.media
def test_clip_over_max_duration_is_found_by_check(lesson_dir):
    yaml = LESSON_YAML.replace("max_duration: 90", "max_duration: 6").replace("  - type: end",
            "  - type: clip\n    file: media/clip.mp4\n  - type: end")
    folder = lesson_dir(yaml)
    make_video(folder / "media" / "clip.mp4", seconds=4, size="160x90")
    assert refused(folder) == [
        "L/lesson.yaml:13:15: max_duration: the lesson would last at least 8.0 s, over its limit of 6 s"
        " (longest: clip media/clip.mp4 4.0 s, title card 2.0 s, end card 2.0 s) — shorten clips (start/end) or "
        "narration, or raise max_duration"]


@pytest.mark.media
def test_card_text_that_does_not_fit_is_found_by_check(lesson_dir, tmp_path):
    script = SCRIPT_MD.replace("- Lean on a table",
                               "- Lean on a table\n" + "".join(f"- Point number {i} about holding the phone steady\n" for i in range(30)))
    lesson_dir(script=script, slug="long")
    done = microlearn("check", "--json", cwd=tmp_path, timeout=300)
    assert done.returncode == 1, done.stderr
    errors = json.loads(done.stdout)["lessons"][0]["errors"]
    assert [(e["file"], e["line"], e["field"]) for e in errors] == [("content/long/script.md",
            3, "section 'hold-steady'")]
    assert errors[0]["message"].startswith("the card text is ") and "too long for the" in errors[0]["message"]
    assert not (tmp_path / "build").exists()  # check creates no build folder


# --- what one lesson may cost is bounded --------------------------------------------------------------------


def test_too_many_cards_long_cards_and_long_sequences_are_refused(lesson_dir):
    many = "".join(f"## Card {i}\n\nText {i}\n\n" for i in range(150))
    assert refused(lesson_dir(script=many)) == [
        "L/script.md:401:1: the script has 150 card sections, more than the 100 a lesson may have — split it into "
        "several lessons"]
    long_card = SCRIPT_MD.replace("- Lean on a table", "x" * 5000)
    assert refused(lesson_dir(script=long_card)) == [
        "L/script.md:3:1: card 'Hold the phone steady' has 5017 characters of text, more than 4000 — a card holds a "
        "few hundred characters: split it into several cards"]
    parts = LESSON_YAML.replace("  - type: end", "  - type: title\n" * 250 + "  - type: end")
    assert refused(lesson_dir(parts)) == [
        "L/lesson.yaml:218:5: sequence: lists 253 parts, more than the 200 a lesson may have — split it into several lessons"]


@pytest.mark.parametrize("head,demuxer", [
    (b"\x00\x00\x00\x20ftypisom", "mov,mp4,m4a,3gp,3g2,mj2"), (b"\x1a\x45\xdf\xa3\x9f", "matroska,webm"),
                                          (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
    (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp_pipe"),
                                          (b"\x89PNG\r\n\x1a\n", "png_pipe"),
    (b"\xff\xd8\xff\xe0", "jpeg_pipe"), (b"fLaC", "flac"), (b"OggS", "ogg"), (b"ID3\x04", "mp3"),
                                          (b"\xff\xfb\x90", "mp3"),
    (b"\xff\xf1\x50", "aac"),
    (b"\x47" + bytes(187) + b"\x47", "mpegts"), (bytes(4) + b"\x47" + bytes(187) + bytes(4) + b"\x47", "mpegts"),
                                          (b"#EXTM3U\n", None), (b"ffconcat version 1.0\n", None), (b"<?xml", None),
                                          (b"", None),
])
def test_the_demuxer_is_chosen_from_the_first_bytes(head, demuxer):
    from pipeline.probe import sniff

    assert sniff(head) == demuxer


@pytest.mark.parametrize("head,name",
                         [(b"#EXTM3U\n", "hls"), (b"\xef\xbb\xbf  #EXTM3U", "hls"), (b"ffconcat version 1.0", "concat"),
                                       (b"file 'a.mp4'\n", "concat"), (b'<?xml version="1.0"?><MPD', "xml"),
                                       (b"<MPD>", "dash"), (b"hello", None)])
def test_files_that_refer_to_other_files_are_named(head, name):
    from pipeline.probe import referring_format

    assert referring_format(head) == name
