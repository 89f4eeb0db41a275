"""End-to-end publishing: real built lessons, real signed approvals, a folder target and a real
OpenSSH server on loopback (started here as a child process), the catalog read in Chromium and
the feeds read with lxml and json."""
from __future__ import annotations

import base64
import getpass
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import LESSON_YAML, SCRIPT_MD

pytestmark = [pytest.mark.media, pytest.mark.e2e]

SSHD = Path("/usr/sbin/sshd")
EPOCH = "1795000000"  # SOURCE_DATE_EPOCH: 2026-11-18T11:06:40Z
KEY_ENV = "MICROLEARN_TEST_SFTP_KEY"
APPROVED = {"approved-en", "approved-ru"}

RU_YAML = """\
title: Рубрики школьной страницы
language: ru
authors:
  - name: Ирина Смирнова
    school: Школа 5
rubric: Школьная страница
tags: [соцсети, рубрики]
licence: CC-BY-4.0
objectives:
  - Выбрать рубрики для страницы школы
audience: учителя
formats: ["16:9"]
max_duration: 90
sequence:
  - type: title
    duration: 2
  - type: card
    section: rubriki
  - type: end
    duration: 2
"""
RU_SCRIPT = """\
# Рубрики школьной страницы

## Рубрики {#rubriki}

- Новости
- Проекты

Narration: Рубрики помогают читателям найти нужное.
"""


def _key(path: Path) -> str:
    """A throwaway Ed25519 key (OpenSSH format, 0600); returns the public key line."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    key = Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
    path.chmod(0o600)
    return key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """A real OpenSSH server on 127.0.0.1 (own config, throwaway keys, a free port, internal-sftp)."""
    if not SSHD.exists():
        pytest.skip("/usr/sbin/sshd is absent — install it with: bash scripts/sftp-test-deps.sh (make test does)")
    folder = tmp_path_factory.mktemp("sshd")
    host_public = _key(folder / "host_ed25519")
    user_public = _key(folder / "user_ed25519")
    (folder / "authorized_keys").write_text(user_public + "\n")
    root = folder / "sftp-root"
    root.mkdir()
    port = _free_port()
    (folder / "sshd_config").write_text(textwrap.dedent(f"""\
        Port {port}
        ListenAddress 127.0.0.1
        HostKey {folder}/host_ed25519
        PidFile {folder}/sshd.pid
        AuthorizedKeysFile {folder}/authorized_keys
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitRootLogin prohibit-password
        AllowUsers {getpass.getuser()}
        Subsystem sftp internal-sftp
        LogLevel VERBOSE
        """))
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", exist_ok=True)  # sshd started as root insists on its privilege separation folder
    with open(folder / "sshd.log", "wb") as log:
        server = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(folder / "sshd_config")], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    if probe.recv(8).startswith(b"SSH-"):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sshd did not start: {(folder / 'sshd.log').read_text()}")
            time.sleep(0.1)
        yield {"port": port, "host_key": " ".join(host_public.split()[:2]),
               "user_key": (folder / "user_ed25519").read_text(), "root": root}
    finally:
        server.terminate()
        server.wait(10)


def _write_lesson(content: Path, slug: str, yaml: str, script: str) -> None:
    folder = content / slug
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "lesson.yaml").write_text(yaml, encoding="utf-8")
    (folder / "script.md").write_text(script, encoding="utf-8")


def _en(title: str) -> str:
    return LESSON_YAML.replace("title: Recording your first teacher video", f"title: {title}")


def _answers() -> dict:
    from pipeline.signoff.checklist import load_checklist

    return {item.id: {"ok": True, "note": "checked"} for item in load_checklist()}


def _lesson(project: Path, slug: str):
    from pipeline.lesson.loader import load_lesson

    return load_lesson(project / "content" / slug, probe_media=False)


def _zip(build: Path, slug: str) -> Path:
    return build / slug / "bundle" / f"{slug}-v1.zip"


def _forge(project: Path, build: Path, slug: str, reviewer: str, key_file: Path) -> None:
    """An approval in the listed reviewer's name, signed with a key that is not theirs."""
    from pipeline.signoff.approval import signed_bytes
    from pipeline.signoff.integrity import layout
    from pipeline.signoff.keys import fingerprint, load_private_key

    lesson = _lesson(project, slug)
    key = load_private_key(key_file)
    zip_file = _zip(build, slug)
    document = {"schema": "microlearn-approval/2", "slug": slug, "version": "1", "title": lesson.title,
                "authors": [a.name for a in lesson.authors],
                "bundle": layout(zip_file)[0].record(zip_file.name), "media": "", "reviewer": reviewer,
                "key": fingerprint(key.public_key()),
                "checklist": _answers()}
    document["signature"] = base64.b64encode(key.sign(signed_bytes(document))).decode()
    (project / "approvals" / f"{slug}.json").write_text(json.dumps(document, indent=1, sort_keys=True))


