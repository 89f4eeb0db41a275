"""End to end: the example lessons in content/ built by the CLI as a user runs it, every output
checked with independent readers (PyAV, webvtt-py, pyloudnorm, zipfile), then a no-op rebuild, and
a rebuild from scratch that must give the same bytes."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import av
import numpy as np
import pyloudnorm
import pytest
import webvtt

from conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.media]

EXAMPLES = sorted(p.name for p in (ROOT / "content").iterdir() if (p / "lesson.yaml").is_file())
SIZES = {"16:9": (1920, 1080), "9:16": (1080, 1920)}


def microlearn(content: Path, build: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "--content", str(content),
                           "--build-dir", str(build), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The examples copied to a scratch folder and built once with `microlearn build --json`."""
    scratch = tmp_path_factory.mktemp("examples")
    content = scratch / "content"
    shutil.copytree(ROOT / "content", content)
    build = scratch / "build"
    done = microlearn(content, build, "build", "--json")
    assert done.returncode == 0, done.stderr[-4000:] + done.stdout[-4000:]
    document = json.loads(done.stdout)
    return content, build, {lesson["slug"]: lesson for lesson in document["lessons"]}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_example_builds_and_lists_true_artifacts(built):
    _, build, lessons = built
    assert sorted(lessons) == EXAMPLES
    assert {"en",
            "ru", "ko"} <= {json.loads((build / s / "bundle/manifest.json").read_text())["lesson"]["language"] for s in lessons}
    for slug, lesson in lessons.items():
        assert lesson["status"] == "built", lesson.get("errors")
        kinds = {a["kind"] for a in lesson["artifacts"]}
        assert {"video", "captions", "transcript", "card", "bundle", "manifest", "review"} <= kinds, (slug, kinds)
        for artifact in lesson["artifacts"]:
            path = build / slug / artifact["path"]
            assert path.stat().st_size == artifact["bytes"] and sha256(path) == artifact["sha256"], artifact["path"]
        assert not [c for c in lesson["checks"] if c["severity"] == "blocking" and c["passed"] is False], slug


def test_videos_are_in_the_house_format(built):
    content, build, lessons = built
    for slug, lesson in lessons.items():
        videos = [a for a in lesson["artifacts"] if a["kind"] == "video"]
        assert videos, slug
        for artifact in videos:
            path = build / slug / artifact["path"]
            head = path.read_bytes()[:64 * 1024]
            assert head.find(b"moov") < head.find(b"mdat") or head.find(b"mdat") == -1, f"{path.name}: not faststart"
            with av.open(str(path)) as container:
                video = container.streams.video[0]
                audio = container.streams.audio[0]
                fmt = "9:16" if "9x16" in path.name else "16:9"
                assert (video.codec_context.name, video.codec_context.profile, video.format.name) == ("h264",
                        "High", "yuv420p")
                assert (video.width, video.height) == SIZES[fmt]
                assert video.average_rate == 30
                assert (audio.codec_context.name, audio.rate, audio.channels) == ("aac", 48000, 2)
                video_seconds = float(video.duration * video.time_base)
                audio_seconds = float(audio.duration * audio.time_base)
                assert abs(video_seconds - audio_seconds) < 0.05, (path.name, video_seconds, audio_seconds)
                limit = json.loads((build / slug / "review/review.json").read_text())
                assert video_seconds <= next(c["limit"] for c in limit["checks"] if c["id"] == "duration.limit") + 0.05


def _decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="stereo", rate=48000)
        chunks = [r.to_ndarray() for frame in container.decode(audio=0) for r in resampler.resample(frame)]
    return np.concatenate(chunks, axis=1).reshape(-1, 2), 48000


def test_loudness_is_measured_independently_at_the_house_target(built):
    _, build, lessons = built
    for slug, lesson in lessons.items():
        path = build / slug / next(a["path"] for a in lesson["artifacts"] if a["kind"] == "video")
        samples, rate = _decoded_audio(path)
        loudness = pyloudnorm.Meter(rate).integrated_loudness(samples)
        assert -17.0 <= loudness <= -15.0, (slug, loudness)


