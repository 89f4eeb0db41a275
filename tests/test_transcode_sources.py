"""Whatever teachers record is fitted to the house format: each kind of source through the stage,
checked with PyAV and pyloudnorm (independent of our probe and of ffmpeg's loudnorm)."""
from __future__ import annotations

import pytest

from conftest import make_video, run_ffmpeg
from pipeline.lesson.model import Clip
from transcode_helpers import build, house_ok, inspect, lesson, loudness

pytestmark = [pytest.mark.media]


def _vfr(path):
    # keep every frame for 1 s, then every third: the timestamps keep their gaps (VFR)
    make_video(path.with_name("dense.mp4"), seconds=4, size="320x240")
    run_ffmpeg("-i", str(path.with_name("dense.mp4")), "-vf", "select='lt(n,30)+not(mod(n,3))'", "-fps_mode", "vfr", "-c:v", "libx264",
               "-preset", "ultrafast", "-c:a", "copy", str(path))


SOURCES = {
    "4x3": lambda p: make_video(p, seconds=4, size="320x240"),
    "21x9": lambda p: make_video(p, seconds=4, size="504x216"),
    "hevc": lambda p: make_video(p, seconds=4, size="320x180", codec="libx265", extra=("-x265-params", "log-level=error")),
    "mono-44k-60fps": lambda p: make_video(p, seconds=4, size="320x180", rate="60"),
    "vfr": _vfr,
    "rotated-portrait": lambda p: (make_video(p.with_name("flat.mp4"), seconds=4, size="320x180"),
                                   run_ffmpeg("-display_rotation:v:0", "90", "-i", str(p.with_name("flat.mp4")), "-c", "copy", str(p))),
}


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_source_is_fitted_in_both_formats(tmp_path, kind):
    root = tmp_path / "content" / "demo"
    SOURCES[kind](root / "media" / "clip.mp4")
    the_lesson = lesson(root, (Clip("media/clip.mp4", start=0.5, end=3.9),), formats=("16:9", "9:16"))
    result = build(the_lesson, tmp_path / "build" / "demo", tmp_path / "objects")
    assert result.frames == 102  # 3.4 s at 30 fps, whatever the source's rate
    for fmt, size in (("16:9", (320, 180)), ("9:16", (180, 320))):
        probed = inspect(tmp_path / "build" / "demo" / result.videos[fmt])
        house_ok(probed, size, 102)
        integrated, peak = loudness(probed.audio)
        assert abs(integrated + 16) <= 1.0 and peak <= -1.5
    level = result.loudness
    assert level.reliable and level.mode in ("linear", "limited") and abs(level.after.I + 16) <= 1


def test_clip_without_audio_gets_a_silent_track(tmp_path):
    root = tmp_path / "content" / "demo"
    make_video(root / "media" / "mute.mp4", seconds=2, size="320x180", audio=False)
    the_lesson = lesson(root, (Clip("media/mute.mp4"),))
    result = build(the_lesson, tmp_path / "build" / "demo", tmp_path / "objects")
    probed = inspect(tmp_path / "build" / "demo" / result.videos["16:9"])
    house_ok(probed, (320, 180), 60)
    assert float(abs(probed.audio).max()) == 0.0
    assert result.loudness.gain_db == 0.0 and result.loudness.reliable is False


def test_short_clip_is_flagged_as_not_reliably_measurable(tmp_path):
    root = tmp_path / "content" / "demo"
    make_video(root / "media" / "short.mp4", seconds=2, size="320x180")
    result = build(lesson(root, (Clip("media/short.mp4"),)), tmp_path / "build" / "demo", tmp_path / "objects")
    level = result.loudness
    assert level.reliable is False and level.short_clips == ("media/short.mp4",)
    assert [c.as_dict() for c in result.checks] == [{"id": "loudness.short_clip", "passed": None, "value": 2.0, "limit": 3.0,
                                      "detail": "media/short.mp4 lasts 2.0 s: too short to measure its loudness reliably"}]
    house_ok(inspect(tmp_path / "build" / "demo" / result.videos["16:9"]), (320, 180), 60)
