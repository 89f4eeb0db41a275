"""The bundle in a real SCORM 1.2 runtime: scorm-again (npm) acts as the LMS in headless Chromium.

The unzipped package is served on localhost; a host page installs scorm-again's Scorm12API as
window.API and opens the launch page in a frame, as an LMS does. Also: the page on its own (no LMS),
the 16:9/9:16 switch, keyboard use and a phone-sized layout.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import re
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from package_helpers import build_lesson, bundle_of, write_lesson

pytestmark = [pytest.mark.media]

SCORM_AGAIN = ROOT / "tests" / "js" / "node_modules" / "scorm-again" / "dist" / "scorm12.js"

YAML = """\
title: Two ways to hold a phone
language: en
authors:
  - name: Anna Petrova
    school: Lyceum 1
rubric: Teacher craft
tags: [video]
licence: CC-BY-4.0
objectives:
  - Hold a phone steady
audience: teachers
formats: ["16:9", "9:16"]
sequence:
  - type: title
    duration: 1
  - type: card
    section: steady
  - type: card
    section: light
  - type: end
    credits: [Anna Petrova]
    duration: 1
"""

SCRIPT = """\
# Two ways to hold a phone

## Hold it steady {#steady}

Use both hands.

Narration: Hold the phone with both hands.

## Face the light {#light}

Stand facing a window.

Narration: Stand facing the window.
"""

HOST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LMS</title><link rel="icon" href="data:,">
<script src="scorm12.js"></script>
<script>
  window.calls = [];
  window.API = new Scorm12API({autocommit: false, logLevel: 5});
  /* what an LMS hands a launch (the URL's hash: flattened CMI values, e.g. a resumed attempt's suspend data) */
  window.API.loadFromFlattenedJSON(location.hash.length > 1 ? JSON.parse(decodeURIComponent(location.hash.slice(1))) : {});
  /* the LMS's own record of every call the lesson makes */
  ["LMSInitialize", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSFinish"].forEach(function (name) {
    var original = window.API[name].bind(window.API);
    window.API[name] = function () {
      var result = original.apply(null, arguments);
      window.calls.push([name].concat(Array.prototype.slice.call(arguments), [String(result)]));
      return result;
    };
  });
</script></head>
<body><iframe id="sco" title="lesson" src="pkg/index.html" style="width:1000px;height:1400px;border:0"></iframe></body></html>
"""


def served_lesson(root: Path, slug: str, yaml: str, script: str, handler=None):
    """Build a lesson under ``root``, unzip its bundle under site/pkg/ beside the host page and
    scorm-again, and serve site/ on a loopback port (``handler``: the request handler class, by
    default static files with byte ranges). Yields (base URL, build report, zip path, manifest)."""
    if not SCORM_AGAIN.is_file():
        pytest.skip("scorm-again is not installed in tests/js/node_modules (make test installs it: make js-deps)")
    folder = write_lesson(root / "content" / slug, yaml, script)
    report = build_lesson(folder, root / "build")
    assert report.ok, report.errors
    zip_path, manifest = bundle_of(root / "build", slug)
    served = root / "site"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(served / "pkg")
    shutil.copyfile(SCORM_AGAIN, served / "scorm12.js")
    (served / "host.html").write_text(HOST, encoding="utf-8")
    (served / "opener.html").write_text(HOST.split("<body>")[0] + "<body></body></html>\n", encoding="utf-8")
    with serve_folder(served, handler) as url:
        yield url, report, zip_path, manifest


@contextlib.contextmanager
def serve_folder(folder: Path, handler=None):
    """Serve ``folder`` on a loopback port for the test's length (``handler``: the request handler class,
    by default static files with byte ranges); yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler or _QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The lesson built, its bundle unzipped under pkg/ beside the host page and scorm-again, served on localhost."""
    for url, _, _, manifest in served_lesson(tmp_path_factory.mktemp("scorm"), "two-ways", YAML, SCRIPT):
        yield url, manifest


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with single byte ranges, as every LMS's web server answers (a browser seeks in a video only then)."""

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start, end = int(match.group(1)), min(int(match.group(2) or size - 1), size - 1)
        if start >= size:
            self.send_error(416)
            return None
        with open(path, "rb") as handle:
            handle.seek(start)
            body = handle.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        if "Range" not in self.headers:
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