def _publish_yaml(project: Path, sshd: dict, remote: Path, share: Path, ledger: str = "publish-ledger.json",
                  targets: tuple[str, ...] = ("share", "portal"), host_key: str = "") -> Path:
    path = project / f"{ledger}.publish.yaml"
    blocks = {
        "share": f"""\
          - name: share
            type: folder
            path: {share}
        """,
        "portal": f"""\
          - name: portal
            type: sftp
            host: 127.0.0.1
            port: {sshd['port']}
            user: {getpass.getuser()}
            path: {remote}
            host_key: {host_key or sshd['host_key']}
            key_env: {KEY_ENV}
        """,
    }
    head = f"""\
        site:
          title: Mentoring network lessons
          description: Lessons shared by the schools of the network
        ledger: {ledger}
        targets:
        """
    path.write_text(textwrap.dedent(head) + "".join(textwrap.indent(textwrap.dedent(blocks[name]), "  ") for name in targets), encoding="utf-8")
    return path


def _cli(project: Path, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "pipeline", "--content", "content", "--build-dir", "build",
                           "-v", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its inode and mtime: a replaced or rewritten file changes them."""
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory, sshd):
    """Five tiny built lessons: two approved, one awaiting review, one approved then changed, one forged."""
    from pipeline.signoff.approval import approve
    from pipeline.signoff.keys import generate_key
    from pipeline.build import build, discover
    from pipeline.stage import Settings

    project = tmp_path_factory.mktemp("project")
    content, out = project / "content", project / "build"
    _write_lesson(content, "approved-en", _en("Holding the phone steady"), SCRIPT_MD)
    _write_lesson(content, "approved-ru", RU_YAML, RU_SCRIPT)
    _write_lesson(content, "waiting", _en("Waiting for review"), SCRIPT_MD)
    _write_lesson(content, "changed", _en("Changed after review"), SCRIPT_MD)
    _write_lesson(content, "forged", _en("Forged approval"), SCRIPT_MD)
    reports = build(Settings(content, out, jobs=2), discover(content))
    assert [r.status for r in reports] == ["built"] * 5, [r.errors for r in reports]
    keys = tmp_path_factory.mktemp("keys")  # outside the project, as real keys are
    public = generate_key(keys / "boris.key")
    generate_key(keys / "mallory.key")
    (project / "reviewers.yaml").write_text(f"reviewers:\n  - name: Boris Reviewer\n    public_key: {public}\n", encoding="utf-8")
    for slug in ("approved-en", "approved-ru", "changed"):
        approve(project, out, _lesson(project, slug), _zip(out, slug), "Boris Reviewer", keys / "boris.key", _answers())
    _forge(project, out, "forged", "Boris Reviewer", keys / "mallory.key")
    # the teacher edits the narration after the sign-off: the next build makes a different bundle
    script = (content / "changed" / "script.md").read_text()
    (content / "changed" / "script.md").write_text(script.replace("Lean on a table", "Lean on a desk"))
    share, remote = project.parent / f"{project.name}-share", sshd["root"] / "lessons"
    share.mkdir()
    remote.mkdir()
    config = _publish_yaml(project, sshd, remote, share)
    first = _cli(project, "publish", "--config", str(config), env_extra={KEY_ENV: sshd["user_key"]})
    return {"dir": project, "share": share, "remote": remote, "config": config, "first": first, "keys": keys,
            "user_key": sshd["user_key"]}


def test_publishes_approved_lessons_to_both_targets(project):
    first = project["first"]
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    lines = first.stdout.splitlines()
    for slug in sorted(APPROVED):
        for target in ("share", "portal"):
            assert f"published      {slug} v1 → {target}: uploaded" in lines
    assert lines[-1] == "lessons published: 2, not published: 3, failures: 0"
    build = project["dir"] / "build"
    for root in (project["share"], project["remote"]):
        bundles = sorted(p.name for p in (root / "bundles").iterdir())
        assert bundles == ["approved-en-v1.zip", "approved-ru-v1.zip"]
        for slug in APPROVED:
            assert (root / "bundles" / f"{slug}-v1.zip").read_bytes() == (build / slug / "bundle" / f"{slug}-v1.zip").read_bytes()
            assert (root / "thumbnails" / f"{slug}-v1.jpg").read_bytes() == (build / slug / "thumbnail.jpg").read_bytes()
        assert not [p for p in root.rglob("*.part")]


def test_skips_unapproved_stale_and_forged_with_reasons(project):
    out = project["first"].stdout
    lines = {line.split()[2]: line for line in out.splitlines() if line.startswith("not published")}
    assert set(lines) == {"waiting", "changed", "forged"}
    assert "(missing): not approved:" in lines["waiting"] and "approvals/waiting.json does not exist" in lines["waiting"]
    assert "(stale): approval by Boris Reviewer covers bundle" in lines["changed"] and "if the lesson changed since, review it again" in lines["changed"]
    assert "(invalid):" in lines["forged"] and "which is not the key reviewers.yaml lists for Boris Reviewer" in lines["forged"]
    for root in (project["share"], project["remote"]):
        names = {p.name for p in root.rglob("*")}
        assert not {n for n in names if n.startswith(("waiting", "changed", "forged"))}


def test_credentials_never_appear_in_output(project):
    text = project["first"].stdout + project["first"].stderr  # a run with -v (every debug log line)
    assert "microlearn.publish" in text or "paramiko" in text  # the verbose log was really on
    body = [line for line in project["user_key"].splitlines() if line and "PRIVATE KEY" not in line]
    assert body and not [line for line in body if line in text]
    assert "PRIVATE KEY" not in text and "PRIVATE" not in project["config"].read_text()


def test_ledger_records_each_publication(project):
    ledger = json.loads((project["dir"] / "publish-ledger.json").read_text())
    assert ledger["schema"] == "microlearn-publish-ledger/1"
    rows = [(e["lesson"], e["target"], e["version"], e["approval"]["reviewer"], e["time"]) for e in ledger["publications"]]
    assert rows == [(slug, target, "1", "Boris Reviewer", "2026-11-18T11:06:40Z")
                    for slug in sorted(APPROVED) for target in ("portal", "share")]
    build = project["dir"] / "build"
    for entry in ledger["publications"]:
        approved = json.loads((project["dir"] / "approvals" / f"{entry['lesson']}.json").read_text())
        zip_bytes = (build / entry["lesson"] / "bundle" / f"{entry['lesson']}-v1.zip").read_bytes()
        assert entry["digest"] == entry["sha256"] == approved["bundle"]["sha256"] == hashlib.sha256(zip_bytes).hexdigest()
        root = project["share"] if entry["target"] == "share" else project["remote"]
        assert hashlib.sha256((root / entry["meta"]["bundle"]).read_bytes()).hexdigest() == entry["sha256"]  # the ledger and the target agree
    text = (project["dir"] / "publish-ledger.json").read_text()
    assert text == json.dumps(ledger, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_second_run_uploads_nothing(project):
    before = {root: _tree(root) for root in (project["share"], project["remote"])}
    ledger = (project["dir"] / "publish-ledger.json").read_bytes()
    second = _cli(project["dir"], "publish", "--config", str(project["config"]),
                  env_extra={KEY_ENV: project["user_key"]})
    assert second.returncode == 0, second.stdout + second.stderr
    lines = second.stdout.splitlines()
    assert [line for line in lines if line.startswith("published")] == [
        f"published      {slug} v1 → {target}: already there" for target in ("share", "portal") for slug in sorted(APPROVED)]
    for root, tree in before.items():
        assert _tree(root) == tree  # no file written, replaced or added
    assert (project["dir"] / "publish-ledger.json").read_bytes() == ledger



def test_catalog_is_the_same_on_both_targets(project):
    share, remote = project["share"], project["remote"]
    pages = sorted(str(p.relative_to(share)) for p in share.rglob("*") if p.is_file() and p.parts[-2] not in ("bundles", "thumbnails"))
    assert {"index.html", "style.css", "feed.json", "feed.atom", "language/en.html", "language/ru.html",
            "tag/phone.html",
            "tag/соцсети.html", "rubric/teacher-craft.html", "rubric/школьная-страница.html"} <= set(pages)
    for rel in pages:
        assert (remote / rel).read_bytes() == (share / rel).read_bytes(), rel
    assert not [p for p in share.rglob("*.html") if b"<script" in p.read_bytes()]  # works without JavaScript


def test_catalog_lists_exactly_the_published_lessons(project, browser_page):
    """Read over HTTP on loopback, as visitors read it: a browser loads no captions track from file:// URLs."""
    from test_scorm_runtime import serve_folder

    with serve_folder(project["share"]) as url:
        _browse_the_catalog(project, browser_page, url)


def _browse_the_catalog(project, page, base: str) -> None:
    aborted = set()  # a media element cancels a video request once it has what it needs (byte ranges): by design
    page.on("requestfailed", lambda r: aborted.add(r.url) if r.failure == "net::ERR_ABORTED" else None)
    page.goto(f"{base}/index.html")
    assert page.title() == "Mentoring network lessons"
    assert sorted(page.eval_on_selector_all("article.lesson", "els => els.map(e => e.id)")) == sorted(APPROVED)
    ru = page.locator("article#approved-ru")
    assert ru.locator("h2").inner_text() == "Рубрики школьной страницы"
    assert ru.locator(".language").inner_text() == "Русский"
    assert ru.locator(".rubric").inner_text() == "Школьная страница"
    assert ru.locator(".tags").inner_text() == "соцсети, рубрики"
    assert ru.locator(".authors").inner_text() == "Ирина Смирнова (Школа 5)"
    assert ru.locator(".licence").inner_text() == "CC-BY-4.0"
    manifest = json.loads((project["dir"] / "build" / "approved-ru" / "bundle" / "manifest.json").read_text())
    total = round(manifest["durations"]["total"])
    assert ru.locator(".duration").inner_text() == f"{total // 60}:{total % 60:02d}"
    # each lesson is watched in the page: its video (the thumbnail as poster) and its card, which really loads
    posters = page.eval_on_selector_all("article video.watch", "els => els.map(e => e.getAttribute('poster'))")
    assert len(posters) == 2 and all((project["share"] / p).is_file() for p in posters)
    for picture in page.locator("article .cards img").all():
        picture.scroll_into_view_if_needed()  # cards load lazily, as a visitor scrolls to them
    page.wait_for_function("[...document.querySelectorAll('article .cards img')].every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("article .cards img").count() == 2
    href = ru.locator("a.bundle").get_attribute("href")
    assert (project["share"] / href).read_bytes() == (project["dir"] / "build" / "approved-ru" / "bundle" / "approved-ru-v1.zip").read_bytes()
    # browse by rubric, language and tag by following the links, as a visitor would
    ru.locator(".rubric a").click()
    assert page.locator("h1").inner_text() == "Rubric: Школьная страница"
    assert page.eval_on_selector_all("article.lesson", "els => els.map(e => e.id)") == ["approved-ru"]
    page.locator("nav .browse-language a", has_text="English").click()
    assert page.locator("h1").inner_text() == "Language: English"
    assert page.eval_on_selector_all("article.lesson", "els => els.map(e => e.id)") == ["approved-en"]
    page.locator("article#approved-en .tags a", has_text="phone").click()
    assert page.locator("h1").inner_text() == "Tag: phone"
    assert page.eval_on_selector_all("article.lesson", "els => els.map(e => e.id)") == ["approved-en"]
    assert [p for p in page.problems if p.removeprefix("request failed: ") not in aborted] == []


def test_feeds_list_the_published_lessons(project):
    from lxml import etree

    share = project["share"]
    atom = etree.parse(str(share / "feed.atom"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = atom.findall("a:entry", ns)
    assert sorted(e.findtext("a:title", namespaces=ns) for e in entries) == ["Holding the phone steady",
            "Рубрики школьной страницы"]
    for entry in entries:
        enclosure = entry.find("a:link[@rel='enclosure']", ns)
        bundle = share / enclosure.get("href")
        assert bundle.is_file() and int(enclosure.get("length")) == bundle.stat().st_size
        assert entry.findtext("a:updated", namespaces=ns) == "2026-11-18T11:06:40Z"
    feed = json.loads((share / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert sorted(item["_microlearn"]["slug"] for item in feed["items"]) == sorted(APPROVED)
    for item in feed["items"]:
        data = (share / item["attachments"][0]["url"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["_microlearn"]["sha256"]
        assert (share / item["image"]).is_file()


KILLER = """\
import os, signal, sys
from pathlib import Path
from pipeline.publish import publish

project, config = Path(sys.argv[1]), Path(sys.argv[2])

def progress(rel, sent, total):
    if rel.endswith(".zip") and sent >= total // 3:
        os.kill(os.getpid(), signal.SIGKILL)  # the connection drops mid-upload

publish(project, project / "content", project / "build", config, build=False, progress=progress)
"""


def _settled_size(path: Path) -> int:
    size, deadline = -1, time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if path.stat().st_size == size and size > 0:
            break
        size = path.stat().st_size
    return size


@pytest.mark.parametrize("target", ["portal", "share"])
def test_killed_upload_leaves_no_partial_bundle_and_resumes(project, sshd, target):
    from pipeline.publish import publish

    folder = (sshd["root"] if target == "portal" else project["share"].parent) / f"resume-{target}"
    folder.mkdir()
    config = _publish_yaml(project["dir"], sshd, folder, folder, ledger=f"resume-{target}.json", targets=(target,))
    env = {**os.environ, KEY_ENV: project["user_key"]}
    killed = subprocess.run([sys.executable, "-c", KILLER, str(project["dir"]), str(config)], env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    first = "approved-en-v1.zip"
    parts = list((folder / "bundles").glob(f".{first}.*.part"))
    assert len(parts) == 1
    had = _settled_size(parts[0])  # the server still writes what reached it before the link dropped
    assert not (folder / "bundles" / first).exists()  # nothing under the final name
    bundle = project["dir"] / "build" / "approved-en" / "bundle" / first
    assert 0 < had < bundle.stat().st_size
    assert not (project["dir"] / f"resume-{target}.json").exists()  # no publication recorded

    sent: list[int] = []
    report = publish(project["dir"], project["dir"] / "content", project["dir"] / "build", config, build=False,
                     progress=lambda rel, n, total: sent.append(n) if rel.endswith(first) else None,
                     environ={KEY_ENV: project["user_key"]})
    assert report.ok, report.failures
    assert sent and min(sent) > had  # resumed after the bytes already there, not restarted
    assert (folder / "bundles" / first).read_bytes() == bundle.read_bytes()
    assert not list(folder.rglob("*.part"))
    ledger = json.loads((project["dir"] / f"resume-{target}.json").read_text())
    assert sorted(e["lesson"] for e in ledger["publications"]) == sorted(APPROVED)


def test_a_changed_host_key_stops_publishing(project, sshd, tmp_path):
    from pipeline.publish import publish

    folder = sshd["root"] / "wrong-key"
    folder.mkdir()
    impostor = " ".join(_key(tmp_path / "other_host").split()[:2])
    config = _publish_yaml(project["dir"], sshd, folder, folder, ledger="wrong-key.json",
                           targets=("portal",), host_key=impostor)
    report = publish(project["dir"], project["dir"] / "content", project["dir"] / "build", config, build=False,
                     environ={KEY_ENV: project["user_key"]})
    assert not report.ok
    assert len(report.failures) == 1
    assert f"portal ({getpass.getuser()}@127.0.0.1:{sshd['port']}): the server's host key SHA256:" in report.failures[0]
    assert "is not the pinned one" in report.failures[0] and "update host_key in publish.yaml" in report.failures[0]
    assert list(folder.iterdir()) == []
    assert not (project["dir"] / "wrong-key.json").exists()
