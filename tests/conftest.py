"""Shared fixtures: lesson folders and real media generated inside pytest's tmp_path."""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from pipeline import ffmpeg
from pipeline.contracts import Level, Loudness, TranscodeResult
from pipeline.i18n import set_language

# Messages are pinned in English: the tests' language must not follow the machine's locale.
# (tests/test_i18n.py switches language explicitly where it checks ru and ko.)
os.environ["MICROLEARN_LANG"] = "en"
set_language("en")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


# Test layers (docs/testing: pytest -m pure | media | e2e | browser). A test marked with none of
# media, e2e or browser is pure, and a pure test that starts an external tool fails, naming the
# marker it needs: so `pytest -m pure` really runs no ffmpeg, espeak-ng, Chromium or sshd.
LAYERS = ("media", "e2e", "browser")
TOOLS = ("ffmpeg", "ffprobe", "espeak", "chrom", "node", "sshd", "ssh-keygen")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser_page" in getattr(item, "fixturenames", ()) and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)
        if not any(item.get_closest_marker(layer) for layer in LAYERS):
            item.add_marker(pytest.mark.pure)


class _ToolGuard:
    """subprocess.Popen for pure tests: refuses the external tools of the media and browser layers."""

    def __init__(self, real):
        self.real = real

    def __call__(self, args, *rest, **kwargs):
        first = args[0] if isinstance(args, (list, tuple)) else str(args).split()[0]
        program = Path(str(first)).name
        if program.startswith(TOOLS):
            raise AssertionError(f"a pure test started {program}: mark it @pytest.mark.media (or e2e, browser)")
        return self.real(args, *rest, **kwargs)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _guarded(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _guarded(item):
        yield


class _guarded:
    def __init__(self, item):
        self.active = item.get_closest_marker("pure") is not None
        self.real = subprocess.Popen

    def __enter__(self):
        if self.active:
            subprocess.Popen = _ToolGuard(self.real)

    def __exit__(self, *exc):
        subprocess.Popen = self.real


def transcode_result(**fields) -> TranscodeResult:
    """A transcode result for tests that hand a stage only part of one (the rest empty)."""
    unmeasured = Level(None, None, None)
    blank = dict(duration=0.0, frames=0, videos={}, thumbnail="", poster="", posters={}, timeline=(),
                 loudness=Loudness(unmeasured, unmeasured, "linear", 0.0, True, ""))
    return TranscodeResult(**{**blank, **fields})


def run_ffmpeg(*args: str) -> None:
    """Generate test media with the same ffmpeg the tool uses (lavfi sources only)."""
    subprocess.run([ffmpeg.ffmpeg_path(), "-hide_banner", "-v", "error", "-y", *args],
                   check=True, stdin=subprocess.DEVNULL)


def make_video(path: Path, seconds: float = 3.0, size: str = "640x360", rate: str = "30", audio: bool = True,
               codec: str = "libx264", extra: tuple[str, ...] = ()) -> Path:
    """A testsrc2 clip with a 440 Hz tone (or no audio)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f=440:r=44100:d={seconds}", "-c:a", "aac"]
    args += ["-c:v", codec, "-pix_fmt", "yuv420p", *extra, "-shortest", str(path)]
    run_ffmpeg(*args)
    return path


def make_audio(path: Path, seconds: float = 3.0, rate: int = 48000, channels: int = 1, freq: int = 440) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg("-f", "lavfi", "-i", f"sine=f={freq}:r={rate}:d={seconds}", "-ac", str(channels), str(path))
    return path


def make_image(path: Path, size: str = "800x600", color: str = "steelblue") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg("-f", "lavfi", "-i", f"color=c={color}:s={size}:d=1", "-frames:v", "1", str(path))
    return path


LESSON_YAML = """\
title: Recording your first teacher video
language: en
authors:
  - name: Anna Petrova
    school: Lyceum 1
rubric: Teacher craft
tags: [video, phone]
licence: CC-BY-4.0
objectives:
  - Record a steady 60-second video with a phone
audience: teachers
formats: ["16:9"]
max_duration: 90
sequence:
  - type: title
    subtitle: A short guide
    duration: 2
  - type: card
    section: hold-steady
  - type: end
    credits: [Anna Petrova]
    duration: 2
"""

SCRIPT_MD = """\
# Recording your first teacher video

## Hold the phone steady {#hold-steady}

- Use both hands
- Lean on a table

Narration: Hold the phone with both hands. Lean on a table to keep it steady.
"""


@pytest.fixture
def lesson_dir(tmp_path: Path):
    """A factory: ``lesson_dir(yaml=..., script=..., slug=...)`` writes a lesson folder and returns it."""

    def make(yaml: str = LESSON_YAML, script: str | None = SCRIPT_MD,
             slug: str = "first-video", root: Path | None = None) -> Path:
        folder = (root or tmp_path / "content") / slug
        (folder / "media").mkdir(parents=True, exist_ok=True)
        (folder / "lesson.yaml").write_text(textwrap.dedent(yaml), encoding="utf-8")
        if script is not None:
            (folder / "script.md").write_text(textwrap.dedent(script), encoding="utf-8")
        return folder

    return make


@pytest.fixture
def quiet_log() -> logging.Logger:
    return logging.getLogger("microlearn.test")


def needs_tool(name: str):
    return pytest.mark.skipif(shutil.which(name) is None, reason=f"{name} is not installed (make test installs it)")


def shared_dir(sub: str) -> Path:
    """A folder of ../shared, or a clean skip saying why."""
    path = SHARED / sub
    if not path.is_dir():
        pytest.skip(f"../shared/{sub} is not present beside the project")
    return path


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for headless Chromium on a machine with no network: no background fetches, no sandbox (root).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture
def browser_page():
    """A fresh page in headless Debian Chromium (installed by `make test`); collects console errors
    and failed requests in ``page.problems``."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make test installs it: scripts/browser-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.problems = []
            page.on("console",
                    lambda m: page.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: page.problems.append(f"request failed: {r.url}"))
            yield page
        finally:
            browser.close()
