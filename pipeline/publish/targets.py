"""Where bundles go: a folder (a mounted share) or an SFTP server, behind one small interface.

``put`` is the only way a file reaches a target, and it is safe against interruption: the bytes go
to a hidden partial file whose name carries the content's sha256, so a run that was cut off is
*resumed* by the next run (it appends from where the partial ends); the partial is then re-read
from the target and hashed, and only a partial of the right size and sha256 is renamed onto the
final name. The final name therefore only ever holds complete, verified files.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from pipeline.publish.config import FolderTarget, PublishError, SftpTarget
from pipeline.publish.connection import Connection

log = logging.getLogger("microlearn.publish")
CHUNK = 1 << 16
Progress = Callable[[str, int, int], None]  # (remote path, bytes sent so far, total)


def partial_name(rel: str, sha256: str) -> str:
    folder, name = posixpath.split(rel)
    return posixpath.join(folder, f".{name}.{sha256[:16]}.part")


def same_file(conn: Connection, rel: str, sha256: str, size: int, trust_size: bool = False) -> bool:
    """Whether ``rel`` on the target already holds these bytes (re-read and hashed unless
    ``trust_size``: the ledger says we put exactly this file there)."""
    if conn.size(rel) != size:
        return False
    return trust_size or conn.sha256(rel) == sha256


def put(conn: Connection, data: Path | bytes, rel: str, progress: Progress | None = None, trust_size: bool = False,
        measured: tuple[str, int] | None = None) -> bool:
    """Place ``data`` at ``rel`` on the target, safely (see the module docstring).

    ``measured``: ``data``'s (sha256, size) when the caller already knows them. Returns False when
    the target already held the same bytes (nothing was sent), True after an upload. Raises
    PublishError when the copy on the target cannot be verified.
    """
    sha256, size = measured or _measure(data)
    if same_file(conn, rel, sha256, size, trust_size):
        return False
    conn.makedirs(posixpath.dirname(rel))
    part = partial_name(rel, sha256)
    for _attempt in (1, 2):
        have = conn.size(part) or 0
        if have > size:
            conn.remove(part)
            have = 0
        if have:
            log.info("%s: resuming %s at byte %d of %d", conn.name, rel, have, size)
        with _source(data) as source, conn.open_append(part) as sink:
            source.seek(have)
            sent = have
            while block := source.read(CHUNK):
                sink.write(block)
                sent += len(block)
                if progress:
                    progress(rel, sent, size)
        if conn.size(part) == size and conn.sha256(part) == sha256:
            conn.rename(part, rel)
            _drop_other_partials(conn, rel)
            return True
        conn.remove(part)  # a damaged partial: start again from nothing, once
    raise PublishError(f"{conn.name}: {rel}: the copy on the target does not match what was sent (size or sha256) twice — "
                       "check the target's free space and run publish again")


def _drop_other_partials(conn: Connection, rel: str) -> None:
    """Partials of earlier contents of ``rel`` (a run cut off before the lesson changed) are dead weight."""
    folder, name = posixpath.split(rel)
    for other in conn.listdir(folder):
        if other.startswith(f".{name}.") and other.endswith(".part"):
            conn.remove(posixpath.join(folder, other))


def _measure(data: Path | bytes) -> tuple[str, int]:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), len(data)
    from pipeline.fsutil import sha256_file

    return sha256_file(data), data.stat().st_size


@contextlib.contextmanager
def _source(data: Path | bytes) -> Iterator[BinaryIO]:
    if isinstance(data, bytes):
        import io

        yield io.BytesIO(data)
    else:
        with open(data, "rb") as handle:
            yield handle


# --- a folder -----------------------------------------------------------------------------------

class FolderConnection(Connection):
    def __init__(self, target: FolderTarget):
        self.name = target.name
        self.root = target.path
        if not self.root.is_dir():
            raise PublishError(f"{target.name}: the folder {self.root} does not exist — mount the share or create the folder, "
                               "or fix 'path' in publish.yaml")

    def _path(self, rel: str) -> Path:
        return self.root / rel

    def size(self, rel: str) -> int | None:
        try:
            return self._path(rel).stat().st_size
        except FileNotFoundError:
            return None

    def open_read(self, rel: str) -> BinaryIO:
        return open(self._path(rel), "rb")

    def open_append(self, rel: str) -> BinaryIO:
        return open(self._path(rel), "ab")

    def rename(self, src: str, dst: str) -> None:
        with open(self._path(src), "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(self._path(src), 0o644)
        os.replace(self._path(src), self._path(dst))

    def remove(self, rel: str) -> None:
        self._path(rel).unlink(missing_ok=True)

    def makedirs(self, rel_dir: str) -> None:
        self._path(rel_dir).mkdir(parents=True, exist_ok=True)

    def listdir(self, rel_dir: str) -> list[str]:
        return sorted(os.listdir(self._path(rel_dir)))

    def close(self) -> None:
        pass


def connect(target: FolderTarget | SftpTarget, environ: dict[str, str] | None = None) -> Connection:
    """Open a connection to ``target``; raises PublishError saying what to fix."""
    if isinstance(target, FolderTarget):
        return FolderConnection(target)
    from pipeline.publish.sftp import SftpConnection

    return SftpConnection(target, os.environ if environ is None else environ)
