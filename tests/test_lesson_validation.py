"""Every validation message a teacher can meet, pinned: file, line, column, field, what, how to fix."""
from __future__ import annotations

import os

import pytest

from conftest import LESSON_YAML, SCRIPT_MD, make_image, make_video
from pipeline.errors import LessonError
from pipeline.lesson.loader import load_lesson


def problems(folder) -> list[str]:
    """The lesson's messages with the tmp folder replaced by 'L'."""
    with pytest.raises(LessonError) as caught:
        load_lesson(folder)
    prefix = str(folder)
    return [str(d).replace(prefix, "L") for d in caught.value.diagnostics]


def test_valid_lesson_loads(lesson_dir):
    lesson = load_lesson(lesson_dir())
    assert lesson.language == "en"
    assert lesson.formats == ("16:9",)
    assert [item.kind for item in lesson.sequence] == ["title", "card", "end"]
    assert lesson.sections[0].id == "hold-steady"
    assert lesson.sections[0].narration.startswith("Hold the phone")
    assert lesson.sections[0].body == "- Use both hands\n- Lean on a table"


def test_unknown_key_suggests_the_right_one(lesson_dir):
    folder = lesson_dir(LESSON_YAML.replace("rubric:", "rubrik:"))
    # one message, not a second "rubric is required": the misspelling is the whole problem
    assert problems(folder) == ["L/lesson.yaml:6:1: rubrik: unknown key 'rubrik' — did you mean 'rubric'?"]


def test_alias_key_is_named(lesson_dir):
    folder = lesson_dir(LESSON_YAML.replace("licence:", "license:"))
    assert "L/lesson.yaml:8:1: license: unknown key 'license' — did you mean 'licence'?" in problems(folder)


def test_wrong_language_code(lesson_dir):
    folder = lesson_dir(LESSON_YAML.replace("language: en", "language: russian"))
    assert problems(folder) == ["L/lesson.yaml:2:11: language: 'russian' is not one of en, ru, ko — did you mean 'ru'? "
                                "write one of: en, ru, ko"]


def test_yaml_syntax_error_has_line_and_hint(lesson_dir):
    folder = lesson_dir(LESSON_YAML.replace("title: Recording your first teacher video", "title: Part 1: Basics"))
    assert problems(folder) == [
        "L/lesson.yaml:1:14: YAML syntax error: mapping values are not allowed here — a value containing ': ' must be "
        "quoted, e.g. title: \"Part 1: Basics\""
    ]


def test_duplicate_key(lesson_dir):
    folder = lesson_dir(LESSON_YAML + "title: Again\n")
    assert problems(folder) == ["L/lesson.yaml:23:1: title: duplicate key (first given on line 1) — keep only one of them"]


@pytest.mark.media
def test_missing_media_suggests_close_name(lesson_dir):
    yaml = LESSON_YAML.replace("  - type: end", "  - type: clip\n    file: media/intro.mp4\n  - type: end")
    folder = lesson_dir(yaml)
    make_video(folder / "media" / "intro1.mp4", seconds=1, size="64x64")
    assert problems(folder) == ["L/lesson.yaml:21:11: sequence[2].file: file 'media/intro.mp4' does not exist — did "
                                "you mean 'media/intro1.mp4'?"]


def test_media_path_leaving_the_folder(lesson_dir, tmp_path):
    yaml = LESSON_YAML.replace("  - type: end", "  - type: clip\n    file: ../other/secret.mp4\n  - type: end")
    assert problems(lesson_dir(yaml)) == [
        "L/lesson.yaml:21:11: sequence[2].file: '../other/secret.mp4' leaves the lesson folder — copy the video file "
        "into the lesson's media/ folder and write a path like media/<name>"
    ]


