"""Knowledge checks, scores and resume in a real SCORM 1.2 runtime (scorm-again in headless Chromium).

A lesson with two questions (single choice and true/false, mastery 60) is built with the real stages,
unzipped and served on localhost; a host page is the LMS. Proven here: a learner who answers both right
passes with 100, one right of two fails with 50 (and passes after trying again), every answer is
recorded as an interaction the runtime accepts, and a learner who leaves comes back to the same card,
video position and answers. Also the video: the question card shows the question while it is asked,
then its answer slide.
"""
from __future__ import annotations

import json
import zipfile
from urllib.parse import quote

import pytest

from conftest import ROOT
from test_scorm_runtime import _QuietHandler, _lesson_frame, serve_folder, served_lesson

pytestmark = [pytest.mark.e2e]


YAML = """\
title: Hold a phone for video
language: en
authors:
  - name: Anna Petrova
rubric: Teacher craft
licence: CC-BY-4.0
objectives:
  - Choose the video shape
audience: teachers
formats: ["16:9"]
mastery: 60
sequence:
  - type: card
    section: steady
  - type: card
    section: shape
  - type: card
    section: hands
"""

SCRIPT = """\
## Hold it steady {#steady}

Use both hands.

Narration: Hold the phone with both hands.

## Check the shape {#shape}

Question: Which shape fills a phone held upright?

- [ ] 16:9
  > Landscape leaves most of an upright phone empty.
- [x] 9:16
  > Right: vertical video fills the screen.

Explanation: Social feeds show vertical video full screen.

Narration: Which shape fills a phone held upright?

## One hand? {#hands}

Question: One hand is enough to hold the phone steady.

- [ ] True
- [x] False

Narration: True or false? One hand is enough.
"""



@pytest.fixture(scope="module")
def quiz_site(tmp_path_factory):
    """The quiz lesson built and served with the SCORM host page (test_scorm_runtime.HOST), whose URL
    hash carries what the LMS hands a launch."""
    root = tmp_path_factory.mktemp("quiz")
    for url, report, zip_path, _ in served_lesson(root, "shape-quiz", YAML, SCRIPT):
        yield {"url": url, "build": root / "build" / "shape-quiz", "zip": zip_path, "timeline": report.results["transcode"].timeline}


@pytest.fixture
def page(browser_page):
    aborted = set()
    browser_page.on("requestfailed",
                    lambda r: aborted.add(r.url) if r.failure == "net::ERR_ABORTED" and r.url.endswith(".mp4") else None)
    browser_page.errors = lambda: [p for p in browser_page.problems if p.removeprefix("request failed: ") not in aborted]
    return browser_page


def _open(page, url, given=None):
    # a query of its own: a new launch loads the host page anew (a change of hash alone would not)
    page.goto(f"{url}/host.html" + ("?launch=" + quote(json.dumps(given)[:40]) + "#" + quote(json.dumps(given)) if given else ""))
    frame = _lesson_frame(page)
    page.wait_for_function("window.API.isInitialized()")
    return frame


def _answer(frame, number: int, value: str) -> str:
    """Go to card ``number`` with the Next button, choose the answer by keyboard, check it; returns the result text."""
    while frame.evaluate(f"document.getElementById('card-{number}').hidden"):
        frame.click("#next-card")
    frame.focus(f"#card-{number} input[value='{value}']")
    frame.press(f"#card-{number} input[value='{value}']", " ")
    frame.press(f"#card-{number} button.check", "Enter")
    return frame.text_content(f"#card-{number} .result")


def _interactions(page) -> list[dict]:
    """The interactions the lesson recorded, from the LMS's log of accepted calls (they are write-only in SCORM 1.2)."""
    found: dict[int, dict] = {}
    for call in page.evaluate("window.calls"):
        if call[0] == "LMSSetValue" and call[1].startswith("cmi.interactions.") and call[-1] == "true":
            _, _, number, element = call[1].split(".", 3)
            found.setdefault(int(number), {})[element] = call[2]
    return [found[n] for n in sorted(found)]


