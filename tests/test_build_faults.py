"""Faults during a build end cleanly: a full disk, a read-only build folder, a killed ffmpeg and a
media file that vanishes each fail their lesson with a clear message, the run still ends with its
summary and JSON, and temporary files a killed build left are swept by the next one.

The full disk and the read-only folder are real file systems (a small tmpfs, mounted by the test;
skipped where mounting is not allowed). The killed ffmpeg is the real ffmpeg behind a wrapper that
kills itself for any command but ``-version``; the vanished file is deleted by the stage before it.
"""
from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from conftest import LESSON_YAML, SCRIPT_MD, make_video
from pipeline import cards, ffmpeg
from pipeline.build import build
from pipeline.errors import FileError
from pipeline.progress import JsonReporter
from pipeline.stage import Settings
from pipeline.transcode import STAGE as TRANSCODE

pytestmark = pytest.mark.media  # real file systems, ffmpeg, espeak-ng and the cards renderer

# a card shown for two seconds without narration, and a one-second clip: no speech synthesis needed
CARD_ONLY = SCRIPT_MD.split("Narration:")[0]
WITH_CLIP = LESSON_YAML.replace("    section: hold-steady", "    section: hold-steady\n    duration: 2").replace(
    "  - type: end", "  - type: clip\n    file: media/clip.mp4\n  - type: end")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # lessons are then named content/<slug> in messages
    return tmp_path


def settings(root: Path) -> Settings:
    return Settings(content_dir=root / "content", build_dir=root / "build", jobs=1)


def run_json(root: Path, lessons: list[Path], stages) -> dict:
    """Build and return the JSON document the run printed at its end."""
    out = io.StringIO()
    build(settings(root), lessons, JsonReporter(out), stages=stages)
    return json.loads(out.getvalue())


@pytest.fixture
def tmpfs():
    """``tmpfs(path, options)`` mounts a small tmpfs at ``path`` (skips where mounting is not allowed);
    everything mounted is unmounted after the test."""
    mounted: list[Path] = []

    def mount(path: Path, options: str) -> None:
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
        mounted.append(path)

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


def test_messages_for_file_system_errors_are_pinned():
    assert str(FileError.of(OSError(errno.ENOSPC, "No space left on device", "build/x/cards/a.png"))) == \
        "the disk is full (writing build/x/cards/a.png) — free some space and build again"
    assert str(FileError.of(OSError(errno.ENOSPC,
                                    "No space left on device"))) == "the disk is full — free some space and build again"
    assert str(FileError.of(OSError(errno.EROFS, "Read-only file system", "build/.lock"))) == \
        "build/.lock is on a read-only file system — make the build folder writable, or choose another with --build-dir"
    assert str(FileError.of(OSError(errno.ENOENT, "No such file or directory", "content/x/media/a.png"))) == \
        "content/x/media/a.png disappeared during the build — put it back (or change lesson.yaml) and build again"


def test_full_disk_fails_the_lesson_and_the_run_ends_with_json(project, lesson_dir, tmpfs):
    folder = lesson_dir(slug="full")
    tmpfs(project / "build", "size=96k")
    document = run_json(project, [folder], [cards.STAGE])
    assert document["summary"] == {"lessons": 1, "ok": 0, "failed": 1}
    (error,) = document["lessons"][0]["errors"]
    assert error["kind"] == "FileError"
    assert error["message"].startswith("the disk is full") and error["message"].endswith(" — free some space and build again")
    assert temp_files(project / "build") == []  # nothing half-written is left


def test_read_only_build_folder_of_one_lesson_fails_only_that_lesson(project, lesson_dir, tmpfs):
    good, stuck = lesson_dir(slug="good"), lesson_dir(slug="stuck")
    tmpfs(project / "build" / "stuck", "ro,size=64k")
    document = run_json(project, [good, stuck], [cards.STAGE])
    assert [(l["slug"], l["status"]) for l in document["lessons"]] == [("good", "built"), ("stuck", "failed")]
    (error,) = document["lessons"][1]["errors"]
    assert error["kind"] == "FileError"
    assert error["message"].startswith("build/stuck/") and error["message"].endswith(
        " is on a read-only file system — make the build folder writable, or choose another with --build-dir")


