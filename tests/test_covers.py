"""Covers (pipeline/transcode/cover.py) and platform limits (pipeline/platforms.py).

- pure: the platform table, the loader's messages for a platform whose format is not built, a lesson
  already too long for a platform at ``check``, an unknown platform or cover; the plan's check;
- media: the cover of a built lesson exists beside the video at the video's size, shows the chosen
  card with the title drawn in the theme's colours (measured against the slide without it), the
  same bytes twice; a frame cover past the video's end is refused with the field named.
"""
from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.cards import STAGE as CARDS
from pipeline.contracts import Upstream
from pipeline.errors import LessonError
from pipeline.lesson.loader import load_lesson
from pipeline.platforms import PLATFORMS
from pipeline.stage import Context, ObjectStore, Settings
from pipeline.transcode import cover
from pipeline.transcode.opencaptions import _covers
from pipeline.transcode.plan import Part, Plan, check_platforms
from pipeline.transcode.settings import MediaSettings
from tests.conftest import LESSON_YAML, SCRIPT_MD


def _problems(caught) -> str:
    return "\n".join(str(d) for d in caught.value.diagnostics)


def test_every_platform_takes_the_house_portrait_video_and_names_its_source():
    assert set(PLATFORMS) == {"vk-clips", "youtube-shorts", "instagram-reels", "tiktok"}
    for platform in PLATFORMS.values():
        assert platform.format == "9:16" and platform.size == (1080, 1920) and platform.source
        assert platform.too_long(60.0) is None
    assert PLATFORMS["youtube-shorts"].too_long(181.0) == "the video would last 181.0 s, over the 180 s YouTube Shorts allows"
    assert PLATFORMS["instagram-reels"].too_long(2.0) == "the video would last 2.0 s, under the 3 s Instagram Reels requires"


def test_check_names_a_platform_whose_format_is_not_built(lesson_dir):
    yaml = LESSON_YAML.replace("max_duration: 90", "max_duration: 90\nplatforms: [tiktok, vk-clips]")
    with pytest.raises(LessonError) as caught:
        load_lesson(lesson_dir(yaml=yaml), probe_media=False)
    assert ("lesson.yaml:14:12: platforms: TikTok takes 9:16 videos, but 'formats' has only 16:9 — "
            'add "9:16" to formats, or remove tiktok') in _problems(caught)
    assert "VK Clips takes 9:16 videos" in _problems(caught)


def test_check_fails_a_lesson_already_too_long_for_a_platform(lesson_dir):
    cards = "".join(f"  - type: card\n    section: part-{n}\n    duration: 50\n" for n in range(4))
    script = "# Long\n\n" + "".join(f"## Part {n} {{#part-{n}}}\n\nText {n}.\n\n" for n in range(4))
    yaml = (LESSON_YAML.replace('formats: ["16:9"]', 'formats: ["9:16"]').replace("max_duration: 90", "max_duration: 300\n"
            "platforms: [youtube-shorts, tiktok]").replace("  - type: card\n    section: hold-steady\n", cards))
    with pytest.raises(LessonError) as caught:
        load_lesson(lesson_dir(yaml=yaml, script=script), probe_media=False)
    text = _problems(caught)
    assert ("lesson.yaml:14:12: platforms: the lesson would last at least 204.0 s, over the 180 s YouTube Shorts allows — "
            "shorten clips or narration, or remove youtube-shorts") in text
    assert "TikTok" not in text  # 10 minutes


def test_an_unknown_platform_or_cover_is_named_with_what_to_write(lesson_dir):
    yaml = LESSON_YAML.replace("max_duration: 90", "max_duration: 90\nplatforms: [youtube-short]\ncover: hold-stedy")
    with pytest.raises(LessonError) as caught:
        load_lesson(lesson_dir(yaml=yaml), probe_media=False)
    text = _problems(caught)
    assert "platforms[0]: 'youtube-short' is not one of vk-clips, youtube-shorts, instagram-reels, tiktok — did you mean 'youtube-shorts'?" in text
    assert ("lesson.yaml:15:8: cover: 'hold-stedy' is not the title, a card of the sequence or a time — did you mean 'hold-steady'? "
            "write title, the id of a card the sequence shows (hold-steady), or a time in the video such as 00:12") in text


def test_the_plan_fails_before_encoding_when_the_narration_makes_it_too_long(lesson_dir):
    yaml = LESSON_YAML.replace('formats: ["16:9"]', 'formats: ["9:16"]').replace("max_duration: 90", "max_duration: 300\n"
                                                                                  "platforms: [instagram-reels]")
    lesson = load_lesson(lesson_dir(yaml=yaml), probe_media=False)
    assert lesson.platforms == ("instagram-reels",)
    plan = Plan((Part(0, "title", 60), Part(1, "card", 181 * 30, section="hold-steady"), Part(2, "end", 60)))
    with pytest.raises(LessonError) as caught:
        check_platforms(plan, lesson, "content/first-video")
    assert _problems(caught) == ("content/first-video/lesson.yaml: platforms: the video would last 185.0 s, over the 180 s "
                                 "Instagram Reels allows — shorten clips or narration, or remove instagram-reels from platforms")