@pytest.mark.media
def test_media_symlink_leaving_the_folder(lesson_dir, tmp_path):
    outside = make_video(tmp_path / "outside.mp4", seconds=1, size="64x64")
    yaml = LESSON_YAML.replace("  - type: end", "  - type: clip\n    file: media/link.mp4\n  - type: end")
    folder = lesson_dir(yaml)
    os.symlink(outside, folder / "media" / "link.mp4")
    assert problems(folder) == [
        "L/lesson.yaml:21:11: sequence[2].file: 'media/link.mp4' leads outside the lesson folder (through a link) — "
        "copy the file itself into the lesson's media/ folder instead of linking to it"
    ]


def test_url_as_media(lesson_dir):
    yaml = LESSON_YAML.replace("  - type: end", "  - type: clip\n    file: http://example.org/a.mp4\n  - type: end")
    assert problems(lesson_dir(yaml)) == [
        "L/lesson.yaml:21:11: sequence[2].file: 'http://example.org/a.mp4' is not a file in the lesson folder — copy "
        "the video file into the lesson's media/ folder and write media/<name>"
    ]


@pytest.mark.media
def test_trim_past_the_clip(lesson_dir):
    yaml = LESSON_YAML.replace("  - type: end",
                               "  - type: clip\n    file: media/intro.mp4\n    start: 00:01\n    end: 00:31\n  - type: end")
    folder = lesson_dir(yaml)
    make_video(folder / "media" / "intro.mp4", seconds=2, size="64x64")
    assert problems(folder) == ["L/lesson.yaml:23:10: sequence[2].end: end 00:31 is past the clip's length 00:02 — "
                                "shorten it or pick another clip"]


def test_not_media_at_all(lesson_dir):
    yaml = LESSON_YAML.replace("  - type: end", "  - type: clip\n    file: media/notes.mp4\n  - type: end")
    folder = lesson_dir(yaml)
    (folder / "media" / "notes.mp4").write_text("just some text\n" * 20)
    [message] = problems(folder)
    assert message.startswith("L/lesson.yaml:21:11: sequence[2].file: 'media/notes.mp4' is not a media file ffmpeg can read")
    assert message.endswith("— export it again as MP4 (video), WAV/M4A (audio) or PNG/JPEG (image)")


def test_playlist_disguised_as_video_is_refused(lesson_dir):
    yaml = LESSON_YAML.replace("  - type: end", "  - type: clip\n    file: media/list.mp4\n  - type: end")
    folder = lesson_dir(yaml)
    (folder / "media" / "list.mp4").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://example.org/x.ts\n#EXT-X-ENDLIST\n")
    [message] = problems(folder)
    assert "can make ffmpeg read other files or the network" in message or "is not a media file" in message


def test_empty_script(lesson_dir):
    assert problems(lesson_dir(script="")) == [
        "L/script.md: the script is empty — write one '## Card heading' section per card, each with its narration",
    ]


def test_missing_script(lesson_dir):
    # one message, not one more per card that names a section of the missing script
    assert problems(lesson_dir(script=None)) == ["L/script.md: the script file is missing — create it with one '## "
                                                 "Card heading' section per card"]


def test_unclosed_code_block_in_markdown(lesson_dir):
    script = SCRIPT_MD + "\n```\ncode without end\n"
    assert problems(lesson_dir(script=script)) == ["L/script.md:10:1: code block opened with ``` is never closed — add "
                                                   "a line with ``` where the block ends"]


def test_text_before_the_first_card(lesson_dir):
    script = "Some intro text\n\n" + SCRIPT_MD
    assert problems(lesson_dir(script=script)) == [
        "L/script.md:1:1: text before the first card heading belongs to no card — start every card with a line '## "
        "Card heading', or delete this text"
    ]


@pytest.mark.media
def test_image_without_alt_text(lesson_dir):
    script = SCRIPT_MD.replace("- Lean on a table", "- Lean on a table\n\n![](media/photo.png)")
    folder = lesson_dir(script=script)
    make_image(folder / "media" / "photo.png", size="64x48")
    assert problems(folder) == [
        "L/script.md:8:1: image media/photo.png has no alt text — describe the picture for people who cannot see it: "
        "![a teacher holding a phone](media/photo.jpg)"
    ]


