"""Sign-off bound to the bytes: approvals made with real Ed25519 keys, forged ones rejected.

The built lesson is represented by the two files approval reads (a bundle zip written by the
package stage's own write_zip, and review/review.json) and the lesson as loaded from its
lesson.yaml; the review stage tests approve a really built lesson end to end.
"""
from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from conftest import LESSON_YAML
from pipeline.lesson.loader import load_lesson
from pipeline.package.bundle import write_zip
from pipeline.signoff import approval
from pipeline.signoff import keys as signoff_keys
from pipeline.signoff.approval import ApprovalError
from pipeline.signoff.checklist import ChecklistError, load_checklist
from pipeline.signoff.integrity import layout
from pipeline.signoff.reviewers import ReviewersError, load_reviewers
from pipeline.signoff.keys import generate_key

SLUG = "first-video"


def answers(**override) -> dict:
    base = {item.id: {"ok": True, "note": ""} for item in load_checklist()}
    base.update(override)
    return base


def lesson_of(root: Path, version: str = "1", authors=("Anna Petrova",)):
    """The lesson as content/<slug>/lesson.yaml says (the source approval judges by)."""
    folder = root / "content" / SLUG
    (folder / "media").mkdir(parents=True, exist_ok=True)
    people = "".join(f"  - name: {a}\n    school: L1\n" for a in authors)
    yaml = LESSON_YAML.replace("  - name: Anna Petrova\n    school: Lyceum 1\n", people) + f"version: '{version}'\n"
    (folder / "lesson.yaml").write_text(yaml, encoding="utf-8")
    (folder / "script.md").write_text("# T\n\n## Hold {#hold-steady}\n\nText.\n\nNarration: Hold it.\n", encoding="utf-8")
    return load_lesson(folder, probe_media=False)


def write_build(build: Path, version: str = "1", video: bytes = b"video-1",
                failing: tuple[str, ...] = (), media: str = "") -> Path:
    """build/<slug>/bundle/<slug>-v<version>.zip and review/review.json; returns the zip."""
    manifest = {"lesson": {"slug": SLUG, "version": version, "title": "T",
                           "authors": [{"name": "Anna Petrova", "school": "L1"}]}}
    zip_file = build / SLUG / "bundle" / f"{SLUG}-v{version}.zip"
    zip_file.parent.mkdir(parents=True, exist_ok=True)
    (build / SLUG / "review").mkdir(parents=True, exist_ok=True)
    write_zip(zip_file, [("video/landscape.mp4", video), ("manifest.json", json.dumps(manifest).encode())])
    checks = [{"id": c, "title": c, "severity": "blocking", "passed": False, "value": 1, "limit": 0,
               "hint": "", "detail": ""} for c in failing]
    checks.append({"id": "video.fps", "title": "fps", "severity": "blocking", "passed": True, "value": 30, "limit": 30,
                   "hint": "", "detail": ""})
    (build / SLUG / "review" / "review.json").write_text(json.dumps({"checks": checks,
            "blocking_failures": len(failing), "media_digest": media}))
    return zip_file


def approve(root: Path, build: Path, lesson, *args):
    return approval.approve(root, build, lesson, zip_of(build, lesson), *args)


def approval_status(root: Path, build: Path, lesson):
    return approval.approval_status(root, build, lesson, zip_of(build, lesson))


def zip_of(build: Path, lesson) -> Path:
    return build / SLUG / "bundle" / f"{SLUG}-v{lesson.version}.zip"


@pytest.fixture
def project(tmp_path: Path):
    """A project with two listed reviewers (keys made by generate_key), a lesson and its build."""
    root = tmp_path / "project"
    keys = tmp_path / "keys"
    kim = generate_key(keys / "kim")
    anna = generate_key(keys / "anna")
    root.mkdir()
    (root / "reviewers.yaml").write_text(f"reviewers:\n  - name: Kim Minji\n    public_key: {kim} kim@school\n  - "
                                         f"name: Anna Petrova\n    public_key: {anna}\n", encoding="utf-8")
    build = tmp_path / "build"
    write_build(build)
    return root, build, keys, lesson_of(root)


