"""The camera move on a card's picture (pipeline/transcode/camera.py): real ffmpeg, frames measured.

- pure: the move eases from ZOOM to 1 and lasts MOVE_SECONDS in whole slide units;
- one segment: the picture's box changes between the first and last frame, nothing outside it
  does, the move ends exactly on the slide as drawn, and its headers are those of a clip segment;
- the stages: a card with a picture moves in the built video, and stays still (identical first
  and last frame) when the theme says ``camera: still``.
"""
from __future__ import annotations

import logging
import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline import ffmpeg
from pipeline.cards import STAGE as CARDS
from pipeline.cards.theme import load_theme
from pipeline.contracts import Upstream
from pipeline.errors import ConfigError
from pipeline.lesson.loader import load_lesson
from pipeline.stage import Context, ObjectStore, Settings
from pipeline.templates import default_templates
from pipeline.transcode import camera, commands
from pipeline.transcode.assemble import transcode
from pipeline.transcode.settings import MediaSettings
from tests.conftest import LESSON_YAML

SIZE = (480, 270)
FAST = MediaSettings(sizes=(("16:9", SIZE), ("9:16", (270, 480))), preset="fast")
BOX = (240, 40, 200, 180)  # x, y, w, h on the 480x270 slide


def _frames(path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]


def _slide(path) -> None:
    """A text-like left half and a detailed picture in BOX (a checkerboard with a diagonal)."""
    image = Image.new("RGB", SIZE, "#fbf7f0")
    draw = ImageDraw.Draw(image)
    for row in range(5):
        draw.rectangle((20, 40 + 40 * row, 200, 60 + 40 * row), fill="#1d2733")
    x, y, w, h = BOX
    for i in range(0, w, 20):
        for j in range(0, h, 20):
            draw.rectangle((x + i, y + j, x + i + 19, y + j + 19), fill="#b0401c" if (i + j) // 20 % 2 else "#2a6f97")
    draw.line((x, y, x + w - 1, y + h - 1), fill="white", width=5)
    image.save(path)


def _inside(frame: np.ndarray) -> np.ndarray:
    x, y, w, h = BOX
    return frame[y:y + h, x:x + w]


def _outside(frame: np.ndarray) -> np.ndarray:
    masked = frame.copy()
    x, y, w, h = BOX
    masked[max(0, y - 2):y + h + 2, max(0, x - 2):x + w + 2] = 0
    return masked


def test_the_move_eases_from_the_zoom_back_to_the_picture_in_whole_units():
    move = camera.move_for((0, 0, 100, 100), 600, MediaSettings())
    assert move.frames == 90 and move.frames % MediaSettings().slide_unit == 0
    zooms = [move.zoom(n) for n in range(0, 161)]
    assert zooms[0] == pytest.approx(1 + camera.ZOOM) and zooms[90] == 1.0 == zooms[160]
    assert all(a >= b for a, b in zip(zooms, zooms[1:]))  # never back and forth
    assert zooms[80] - zooms[90] < (zooms[0] - zooms[10]) / 10  # eases out: slowest at the end
    assert camera.move_for((0, 0, 100, 100), 60, MediaSettings()).frames == 60  # a short hold: the whole hold
    assert camera.move_for(None, 600, MediaSettings()) is None


@pytest.mark.media
def test_a_camera_segment_moves_the_picture_only_and_lands_on_the_slide(tmp_path):
    png = tmp_path / "slide.png"
    _slide(png)
    move = camera.Move(BOX, 30)
    ffmpeg.run(camera.segment(str(png), move, 0, 30, SIZE, FAST, str(tmp_path / "move.mp4")))
    ffmpeg.run(commands.slide_segment(str(png), 15, SIZE, FAST, str(tmp_path / "still.mp4")))
    moving, still = _frames(tmp_path / "move.mp4"), _frames(tmp_path / "still.mp4")
    assert len(moving) == 30 and len(still) == 15
    first, last = moving[0], moving[-1]
    assert np.abs(_inside(first) - _inside(last)).mean() > 10  # the picture is framed differently...
    # ...and nothing else moved: outside the box only x264's noise on sharp edges (measured: 12 pixels of 130,000)
    changed = np.abs(_outside(first) - _outside(last)).max(axis=2) > 6
    assert changed.mean() < 0.001
    # the move ends on the picture as drawn: its last frame is the still slide's frame
    assert np.abs(_inside(last) - _inside(still[0])).mean() < 1.5
    # the first frame is the picture enlarged by ZOOM about its centre: its middle is the drawn middle
    x, y, w, h = BOX
    zoomed = np.asarray(Image.open(png).convert("RGB").crop((x, y, x + w, y + h)).resize(
        (round(w * (1 + camera.ZOOM) / 2) * 2, round(h * (1 + camera.ZOOM) / 2) * 2), Image.BILINEAR), dtype=int)
    top, left = (zoomed.shape[0] - h) // 2, (zoomed.shape[1] - w) // 2
    expected = zoomed[top:top + h, left:left + w]
    assert np.abs(_inside(first) - expected).mean() < np.abs(_inside(last) - expected).mean() / 2


@pytest.mark.media
def test_camera_and_slide_segments_share_the_clips_headers_at_the_product_preset(tmp_path):
    """Segments are joined by stream copy: the slides' faster x264 options must leave SPS/PPS alone."""
    import av

    png = tmp_path / "slide.png"
    _slide(png)
    clip = tmp_path / "clip.mp4"
    ffmpeg.run(["ffmpeg", "-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", f"testsrc2=s={SIZE[0]}x{SIZE[1]}:r=30:d=1",
                "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(clip)])
    outs = {"clip": commands.clip_segment(str(clip), 0, 30, commands.Source(*SIZE), SIZE, FAST, str(tmp_path / "c.mp4")),
            "slide": commands.slide_segment(str(png), 15, SIZE, FAST, str(tmp_path / "s.mp4")),
            "camera": camera.segment(str(png), camera.Move(BOX, 30), 0, 15, SIZE, FAST, str(tmp_path / "m.mp4"))}
    assert "subme=1:chroma-qp-offset=-2" in " ".join(outs["camera"])
    headers = {}
    for name, argv in outs.items():
        ffmpeg.run(argv)
        with av.open(str(tmp_path / f"{name[0]}.mp4")) as container:
            headers[name] = bytes(container.streams.video[0].codec_context.extradata)
    assert headers["slide"] == headers["clip"] == headers["camera"]
    # and the same bytes twice (x264 single-threaded, bitexact)
    ffmpeg.run(camera.segment(str(png), camera.Move(BOX, 30), 0, 15, SIZE, FAST, str(tmp_path / "again.mp4")))
    assert (tmp_path / "again.mp4").read_bytes() == (tmp_path / "m.mp4").read_bytes()


SCRIPT = """\
# Framing

## Eyes on the upper line {#framing}

![A phone on a stand, the camera grid on the screen](media/grid.png)

Keep your eyes on the upper line of the grid.

Narration: Keep your eyes on the upper line of the grid. The picture shows how. Leave some room above your head,
and keep the bottom of the screen free, because that is where the captions go.
"""


def _build(tmp_path, lesson_dir, templates):
    folder = lesson_dir(yaml=LESSON_YAML.replace("section: hold-steady", "section: framing"), script=SCRIPT)
    _slide(folder / "media" / "grid.png")
    lesson = load_lesson(folder, probe_media=False)
    build = tmp_path / f"build-{templates.name}"
    ctx = Context(lesson, Settings(lesson.root.parent, build, templates=templates), build / lesson.slug,
                  ObjectStore(tmp_path / f"objects-{templates.name}"), Upstream(), logging.getLogger("test"))
    cards = CARDS.run(ctx)
    ctx = Context(lesson, ctx.settings, ctx.out, ctx.objects, Upstream(cards=cards), ctx.log)
    small = MediaSettings(sizes=(("16:9", SIZE), ("9:16", (270, 480))), preset="veryfast")
    result = transcode(ctx, small)
    card = next(p for p in result.timeline if p.kind == "card")
    frames = _frames(ctx.out / result.videos["16:9"])
    # the part's first frame against the first frame of its last half-second unit: when nothing
    # moves both are the first frame of the same stored unit, decoded from the same bytes
    first, last = round(card.start * 30), round(card.end * 30) - small.slide_unit
    assert last - first >= 90
    return cards.slides["16:9"].pictures.get("framing"), frames[first], frames[last]


@pytest.mark.media
def test_a_card_picture_moves_in_the_video_and_stays_still_when_the_theme_says_so(tmp_path, lesson_dir):
    box, first, last = _build(tmp_path, lesson_dir, default_templates())
    assert box is not None and box[2] > 100 and box[3] > 100  # measured on the 1920x1080 slide
    x, y, w, h = camera.scaled_box(box, SIZE, (1920, 1080))
    assert np.abs(first[y:y + h, x:x + w] - last[y:y + h, x:x + w]).mean() > 5

    still = tmp_path / "templates"
    shutil.copytree(default_templates(), still)
    theme = still / "themes" / "classic" / "theme.yaml"
    theme.write_text(theme.read_text(encoding="utf-8") + "camera: still\n", encoding="utf-8")
    box, first, last = _build(tmp_path, lesson_dir, still)
    assert box is None
    assert np.abs(first - last).max() == 0


def test_an_unknown_camera_setting_names_the_theme_file_and_the_choices(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(default_templates(), templates)
    folder = templates / "themes" / "odd"
    shutil.copytree(templates / "themes" / "classic", folder)
    (folder / "theme.yaml").write_text((folder / "theme.yaml").read_text(encoding="utf-8") + "camera: zoom\n",
                                       encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_theme("odd", templates)
    assert "templates/themes/odd/theme.yaml" in str(caught.value)
    assert "camera: 'zoom' is not one of move, still — write one of: move, still" in str(caught.value)


@pytest.mark.media
def test_only_cards_with_a_picture_and_without_a_recorded_narration_move(tmp_path):
    """The jobs of a format: a recorded card stays still units; a synthesised one starts with its move."""
    from pipeline.contracts import CardsResult, SlideSet
    from pipeline.transcode.assemble import _video_jobs
    from pipeline.transcode.plan import Part, Plan
    from tests.transcode_helpers import context, lesson, section

    out = tmp_path / "build" / "demo"
    (out / "cards").mkdir(parents=True)
    for name in ("a", "b", "c", "t", "e"):
        _slide(out / "cards" / f"{name}.png")
    slides = SlideSet("cards/t.png", "cards/e.png", cards={k: f"cards/{k}.png" for k in "abc"},
                      pictures={"a": (1070, 170, 720, 720), "b": (1070, 170, 720, 720)})
    the_lesson = lesson(tmp_path / "content" / "demo", (), (section("a", ""), section("b", ""), section("c", "")))
    ctx = context(the_lesson, out, tmp_path / "objects", CardsResult(slides={"16:9": slides}, cards=(), handout="", theme=""))
    plan = Plan((Part(0, "card", 300, section="a", file="media/voice.wav"), Part(1, "card", 300, section="b"),
                 Part(2, "card", 300, section="c")))
    kinds = [(job.key["kind"], job.key["frames"]) for job in _video_jobs(ctx, plan, "16:9", FAST)]
    assert kinds[:20] == [("slide", 15)] * 20  # a: recorded narration, still
    assert kinds[20:35] == [("camera", 90)] + [("slide", 15)] * 14  # b: 3 s of move, then the slide as drawn
    assert kinds[35:] == [("slide", 15)] * 20  # c: no picture
