"""``microlearn check`` for the cards stage: everything the stage would refuse, without drawing.

The glyph, contrast and fit checks run on the stage's own layout and measurement (``fit.py``,
``deck.draw(render=False)``): no PNG is drawn. Layout costs about 0.1 s a page, so a lesson whose
cards passed is remembered by the fingerprint of its folder, this package's code and the themes,
in an existing build folder's cache; the fit measurements a build stored are reused too. ``check``
never creates the build folder: without one it measures in a scratch store.
"""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from pipeline.contracts import Upstream
from pipeline.fsutil import atomic_path, stat_marks
from pipeline.lesson.memo import folder_mark
from pipeline.lesson.model import Lesson
from pipeline.settings import Settings
from pipeline.stage import Context, ObjectStore


def check_cards(lesson: Lesson, settings: Settings, log) -> None:
    """Raise LessonError for every card problem the build would meet (see the module's notes)."""
    from pipeline import cards

    def context(objects: Path) -> Context:
        return Context(lesson=lesson, settings=settings, out=settings.build_dir / lesson.slug, objects=ObjectStore(objects),
                       upstream=Upstream(), log=log)

    if not settings.build_dir.is_dir():
        with tempfile.TemporaryDirectory(prefix="microlearn-check-") as scratch:
            cards.check(context(Path(scratch)))
        return
    memo = settings.build_dir / ".cache" / "lessons"
    done, mark = checked_before(lesson.root, memo, settings.templates)
    if not done:
        cards.check(context(settings.build_dir / ".cache" / "objects"))
        remember_checked(lesson.root, memo, mark)


def _cards_mark(templates: Path) -> str:
    """The cards code and theme files by path, size and modification time: what decides whether
    a lesson's cards fit (fonts and renderer versions are left to the build, which keys on them)."""
    from pipeline import cards
    from pipeline.cards.theme import themes_root

    files = sorted(Path(cards.__file__).parent.glob("*.py"))
    root = themes_root(templates)
    if root.is_dir():
        files += sorted(p for p in root.rglob("*") if p.is_file())
    return hashlib.sha256(repr(stat_marks(files)).encode()).hexdigest()


def checked_before(root: Path, cache_dir: Path, templates: Path) -> tuple[bool, str]:
    """Whether ``check``'s card checks passed for this very lesson folder before; and the mark to
    remember after they pass now. Makes a repeated ``make check`` as fast as the YAML checks."""
    mark = hashlib.sha256((folder_mark(root, templates) + _cards_mark(templates)).encode()).hexdigest()
    try:
        return (cache_dir / f"{root.name}.checked").read_text(encoding="ascii") == mark, mark
    except (OSError, ValueError):
        return False, mark


def remember_checked(root: Path, cache_dir: Path, mark: str) -> None:
    try:
        with atomic_path(cache_dir / f"{root.name}.checked") as tmp:
            tmp.write_text(mark, encoding="ascii")
    except OSError:  # a read-only build folder only costs speed
        pass