def test_a_listed_reviewer_approves_and_the_status_is_approved(project):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim",
                   answers(privacy={"ok": True, "note": "no pupils shown"}))
    assert path == root / "approvals" / f"{SLUG}.json"
    document = json.loads(path.read_text())
    assert document["checklist"]["privacy"] == {"ok": True, "note": "no pupils shown"}
    zip_bytes = (build / SLUG / "bundle" / f"{SLUG}-v1.zip").read_bytes()
    assert document["schema"] == "microlearn-approval/2" and document["authors"] == ["Anna Petrova"]
    assert document["bundle"]["sha256"] == __import__("hashlib").sha256(zip_bytes).hexdigest()  # the whole file, every byte
    assert document["bundle"]["bytes"] == len(zip_bytes) and sorted(document["bundle"]["files"]) == ["manifest.json", "video/landscape.mp4"]
    status = approval_status(root, build, lesson)
    assert status.approved and status.state == "approved", status.reason
    assert status.reviewer == "Kim Minji" and status.digest == document["bundle"]["sha256"] and status.file == path
    assert status.reason.startswith("approved by Kim Minji (SHA256:")


def test_approval_bytes_are_deterministic(project):
    root, build, keys, lesson = project
    first = approve(root, build, lesson, "Kim Minji", keys / "kim", answers()).read_bytes()
    second = approve(root, build, lesson, "Kim Minji", keys / "kim", answers()).read_bytes()
    assert first == second


def test_the_signature_verifies_independently(project):
    """Check with the raw key from reviewers.yaml, outside pipeline.signoff.approval's verify path."""
    root, build, keys, lesson = project
    document = json.loads(approve(root, build, lesson, "Kim Minji", keys / "kim", answers()).read_text())
    line = (root / "reviewers.yaml").read_text().split("public_key: ")[1].split("\n")[0]
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    key = load_ssh_public_key(" ".join(line.split()[:2]).encode())
    body = {k: v for k, v in document.items() if k != "signature"}
    key.verify(base64.b64decode(document["signature"]),
               json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())


def test_missing_approval(project):
    root, build, _, lesson = project
    status = approval_status(root, build, lesson)
    assert status.state == "missing" and not status.approved
    assert status.reason == (f"not approved: {root / 'approvals' / (SLUG + '.json')} does not exist — "
                             f"a reviewer listed in reviewers.yaml runs: make approve LESSON={SLUG}")


def test_edited_digest_is_invalid(project):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    document = json.loads(path.read_text())
    document["bundle"]["sha256"] = "0" * 64
    path.write_text(json.dumps(document))
    status = approval_status(root, build, lesson)
    assert status.state == "invalid"
    assert status.reason == f"{path}: the signature does not match the file's contents — it was edited after signing; approve again"


def test_edited_checklist_answer_is_invalid(project):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    path.write_text(path.read_text().replace('"note": ""', '"note": "added later"', 1))
    assert approval_status(root, build, lesson).reason.endswith("it was edited after signing; approve again")


def test_approval_signed_with_an_unknown_key_is_invalid(project, tmp_path):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    document = json.loads(path.read_text())
    forger = Ed25519PrivateKey.generate()
    document["key"] = signoff_keys.fingerprint(forger.public_key())
    document["signature"] = base64.b64encode(forger.sign(approval.signed_bytes(document))).decode()
    path.write_text(json.dumps(document))
    status = approval_status(root, build, lesson)
    assert status.state == "invalid"
    assert f"signed with key {document['key']}, which is not the key reviewers.yaml lists for Kim Minji (SHA256:" in status.reason


