"""The trust chain across machines, as people and CI run it, on one really built small lesson.

A git repository holds the lesson, reviewers.yaml and (once signed) the approval. The reviewer's
clone sits at a short path and builds as one environment; CI's clone sits at a path of more than
200 characters and builds with another TZ, LANG, umask, -j, temp folder and home. Both builds
must give the same bundle bytes, so the approval made in the first clone publishes from the
second. Then every kind of edit to the approved zip is refused by ``publish`` and ``verify`` with
its own message, nothing reaches the target and the ledger does not change; and an author's name
removed from the unsigned build/<slug>/bundle/manifest.json never lets the author approve.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import LESSON_YAML, ROOT, SCRIPT_MD, make_image, needs_tool

pytestmark = [pytest.mark.media, pytest.mark.e2e, needs_tool("espeak-ng"), needs_tool("git")]

SLUG = "first-video"
ZIP = f"{SLUG}-v1.zip"
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false"]


def _run(argv: list[str], cwd: Path, env: dict | None = None, umask: int = 0o022) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env or os.environ.copy(), capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                          preexec_fn=lambda: os.umask(umask), check=False)


def _microlearn(clone: Path, *args: str, env: dict | None = None, umask: int = 0o022) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "pipeline", *args], clone, {**(env or os.environ), "PYTHONPATH": str(ROOT)}, umask)


def _git(cwd: Path, *args: str) -> None:
    done = _run([*GIT, *args], cwd)
    assert done.returncode == 0, done.stderr


def _answers() -> dict:
    from pipeline.signoff.checklist import load_checklist

    return {item.id: {"ok": True, "note": "checked"} for item in load_checklist()}


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """origin (bare) ← the reviewer's clone (approves, pushes) → CI's clone at a long path (publishes to a folder)."""
    from pipeline.signoff.keys import generate_key

    base = tmp_path_factory.mktemp("trust")
    seed = base / "seed"
    lesson = seed / "content" / SLUG
    (lesson / "media").mkdir(parents=True)
    # a picture and a school logo on the cards: their URLs are what made the handout differ by path
    (lesson / "lesson.yaml").write_text(LESSON_YAML + "school:\n  name: Lyceum 1\n  logo: media/logo.png\n", encoding="utf-8")
    (lesson / "script.md").write_text(SCRIPT_MD.replace("- Lean on a table", "- Lean on a table\n\n![A phone on a table](media/phone.png)"), encoding="utf-8")
    make_image(lesson / "media" / "phone.png", size="64x48")
    make_image(lesson / "media" / "logo.png", size="32x32", color="darkred")
    keys = base / "keys"  # outside every clone, as real keys are
    kim = generate_key(keys / "kim")
    anna = generate_key(keys / "anna")  # the lesson's author is a reviewer too (of other lessons)
    (seed / "reviewers.yaml").write_text(f"reviewers:\n  - name: Kim Minji\n    public_key: {kim}\n  - name: Anna Petrova\n    public_key: {anna}\n",
                                         encoding="utf-8")
    (seed / ".gitignore").write_text("build/\n")
    _git(seed, "init", "-q")
    _git(seed, "add", "-A")
    _git(seed, "commit", "-qm", "a lesson")
    origin = base / "origin.git"
    _git(base, "clone", "-q", "--bare", str(seed), str(origin))

    reviewer = base / "rev"
    _git(base, "clone", "-q", str(origin), str(reviewer))
    (base / "answers.yaml").write_text(json.dumps(_answers()), encoding="utf-8")
    (base / "tmp-a").mkdir()
    env_a = {**os.environ, "TZ": "UTC", "LANG": "C.UTF-8", "TMPDIR": str(base / "tmp-a")}
    approved = _microlearn(reviewer, "approve", SLUG, "--reviewer", "Kim Minji", "--key", str(keys / "kim"), "--answers", str(base / "answers.yaml"),
                           env=env_a)
    assert approved.returncode == 0, approved.stderr[-3000:]
    _git(reviewer, "add", "approvals")
    _git(reviewer, "commit", "-qm", "approve first-video")
    _git(reviewer, "push", "-q", "origin", "HEAD")

    long = base.joinpath(*["ci-checkout-" + "x" * 38] * 4, "lessons")
    assert len(str(long)) >= 200
    long.parent.mkdir(parents=True)
    _git(base, "clone", "-q", str(origin), str(long))
    temp_b = base.joinpath(*["tmp-" + "t" * 40] * 2)
    temp_b.mkdir(parents=True)
    (base / "home-b").mkdir()
    share = base / "share"
    share.mkdir()
    config = base / "publish.yaml"
    config.write_text(f"site:\n  title: Lessons\nledger: publish-ledger.json\ntargets:\n  - name: share\n    type: folder\n    path: {share}\n", encoding="utf-8")
    env_b = {**os.environ, "TZ": "Asia/Seoul", "LANG": "ko_KR.UTF-8", "LC_ALL": "ru_RU.UTF-8", "TMPDIR": str(temp_b), "HOME": str(base / "home-b"),
             "USER": "ci", "LOGNAME": "ci", "SOURCE_DATE_EPOCH": "1795000000"}
    published = _microlearn(long, "publish", "--config", str(config), "-j", "2", env=env_b, umask=0o077)
    return {"base": base, "reviewer": reviewer, "ci": long, "share": share, "config": config, "keys": keys, "published": published, "approved": approved}


def _plain(data: bytes) -> bytes:
    """``data`` followed by every zlib stream inside it inflated (PDF streams hide names otherwise)."""
    import re
    import zlib

    inflated = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join([data, *inflated])


def test_same_commit_same_bytes_in_two_folders(flow):
    a = flow["reviewer"] / "build" / SLUG / "bundle" / ZIP
    b = flow["ci"] / "build" / SLUG / "bundle" / ZIP
    assert b.is_file(), flow["published"].stdout + flow["published"].stderr[-3000:]
    with zipfile.ZipFile(a) as first, zipfile.ZipFile(b) as second:
        assert first.namelist() == second.namelist() and "cards/handout.pdf" in first.namelist()
        differ = [name for name in first.namelist() if first.read(name) != second.read(name)]
        assert differ == []
        for name in first.namelist():  # no trace of either checkout, user or temp folder inside
            data = _plain(first.read(name))
            assert not [p for p in (flow["reviewer"], flow["ci"], flow["base"]) if str(p).encode() in data], name
        handout = first.read("cards/handout.pdf")
        assert len(_plain(handout)) > 2 * len(handout)  # its streams were really inflated and searched
        assert b"file:" not in _plain(handout)  # no URL of any file names anything in the PDF
    assert a.read_bytes() == b.read_bytes()


def test_approved_in_one_clone_published_from_another(flow):
    done = flow["published"]
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert f"published      {SLUG} v1 → share: uploaded" in done.stdout.splitlines()
    approval = json.loads((flow["ci"] / "approvals" / f"{SLUG}.json").read_text(encoding="utf-8"))
    published = (flow["share"] / "bundles" / ZIP).read_bytes()
    assert hashlib.sha256(published).hexdigest() == approval["bundle"]["sha256"]
    assert published == (flow["reviewer"] / "build" / SLUG / "bundle" / ZIP).read_bytes()
    entry = json.loads((flow["ci"] / "publish-ledger.json").read_text(encoding="utf-8"))["publications"][0]
    assert entry["sha256"] == entry["digest"] == approval["bundle"]["sha256"]  # the ledger and the target agree


def test_verify_the_published_bundle_with_the_repository_files(flow):
    from pipeline.signoff.keys import fingerprint, load_private_key

    zip_file = flow["share"] / "bundles" / ZIP
    done = _microlearn(flow["ci"], "verify", str(zip_file))
    key = fingerprint(load_private_key(flow["keys"] / "kim").public_key())
    sha = hashlib.sha256(zip_file.read_bytes()).hexdigest()
    assert (done.returncode, done.stdout) == (0, f"{zip_file}: valid — {SLUG} version 1 approved by Kim Minji ({key}), sha256 {sha}\n"), done.stderr


def _rezip(source: Path, target: Path, change) -> None:
    """Rewrite the bundle with the package stage's own writer, entries changed by ``change``."""
    from pipeline.package.bundle import write_zip

    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    write_zip(target, sorted(change(entries).items()))


