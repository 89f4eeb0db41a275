"""The studio's gate: loopback only, the token on every request, paths kept inside, uploads checked."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
from pathlib import Path

import pytest

from conftest import make_video
from pipeline.settings import Settings
from pipeline.studio import safety
from pipeline.studio.server import StudioServer
from pipeline.studio.workspace import Workspace

EXAMPLE = Path(__file__).resolve().parent.parent / "content" / "first-teacher-video"
TOKEN = "t0ken-for-tests-only"


def test_token_compare_and_host_check():
    assert safety.token_ok(TOKEN, TOKEN)
    assert not safety.token_ok(TOKEN, TOKEN[:-1])
    assert not safety.token_ok(TOKEN, None)
    assert safety.host_ok("127.0.0.1:8000", 8000) and safety.host_ok("localhost:8000", 8000)
    assert (
        not safety.host_ok("evil.example:8000", 8000)
        and not safety.host_ok("127.0.0.1:8001", 8000)
        and not safety.host_ok(None, 8000)
    )
    assert len(safety.new_token()) >= 32 and safety.new_token() != safety.new_token()


def test_paths_stay_inside(tmp_path):
    (tmp_path / "lesson" / "media").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("x")
    (tmp_path / "lesson" / "media" / "link").symlink_to(tmp_path / "secret.txt")
    root = tmp_path / "lesson"
    assert safety.inside(root, "media/a.mp4") == (root / "media" / "a.mp4").resolve()
    for bad in ("../secret.txt", "media/../../secret.txt", "/etc/passwd", "media/link", "", "a\0b"):
        assert safety.inside(root, bad) is None, bad
    assert safety.upload_name("My clip (1).mp4") == "My clip (1).mp4"
    assert safety.upload_name("../../x.mp4") == "x.mp4"  # the folder part is dropped, never followed
    for bad in (".hidden.mp4", "script.sh", "lesson.yaml", "x" * 120 + ".mp4"):
        assert safety.upload_name(bad) is None, bad


@pytest.fixture
def studio(tmp_path):
    """A studio server (no worker, no watcher: only the gate and the API) on a copy of an example."""
    content = tmp_path / "content"
    shutil.copytree(EXAMPLE, content / "first-teacher-video")
    server = StudioServer(0, Workspace(Settings(content, tmp_path / "build")), TOKEN)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server, content / "first-teacher-video"
    server.closing.set()
    server.shutdown()
    server.server_close()


def request(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request(method, path, body=body, headers={"Host": f"127.0.0.1:{server.port}", **(headers or {})})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def test_every_request_needs_the_token_and_the_loopback_host(studio):
    server, _ = studio
    assert server.server_address[0] == "127.0.0.1"
    for path in ("/", "/api/lessons", "/static/studio.js", "/preview/first-teacher-video/cards/x.png"):
        response, body = request(server, "GET", path)
        assert response.status == 403 and b"token" in body, path
    response, _ = request(server, "GET", "/api/lessons?token=wrong")
    assert response.status == 403
    response, body = request(
        server, "GET", f"/api/lessons?token={TOKEN}", headers={"Host": f"attacker.example:{server.port}"}
    )
    assert response.status == 403 and body == b"the studio answers only at its own 127.0.0.1 address"
    response, body = request(server, "GET", f"/?token={TOKEN}")
    assert response.status == 200 and f"microlearn_studio_{server.port}={TOKEN}" in response.getheader("Set-Cookie")
    response, body = request(
        server, "GET", "/api/lessons", headers={"Cookie": f"microlearn_studio_{server.port}={TOKEN}"}
    )
    assert response.status == 200 and json.loads(body)[0]["slug"] == "first-teacher-video"
    response, _ = request(
        server,
        "POST",
        f"/api/lessons/first-teacher-video/save?token={TOKEN}",
        b"{}",
        {"Origin": "http://attacker.example", "Content-Type": "application/json"},
    )
    assert response.status == 403


def test_no_path_leaves_its_folder(studio):
    server, root = studio
    (root.parent.parent / "build" / "first-teacher-video").mkdir(parents=True)
    for path in (
        "/build/first-teacher-video/../../content/first-teacher-video/lesson.yaml",
        "/build/first-teacher-video/%2e%2e/%2e%2e/content/first-teacher-video/lesson.yaml",
        "/preview/..%2f..%2fcontent/first-teacher-video/lesson.yaml",
        "/static/..%2fstudio%2flesson.html.j2",
        "/lesson/..",
        "/api/lessons/..%2f..%2fetc",
    ):
        response, _ = request(server, "GET", path + ("&" if "?" in path else "?") + f"token={TOKEN}")
        assert response.status == 404, path


def test_conflicting_save_is_refused_with_a_clear_message(studio):
    server, root = studio
    _, body = request(server, "GET", f"/api/lessons/first-teacher-video?token={TOKEN}")
    form = json.loads(body)["form"]
    (root / "lesson.yaml").write_text((root / "lesson.yaml").read_text().replace("theme: classic", "theme: chalk"))
    form["fields"]["title"] = "Mine"
    response, body = request(
        server,
        "POST",
        f"/api/lessons/first-teacher-video/save?token={TOKEN}",
        json.dumps(form).encode(),
        {"Content-Type": "application/json"},
    )
    assert response.status == 409
    assert json.loads(body)["error"].startswith(
        "first-teacher-video: lesson.yaml or script.md changed since you opened it"
    )
    assert "title: Record your first teacher video with a phone" in (root / "lesson.yaml").read_text()


@pytest.mark.media
def test_uploads_are_named_sized_and_probed(studio, tmp_path, monkeypatch):
    server, root = studio
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0, size="160x90")
    url = f"/api/lessons/first-teacher-video/media?token={TOKEN}&name="
    response, body = request(server, "POST", url + "phone%20take.mp4", clip.read_bytes())
    assert response.status == 200 and json.loads(body) == {"file": "media/phone take.mp4", "kind": "video"}
    assert (root / "media" / "phone take.mp4").read_bytes() == clip.read_bytes()
    response, body = request(server, "POST", url + "fake.mp4", b"#EXTM3U\n#EXT-X-ENDLIST\nhttp://example.org/a.ts\n")
    assert response.status == 400 and not (root / "media" / "fake.mp4").exists()
    response, body = request(server, "POST", url + "run.sh", b"echo hi")
    assert response.status == 400 and b"name a recording like clip-1.mp4" in body
    monkeypatch.setattr(safety, "UPLOAD_LIMIT", 1000)
    response, body = request(server, "POST", url + "big.mp4", clip.read_bytes())
    assert response.status == 413 and b"over the studio's limit" in body and not (root / "media" / "big.mp4").exists()
    assert sorted(p.name for p in (root / "media").iterdir()) == [
        "LICENSE.md",
        "framing-grid.png",
        "phone take.mp4",
        "phone-check.mp4",
    ]


def test_cli_serves_on_the_port_asked_and_prints_one_line(tmp_path):
    import re
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    (tmp_path / "content").mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "--content",
            str(tmp_path / "content"),
            "--build-dir",
            str(tmp_path / "build"),
            "studio",
            "--no-browser",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/\?token=[\w-]{{32}}\n", line), line
        with urllib.request.urlopen(line.strip(), timeout=10) as response:
            assert response.status == 200 and b"No lessons yet" in response.read()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0 and out == "" and err == ""