def test_approval_by_an_unlisted_reviewer_is_invalid(project):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    (root / "reviewers.yaml").write_text("reviewers: []\n")
    status = approval_status(root, build, lesson)
    assert status.state == "invalid"
    assert status.reason == f"{path}: reviewer 'Kim Minji' is not listed in reviewers.yaml — only listed reviewers can approve"


def test_an_author_cannot_approve_their_own_lesson(project):
    root, build, keys, lesson = project
    with pytest.raises(ApprovalError, match=f"^{SLUG}: Anna Petrova is an author of this lesson and cannot approve it "
                                            "— ask another reviewer listed in reviewers.yaml$"):
        approve(root, build, lesson, "anna  petrova", keys / "anna", answers())
    # and a validly signed approval by an author (made before she was added as an author) is refused
    path = approve(root, build, lesson_of(root, authors=("Someone Else",)), "Anna Petrova", keys / "anna", answers())
    status = approval_status(root, build, lesson_of(root, authors=("Someone Else", "Anna Petrova")))
    assert status.state == "invalid"
    assert status.reason == f"{path}: Anna Petrova is an author of this lesson and cannot approve it — ask another listed reviewer"


def test_approval_of_an_older_version_is_stale(project):
    root, build, keys, lesson = project
    approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    write_build(build, version="2")
    status = approval_status(root, build, lesson_of(root, version="2"))
    assert status.state == "stale"
    # the reason, then what changed in the lesson's files since the approval was signed
    assert status.reason == (f"approval by Kim Minji is for version 1, the lesson is now version 2 — review it again and run: "
                             f"make approve LESSON={SLUG}; changed since the approval: "
                             f"{root}/content/{SLUG}/lesson.yaml:23: now \"version: '2'\"")


def test_any_change_to_the_bundle_makes_the_approval_stale(project):
    root, build, keys, lesson = project
    old = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    old_digest = json.loads(old.read_text())["bundle"]["sha256"]
    new_digest = layout(write_build(build, video=b"video-2"))[0].sha256
    status = approval_status(root, build, lesson)
    assert status.state == "stale" and status.digest == old_digest
    assert status.reason == (f"approval by Kim Minji covers bundle {old_digest[:12]}, the bundle is now "
                             f"{new_digest[:12]} "
                             f"(entry video/landscape.mp4 was changed) — rebuild it (make build LESSON={SLUG}); "
                             f"if the lesson changed since, review it again and run: make approve LESSON={SLUG}")


@pytest.mark.parametrize("damage, reason", [
    (lambda text: text[: len(text) // 2], "it is not valid JSON ("),
    (lambda text: "", "it is not valid JSON ("),
    (lambda text: "[1, 2]", "it is not a JSON object — approve again"),
    (lambda text: text.replace('"microlearn-approval/2"', '"microlearn-approval/9"'),
     "schema is 'microlearn-approval/9', expected 'microlearn-approval/2' — approve again"),
    (lambda text: re.sub(r'"bytes": (\d+)', r'"bytes": "\1"', text),
     "field 'bundle.bytes' is missing or not a number — the file was edited by hand; approve again"),
    (lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "signature"}),
     "field 'signature' is missing or not text — approve again"),
    (lambda text: text.replace('"signature": "', '"signature": "!!'),
     "the signature does not match the file's contents"),
    (lambda text: text.replace('"title": "Recording your first teacher video"', '"title": "\\ud800"'),
     "it holds text that is not valid Unicode — the file was edited by hand; approve again"),
    (lambda text: text.replace('"signature": "', '"signature": "x').replace('"version": "1"', '"version": 1'),
     "field 'version' is missing or not text — approve again"),
    (lambda text: text.replace(f'"slug": "{SLUG}"', '"slug": "other-lesson"'),
     f"it approves lesson 'other-lesson', not '{SLUG}' — the file was renamed or copied; approve again"),
])
def test_truncated_or_hand_edited_files_are_invalid_never_a_crash(project, damage, reason):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    path.write_text(damage(path.read_text()))
    status = approval_status(root, build, lesson)
    assert status.state == "invalid" and not status.approved
    assert status.reason.startswith(f"{path}: ") and reason in status.reason, status.reason