def test_card_section_not_in_script_and_unused_section(lesson_dir):
    folder = lesson_dir(LESSON_YAML.replace("section: hold-steady", "section: hold-stedy"))
    assert problems(folder) == [
        "L/lesson.yaml:15:3: sequence: card section 'hold-steady' of the script is not shown anywhere — add '- type: "
        "card' with 'section: hold-steady' to the sequence, or delete the section",
        "L/lesson.yaml:19:14: sequence[1].section: no section 'hold-stedy' in the script — did you mean 'hold-steady'?",
    ]


def test_bad_time_and_format(lesson_dir):
    yaml = LESSON_YAML.replace('formats: ["16:9"]', "formats: [square]").replace("max_duration: 90", "max_duration: 1 minute")
    assert problems(lesson_dir(yaml)) == [
        "L/lesson.yaml:12:11: formats[0]: 'square' is not one of 16:9, 9:16 — write one of: 16:9, 9:16",
        "L/lesson.yaml:13:15: max_duration: '1 minute' is not a time — write seconds (4.5) or minutes:seconds (01:30)",
    ]


def test_unquoted_aspect_and_times_read_as_written(lesson_dir):
    """YAML 1.1 would read 16:9 and 01:30 as base-60 numbers; we read the text as written."""
    yaml = LESSON_YAML.replace('formats: ["16:9"]',
                               "formats: [16:9, 9:16]").replace("max_duration: 90", "max_duration: 01:30")
    lesson = load_lesson(lesson_dir(yaml))
    assert lesson.formats == ("16:9", "9:16")
    assert lesson.max_duration == 90.0


def test_all_errors_of_a_lesson_at_once(lesson_dir):
    yaml = LESSON_YAML.replace("language: en", "language: fr").replace("licence: CC-BY-4.0", "licence: MIT").replace("audience: teachers\n", "")
    found = problems(lesson_dir(yaml, script=SCRIPT_MD + "\n## \n"))
    assert len(found) == 4
    assert [m.split(": ")[1] for m in found] == ["audience", "language", "licence",
                                                 "card heading is empty — write the card's heading after '## '"]


def test_card_without_narration_needs_duration(lesson_dir):
    script = SCRIPT_MD.replace("Narration: Hold the phone with both hands. Lean on a table to keep it steady.\n", "")
    assert problems(lesson_dir(script=script)) == [
        "L/lesson.yaml:18:5: sequence[1]: card 'hold-steady' has no narration and no duration — add a 'Narration:' "
        "paragraph to the section, or 'duration: 5' here"
    ]


def test_unknown_part_type(lesson_dir):
    yaml = LESSON_YAML.replace("type: end", "type: ending")
    assert problems(lesson_dir(yaml)) == ["L/lesson.yaml:20:11: sequence[2].type: 'ending' is not one of title, clip, "
                                          "card, end — did you mean 'end'? write one of: title, clip, card, end"]


def test_folder_name_must_be_a_slug(lesson_dir):
    assert problems(lesson_dir(slug="My Lesson")) == [
        "L: lesson folder name 'My Lesson' must be lower-case letters, digits and dashes — rename the folder to my-lesson"
    ]


def test_korean_and_russian_section_ids(lesson_dir):
    script = ("## 왜 짧은 영상인가\n\n- 하나의 아이디어\n\nNarration: 짧은 영상은 집중을 돕습니다.\n\n"
              "## Почему коротко\n\nОзвучка: Короткие видео удерживают внимание.\n")
    yaml = LESSON_YAML.replace("section: hold-steady", "section: 왜-짧은-영상인가").replace("  - type: end",
            "  - type: card\n    section: почему-коротко\n  - type: end")
    lesson = load_lesson(lesson_dir(yaml, script=script))
    assert [s.id for s in lesson.sections] == ["왜-짧은-영상인가", "почему-коротко"]
    assert lesson.sections[1].narration == "Короткие видео удерживают внимание."


