"""Validated lessons remembered between builds, so that a no-op rebuild does no YAML, markdown or
media probing work.

A lesson is reloaded whenever any file in its folder changes (path, size or modification time), or
the code that validates lessons does. The remembered form is a pickle the build itself wrote into
``build/.cache/lessons/``; anything unreadable there is simply ignored and the lesson loaded afresh.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path

from pipeline.fsutil import atomic_path, stat_marks
from pipeline.lesson.loader import load_lesson
from pipeline.lesson.model import Lesson

LESSON_CODE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _code_mark() -> str:
    """The validating code's own fingerprint (it decides what a valid lesson is)."""
    from pipeline import probe

    files = sorted(LESSON_CODE.glob("*.py")) + [Path(probe.__file__)]
    return hashlib.sha256(repr(stat_marks(files)).encode()).hexdigest()


def folder_mark(root: Path, templates: Path | None = None) -> str:
    """Every file of the lesson folder by path, size and modification time, and which template
    folder's themes the lesson was checked against."""
    files = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        files.extend(Path(folder) / name for name in sorted(names))
    return hashlib.sha256(repr((_code_mark(), str(templates), stat_marks(files))).encode()).hexdigest()


def load_lesson_memo(root: Path, cache_dir: Path, templates: Path | None = None) -> Lesson:
    """``load_lesson(root, templates=templates)``, from ``cache_dir`` when nothing it read has changed since."""
    mark = folder_mark(root, templates)
    stored = cache_dir / f"{root.name}.pickle"
    try:
        with stored.open("rb") as fh:
            saved_mark, lesson = pickle.load(fh)
        if saved_mark == mark and isinstance(lesson, Lesson):
            return lesson
    except Exception:  # missing, truncated or from another version: load afresh
        pass
    lesson = load_lesson(root, templates=templates)  # raises LessonError for an invalid lesson: nothing is remembered
    with atomic_path(stored) as tmp:
        tmp.write_bytes(pickle.dumps((mark, lesson), protocol=pickle.HIGHEST_PROTOCOL))
    return lesson
