"""The sign-off flow as people run it, on a really built clean lesson: keygen, reviewers.yaml,
`microlearn approve`; the build summary and the report say "approved"; an edit to the script makes
the approval stale in both, and the publish contract (approval_status) agrees."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import LESSON_YAML, ROOT, SCRIPT_MD, needs_tool
from pipeline.lesson.loader import load_lesson
from pipeline.signoff.approval import approval_status
from pipeline.signoff.checklist import load_checklist
from pipeline.signoff.keys import generate_key

pytestmark = [pytest.mark.media, needs_tool("espeak-ng"), pytest.mark.e2e]

SLUG = "first-video"


def microlearn(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "--content", str(project / "content"),
                           "--build-dir", str(project / "build"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, stdin=subprocess.DEVNULL)


def report_state(project: Path) -> str:
    tree = lxml_html.fromstring((project / "build" / SLUG / "review" / "index.html").read_bytes())
    return tree.xpath("//p[@id='approval']/@data-state")[0]


@pytest.fixture(scope="module")
def approved(tmp_path_factory):
    project = tmp_path_factory.mktemp("flow")
    lesson = project / "content" / SLUG
    (lesson / "media").mkdir(parents=True)
    (lesson / "lesson.yaml").write_text(LESSON_YAML, encoding="utf-8")
    (lesson / "script.md").write_text(SCRIPT_MD, encoding="utf-8")
    public = generate_key(project / "keys" / "kim")
    (project / "reviewers.yaml").write_text(f"reviewers:\n  - name: Kim Minji\n    public_key: {public}\n", encoding="utf-8")
    answers = {item.id: {"ok": True, "note": "checked"} for item in load_checklist()}
    (project / "answers.yaml").write_text(json.dumps(answers), encoding="utf-8")  # JSON is YAML
    done = microlearn(project, "approve", SLUG, "--reviewer", "Kim Minji", "--key", str(project / "keys" / "kim"),
                      "--answers", str(project / "answers.yaml"))
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return project, done


def test_approve_builds_signs_and_says_so(approved):
    project, done = approved
    path = project / "approvals" / f"{SLUG}.json"
    assert done.stdout.startswith(f"{path}: approved by Kim Minji (SHA256:")
    assert done.stdout.rstrip().endswith("— commit this file")
    document = json.loads(path.read_text(encoding="utf-8"))
    zip_file = project / "build" / SLUG / "bundle" / f"{SLUG}-v1.zip"
    assert document["bundle"]["sha256"] == hashlib.sha256(zip_file.read_bytes()).hexdigest()
    assert document["checklist"]["privacy"] == {"ok": True, "note": "checked"}
    assert approval_status(project, project / "build", load_lesson(project / "content" / SLUG, probe_media=False),
                           project / "build" / SLUG / "bundle" / f"{SLUG}-v1.zip").state == "approved"


def test_the_build_summary_and_report_say_approved(approved):
    project, _ = approved
    done = microlearn(project, "build", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    lesson = json.loads(done.stdout)["lessons"][0]
    assert lesson["approval"]["state"] == "approved", lesson["approval"]
    assert [s["name"] for s in lesson["stages"] if s["status"] == "ran"] == ["review"]  # the report learnt of the approval
    assert report_state(project) == "approved"


def test_an_edit_makes_the_approval_stale_everywhere(approved):
    project, _ = approved
    script = project / "content" / SLUG / "script.md"
    script.write_text(script.read_text(encoding="utf-8").replace("Use both hands", "Use both of your hands"), encoding="utf-8")
    done = microlearn(project, "build")
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{SLUG}: approval: stale: approval by Kim Minji covers bundle " in done.stderr
    # the changed entries, in order: both handouts (A4, Letter), the card pictures, the player, the video
    assert "(entry cards/handout-letter.pdf was changed; entry cards/handout.pdf was changed; " in done.stderr
    assert report_state(project) == "stale"
    status = approval_status(project, project / "build", load_lesson(project / "content" / SLUG, probe_media=False),
                             project / "build" / SLUG / "bundle" / f"{SLUG}-v1.zip")
    assert status.state == "stale" and "if the lesson changed since, review it again" in status.reason