def _last_set(page, name: str) -> str:
    """The last value the lesson set for a write-only element, as the runtime accepted it."""
    return [c[2] for c in page.evaluate("window.calls") if c[0] == "LMSSetValue" and c[1] == name and c[-1] == "true"][-1]


def _cmi(page, name: str) -> str:
    return page.evaluate(f"String(window.API.cmi.{name})")


def test_the_manifest_carries_the_mastery_score_and_validates(quiz_site):
    from lxml import etree

    from package_helpers import ADLCP, IMSCP, scorm_schema

    with zipfile.ZipFile(quiz_site["zip"]) as archive:
        document = etree.fromstring(archive.read("imsmanifest.xml"))
    schema = scorm_schema()
    assert schema.validate(document), schema.error_log
    item = document.find(f"{{{IMSCP}}}organizations/{{{IMSCP}}}organization/{{{IMSCP}}}item")
    assert item.findtext(f"{{{ADLCP}}}masteryscore") == "60"


def test_both_answers_right_passes_with_full_score(quiz_site, page):
    frame = _open(page, quiz_site["url"])
    assert _cmi(page, "core.lesson_status") == "incomplete"
    assert _answer(frame, 2, "b") == "Right."
    # the feedback of the chosen answer, the explanation, and no score before the last question
    assert frame.evaluate("[...document.querySelectorAll('#card-2 .feedback')].map(f => f.hidden)") == [True, False]
    assert frame.is_visible("#card-2 .explanation")
    assert _cmi(page, "core.lesson_status") == "incomplete" and _cmi(page, "core.score.raw") == ""
    assert _answer(frame, 3, "f") == "Right."
    page.wait_for_function("window.API.cmi.core.lesson_status === 'passed'")
    assert [_cmi(page, f"core.score.{k}") for k in ("raw", "min", "max")] == ["100", "0", "100"]
    assert frame.text_content("#status") == "Your score: 100%. Passed."
    assert _interactions(page) == [
        {"id": "q1", "type": "choice", "correct_responses.0.pattern": "b", "student_response": "b",
         "result": "correct", "weighting": "1"},
        {"id": "q2", "type": "true-false", "correct_responses.0.pattern": "f", "student_response": "f",
         "result": "correct", "weighting": "1"},
    ]
    page.evaluate("document.getElementById('sco').src = 'about:blank'")
    page.wait_for_function("window.API.isTerminated()")
    assert _last_set(page, "cmi.core.exit") == ""  # finished: nothing to resume
    assert all(call[-1] != "false" for call in page.evaluate("window.calls")), page.evaluate("window.calls")
    assert page.errors() == []


def test_one_wrong_answer_fails_and_trying_again_passes(quiz_site, page):
    # the LMS's mastery score (from the manifest) is the one that counts
    frame = _open(page, quiz_site["url"], {"cmi.student_data.mastery_score": "60"})
    assert _answer(frame, 2, "a") == "Not quite."
    assert frame.evaluate("[...document.querySelectorAll('#card-2 .feedback')].map(f => f.hidden)") == [False, True]
    assert frame.evaluate("[...document.querySelectorAll('#card-2 input')].every(i => i.disabled)")
    assert _answer(frame, 3, "f") == "Right."
    page.wait_for_function("window.API.cmi.core.lesson_status === 'failed'")
    assert _cmi(page, "core.score.raw") == "50"
    assert frame.text_content("#status") == "Your score: 50%. Not passed yet: try the questions again."
    # try again: back to card 2, answers cleared, the right one this time
    frame.click("#previous-card")
    frame.click("#card-2 button.again")
    assert frame.evaluate("[...document.querySelectorAll('#card-2 input')].map(i => [i.checked, i.disabled])") == [[False, False], [False, False]]
    assert _answer(frame, 2, "b") == "Right."
    page.wait_for_function("window.API.cmi.core.lesson_status === 'passed'")
    assert _cmi(page, "core.score.raw") == "100"
    assert [(n["id"], n["result"]) for n in _interactions(page)] == [("q1", "wrong"), ("q2", "correct"),
            ("q1", "correct")]
    assert all(call[-1] != "false" for call in page.evaluate("window.calls"))
    assert page.errors() == []