@pytest.mark.parametrize("key",
                         ["ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "ssh-ed25519 !!!", "",
                          "ssh-ed25519", "AAAA===="])
def test_bad_public_keys_are_reported_by_entry(project, key):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    (root / "reviewers.yaml").write_text(f"reviewers:\n  - name: Kim Minji\n    public_key: '{key}'\n")
    status = approval_status(root, build, lesson)
    assert status.state == "invalid"
    assert status.reason.startswith(f"{path}: cannot be checked: {root / 'reviewers.yaml'}:3:17: reviewers[0].public_key: "), status.reason
    assert "Invalid format" not in status.reason and "Invalid data" not in status.reason  # cryptography's words
    assert "only ssh-ed25519 keys are accepted, not ssh-ed25519" not in status.reason


def test_reviewers_yaml_syntax_errors_give_the_line(project):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    (root / "reviewers.yaml").write_text("reviewers:\n  - name: Kim Minji\n   public_key: x\n")
    status = approval_status(root, build, lesson)
    assert status.reason == (f"{path}: cannot be checked: {root / 'reviewers.yaml'}:3:4: YAML syntax error: expected "
                             "<block end>, but found '<block mapping start>' — check the indentation of this line against "
                             "the lines above it")


def test_binary_garbage_is_invalid(project):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert approval_status(root,
                           build, lesson).reason == f"{path}: it is not UTF-8 text — the file was damaged; approve again"


def test_a_broken_reviewers_file_makes_approvals_invalid_not_a_crash(project):
    root, build, keys, lesson = project
    path = approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    (root / "reviewers.yaml").write_text("reviewers:\n  - name: Kim Minji\n    public_key: ssh-rsa AAAAB3Nza\n")
    status = approval_status(root, build, lesson)
    assert status.state == "invalid"
    assert status.reason == (f"{path}: cannot be checked: {root / 'reviewers.yaml'}:3:17: reviewers[0].public_key: only "
                             "ssh-ed25519 keys are accepted, not ssh-rsa — paste the line 'make keygen' printed (or "
                             "your ~/.ssh/id_ed25519.pub)")


def test_a_blocking_failure_blocks_approving_and_the_status(project):
    root, build, keys, lesson = project
    write_build(build, failing=("loudness.integrated",))
    with pytest.raises(ApprovalError,
                       match=r"^first-video: 1 blocking check fails \(loudness.integrated\) — fix it and "
                             r"rebuild; see build/first-video/review/index.html$"):
        approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    write_build(build)
    approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    write_build(build, failing=("flash.wcag",))
    status = approval_status(root, build, lesson)
    assert status.state == "blocked" and status.reason == "approved by Kim Minji, but 1 blocking check fails: flash.wcag"


def test_an_unbuilt_lesson_cannot_be_approved_and_its_approval_cannot_be_checked(project):
    root, build, keys, lesson = project
    approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    shutil.rmtree(build / SLUG / "bundle")
    missing = build / SLUG / "bundle" / f"{SLUG}-v1.zip"
    with pytest.raises(ApprovalError, match=f"the lesson is not built \\({missing}"):
        approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    status = approval_status(root, build, lesson)
    assert status.state == "stale"
    assert status.reason == f"approval by Kim Minji cannot be checked: the lesson is not built ({missing} is missing) — run: make build"


def test_approve_refuses_unlisted_reviewers_and_foreign_keys(project):
    root, build, keys, lesson = project
    with pytest.raises(ApprovalError, match=r"reviewer 'Lee' is not listed \(listed: Anna Petrova, Kim Minji\)"):
        approve(root, build, lesson, "Lee", keys / "kim", answers())
    with pytest.raises(ApprovalError, match=r"is not the one reviewers.yaml lists for Kim Minji"):
        approve(root, build, lesson, "Kim Minji", keys / "anna", answers())
    assert not (root / "approvals").exists()


