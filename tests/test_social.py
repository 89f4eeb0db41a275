"""Open captions: the ASS script and ffmpeg commands (pure), and real burned-in frames compared
pixel by pixel with the clean video (captions inside the safe area at a cue's time, nothing
anywhere outside a cue)."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import LessonError
from pipeline.lesson.loader import load_lesson
from pipeline.transcode.opencaptions import ass, burned_formats, captioned_path, run
from pipeline.transcode.opencaptions.burn import burn_chunk, filter_value
from pipeline.transcode.opencaptions.safearea import SAFE_AREAS, safe_area
from pipeline.cards.fonts import BOLD, FAMILIES, font_file
from pipeline.contracts import CaptionCue, CaptionFiles, CaptionFont, CaptionResult, CardsResult, SlideSet, TranscodeResult, Upstream
from pipeline.stage import Context, ObjectStore, Settings
from pipeline.transcode.settings import MediaSettings
from tests.conftest import LESSON_YAML, make_image, run_ffmpeg

SMALL = MediaSettings(sizes=(("16:9", (480, 270)), ("9:16", (270, 480))), preset="ultrafast", chunk=60)


def test_the_9x16_safe_area_in_pixels_leaves_every_platforms_buttons_free():
    assert safe_area("9:16").box((1080, 1920)) == (65, 269, 950, 1248)
    assert safe_area("16:9").box((1920, 1080)) == (96, 54, 1824, 1026)
    assert set(SAFE_AREAS) == {"9:16", "16:9"}


def test_ass_pieces():
    assert ass.timestamp(3723.456) == "1:02:03.46"
    assert ass.timestamp(0.004) == "0:00:00.00"
    assert ass.colour("#1d2733") == "&H0033271D"
    assert ass.escape("a{b}\\N") == "a\\{b\\}\\\u2060N"
    # a 10-em line on a 1080-wide frame with 65 + 130 px margins: (1080 - 195) / (10 + 0.6) = 83 -> capped at 65
    assert ass.fit_size(10, (1080, 1920), (65, 269, 130, 672)) == 65
    assert ass.fit_size(20, (1080, 1920), (65, 269, 130, 672)) == 42
    assert ass.smallest((1080, 1920)) == 30


def test_ass_document_keeps_the_caption_lines_and_places_the_box_on_the_safe_area():
    style = ass.Style("mlcap-dejavu-sans", 60, "#fbf7f0", "#1d2733", 18, (65, 269, 130, 672))
    text = ass.document([{"start": 1.0, "end": 2.5, "lines": ["Hold the phone", "with both hands."]}], style, (1080, 1920))
    lines = text.splitlines()
    assert "PlayResX: 1080" in lines and "PlayResY: 1920" in lines and "WrapStyle: 2" in lines
    assert "Style: Open,mlcap-dejavu-sans,60,&H00F0F7FB,&H00F0F7FB,&H0033271D,&H0033271D,0,0,0,0,100,100,0,0,3,18,0,2,83,148,690,1" in lines
    assert lines[-1] == "Dialogue: 0,0:00:01.00,0:00:02.50,Open,,0,0,0,,Hold the phone\\Nwith both hands."


def test_burn_chunk_command():
    argv = burn_chunk("/b/v.mp4", 60, 30, "/b/x:y.ass", "/b/f,d", SMALL, "out.mp4")
    assert argv[:9] == ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-y", "-ss", "2", "-protocol_whitelist", "file"]
    graph = argv[argv.index("-vf") + 1]
    assert graph == "setpts=PTS+2/TB,ass=filename=/b/x\\\\:y.ass:fontsdir=/b/f\\,d:shaping=complex,setpts=PTS-STARTPTS"
    assert argv[argv.index("-frames:v") + 1] == "30" and argv[-1] == "out.mp4"
    assert "-ss" not in burn_chunk("/b/v.mp4", 0, 30, "a.ass", "f", SMALL, "o.mp4")
    assert filter_value("it's") == "it\\\\\\'s"


def test_burn_in_defaults_to_9x16_and_must_name_a_built_format(lesson_dir):
    both = LESSON_YAML.replace('formats: ["16:9"]', 'formats: ["16:9", "9:16"]')
    assert burned_formats(load_lesson(lesson_dir(yaml=both, slug="a"), probe_media=False)) == ("9:16",)
    assert burned_formats(load_lesson(lesson_dir(slug="b"), probe_media=False)) == ()
    chosen = both + "captions:\n  burn_in: [16:9, 9:16]\n"
    assert burned_formats(load_lesson(lesson_dir(yaml=chosen, slug="c"), probe_media=False)) == ("16:9", "9:16")
    off = both + "captions:\n  burn_in: []\n"
    assert burned_formats(load_lesson(lesson_dir(yaml=off, slug="d"), probe_media=False)) == ()
    wrong = LESSON_YAML + "captions:\n  burn_in: [9:16]\n"
    with pytest.raises(LessonError) as caught:
        load_lesson(lesson_dir(yaml=wrong, slug="e"), probe_media=False)
    assert ("e/lesson.yaml:24:12: captions.burn_in: 9:16 is not among the lesson's formats (16:9) — "
            "add 9:16 to 'formats', or remove it from 'burn_in'") in str(caught.value)


CUE = CaptionCue(1, 0.5, 1.5, ("Hold the phone", "with both hands."), 1.0, False, 1)
LATE = CaptionCue(2, 2.4, 3.0, ("Привет, 세계",), 1.0, False, 1)


def _fonts(keys=("dejavu-sans", "nanum-gothic")) -> tuple[CaptionFont, ...]:
    """The classic theme's body stack, as the cards stage hands it over."""
    from pipeline.fsutil import sha256_file

    return tuple(CaptionFont(k, str(font_file(FAMILIES[k].file_for(BOLD))), sha256_file(font_file(FAMILIES[k].file_for(BOLD)))) for k in keys)