def test_leaving_and_coming_back_resumes_where_the_learner_was(quiz_site, page):
    frame = _open(page, quiz_site["url"])
    assert _answer(frame, 2, "b") == "Right."
    frame.evaluate("""() => new Promise(done => { const v = document.getElementById('video'); v.muted = true;
        const go = () => { v.currentTime = 3.5; v.addEventListener('seeked', () => { v.play().then(() => v.pause()); }, {once: true}); };
        if (v.readyState >= 1) go(); else v.addEventListener('loadedmetadata', go, {once: true});
        v.addEventListener('pause', () => done(), {once: true}); })""")
    page.evaluate("document.getElementById('sco').src = 'about:blank'")
    page.wait_for_function("window.API.isTerminated()")
    assert _last_set(page, "cmi.core.exit") == "suspend" and _cmi(page, "core.lesson_status") == "incomplete"
    location, suspend = _cmi(page, "core.lesson_location"), _cmi(page, "suspend_data")
    assert location.startswith("card=2;t=3.")
    saved = json.loads(suspend)
    assert saved["c"] == 1 and saved["q"] == {"shape": {"r": "b", "ok": True}} and 3.4 <= saved["t"] <= 4.5

    # a new launch of the same attempt, as an LMS makes it after a suspend
    frame = _open(page, quiz_site["url"], {"cmi.core.entry": "resume", "cmi.core.lesson_status": "incomplete",
                                           "cmi.suspend_data": suspend, "cmi.core.lesson_location": location})
    assert frame.evaluate("[1, 2, 3].map(i => document.getElementById('card-' + i).hidden)") == [True, False, True]
    assert frame.evaluate("[...document.querySelectorAll('#card-2 input')].map(i => [i.value, i.checked, i.disabled])") == \
        [["a", False, True], ["b", True, True]]
    assert frame.text_content("#card-2 .result") == "Right."
    frame.wait_for_function("document.getElementById('video').readyState >= 1 && "
                            "document.getElementById('video').currentTime > 3")
    # answering the last question finishes the lesson: the first answer was kept
    assert _answer(frame, 3, "f") == "Right."
    page.wait_for_function("window.API.cmi.core.lesson_status === 'passed'")
    assert _cmi(page, "core.score.raw") == "100"
    assert page.errors() == []


def test_the_question_card_shows_its_answer_after_a_beat(quiz_site):
    """In the video, the question card holds the question while it is asked and for a beat after,
    then the answer slide: each frame matches its own slide far better than the other."""
    import av
    import numpy as np
    from PIL import Image

    build = quiz_site["build"]
    card = next(part for part in quiz_site["timeline"] if part.section == "shape")
    spoken_end = card.speech.sentences[-1].end
    question = np.asarray(Image.open(build / "slides/16x9/02-shape.png").convert("RGB").resize((480, 270)), dtype=float)
    answer = np.asarray(Image.open(build / "slides/16x9/02-shape-answer.png").convert("RGB").resize((480, 270)), dtype=float)
    times = {"asked": spoken_end + 1.0, "revealed": card.end - 1.0}
    seen = {}
    with av.open(str(build / "video/shape-quiz-16x9.mp4")) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            for name, at in times.items():
                if name not in seen and frame.time >= at:
                    seen[name] = np.asarray(frame.to_image().resize((480, 270)), dtype=float)
    differs = np.abs(question - answer).max(axis=2) > 40  # where the two slides differ: the marked answer, the explanation
    assert differs.sum() > 500
    for name, expected, other in (("asked", question, answer), ("revealed", answer, question)):
        near, far = (np.abs(seen[name] - slide)[differs].mean() for slide in (expected, other))
        assert near < 20 and far > 3 * near, (name, near, far)
    # the answer comes at least 3 s after the question was asked, and stays about 5 s
    assert card.end - spoken_end >= 3.0 + 5.0


# --- cmi5: the same bundle launched as an assignable unit, its statements stored in a real LRS ---