def test_every_checklist_item_must_be_confirmed(project):
    root, build, keys, lesson = project
    partial = answers()
    del partial["rights"]
    with pytest.raises(ChecklistError, match=r"'rights' \(Rights to every asset\) is not answered"):
        approve(root, build, lesson, "Kim Minji", keys / "kim", partial)
    with pytest.raises(ChecklistError, match=r"'privacy' \(Privacy\) is not confirmed"):
        approve(root, build, lesson, "Kim Minji", keys / "kim",
                answers(privacy={"ok": False, "note": "a pupil's face at 0:12"}))
    with pytest.raises(ChecklistError, match=r"'typo' is not an item of the checklist"):
        approve(root, build, lesson, "Kim Minji", keys / "kim", answers(typo={"ok": True}))


def test_generate_key_writes_a_private_key_only_the_owner_reads_and_never_overwrites(tmp_path):
    public = generate_key(tmp_path / "k")
    assert public.startswith("ssh-ed25519 ")
    assert stat.S_IMODE(os.stat(tmp_path / "k").st_mode) == 0o600
    key = signoff_keys.load_private_key(tmp_path / "k")
    assert key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() == public
    before = (tmp_path / "k").read_bytes()
    with pytest.raises(ApprovalError, match="a file is already there — keygen never overwrites a key"):
        generate_key(tmp_path / "k")
    assert (tmp_path / "k").read_bytes() == before


@pytest.mark.media
def test_fingerprint_matches_ssh_keygen(tmp_path):
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    public = generate_key(tmp_path / "k")
    (tmp_path / "k.pub").write_text(public + "\n")
    out = subprocess.run(["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True,
                         text=True, check=True).stdout
    assert out.split()[1] == signoff_keys.fingerprint(signoff_keys.parse_public_key(public))


def test_raw_base64_public_keys_are_accepted(tmp_path):
    key = Ed25519PrivateKey.generate().public_key()
    raw = base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    assert signoff_keys.fingerprint(signoff_keys.parse_public_key(raw)) == signoff_keys.fingerprint(key)
    with pytest.raises(ValueError, match="base64 decodes to 3 bytes, an Ed25519 public key has 32"):
        signoff_keys.parse_public_key("AAAA")


def test_the_report_tells_before_packaging_whether_the_approval_covers_the_media(project):
    """The review stage knows the media it shows (review.json media_digest), not yet the bundle."""
    root, build, keys, lesson = project
    write_build(build, media="a" * 64)
    approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    same = approval.status_for_build(root, lesson, {"checks": [], "media_digest": "a" * 64})
    assert same.state == "approved", same.reason
    changed = approval.status_for_build(root, lesson, {"checks": [], "media_digest": "b" * 64})
    assert changed.state == "stale"
    assert changed.reason == ("approval by Kim Minji covers other media than this build's — the lesson changed since; "
                              f"review it again and run: make approve LESSON={SLUG}")
    newer = approval.status_for_build(root, lesson_of(root, version="2"), {"checks": [], "media_digest": "a" * 64})
    assert newer.state == "stale" and "is for version 1, the lesson is now version 2" in newer.reason


def test_an_approval_of_the_older_format_is_stale_with_the_reason(project):
    root, build, keys, lesson = project
    path = root / "approvals" / f"{SLUG}.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"schema": "microlearn-approval/1", "slug": SLUG, "digest": "0" * 64}))
    status = approval_status(root, build, lesson)
    assert status.state == "stale" and not status.approved
    assert status.reason == (f"{path}: it was made by an older microlearn (microlearn-approval/1), whose signature "
                             "leaves manifest.json "
                             "and the zip's own bytes uncovered — review the lesson again and run: make approve "
                             f"LESSON={SLUG}")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    import sys

    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=cwd,
                          stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)


