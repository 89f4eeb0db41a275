"""Atomic writes and small file helpers: an interrupted build never leaves a half-written output."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from pipeline.digests import sha256_file, sha256_stream  # noqa: F401 - where most callers import them from


def stat_marks(files: list[Path | str | None]) -> list:
    """[path, size, mtime_ns] of each file ([path, None] for one that is not there, None for None):
    what says cheaply whether files changed since they were last read."""
    marks = []
    for file in files:
        if file is None:
            marks.append(None)
            continue
        try:
            st = os.stat(file)
        except OSError:
            marks.append([str(file), None])
            continue
        marks.append([str(file), st.st_size, st.st_mtime_ns])
    return marks


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` (same suffix, so tools pick the right format);
    on success it replaces ``target`` in one rename, on failure it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def sweep_temp_files(folder: Path) -> int:
    """Delete temporary files an interrupted build left behind (``.name.XXXX.tmp.ext``)."""
    removed = 0
    for path in folder.rglob(".*.tmp*"):
        if path.is_file() and ".tmp" in path.name:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
