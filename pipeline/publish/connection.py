"""What every publishing target offers (a folder, an SFTP server): the operations uploads are built on.

Its own module so that targets.py (which picks a target) and sftp.py (one kind of target) both
depend on it and not on each other.
"""
from __future__ import annotations

from typing import BinaryIO


class Connection:
    """Operations on one target; paths are relative to the target's folder, '/'-separated."""

    name: str

    def size(self, rel: str) -> int | None: ...
    def open_read(self, rel: str) -> BinaryIO: ...
    def open_append(self, rel: str) -> BinaryIO: ...
    def rename(self, src: str, dst: str) -> None: ...  # replaces dst atomically
    def remove(self, rel: str) -> None: ...
    def makedirs(self, rel_dir: str) -> None: ...
    def listdir(self, rel_dir: str) -> list[str]: ...
    def close(self) -> None: ...

    def sha256(self, rel: str) -> str:
        from pipeline.fsutil import sha256_stream

        with self.open_read(rel) as handle:
            return sha256_stream(handle)
