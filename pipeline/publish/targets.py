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

from pipeline.i18n import _
from pipeline.publish.config import FolderTarget, PublishError, SftpTarget
from pipeline.publish.connection import Connection

log = logging.getLogger("microlearn.publish")
CHUNK = 1 << 16
Progress = Callable[[str, int, int], None]  # (remote path, bytes sent so far, total)


class SourceChanged(PublishError):
    """The local bytes read while sending are not the expected (approved) ones; nothing took the final name."""


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

    ``measured``: the (sha256, size) the bytes must have (for a bundle: the approved ones). The
    bytes are hashed as they are read and sent (a resumed upload hashes the part already sent
    too), so a local file that is not, or no longer, the expected one is refused before anything
    takes the final name. Returns False when the target already held the same bytes (nothing was
    sent), True after an upload. Raises PublishError when the local file is not the expected one
    or the copy on the target cannot be verified.
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
        read = hashlib.sha256()
        with _source(data) as source, conn.open_append(part) as sink:
            remaining = have  # the part already on the target: hashed here, not sent again
            while remaining and (block := source.read(min(CHUNK, remaining))):
                read.update(block)
                remaining -= len(block)
            sent = have
            while block := source.read(CHUNK):
                read.update(block)
                sink.write(block)
                sent += len(block)
                if progress:
                    progress(rel, sent, size)
        if read.hexdigest() != sha256 or sent != size:
            conn.remove(part)
            where = data if isinstance(data, Path) else _("the data")
            raise SourceChanged(_("{target}: {file}: the local file {where} is not the one to publish (sha256 {sha256}, "
                                  "{sent} bytes; expected {expected}, {size} bytes) — it changed after it was checked; "
                                  "nothing was published, run publish again", target=conn.name, file=rel, where=where,
                                  sha256=read.hexdigest()[:12], sent=sent, expected=sha256[:12], size=size))
        if conn.size(part) == size and conn.sha256(part) == sha256:
            conn.rename(part, rel)
            _drop_other_partials(conn, rel)
            return True
        conn.remove(part)  # a damaged partial: start again from nothing, once
    raise PublishError(_("{target}: {file}: the copy on the target does not match what was sent (size or sha256) twice — "
                         "check the target's free space and run publish again", target=conn.name, file=rel))


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
            raise PublishError(_("{target}: the folder {folder} does not exist — mount the share or create the folder, or fix "
                                 "'path' in publish.yaml", target=target.name, folder=self.root))

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