@pytest.fixture
def page(browser_page):
    """browser_page, whose problems leave out one thing a media element does by design: with a server that
    answers byte ranges it cancels a video request once it has what it needs (net::ERR_ABORTED)."""
    aborted = set()
    browser_page.on("requestfailed",
                    lambda r: aborted.add(r.url) if r.failure == "net::ERR_ABORTED" and r.url.endswith(".mp4") else None)
    browser_page.errors = lambda: [p for p in browser_page.problems if p.removeprefix("request failed: ") not in aborted]
    return browser_page


def _lesson_frame(page):
    page.wait_for_function("document.getElementById('sco').contentWindow.document.readyState === 'complete'")
    return next(f for f in page.frames if f.url.endswith("/pkg/index.html"))


def _play_to_the_end(frame) -> None:
    frame.evaluate("() => { const v = document.getElementById('video'); v.muted = true; v.playbackRate = 16; return v.play(); }")
    frame.wait_for_function("document.getElementById('video').ended", timeout=60_000)


def test_watching_the_video_completes_the_lesson_in_scorm_again(site, page):
    url, _ = site
    page.goto(f"{url}/host.html")
    frame = _lesson_frame(page)
    page.wait_for_function("window.API.isInitialized()")
    assert page.evaluate("window.API.cmi.core.lesson_status") == "incomplete"
    # captions on by default, in the lesson's language
    track = frame.evaluate("() => { const t = document.getElementById('video').textTracks[0]; return [t.kind, t.language, t.mode]; }")
    assert track == ["captions", "en", "showing"]
    _play_to_the_end(frame)
    page.wait_for_function("window.API.cmi.core.lesson_status === 'completed'", timeout=60_000)
    assert frame.evaluate("document.body.dataset.completed") == "video"
    # a lesson without questions completes with a full score (a portal grading by score shows 100%, not 0%)
    assert [page.evaluate(f"window.API.cmi.core.score.{k}") for k in ("raw", "min", "max")] == ["100", "0", "100"]
    calls = page.evaluate("window.calls")
    completed_at = calls.index(["LMSSetValue", "cmi.core.lesson_status", "completed", "true"])
    assert ["LMSCommit", "", "true"] in calls[completed_at:]
    assert calls[0] == ["LMSInitialize", "", "true"]
    # leaving the page finishes the session
    page.evaluate("document.getElementById('sco').src = 'about:blank'")
    page.wait_for_function("window.API.isTerminated()")
    calls = page.evaluate("window.calls")
    assert calls[-1] == ["LMSFinish", "", "true"]
    assert next(c for c in calls if c[:2] == ["LMSSetValue", "cmi.core.session_time"])[3] == "true"
    assert all(c[-1] != "false" for c in calls), calls  # the runtime accepted every call
    assert page.evaluate("window.API.cmi.core.lesson_status") == "completed"
    assert page.errors() == []


def test_a_package_opened_in_a_new_window_finds_the_api_of_its_opener(site, page):
    url, _ = site
    page.goto(f"{url}/opener.html")
    with page.expect_popup() as popup_info:
        page.evaluate("window.open('pkg/index.html', 'lesson')")
    popup = popup_info.value
    popup.wait_for_load_state()
    page.wait_for_function("window.API.isInitialized()")
    assert page.evaluate("window.calls[0]") == ["LMSInitialize", "", "true"]
    assert page.evaluate("window.API.cmi.core.lesson_status") == "incomplete"
    popup.close(run_before_unload=True)
    page.wait_for_function("window.API.isTerminated()")
    assert page.evaluate("window.calls[window.calls.length - 1]") == ["LMSFinish", "", "true"]
    assert page.errors() == []


def test_going_through_every_card_by_keyboard_completes_the_lesson(site, page):
    url, _ = site
    page.goto(f"{url}/host.html")
    frame = _lesson_frame(page)
    page.wait_for_function("window.API.isInitialized()")
    frame.wait_for_function("document.getElementById('status') !== null")
    assert page.evaluate("window.API.cmi.core.lesson_status") == "incomplete"
    page.focus("#sco")
    for _ in range(40):  # Tab through the page to the "Next card" button
        page.keyboard.press("Tab")
        if frame.evaluate("document.activeElement && document.activeElement.id") == "next-card":
            break
    else:
        pytest.fail("the Next card button cannot be reached with Tab")
    assert frame.evaluate("document.getElementById('card-2').hidden") is True
    page.keyboard.press("Enter")
    assert frame.evaluate("[document.getElementById('card-1').hidden, document.getElementById('card-2').hidden]") == [True, False]
    page.wait_for_function("window.API.cmi.core.lesson_status === 'completed'", timeout=60_000)
    assert frame.evaluate("document.body.dataset.completed") == "cards"
    assert frame.evaluate("document.getElementById('video').ended") is False
    assert page.errors() == []