def test_the_default_cover_is_the_first_card_with_a_picture_else_the_title(lesson_dir):
    lesson = load_lesson(lesson_dir(), probe_media=False)
    assert cover.choose(lesson, set()) == cover.Choice("slide", "title", with_title=False)
    assert cover.choose(lesson, {"hold-steady"}) == cover.Choice("slide", "hold-steady")


def test_a_long_title_wraps_inside_the_box_and_a_long_word_is_broken():
    from PIL import ImageFont

    from pipeline.cards.fonts import BOLD, FAMILIES, font_file

    font = ImageFont.truetype(str(font_file(FAMILIES["dejavu-sans"].file_for(BOLD))), 60)
    lines = cover.wrap("Высокопроизводительная съёмка урока на телефон в классе", font, 500)
    assert len(lines) >= 3 and all(font.getlength(line) <= 500 for line in lines)
    assert "".join(lines).replace(" ", "") == "Высокопроизводительнаясъёмкауроканателефонвклассе"


SCRIPT = SCRIPT_MD.replace("- Use both hands", "![A phone held in both hands](media/hands.png)\n\n- Use both hands")
SIZE = (270, 480)


def _built(tmp_path, lesson_dir, extra: str = ""):
    from pipeline.transcode.assemble import transcode

    yaml = LESSON_YAML.replace('formats: ["16:9"]', 'formats: ["9:16"]').replace("max_duration: 90", "max_duration: 90" + extra)
    folder = lesson_dir(yaml=yaml, script=SCRIPT)
    picture = Image.new("RGB", (600, 400), "#2a6f97")
    ImageDraw.Draw(picture).ellipse((150, 50, 450, 350), fill="#f2cc98")
    picture.save(folder / "media" / "hands.png")
    lesson = load_lesson(folder, probe_media=False)
    build = tmp_path / "build"
    ctx = Context(lesson, Settings(lesson.root.parent, build), build / lesson.slug, ObjectStore(tmp_path / "objects"),
                  Upstream(), logging.getLogger("test"))
    cards = CARDS.run(ctx)
    ctx = Context(lesson, ctx.settings, ctx.out, ctx.objects, Upstream(cards=cards), ctx.log)
    result = transcode(ctx, MediaSettings(sizes=(("16:9", (480, 270)), ("9:16", SIZE)), preset="ultrafast"))
    return Context(lesson, ctx.settings, ctx.out, ctx.objects, Upstream(cards=cards, transcode=result), ctx.log)


@pytest.mark.media
def test_the_cover_shows_the_chosen_card_with_the_title_and_is_reproducible(tmp_path, lesson_dir):
    ctx = _built(tmp_path, lesson_dir)
    artifacts, covers = _covers(ctx)
    assert covers == {"9:16": "video/first-video-9x16-cover.jpg"}
    assert [(a.kind, a.path) for a in artifacts] == [("cover", covers["9:16"])]
    path = ctx.out / covers["9:16"]
    image = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    assert image.shape[:2] == (SIZE[1], SIZE[0])  # the video's frame size
    # the chosen card's slide (the only card, it has a picture) with the title on it
    slide = np.asarray(cover.slide_image(ctx.out / ctx.upstream.cards.slides["9:16"].cards["hold-steady"], SIZE), dtype=int)
    changed = np.abs(image - slide).max(axis=2) > 40
    rows = np.nonzero(changed.mean(axis=1) > 0.3)[0]
    assert len(rows) > 20 and SIZE[1] * 0.25 < rows.mean() < SIZE[1] * 0.75  # a box across the middle band
    assert changed[: int(SIZE[1] * 0.2)].mean() < 0.02 and changed[int(SIZE[1] * 0.8):].mean() < 0.02  # the rest is the slide
    # inside the box: the theme's text colour as the box, its background colour as the letters
    palette = ctx.upstream.cards.palette
    box = image[rows.min() + 2: rows.max() - 2, SIZE[0] // 2 - 60: SIZE[0] // 2 + 60].reshape(-1, 3)
    near = lambda colour: (np.abs(box - np.array(cover._rgb(colour))).max(axis=1) < 40).mean()  # noqa: E731
    assert near(palette["text"]) > 0.4 and near(palette["background"]) > 0.03
    first = path.read_bytes()
    path.unlink()
    _covers(ctx)
    assert path.read_bytes() == first


@pytest.mark.media
def test_a_frame_cover_past_the_end_of_the_video_names_the_field(tmp_path, lesson_dir):
    ctx = _built(tmp_path, lesson_dir, "\ncover: \"09:00\"")
    with pytest.raises(LessonError) as caught:
        _covers(ctx)
    assert "lesson.yaml: cover: 09:00 is past the end of the video (" in _problems(caught)
    assert _problems(caught).endswith("— choose a time inside the video, a card or title")