def test_narration_is_spoken_words_only(lesson_dir):
    script = SCRIPT_MD.replace(
        "Narration: Hold the phone with both hands. Lean on a table to keep it steady.\n",
        "Narration: Hold the <b>phone</b> with both hands.\nLean on a **table**.\nNarration: And smile.\n")
    assert problems(lesson_dir(script=script)) == [
        "L/script.md:8:21: HTML tags are not allowed in narration — write the words exactly as they are spoken",
        "L/script.md:8:29: HTML tags are not allowed in narration — write the words exactly as they are spoken",
        "L/script.md:9:11: narration contains bold marks (** or __), which would be read aloud and shown in the captions"
        " — write the words exactly as they are spoken; put formatting on the card text above the narration",
        "L/script.md:10:1: card 'Hold the phone steady' has a second 'Narration:' line (its narration started on line 8)"
        " — keep one narration marker per card and continue the words on the following lines",
    ]


def test_narration_key_on_a_card_says_where_narration_goes(lesson_dir):
    folder = lesson_dir(LESSON_YAML.replace("    section: hold-steady\n",
                                            "    section: hold-steady\n    narration: Hold it steady.\n"))
    assert problems(folder) == [
        "L/lesson.yaml:20:5: sequence[1].narration: unknown key 'narration'"
        " — a card's narration is written in the script, under its '## Heading', after a line 'Narration:'"
    ]


def test_unquoted_colour_reads_as_a_comment(lesson_dir):
    folder = lesson_dir(LESSON_YAML + "school:\n  name: Lyceum 1\n  colors:\n    accent: #1a5fb4\n")
    assert problems(folder) == [
        "L/lesson.yaml:26:12: school.colors.accent: is empty — in YAML '#' starts a comment, so a colour must be in "
        "quotes, e.g. \"#1a5fb4\""
    ]


def test_recorded_narration_needs_audio_on_every_card(lesson_dir):
    folder = lesson_dir(LESSON_YAML + "narration: recorded\n")
    assert problems(folder) == [
        "L/lesson.yaml:18:5: sequence[1]: the lesson's narration is 'recorded', but card 'hold-steady' has no audio"
        " — add 'audio: media/<recording>.m4a' to this card, or set 'narration: synthesised'"
    ]


@pytest.mark.skipif(not __import__("shutil").which("espeak-ng"),
                    reason="espeak-ng is not installed (make test installs it)")
@pytest.mark.media
def test_voice_must_exist_and_speak_the_language(lesson_dir):
    assert problems(lesson_dir(LESSON_YAML + "voice: en-uss\n")) == [
        "L/lesson.yaml:23:8: voice: 'en-uss' is not a voice espeak-ng has — did you mean 'en-us'?"]
    assert problems(lesson_dir(LESSON_YAML + "voice: ru\n")) == [
        "L/lesson.yaml:23:8: voice: voice 'ru' does not speak the lesson's language 'en' — choose a en voice, e.g. en-us, or leave 'voice' out"]


CLIP_ONLY = LESSON_YAML.split("sequence:")[0] + "sequence:\n  - type: clip\n    file: media/clip.mp4\n"


@pytest.mark.media
@pytest.mark.parametrize("script", [None, ""])
def test_a_lesson_of_one_clip_needs_no_script(lesson_dir, script):
    folder = lesson_dir(CLIP_ONLY, script=script)
    make_video(folder / "media" / "clip.mp4", seconds=1, size="160x90")
    lesson = load_lesson(folder)
    assert [item.kind for item in lesson.sequence] == ["clip"] and lesson.sections == ()


@pytest.mark.media
def test_a_lesson_of_one_clip_still_checks_a_script_it_names(lesson_dir):
    folder = lesson_dir(CLIP_ONLY.replace("sequence:", "script: notes.md\nsequence:"), script=None)
    make_video(folder / "media" / "clip.mp4", seconds=1, size="160x90")
    assert problems(folder) == ["L/notes.md: the script file is missing — create it with one '## Card heading' section per card"]