def test_the_page_plays_on_its_own_without_errors(site, page):
    url, _ = site
    page.goto(f"{url}/pkg/index.html")
    page.wait_for_function("document.getElementById('video').textTracks[0].cues && "
                           "document.getElementById('video').textTracks[0].cues.length > 0")
    cards = page.evaluate("[...document.querySelectorAll('article.card')].map(a => [a.querySelector('h3').textContent, "
                          "a.querySelector('.card-text').textContent.trim()])")
    assert cards == [["Hold it steady", "Use both hands."], ["Face the light", "Stand facing a window."]]
    assert page.evaluate("[...document.querySelectorAll('.transcript li span')].map(s => s.textContent)") == \
        ["Hold the phone with both hands.", "Stand facing the window."]
    # skipping to the end is not watching
    page.evaluate("() => { const v = document.getElementById('video'); v.muted = true; v.currentTime = v.duration - 0.5; return v.play(); }")
    page.wait_for_function("document.getElementById('video').ended", timeout=60_000)
    assert page.evaluate("document.body.dataset.completed") is None and page.text_content("#status") == ""
    _play_to_the_end(page.main_frame)  # from the start again
    assert page.evaluate("document.body.dataset.completed") == "video"
    assert page.text_content("#status") == "Completed."
    assert page.errors() == []


def test_switching_to_portrait_keeps_captions_and_is_keyboard_operable(site, page):
    url, _ = site
    page.goto(f"{url}/pkg/index.html")
    labels = page.evaluate("[...document.querySelectorAll('.formats button')].map(b => [b.textContent, "
                           "b.getAttribute('aria-pressed')])")
    assert labels == [["Landscape 16:9", "true"], ["Portrait 9:16", "false"]]
    page.wait_for_function("document.getElementById('video').readyState >= 1")
    page.focus(".formats button[data-format=portrait]")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('video').currentSrc.endsWith('/video/two-ways-9x16.mp4') && "
                           "document.getElementById('video').readyState >= 1")
    assert page.evaluate("document.querySelector('.frame').className") == "frame portrait"
    assert page.evaluate("[...document.querySelectorAll('.formats button')].map(b => b.getAttribute('aria-pressed'))") == ["false", "true"]
    assert page.evaluate("document.getElementById('video').textTracks[0].mode") == "showing"
    size = page.evaluate("(() => { const v = document.getElementById('video'); return [v.videoWidth, v.videoHeight]; })()")
    assert size == [1080, 1920]
    assert page.errors() == []


def test_phone_layout_and_labelled_controls(site, page):
    url, _ = site
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{url}/pkg/index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    frame_box = page.locator(".frame").bounding_box()
    assert frame_box["x"] >= 0 and frame_box["x"] + frame_box["width"] <= 360
    controls = page.evaluate("""[...document.querySelectorAll('button, video, a[href]')].filter(e => e.offsetParent !== null || e.tagName === 'VIDEO').map(e =>
        [e.tagName, (e.getAttribute('aria-label') || e.textContent).trim(), e.getBoundingClientRect().height])""")
    assert controls and all(name for _, name, _ in controls), controls
    assert all(height >= 44 for tag, _, height in controls if tag == "BUTTON"), controls
    assert page.evaluate("[...document.images].every(i => i.hasAttribute('alt') && i.alt.trim().length > 0)")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.errors() == []


@pytest.mark.parametrize("width, height, chosen", [(390, 844, "portrait"), (844, 390, "landscape"), (1280, 800, "landscape")])
def test_an_upright_phone_starts_with_the_portrait_video(site, page, width, height, chosen):
    url, _ = site
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{url}/pkg/index.html")
    suffix = "9x16" if chosen == "portrait" else "16x9"
    page.wait_for_function(f"document.getElementById('video').currentSrc.endsWith('/video/two-ways-{suffix}.mp4')"
                           " && document.getElementById('video').readyState >= 1")
    assert page.evaluate("document.querySelector('.frame').className") == f"frame {chosen}"
    pressed = page.evaluate("[...document.querySelectorAll('.formats button')].map(b => [b.dataset.format, b.getAttribute('aria-pressed')])")
    assert pressed == [["landscape", str(chosen == "landscape").lower()], ["portrait", str(chosen == "portrait").lower()]]
    assert page.evaluate("document.getElementById('video').textTracks[0].mode") == "showing"
    if chosen == "portrait":  # the portrait frame fits the phone's width
        box = page.locator(".frame").bounding_box()
        assert box["width"] <= width and box["height"] > box["width"]
    assert page.errors() == []