def test_cli_keygen_prints_the_reviewers_line_and_never_overwrites(tmp_path):
    done = _cli("keygen", "kim.key", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1].strip()
    assert line.startswith("public_key: ssh-ed25519 ")
    listed = signoff_keys.parse_public_key(line.split(": ", 1)[1])
    assert signoff_keys.fingerprint(listed) == signoff_keys.fingerprint(signoff_keys.load_private_key(tmp_path / "kim.key").public_key())
    again = _cli("keygen", "kim.key", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr == "microlearn: kim.key: a file is already there — keygen never overwrites a key; choose another path\n"


def test_cli_approve_without_answers_or_terminal_says_what_to_pass(tmp_path):
    done = _cli("approve", "x", "--reviewer", "Kim", "--key", "k", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "microlearn: checklist answers: no --answers file given and no terminal to ask on — pass --answers answers.yaml\n"


def test_a_stale_approval_lists_the_files_and_lines_that_changed(project):
    root, build, keys, _lesson = project
    folder = root / "content" / SLUG
    (folder / "script.md").write_text("# T\n\n## Hold {#hold-steady}\n\nText.\n\nNarration: Hold it.\n", encoding="utf-8")
    (folder / "media" / "clip.mp4").write_bytes(b"first take")
    lesson = load_lesson(folder, probe_media=False)
    approve(root, build, lesson, "Kim Minji", keys / "kim", answers())
    (folder / "script.md").write_text("# T\n\n## Hold {#hold-steady}\n\nText.\n\nNarration: Hold it with two hands.\n",
                                      encoding="utf-8")
    (folder / "media" / "clip.mp4").write_bytes(b"second take")
    (folder / "media" / "logo.png").write_bytes(b"png")
    write_build(build, video=b"video-2")
    status = approval_status(root, build, lesson)
    assert status.state == "stale"
    label = f"{root}/content/{SLUG}"
    assert status.reason.endswith(
        f"; changed since the approval: {label}/media/clip.mp4: changed; {label}/media/logo.png: added; "
        f"{label}/script.md:7: now \"Narration: Hold it with two hands.\""), status.reason


def test_keygen_lines_pasted_below_an_empty_list_get_a_helpful_message(project):
    root, build, keys, _lesson = project
    public = generate_key(keys / "new")
    (root / "reviewers.yaml").write_text(f"reviewers: []\n  - name: Kim Minji\n    public_key: {public}\n", encoding="utf-8")
    with pytest.raises(ReviewersError, match=r"reviewers.yaml:2:\d+: the reviewers' lines are pasted below 'reviewers: \[\]' "
                                             r"— replace that line with 'reviewers:'"):
        load_reviewers(root / "reviewers.yaml")
    (root / "reviewers.yaml").write_text(f"reviewers:\n  - name: <your name>\n    public_key: {public}\n", encoding="utf-8")
    with pytest.raises(ReviewersError, match=r"reviewers\[0\].name: '<your name>' is the example's placeholder — write the "
                                             r"reviewer's own name there"):
        load_reviewers(root / "reviewers.yaml")


def test_the_shipped_reviewers_file_accepts_keygen_lines_appended(project, tmp_path):
    root, build, keys, _lesson = project
    public = generate_key(keys / "new")
    shipped = (Path(__file__).resolve().parent.parent / "reviewers.yaml").read_text(encoding="utf-8")
    assert load_reviewers_text(root, shipped) == {}
    pasted = shipped + f"  - name: Lee Jiwon\n    public_key: {public}\n"
    assert list(load_reviewers_text(root, pasted)) == ["Lee Jiwon"]


def load_reviewers_text(root: Path, text: str) -> dict:
    (root / "reviewers.yaml").write_text(text, encoding="utf-8")
    return load_reviewers(root / "reviewers.yaml")