def _context(tmp_path: Path, lesson_dir, language: str = "en", cues=(CUE,)) -> Context:
    yaml = LESSON_YAML.replace('formats: ["16:9"]', 'formats: ["9:16"]').replace("language: en", f"language: {language}")
    lesson = load_lesson(lesson_dir(yaml=yaml), probe_media=False)
    out = tmp_path / "build" / lesson.slug
    (out / "video").mkdir(parents=True)
    clean = out / "video" / f"{lesson.slug}-9x16.mp4"
    # a flat picture with a moving square: the encoder's noise stays far below a caption's contrast
    run_ffmpeg("-f", "lavfi", "-i", "color=c=0x3b6e8f:s=270x480:r=30:d=3.2[bg];color=c=yellow:s=40x40:r=30:d=3.2[sq];[bg][sq]overlay=x='20+t*60':y=60",
               "-f", "lavfi", "-i", "sine=f=440:r=48000:d=3.2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "60",
               "-c:a", "aac", "-shortest", str(clean))
    from pipeline.contracts import Level, Loudness

    level = Level(-16.0, -2.0, 5.0)
    make_image(out / "cards" / "title-9x16.png", "270x480", "navy")  # the cover: the title slide
    upstream = Upstream(
        cards=CardsResult(slides={"9:16": SlideSet("cards/title-9x16.png", "cards/end-9x16.png")}, cards=(), handout="", theme="classic",
                          palette={"background": "#fbf7f0", "text": "#1d2733"},
                          caption_fonts=_fonts()),
        transcode=TranscodeResult(duration=3.2, frames=96, videos={"9:16": f"video/{lesson.slug}-9x16.mp4"}, thumbnail="", poster="",
                                  posters={}, timeline=(), loudness=Loudness(level, level, "linear", 0.0, True, "")),
        caption=CaptionResult(cues=tuple(cues), files=CaptionFiles("", "", "", ""), qc=(), rules={}, divergences=(), parts=()))
    return Context(lesson, Settings(tmp_path / "content", tmp_path / "build"), out, ObjectStore(tmp_path / "objects"), upstream,
                   logging.getLogger("microlearn.test"))


def _frames(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]


@pytest.mark.media
def test_captions_are_burned_in_only_inside_the_safe_area_and_only_during_cues(tmp_path, lesson_dir):
    ctx = _context(tmp_path, lesson_dir, cues=(CUE, LATE))
    result = run(ctx, SMALL, workers=1)
    rel = captioned_path(ctx.lesson.slug, "9:16")
    assert result.videos == {"9:16": rel} and [a.kind for a in result.artifacts] == ["cover", "captioned-video"]
    assert result.covers == {"9:16": f"video/{ctx.lesson.slug}-9x16-cover.jpg"}
    clean, burned = _frames(ctx.out / f"video/{ctx.lesson.slug}-9x16.mp4"), _frames(ctx.out / rel)
    assert len(clean) == len(burned) == 96
    x0, y0, x1, y1 = safe_area("9:16").box((270, 480))
    assert result.styles["9:16"].safe_area == (x0, y0, x1, y1) and result.styles["9:16"].font == "NanumGothicBold.ttf"
    for index, (a, b) in enumerate(zip(clean, burned)):
        changed = np.abs(a - b).max(axis=2) > 48
        t = index / 30
        shown = any(c.start <= t < c.end for c in (CUE, LATE))
        if not shown:
            assert not changed.any(), f"frame {index} ({t:.2f} s) changed outside every cue"
            continue
        ys, xs = np.nonzero(changed)
        assert len(ys) > 500, f"frame {index} ({t:.2f} s): no caption drawn"
        assert x0 <= xs.min() and xs.max() < x1 and y0 <= ys.min() and ys.max() < y1, \
            f"frame {index}: caption at x {xs.min()}..{xs.max()}, y {ys.min()}..{ys.max()}, outside the safe area {x0, y0, x1, y1}"
        # bottom-aligned: the box sits on the safe area's lower edge
        assert ys.max() >= y1 - 3


@pytest.mark.media
def test_a_character_no_theme_font_has_is_named(tmp_path, lesson_dir):
    ctx = _context(tmp_path, lesson_dir, cues=(CaptionCue(1, 0.5, 1.5, ("Tiles \U0001F4DA",), 1.0, False, 1),))
    with pytest.raises(LessonError) as caught:
        run(ctx, SMALL, workers=1)
    assert str(caught.value).endswith("script.md: narration: open captions: no font of the theme 'classic' has U+1F4DA '\U0001F4DA'"
                                      " — write these characters as words, or choose another theme")
