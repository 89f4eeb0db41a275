"""Budgets that keep one lesson from taking the whole run with it: a time budget per lesson and a
memory limit on every child process (ffmpeg, espeak-ng).

Lessons build in threads, so the budget is kept per thread: the runner opens ``lesson_budget``
(with the numbers ``Settings.from_environment`` read) around a lesson's stages, and the one
gateway of each tool asks ``child_timeout`` how long its child may still run. A child is given its address-space limit with ``prlimit`` right after it
starts, so a hostile file that makes a decoder allocate without end fails that child (and its
lesson) instead of the machine. In-process work (YAML, markdown, probing, card layout) is bounded
by the limits on its inputs instead (docs/architecture.md, "Safety with untrusted lessons").
"""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Iterator

from pipeline.errors import PipelineError

LESSON_SECONDS_VARIABLE = "MICROLEARN_LESSON_TIMEOUT"
CHILD_MEMORY_VARIABLE = "MICROLEARN_CHILD_MEMORY_MB"
DEFAULT_LESSON_SECONDS = 3600.0  # a 10-minute lesson (the longest allowed) builds in a few minutes
DEFAULT_CHILD_MEMORY_MB = 6144  # a 1080p x264 encode needs well under 1 GB

_budget = threading.local()


class BudgetExceeded(PipelineError):
    """A lesson used up its time budget; its build stops with this message."""


@contextlib.contextmanager
def lesson_budget(seconds: float = DEFAULT_LESSON_SECONDS, memory_mb: int = DEFAULT_CHILD_MEMORY_MB) -> Iterator[None]:
    """Give the current thread's lesson ``seconds`` from now, and its children ``memory_mb`` each
    (the runner passes ``Settings.lesson_seconds`` and ``Settings.child_memory_mb``)."""
    previous = (getattr(_budget, "deadline", None), getattr(_budget, "seconds", None),
                getattr(_budget, "memory_mb", None))
    _budget.deadline, _budget.seconds, _budget.memory_mb = time.monotonic() + seconds, seconds, memory_mb
    try:
        yield
    finally:
        _budget.deadline, _budget.seconds, _budget.memory_mb = previous


def child_timeout(timeout: float | None, program: str = "ffmpeg") -> tuple[float | None, str]:
    """How long a child may run: ``timeout`` or what is left of the lesson's budget, whichever is
    shorter, and the reason to give if ``program`` is cut off (one whole sentence, naming it).
    BudgetExceeded when nothing is left."""
    from pipeline.i18n import _

    deadline = getattr(_budget, "deadline", None)
    if deadline is None:
        return timeout, _("{program} did not finish within {seconds} s", program=program, seconds=f"{timeout:g}") if timeout else ""
    left = deadline - time.monotonic()
    if left <= 0:
        raise BudgetExceeded(budget_message())
    if timeout is not None and timeout < left:
        return timeout, _("{program} did not finish within {seconds} s", program=program, seconds=f"{timeout:g}")
    seconds = _budget.seconds
    return left, _("{program} was stopped: the lesson used up its time budget of {seconds} s — look for a very long or damaged "
                   "recording, or raise {variable}", program=program, seconds=f"{seconds:g}", variable=LESSON_SECONDS_VARIABLE)


def check_budget() -> None:
    """BudgetExceeded when the current lesson's time is used up (the runner asks before each stage)."""
    child_timeout(None)


def budget_message() -> str:
    from pipeline.i18n import _

    seconds = getattr(_budget, "seconds", None) or DEFAULT_LESSON_SECONDS
    return _("the lesson used up its time budget of {seconds} s — look for a very long or damaged recording, or raise "
             "{variable}", seconds=f"{seconds:g}", variable=LESSON_SECONDS_VARIABLE)


def limit_child(pid: int) -> None:
    """Cap a child's address space at its lesson's memory budget, or the default outside a lesson
    (Linux; elsewhere a no-op)."""
    try:
        import resource

        limit = int(getattr(_budget, "memory_mb", None) or DEFAULT_CHILD_MEMORY_MB) * 1024 * 1024
        resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))
    except (ImportError, AttributeError, ProcessLookupError, PermissionError, ValueError, OSError):
        pass  # the child already ended, or this system cannot limit it: it runs unlimited
