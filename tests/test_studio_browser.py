"""The studio in a real browser: edit a card and see it redrawn, make an error and see it at its
field, fix it, reorder parts, and find exactly the expected text in the files (comments kept)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "content" / "first-teacher-video"
# the example, shortened to two cards and one format so the test stays light; comments are kept
SEQUENCE = """sequence:
  - type: title   # the title card
    subtitle: Light, sound and framing in five minutes
    duration: 2
  - type: card
    section: one-idea
  - type: card
    section: light-and-sound   # the second card
  - type: end
    duration: 2
"""


@pytest.fixture
def short_example(tmp_path) -> Path:
    root = tmp_path / "content" / "first-teacher-video"
    shutil.copytree(EXAMPLE, root)
    text = (root / "lesson.yaml").read_text()
    text = text[: text.index("sequence:")] + SEQUENCE
    # one format and two cards: a short build; no platforms (they take 9:16) and no cover card (it is cut)
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith(("platforms:", "cover:")))
    (root / "lesson.yaml").write_text(text.replace('formats: ["16:9", "9:16"]', 'formats: ["16:9"]'))
    script = (root / "script.md").read_text()
    (root / "script.md").write_text(script[: script.index("## Frame the shot")].rstrip("\n") + "\n")
    return root


@pytest.fixture
def studio(short_example, tmp_path):
    """``microlearn studio --no-browser --port 0`` as a teacher starts it; yields the URL it prints."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "--content",
            str(short_example.parent),
            "--build-dir",
            str(tmp_path / "build"),
            "studio",
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and "/?token=" in url, (
            url,
            process.stderr.read() if process.poll() is not None else "",
        )
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def save(page) -> None:
    """Press Save and wait for the server's answer."""
    saves = int(page.evaluate("() => document.body.dataset.saves || '0'"))
    page.click("#save")
    page.wait_for_function(f"() => document.body.dataset.saves === '{saves + 1}'", timeout=30_000)


def card_src(page, card: str, nth: int = 0) -> str:
    return page.locator(f"figure[data-card={card}] img").nth(nth).get_attribute("src")


def test_edit_error_fix_reorder_in_the_browser(studio, short_example, browser_page, tmp_path):
    page = browser_page
    original_yaml = (short_example / "lesson.yaml").read_text()
    original_script = (short_example / "script.md").read_text()

    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(studio)
    assert page.locator("tr[data-slug=first-teacher-video] .state").inner_text() in ("valid, not built yet", "building")
    page.click("text=Record your first teacher video with a phone")
    page.wait_for_selector("figure[data-card=one-idea] img", timeout=120_000)
    assert page.locator("figure[data-card=one-idea] img").count() == 3  # social, square, the 16:9 slide
    before = card_src(page, "one-idea")

    # edit a card's text: the card is redrawn and the page shows the new one by itself
    body = page.locator("[data-field='section:one-idea.body']")
    body.fill("- Pick **one** thing a learner can do\n- Say it first\n- Stop before 90 seconds")
    save(page)
    page.wait_for_function(
        f"() => document.querySelector('figure[data-card=one-idea] img').src.indexOf({before!r}) < 0", timeout=60_000
    )
    # the new picture loads (it is in the page as soon as it is drawn, before the stage ends)
    page.wait_for_function("() => document.querySelector('figure[data-card=one-idea] img').complete", timeout=30_000)
    image = page.locator("figure[data-card=one-idea] img").first
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 1080

    # an error: markdown in the narration; its message appears under that narration field
    narration = page.locator("[data-field='section:one-idea.narration']")
    good = narration.input_value()
    narration.fill("A short video works best when it teaches **one** thing.")
    save(page)
    message = page.locator("[data-msgs-for='section:one-idea.narration'] .error")
    message.wait_for(timeout=30_000)
    assert (
        "narration contains bold marks (** or __), which would be read aloud and shown in the captions"
        in message.inner_text()
    )
    assert (
        message.inner_text().startswith("content/first-teacher-video/script.md:")
        or "script.md:" in message.inner_text()
    )

    # fix it: the message goes away
    page.locator("[data-field='section:one-idea.narration']").fill(good)
    save(page)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-msgs-for='section:one-idea.narration'] .error\")", timeout=30_000
    )

    # reorder: the second card moves up
    page.locator("#parts li").nth(2).locator(".up").click()
    save(page)
    page.wait_for_function(
        "() => document.querySelectorAll('#parts li')[1].querySelector('.name').textContent === 'light-and-sound'",
        timeout=30_000,
    )

    assert (short_example / "lesson.yaml").read_text() == original_yaml.replace(
        "  - type: card\n    section: one-idea\n  - type: card\n    section: light-and-sound   # the second card\n",
        "  - type: card\n    section: light-and-sound   # the second card\n  - type: card\n    section: one-idea\n",
    )
    assert (short_example / "script.md").read_text() == original_script.replace(
        "- Pick **one** thing a learner can do after watching\n- Say it in the first ten seconds\n",
        "- Pick **one** thing a learner can do\n- Say it first\n",
    )

    # the draft video of the lesson arrives, with captions, and plays
    page.wait_for_function(
        "() => document.querySelector('#video track') && document.body.dataset.building === ''", timeout=180_000
    )
    page.wait_for_function("() => document.querySelector('#video').readyState >= 2", timeout=30_000)
    assert page.evaluate("document.querySelector('#video').videoWidth") == 640
    assert page.evaluate("document.querySelector('#video').duration") > 10
    # nothing went wrong inside the studio, and the review state is said
    assert page.locator("[data-msgs-for=lesson] .error").count() == 0
    assert page.locator("#review").inner_text().startswith("not approved yet: not approved")
    # the draft went to the preview folder; the real build folder has no lesson in it
    assert (tmp_path / "build" / ".studio" / "first-teacher-video" / "video" / "first-teacher-video-16x9.mp4").is_file()
    assert not (tmp_path / "build" / "first-teacher-video").exists()
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [p for p in page.problems if "404 (Not Found)" not in p] == []