def _manifest_title(entries: dict) -> dict:
    manifest = json.loads(entries["manifest.json"])
    manifest["lesson"]["title"] = "Edited after approval"
    manifest["lesson"]["licence"] = "All rights reserved"
    return {**entries, "manifest.json": json.dumps(manifest).encode()}


def _comment(path: Path) -> None:
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = b"edited"


EDITS = {
    "entry-content": (lambda p: _rezip(p, p, lambda e: {**e, "transcript.txt": e["transcript.txt"] + b"one more line\n"}),
                      "entry transcript.txt was changed"),
    "manifest": (lambda p: _rezip(p, p, _manifest_title), "entry manifest.json was changed"),
    "prepended": (lambda p: p.write_bytes(b"#!/bin/sh\nexit 0\n" + p.read_bytes()), "17 byte(s) were added before the zip"),
    "appended": (lambda p: p.write_bytes(p.read_bytes() + b"<script>alert(1)</script>"), "25 byte(s) were added after the end of the zip"),
    "entry-added": (lambda p: _rezip(p, p, lambda e: {**e, "extra.html": b"<p>not reviewed</p>"}), "entry extra.html was added"),
    "comment": (_comment, "a zip comment of 6 byte(s) was added (approved bundles have none)"),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_every_edit_after_approval_is_refused_by_publish_and_verify(flow, tmp_path, kind):
    from pipeline.publish import publish

    edit, reason = EDITS[kind]
    project = tmp_path / "ci"
    shutil.copytree(flow["ci"], project, ignore=shutil.ignore_patterns(".git"))
    zip_file = project / "build" / SLUG / "bundle" / ZIP
    approved = hashlib.sha256(zip_file.read_bytes()).hexdigest()
    edit(zip_file)
    now = hashlib.sha256(zip_file.read_bytes()).hexdigest()
    assert now != approved
    share = tmp_path / "share"
    share.mkdir()
    config = tmp_path / "publish.yaml"
    config.write_text(f"site:\n  title: Lessons\nledger: publish-ledger.json\ntargets:\n  - name: share\n    type: folder\n    path: {share}\n", encoding="utf-8")
    ledger = (project / "publish-ledger.json").read_bytes()

    report = publish(project, project / "content", project / "build", config, build=False)
    assert report.published == [] and report.failures == []
    assert report.not_published == [(SLUG, "stale", f"approval by Kim Minji covers bundle {approved[:12]}, the bundle is now {now[:12]} ({reason}) — "
                                                     f"rebuild it (make build LESSON={SLUG}); if the lesson changed since, review it again and run: make approve LESSON={SLUG}")]
    assert not (share / "bundles").exists() and not [p for p in share.rglob("*") if p.suffix in (".zip", ".part")]
    assert (project / "publish-ledger.json").read_bytes() == ledger

    done = _microlearn(project, "verify", str(zip_file))
    assert (done.returncode, done.stdout, done.stderr) == (1, f"{zip_file}: {reason}\n", "")


def test_an_author_edit_in_the_build_manifest_cannot_make_a_self_approval_pass(flow, tmp_path):
    from pipeline.lesson.loader import load_lesson
    from pipeline.signoff.approval import approval_status, approve, signed_bytes
    from pipeline.signoff.integrity import layout
    from pipeline.signoff.keys import ApprovalError, fingerprint, load_private_key

    project = tmp_path / "ci"
    shutil.copytree(flow["ci"], project, ignore=shutil.ignore_patterns(".git"))
    (project / "approvals" / f"{SLUG}.json").unlink()
    copy = project / "build" / SLUG / "bundle" / "manifest.json"
    copy.write_text(copy.read_text(encoding="utf-8").replace("Anna Petrova", "Someone Else"), encoding="utf-8")
    lesson = load_lesson(project / "content" / SLUG, probe_media=False)
    zip_file = project / "build" / SLUG / "bundle" / ZIP
    with pytest.raises(ApprovalError) as caught:
        approve(project, project / "build", lesson, zip_file, "Anna Petrova", flow["keys"] / "anna", _answers())
    assert str(caught.value) == f"{SLUG}: Anna Petrova is an author of this lesson and cannot approve it — ask another reviewer listed in reviewers.yaml"
    assert not (project / "approvals" / f"{SLUG}.json").exists()

    # signed with her own listed key, naming other authors in the approval itself: still refused
    key = load_private_key(flow["keys"] / "anna")
    document = {"schema": "microlearn-approval/2", "slug": SLUG, "version": "1", "title": lesson.title, "authors": ["Someone Else"],
                "bundle": layout(zip_file)[0].record(ZIP), "media": "", "reviewer": "Anna Petrova", "key": fingerprint(key.public_key()),
                "checklist": _answers()}
    document["signature"] = base64.b64encode(key.sign(signed_bytes(document))).decode()
    path = project / "approvals" / f"{SLUG}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    status = approval_status(project, project / "build", lesson, zip_file)
    assert (status.state, status.reason) == ("invalid", f"{path}: Anna Petrova is an author of this lesson and cannot approve it — ask another listed reviewer")
    done = _microlearn(project, "verify", str(zip_file))  # the zip's signed manifest.json names her
    assert (done.returncode, done.stdout) == (1, f"approvals/{SLUG}.json: Anna Petrova is an author of this lesson and cannot approve it\n")


def test_verify_usage_errors_exit_2(flow, tmp_path):
    done = _microlearn(flow["ci"], "verify", str(tmp_path / "missing.zip"))
    assert (done.returncode, done.stderr) == (2, f"microlearn: {tmp_path / 'missing.zip'}: cannot be read (No such file or directory) — give the path of a bundle zip\n")
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    done = _microlearn(flow["ci"], "verify", str(junk))
    assert (done.returncode, done.stderr) == (2, f"microlearn: {junk}: cannot tell which lesson this is (no readable manifest.json inside) — "
                                                 "pass --approval approvals/<lesson>.json\n")
    done = _microlearn(flow["ci"], "verify", str(junk), "--approval", str(flow["ci"] / "approvals" / f"{SLUG}.json"))
    assert (done.returncode, done.stdout) == (1, f"{junk}: not a zip archive (File is not a zip file)\n")
