"""The studio's HTTP server: the standard library's threading server on 127.0.0.1 only.

A local app for one teacher needs no framework: ``ThreadingHTTPServer`` serves the pages, a small
JSON API, the preview files (with byte ranges, so the video can seek) and one Server-Sent Events
stream per open page. Every request passes ``safety`` first (token, Host header); every path a
request names is resolved inside the folder it belongs to.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import queue
import re
import threading
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline.errors import MediaError, PipelineError
from pipeline.studio import document, safety
from pipeline.studio.workspace import Workspace

log = logging.getLogger("microlearn.studio")
STATIC = ("studio.js", "studio.css")
HEARTBEAT_S = 15
mimetypes.add_type("text/vtt", ".vtt")


class StudioServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, workspace: Workspace, token: str):
        super().__init__((safety.LOOPBACK, port), Handler)
        self.workspace = workspace
        self.token = token
        self.closing = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def handle_error(self, request, client_address) -> None:
        """A page closed mid-request (a tab closed, the browser quit) is not an error to print."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            log.debug("studio: %s went away mid-request", client_address)
            return
        super().handle_error(request, client_address)

    def url(self, path: str = "/") -> str:
        return f"http://{safety.LOOPBACK}:{self.port}{path}?token={self.token}"


class Handler(BaseHTTPRequestHandler):
    server: StudioServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.address_string(), *args)

    # -- the gate ------------------------------------------------------------------------------
    def _token(self) -> str | None:
        query = parse_qs(urlsplit(self.path).query)
        if "token" in query:
            return query["token"][0]
        if self.headers.get("X-Studio-Token"):
            return self.headers["X-Studio-Token"]
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        name = safety.cookie_name(self.server.port)
        return cookie[name].value if name in cookie else None

    def _allowed(self) -> bool:
        if not safety.host_ok(self.headers.get("Host"), self.server.port):
            self._text(HTTPStatus.FORBIDDEN, "the studio answers only at its own 127.0.0.1 address")
            return False
        if not safety.token_ok(self.server.token, self._token()):
            self._text(
                HTTPStatus.FORBIDDEN,
                "open the studio with the address (and its token) that `microlearn studio` printed",
            )
            return False
        origin = self.headers.get("Origin")
        if self.command == "POST" and origin and not safety.host_ok(urlsplit(origin).netloc, self.server.port):
            self._text(HTTPStatus.FORBIDDEN, "the studio accepts changes only from its own pages")
            return False
        return True

    # -- answers -------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, kind: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _text(self, status: int, text: str) -> None:
        self._send(status, text.encode(), "text/plain; charset=utf-8")

    def _json(self, value, status: int = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(value, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def _page(self, template: str, **values) -> None:
        from pipeline.templates import environment

        html = environment(self.server.workspace.settings.templates / "studio").get_template(template).render(**values)
        headers = {
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        }
        if "token" in parse_qs(urlsplit(self.path).query):
            headers["Set-Cookie"] = (
                f"{safety.cookie_name(self.server.port)}={self.server.token}; Path=/; HttpOnly; SameSite=Strict"
            )
        self._send(HTTPStatus.OK, html.encode(), "text/html; charset=utf-8", headers)

    def _file(self, path: Path | None) -> None:
        """A file, honouring one byte range (the video element seeks with them)."""
        if path is None or not path.is_file():
            self._text(HTTPStatus.NOT_FOUND, "not found")
            return
        size = path.stat().st_size
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        if match and (match.group(1) or match.group(2)):
            if match.group(1):
                start = int(match.group(1))
                end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            else:
                start, end = max(0, size - int(match.group(2))), size - 1
            if start >= size or start > end:
                self._send(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", kind, {"Content-Range": f"bytes */{size}"})
                return
            with open(path, "rb") as handle:
                handle.seek(start)
                body = handle.read(end - start + 1)
            self._send(
                HTTPStatus.PARTIAL_CONTENT,
                body,
                kind,
                {"Content-Range": f"bytes {start}-{end}/{size}", "Accept-Ranges": "bytes"},
            )
            return
        self._send(HTTPStatus.OK, path.read_bytes(), kind, {"Accept-Ranges": "bytes"})

    # -- routes --------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        if urlsplit(self.path).path.endswith("/events"):  # a stream has no head to send
            self._text(HTTPStatus.METHOD_NOT_ALLOWED, "events are sent to GET only")
            return
        self.do_GET()

    def do_GET(self) -> None:
        if not self._allowed():
            return
        path = urlsplit(self.path).path
        ws = self.server.workspace
        if path == "/":
            self._page("index.html.j2", lessons=ws.lessons())
        elif m := re.fullmatch(r"/lesson/([\w-]+)", path):
            if ws.root(m.group(1)) is None:
                self._text(HTTPStatus.NOT_FOUND, f"no lesson '{m.group(1)}' in {ws.content_dir}")
                return
            ws.show(m.group(1))
            self._page(
                "lesson.html.j2",
                slug=m.group(1),
                form=document.read(ws.root(m.group(1))),
                **_choices(ws.settings.templates),
            )
        elif m := re.fullmatch(r"/static/([\w.]+)", path):
            self._file(ws.settings.templates / "studio" / m.group(1) if m.group(1) in STATIC else None)
        elif path == "/api/lessons":
            self._json(ws.lessons())
        elif m := re.fullmatch(r"/api/lessons/([\w-]+)", path):
            root = ws.root(m.group(1))
            if root is None:
                self._json({"error": f"no lesson '{m.group(1)}'"}, HTTPStatus.NOT_FOUND)
                return
            ws.show(m.group(1))
            self._json({"form": document.read(root), "state": ws.state(m.group(1))})
        elif m := re.fullmatch(r"/api/lessons/([\w-]+)/events", path):
            self._events(m.group(1))
        elif m := re.fullmatch(r"/preview/([\w-]+)/(.+)", path):
            self._file(safety.inside(ws.preview_dir / m.group(1), m.group(2)) if ws.root(m.group(1)) else None)
        elif m := re.fullmatch(r"/build/([\w-]+)/(.+)", path):
            self._file(safety.inside(ws.build_dir / m.group(1), m.group(2)) if ws.root(m.group(1)) else None)
        else:
            self._text(HTTPStatus.NOT_FOUND, "not found")

    def do_POST(self) -> None:
        if not self._allowed():
            return
        path = urlsplit(self.path).path
        ws = self.server.workspace
        m = re.fullmatch(r"/api/lessons/([\w-]+)/(save|media)", path)
        root = ws.root(m.group(1)) if m else None
        if root is None:
            self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._json({"error": "the request has no length"}, HTTPStatus.LENGTH_REQUIRED)
            return
        if m.group(2) == "save":
            if length > 4 * 1024 * 1024:
                self._json({"error": "the lesson text is too large"}, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                return
            self._save(root, self.rfile.read(length))
        else:
            self._upload(root, parse_qs(urlsplit(self.path).query).get("name", [""])[0], length)

    def _save(self, root: Path, body: bytes) -> None:
        try:
            form = json.loads(body)
            version = document.save(root, form)
        except document.Conflict as exc:
            self._json({"error": str(exc), "conflict": True}, HTTPStatus.CONFLICT)
            return
        except (ValueError, PipelineError) as exc:
            self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)
            return
        self.server.workspace.touch(root.name)  # no need to wait for the watcher
        self._json({"version": version, "form": document.read(root)})

    def _upload(self, root: Path, name: str, length: int) -> None:
        from pipeline.fsutil import atomic_path
        from pipeline.probe import probe

        safe = safety.upload_name(name)
        if safe is None:
            self.rfile.read(min(length, safety.UPLOAD_LIMIT))
            self._json(
                {
                    "error": f"'{name}': name a recording like clip-1.mp4 (letters, digits, - _ . and a media extension: "
                    + ", ".join(sorted(safety.UPLOAD_KINDS))
                    + ")"
                },
                HTTPStatus.BAD_REQUEST,
            )
            return
        if length > safety.UPLOAD_LIMIT:
            self.close_connection = True
            self._json(
                {
                    "error": f"'{safe}' is {length / 1e6:.0f} MB, over the studio's limit of {safety.UPLOAD_LIMIT / 1e6:.0f} MB — "
                    "shorten or compress the recording first"
                },
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )
            return
        target = root / "media" / safe
        if safety.inside(root, f"media/{safe}") is None:
            self._json({"error": "media/ leads outside the lesson folder"}, HTTPStatus.BAD_REQUEST)
            return
        kind = safety.UPLOAD_KINDS[target.suffix.lower()]
        try:
            with atomic_path(target) as tmp:
                with open(tmp, "wb") as handle:
                    left = length
                    while left:
                        block = self.rfile.read(min(left, 1 << 20))
                        if not block:
                            raise MediaError(f"media/{safe}", "the upload stopped before its end", "try again")
                        handle.write(block)
                        left -= len(block)
                info = probe(tmp, f"{root.name}/media/{safe}")  # checked like any media, before it lands
                if (
                    kind == "image"
                    and not info.is_image
                    or kind == "video"
                    and (info.video is None or info.is_image)
                    or kind == "audio"
                    and info.audio is None
                ):
                    raise MediaError(f"{root.name}/media/{safe}", f"has no {kind} stream", f"choose a {kind} file")
        except MediaError as exc:
            self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)
            return
        self._json({"file": f"media/{safe}", "kind": kind})

    def _events(self, slug: str) -> None:
        """Server-Sent Events: the lesson's state now, then every change until the page closes."""
        ws = self.server.workspace
        listener = ws.listen()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(f"event: state\ndata: {json.dumps(ws.state(slug), ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
            while not self.server.closing.is_set():
                try:
                    state = listener.get(timeout=HEARTBEAT_S)
                except queue.Empty:
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
                    continue
                if state is None:
                    break
                if state.get("slug") == slug:
                    self.wfile.write(f"event: state\ndata: {json.dumps(state, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            ws.unlisten(listener)


def _choices(templates) -> dict:
    from pipeline.lesson.model import FORMATS, LANGUAGES
    from pipeline.templates import available_themes

    return {"languages": list(LANGUAGES.items()), "formats": list(FORMATS), "themes": available_themes(templates)}