def test_captions_parse_and_fit_the_video(built):
    _, build, lessons = built
    for slug, lesson in lessons.items():
        vtt = build / slug / next(a["path"] for a in lesson["artifacts"] if a["path"].endswith(".vtt"))
        srt = build / slug / next(a["path"] for a in lesson["artifacts"] if a["path"].endswith(".srt"))
        cues = webvtt.read(str(vtt))
        assert len(cues) >= 5, slug
        starts = [c.start_in_seconds for c in cues]
        assert starts == sorted(starts)
        assert all(c.end_in_seconds > c.start_in_seconds for c in cues)
        assert all(a.end_in_seconds <= b.start_in_seconds + 1e-3 for a,
                   b in zip(cues, cues[1:])), f"{slug}: overlapping cues"
        duration = json.loads((build / slug / "bundle/manifest.json").read_text())["durations"]["total"]
        assert cues[-1].end_in_seconds <= duration + 0.05
        assert [c.text for c in webvtt.from_srt(str(srt))] == [c.text for c in cues]


def test_bundle_zip_matches_its_manifest(built):
    _, build, lessons = built
    for slug in lessons:
        manifest = json.loads((build / slug / "bundle/manifest.json").read_text())
        zip_path = next((build / slug / "bundle").glob("*.zip"))
        with zipfile.ZipFile(zip_path) as archive:
            assert archive.testzip() is None
            names = set(archive.namelist())
            for entry in manifest["files"]:
                assert entry["path"] in names
                assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
            assert json.loads(archive.read("manifest.json"))["digest"] == manifest["digest"]


def test_second_build_does_nothing(built):
    content, build, _ = built
    done = microlearn(content, build, "build", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads(done.stdout)
    assert [(l["slug"], l["status"]) for l in document["lessons"]] == [(s, "up-to-date") for s in EXAMPLES]


def test_rebuild_from_scratch_gives_the_same_bytes(built, tmp_path):
    content, build, lessons = built
    slug = min(lessons, key=lambda s: lessons[s]["seconds"])  # the quickest lesson keeps the suite short
    again = tmp_path / "build"
    done = microlearn(content, again, "build", "--json", slug)
    assert done.returncode == 0, done.stderr[-3000:]
    [lesson] = json.loads(done.stdout)["lessons"]
    first = {a["path"]: a["sha256"] for a in lessons[slug]["artifacts"]}
    second = {a["path"]: a["sha256"] for a in lesson["artifacts"]}
    assert second == first


def test_the_school_example_opens_and_closes_with_its_brand(built):
    """rubriki-shkolnoj-stranicy: the school's intro and outro in its colour, the music's licence in the
    manifest and in the reviewer's report."""
    _, build, _ = built
    slug = "rubriki-shkolnoj-stranicy"
    manifest = json.loads((build / slug / "bundle/manifest.json").read_text())
    assert manifest["lesson"]["music"]["licence"] == "CC0-1.0" and manifest["lesson"]["music"]["file"] == "media/muzyka-fon.m4a"
    # the report is in the lesson's language (Russian here)
    assert 'id="music">Фоновая музыка: <code>media/muzyka-fon.m4a</code> · лицензия CC0-1.0' in (
        build / slug / "review/index.html").read_text(encoding="utf-8")
    for fmt in ("16x9", "9x16"):
        with av.open(str(build / slug / f"video/{slug}-{fmt}.mp4")) as container:
            duration = float(container.streams.video[0].duration * container.streams.video[0].time_base)
            seen = {}
            for frame in container.decode(video=0):
                for at in (1.0, duration - 1.0):
                    if at not in seen and frame.time >= at:
                        seen[at] = frame.to_ndarray(format="rgb24")[12, 12].astype(int)
        for at, pixel in seen.items():
            assert np.abs(pixel - (0xf6, 0xf3, 0xea)).max() <= 6, (fmt, at, pixel)  # school.colors.background
        assert len(seen) == 2
