"""Watch the content folder and mark a lesson changed when any of its files changes.

watchfiles (Rust's notify underneath: inotify on Linux) reports changes within milliseconds; we
ask for a 50 ms debounce instead of its default 1.6 s so a validation message can reach the page
within half a second of a save. Temporary files (the atomic writes' ``.name.XXXX.tmp``, editors'
swap files) are not changes of the lesson.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

DEBOUNCE_MS = 50


def _interesting(change, path: str) -> bool:
    name = Path(path).name
    return not (name.startswith(".") or name.endswith(("~", ".swp", ".swx")))


def lesson_of(content_dir: Path, path: str) -> str | None:
    """The lesson folder name a changed path belongs to (None for content/ itself)."""
    try:
        parts = Path(path).resolve().relative_to(content_dir).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 else None


def start_watching(content_dir: Path, on_change: Callable[[str], None], stop: threading.Event) -> threading.Thread:
    """A daemon thread calling ``on_change(slug)`` for every changed lesson until ``stop`` is set."""
    from watchfiles import watch

    content_dir = Path(content_dir).resolve()

    def loop() -> None:
        for changes in watch(
            content_dir,
            watch_filter=_interesting,
            debounce=DEBOUNCE_MS,
            step=10,
            stop_event=stop,
            rust_timeout=500,
            yield_on_timeout=False,
        ):
            for slug in sorted({lesson_of(content_dir, path) for _, path in changes} - {None}):
                on_change(slug)

    thread = threading.Thread(target=loop, name="studio-watch", daemon=True)
    thread.start()
    return thread
