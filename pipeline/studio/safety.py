"""What keeps the studio a private, local tool: a secret token, loopback only, paths kept inside.

The server binds 127.0.0.1 only. Every request must carry the token (in the URL, a header or the
cookie set from the URL), compared in constant time; the Host header must name the loopback
address, which stops a web page from reaching the studio through DNS rebinding; every path a
request names is resolved (symlinks too) and must stay inside the folder it belongs to.
"""

from __future__ import annotations

import hmac
import re
import secrets
from pathlib import Path

LOOPBACK = "127.0.0.1"
COOKIE = "microlearn_studio"  # + the port: cookies ignore ports, and two studios may run side by side
UPLOAD_LIMIT = 200 * 1024 * 1024  # bytes; a phone recording of a 90 s lesson is far smaller
UPLOAD_NAME = re.compile(r"^[\w][\w .()-]{0,99}$")
UPLOAD_KINDS = {
    ".mp4": "video",
    ".mov": "video",
    ".m4v": "video",
    ".webm": "video",
    ".mkv": "video",
    ".m4a": "audio",
    ".mp3": "audio",
    ".wav": "audio",
    ".ogg": "audio",
    ".opus": "audio",
    ".flac": "audio",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".webp": "image",
}


def cookie_name(port: int) -> str:
    return f"{COOKIE}_{port}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_ok(expected: str, given: str | None) -> bool:
    """Constant-time comparison, so timing says nothing about how much of a guess was right."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def host_ok(host: str | None, port: int) -> bool:
    """Only ``127.0.0.1:port`` or ``localhost:port`` (a rebinding attacker's page sends its own name)."""
    return host in (f"{LOOPBACK}:{port}", f"localhost:{port}")


def inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` when it stays inside ``root`` after resolving symlinks and ``..``, else None."""
    if not rel or "\0" in rel or Path(rel).is_absolute():
        return None
    base = Path(root).resolve()
    target = (base / rel).resolve()
    return target if target.is_relative_to(base) and target != base else None


def upload_name(name: str) -> str | None:
    """A safe file name for ``media/``: no folders, no leading dot, a media extension; else None."""
    name = Path(name.replace("\\", "/")).name.strip()
    if not UPLOAD_NAME.match(name) or Path(name).suffix.lower() not in UPLOAD_KINDS:
        return None
    return name
