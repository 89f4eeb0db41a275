"""One build at a time per build folder: two builds writing the same files would corrupt both."""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from pipeline.i18n import _
from pipeline.errors import BuildLockedError


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``build_dir/.lock``; raise BuildLockedError if another build has it.

    The lock is an flock, so it disappears with the process that held it: a killed build never
    leaves a stale lock behind.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / ".lock"
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLockedError(_("another build is writing {folder} (process {pid}) — wait for it to finish, or stop it",
                                     folder=build_dir, pid=holder)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