LRS_VENV = ROOT / "tests" / "lrs" / "venv"
COURSE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    """Ralph, an open-source LRS (PyPI), started on a loopback port with its file backend and one
    user made by its own `ralph auth`; yields its base URL and credentials."""
    import os
    import secrets
    import socket
    import subprocess
    import time
    import urllib.request

    python = LRS_VENV / "bin" / "python"
    if not python.exists():
        pytest.skip("the test LRS is not installed in tests/lrs/venv (make test installs it: make lrs-deps)")
    home = tmp_path_factory.mktemp("lrs")
    password = secrets.token_hex(8)
    env = {**os.environ, "RALPH_APP_DIR": str(home / "app"), "RALPH_RUNSERVER_BACKEND": "fs",
           "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(home / "data")}
    subprocess.run([str(LRS_VENV / "bin" / "ralph"), "auth", "-u", "lms", "-p", password, "-s", "all", "-w",
                    "-M", "mailto:lms@example.org"], env=env, check=True, capture_output=True, cwd=home, timeout=120)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(python), str(ROOT / "tests" / "lrs" / "serve.py"), str(port)],
                              env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/__lbheartbeat__", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("the LRS did not start: " + server.stderr.read().decode(errors="replace")[-2000:])
            time.sleep(0.3)
    yield {"url": url, "user": "lms", "password": password}
    server.terminate()
    server.wait(timeout=10)