def test_read_only_build_folder_fails_every_lesson_with_a_summary(project, lesson_dir, tmpfs):
    folder = lesson_dir(slug="any")
    tmpfs(project / "build", "ro,size=64k")
    document = run_json(project, [folder], [cards.STAGE])
    assert document["summary"] == {"lessons": 1, "ok": 0, "failed": 1}
    assert document["lessons"][0]["errors"] == [{"kind": "FileError", "code": "is-on-a-read-only-file-system-make", "message":
        "build/.lock is on a read-only file system — make the build folder writable, or choose another with --build-dir"}]


def test_killed_ffmpeg_fails_the_lesson_with_a_clear_message(project, lesson_dir, monkeypatch):
    real = ffmpeg.ffmpeg_path()
    folder = lesson_dir(WITH_CLIP, CARD_ONLY, slug="killed")
    make_video(folder / "media" / "clip.mp4", seconds=1, size="160x90")
    wrapper = project / "bin" / "ffmpeg"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\ncase "$*" in *-version*) exec "{real}" "$@";; esac\nkill -9 $$\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv(ffmpeg.OVERRIDE_VARIABLE, str(wrapper))
    document = run_json(project, [folder], [cards.STAGE, TRANSCODE])
    (lesson,) = document["lessons"]
    assert lesson["status"] == "failed"
    assert [(s["name"], s["status"]) for s in lesson["stages"]] == [("cards", "ran"), ("transcode", "failed")]
    (error,) = lesson["errors"]
    assert error["kind"] == "ToolError" and error["exit_code"] == -9
    assert error["hint"] == "ffmpeg was stopped by SIGKILL (killed, or the machine ran out of memory) — build again"
    assert temp_files(project / "build") == []


def test_media_vanishing_during_the_build_fails_the_lesson(project, lesson_dir):
    folder = lesson_dir(WITH_CLIP, CARD_ONLY, slug="vanish")
    clip = make_video(folder / "media" / "clip.mp4", seconds=1, size="160x90")

    def cards_then_delete(ctx):  # the fault: the clip is deleted while the build runs
        result = cards.STAGE.run(ctx)
        clip.unlink()
        return result

    stages = [dataclasses.replace(cards.STAGE, run=cards_then_delete), TRANSCODE]
    document = run_json(project, [folder], stages)
    assert document["summary"] == {"lessons": 1, "ok": 0, "failed": 1}
    assert document["lessons"][0]["errors"] == [{"kind": "FileError", "code": "disappeared-during-the-build-put-it-back-or",
                                                 "message":
        "content/vanish/media/clip.mp4 disappeared during the build — put it back (or change lesson.yaml) and build again"}]


def test_temp_files_left_by_a_killed_build_are_swept(project, lesson_dir):
    lesson = lesson_dir(slug="some")
    build_dir = project / "build"
    # a real build killed with SIGKILL while it writes the object store (its cards stage blocks on a FIFO
    # only this test writes to, so the kill lands at a known point)
    script = project / "killed_build.py"
    script.write_text(KILLED_BUILD.format(root=str(project)))
    child = subprocess.Popen([sys.executable, str(script)], cwd=project)
    gate = project / "gate"
    deadline = time.monotonic() + 120
    while not (build_dir / ".cache" / ".unfinished").exists() or not gate.exists():
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.05)
    leftover = _wait_for_temp(build_dir / ".cache" / "objects", deadline)
    child.kill()
    child.wait()
    assert leftover.exists()  # the killed build left it behind
    kept = leftover.parent / ("ab" + "1" * 62 + ".wav")
    kept.write_bytes(b"whole")
    run_json(project, [lesson], [])
    assert not leftover.exists() and kept.read_bytes() == b"whole"
    assert not (build_dir / ".cache" / ".unfinished").exists()  # this build finished


def _wait_for_temp(folder: Path, deadline: float) -> Path:
    while True:
        found = [p for p in folder.rglob(".*.tmp*") if p.is_file()] if folder.exists() else []
        if found:
            return found[0]
        assert time.monotonic() < deadline
        time.sleep(0.05)


KILLED_BUILD = """
import os
from pathlib import Path
from pipeline import cards
from pipeline.build import build
from pipeline.stage import Settings
import dataclasses

root = Path({root!r})
gate = root / "gate"
os.mkfifo(gate)

def blocked(ctx):
    def make(tmp):
        tmp.write_bytes(b"half")
        open(gate).read()  # blocks until killed
    ctx.objects.memo({{"what": "test"}}, ".wav", make)

build(Settings(root / "content", root / "build"), [root / "content" / "some"], stages=[dataclasses.replace(cards.STAGE, run=blocked)])
"""


@pytest.mark.skipif(not __import__("shutil").which("espeak-ng"),
                    reason="espeak-ng is not installed (make test installs it)")
def test_espeak_writes_into_a_folder_with_a_very_long_path(tmp_path):
    from pipeline.espeak import run_espeak
    from pipeline.transcode.narration import espeak_argv

    folder = tmp_path / ("long-" * 30) / ("deeper-" * 10)
    folder.mkdir(parents=True)
    out = folder / (".ab" + "0" * 62 + ".x1y2z3.tmp.wav")
    assert len(str(out)) > 300  # espeak-ng cuts -w paths at about 200 characters
    run_espeak(espeak_argv("en-us", str(out)), "Hello there.", "test")
    with wave.open(str(out)) as audio:
        assert audio.getnframes() > 0
    assert os.listdir(folder) == [out.name]


def test_lesson_time_budget_stops_a_child_and_the_next_stage(monkeypatch):
    from pipeline.errors import ToolError
    from pipeline.limits import BudgetExceeded, check_budget, lesson_budget

    started = time.monotonic()
    with lesson_budget(1.0), pytest.raises(ToolError) as caught:  # -re: 30 s of silence takes 30 s
        ffmpeg.run(["ffmpeg", "-hide_banner", "-re", "-f", "lavfi", "-i", "anullsrc", "-t", "30", "-f", "null", "-"])
    assert time.monotonic() - started < 20
    assert caught.value.hint == ("ffmpeg was stopped: the lesson used up its time budget of 1 s — look for a very long "
                                 "or damaged recording,"
                                 " or raise MICROLEARN_LESSON_TIMEOUT")
    with lesson_budget(0.01), pytest.raises(BudgetExceeded) as over:
        time.sleep(0.05)
        check_budget()
    assert str(over.value) == ("the lesson used up its time budget of 0.01 s — look for a very long or damaged recording,"
                               " or raise MICROLEARN_LESSON_TIMEOUT")


def test_children_run_under_a_memory_limit(monkeypatch):
    from pipeline.errors import ToolError

    from pipeline.limits import lesson_budget

    with lesson_budget(600, memory_mb=300), pytest.raises(ToolError) as caught:  # one 8000x8000 frame through x264 needs far more than 300 MB
        ffmpeg.run(["ffmpeg", "-hide_banner", "-f", "lavfi", "-i", "testsrc2=s=8000x8000:d=1", "-frames:v", "1", "-c:v",
                    "libx264", "-f", "null", "-"])
    assert caught.value.hint == "ffmpeg ran out of its memory budget (MICROLEARN_CHILD_MEMORY_MB): use a smaller recording, or raise the budget"
    ffmpeg.run(["ffmpeg", "-hide_banner", "-f", "lavfi", "-i", "testsrc2=s=320x240:d=1", "-frames:v", "1", "-c:v",
                "libx264", "-f", "null", "-"])


def test_lesson_budgets_come_from_the_environment_once(tmp_path):
    from pipeline.settings import SettingError

    settings = Settings.from_environment(tmp_path, tmp_path,
                                         environ={"MICROLEARN_LESSON_TIMEOUT": "90",
                                                  "MICROLEARN_CHILD_MEMORY_MB": "2048"})
    assert (settings.lesson_seconds, settings.child_memory_mb) == (90.0, 2048)
    assert (Settings.from_environment(tmp_path, tmp_path, environ={}).lesson_seconds,
            Settings(tmp_path, tmp_path).child_memory_mb) == (3600.0, 6144)
    with pytest.raises(SettingError) as caught:
        Settings.from_environment(tmp_path, tmp_path, environ={"MICROLEARN_LESSON_TIMEOUT": "soon"})
    assert str(caught.value) == "MICROLEARN_LESSON_TIMEOUT: 'soon' is not a positive number — e.g. MICROLEARN_LESSON_TIMEOUT=3600"