def _lrs_request(lrs, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    import base64
    import urllib.error
    import urllib.request

    token = base64.b64encode(f"{lrs['user']}:{lrs['password']}".encode()).decode()
    request = urllib.request.Request(lrs["url"] + path, data=body, method=method,
                                     headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3",
                                              "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def cmi5_lms(quiz_site, lrs):
    """The LMS side of a cmi5 launch: the unzipped course on loopback, the fetch URL (one auth token
    for the LRS), the LMS.LaunchData state document, and the statements API passed through to the LRS
    (same origin as the AU, as an LMS usually offers it). Yields the launch address and what it holds."""
    import base64
    import uuid

    registration, session = str(uuid.uuid4()), str(uuid.uuid4())
    with zipfile.ZipFile(quiz_site["zip"]) as archive:
        from lxml import etree

        structure = etree.fromstring(archive.read("cmi5.xml"))
    au = structure.find(f"{{{COURSE}}}au")
    course = structure.find(f"{{{COURSE}}}course").get("id")
    launch_data = {"contextTemplate": {"contextActivities": {"grouping": [{"id": course, "objectType": "Activity"}]},
                                       "extensions": {SESSION: session}},
                   "launchMode": "Normal", "moveOn": au.get("moveOn"), "masteryScore": float(au.get("masteryScore"))}
    token = base64.b64encode(f"{lrs['user']}:{lrs['password']}".encode()).decode()
    site = quiz_site["build"].parent.parent / "site"

    class LMS(_QuietHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/lms/fetch":
                return self._answer(200, json.dumps({"auth-token": token}).encode())
            if self.path.startswith("/lms/xapi/statements"):
                status, answer = _lrs_request(lrs, "POST", "/xAPI/statements", body)
                return self._answer(status, answer)
            return self._answer(404, b"{}")

        def do_GET(self):
            if self.path.startswith("/lms/xapi/activities/state"):
                return self._answer(200, json.dumps(launch_data).encode())
            return super().do_GET()

        def _answer(self, status, body):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve_folder(site, LMS) as base:
        yield _cmi5_launch(base, registration, session, au, course)


def _cmi5_launch(base, registration, session, au, course) -> dict:
    """The launch URL and facts an LMS at ``base`` gives the lesson (cmi5 section 8.1)."""
    actor = {"objectType": "Agent", "name": "Anna Petrova",
             "account": {"homePage": "https://lms.example.invalid", "name": "anna"}}
    params = {"endpoint": f"{base}/lms/xapi/", "fetch": f"{base}/lms/fetch", "actor": json.dumps(actor),
              "registration": registration, "activityId": au.get("id")}
    return {"launch": f"{base}/pkg/index.html?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items()),
            "registration": registration, "session": session, "actor": actor, "au": au.get("id"), "course": course}


def test_cmi5_xml_describes_one_course_and_its_assignable_unit(quiz_site):
    from lxml import etree

    from conftest import SHARED

    with zipfile.ZipFile(quiz_site["zip"]) as archive:
        names = archive.namelist()
        raw = archive.read("cmi5.xml")
    document = etree.fromstring(raw)
    assert document.tag == f"{{{COURSE}}}courseStructure"
    course, au = document.find(f"{{{COURSE}}}course"), document.find(f"{{{COURSE}}}au")
    assert course.get("id") == "urn:microlearn:shape-quiz-v1" and au.get("id") == "urn:microlearn:shape-quiz-v1:au"
    assert (au.get("moveOn"), au.get("masteryScore"), au.findtext(f"{{{COURSE}}}url")) == ("Passed",
            "0.6", "index.html")
    assert au.findtext(f"{{{COURSE}}}title/{{{COURSE}}}langstring") == "Hold a phone for video"
    assert au.find(f"{{{COURSE}}}title/{{{COURSE}}}langstring").get("lang") == "en"
    assert "index.html" in names and "imsmanifest.xml" in names  # one zip for both kinds of LMS
    xsd = SHARED / "cmi5-xsd" / "CourseStructure.xsd"
    if not xsd.is_file():
        pytest.skip("../shared/cmi5-xsd/CourseStructure.xsd is not present beside the project: the cmi5 schema is "
                    "needed to validate")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(document), schema.error_log


def test_a_cmi5_launch_sends_the_cmi5_statements_to_the_lrs(cmi5_lms, lrs, page):
    page.goto(cmi5_lms["launch"])
    page.wait_for_function("document.getElementById('video') !== null")
    assert _answer(page.main_frame, 2, "b") == "Right."
    assert _answer(page.main_frame, 3, "f") == "Right."
    page.wait_for_function("document.body.dataset.score === '100' && document.body.dataset.completed === 'cards'")
    # the LRS acknowledged each statement (the AU marks it on the page) before the learner leaves
    page.wait_for_function("(document.body.dataset.cmi5Sent || '').split(' ').length === 3 || "
                           "document.body.dataset.cmi5Error", timeout=60_000)
    assert page.evaluate("document.body.dataset.cmi5Error") is None
    # (after leaving, the browser reports the keepalive request it no longer watches as failed; it was stored, see below)
    assert page.errors() == []
    page.goto("about:blank")  # leaving the AU: terminated, sent with keepalive

    import time

    def statements() -> list[dict]:
        status, body = _lrs_request(lrs, "GET", "/xAPI/statements?limit=100")
        assert status == 200, body
        found = [s for s in json.loads(body)["statements"] if s.get("context", {}).get("registration") == cmi5_lms["registration"]]
        return sorted(found, key=lambda s: s["timestamp"])

    deadline = time.monotonic() + 20
    while not any(s["verb"]["id"].endswith("/terminated") for s in statements()) and time.monotonic() < deadline:
        time.sleep(0.3)
    stored = statements()
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in stored]
    # completed (every card read) and passed (both answers right) in whichever order the reader got there
    assert verbs[0] == "initialized" and sorted(verbs[1:3]) == ["completed", "passed"] and verbs[3:] == ["terminated"], verbs
    for statement in stored:
        assert statement["actor"]["account"] == cmi5_lms["actor"]["account"]
        assert statement["object"]["id"] == cmi5_lms["au"]
        context = statement["context"]
        assert context["registration"] == cmi5_lms["registration"]
        assert context["extensions"][SESSION] == cmi5_lms["session"]  # the LMS's context template, kept
        assert context["contextActivities"]["grouping"][0]["id"] == cmi5_lms["course"]
        categories = [c["id"] for c in context["contextActivities"]["category"]]
        assert "https://w3id.org/xapi/cmi5/context/categories/cmi5" in categories
        moves_on = "https://w3id.org/xapi/cmi5/context/categories/moveon" in categories
        assert moves_on == (statement["verb"]["id"].rsplit("/", 1)[1] in ("passed", "completed"))
    by_verb = {s["verb"]["id"].rsplit("/", 1)[1]: s for s in stored}
    passed = by_verb["passed"]["result"]
    assert passed["score"]["scaled"] == 1.0 and passed["success"] is True and passed["duration"].startswith("PT")
    assert by_verb["completed"]["result"]["completion"] is True
    assert by_verb["terminated"]["result"]["duration"].startswith("PT")
