"""What every stage is: a function from a lesson (and its upstream results) to typed artifacts.

A stage module defines one ``Stage`` object (name, upstream stages, params, inputs, run). The
build runner (pipeline/build.py) decides from the cache whether to call ``run`` at all; inside
``run`` a stage may memoise finer pieces (one card, one video segment) in the object store.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pipeline.contracts import Artifact, StageResult, Upstream
from pipeline.digests import code_fingerprint, json_digest
from pipeline.fsutil import atomic_path, sha256_file
from pipeline.lesson.model import Lesson, lesson_label
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.executors import Executor
    from pipeline.sharedstore import SharedStore

__all__ = ["Artifact", "Context", "ObjectStore", "Settings", "Stage", "StageResult", "Upstream", "describe"]


class ObjectStore:
    """Content-addressed files shared by every lesson: key = sha256 of JSON-encoded parts.

    ``shared`` (a ``SharedStore``, MICROLEARN_CACHE) makes this folder a local copy of a store
    other machines use too: a piece missing here is fetched from it (kept only when its bytes are
    the sealed ones) before it is made, and a piece made here is put there. ``executor`` (None:
    this process) is where the stages send the pieces they distribute (pipeline/executors.py).
    """

    def __init__(self, root: Path, shared: SharedStore | None = None, executor: Executor | None = None):
        self.root = root
        self.shared = shared
        self.executor = executor

    @staticmethod
    def key(parts: dict) -> str:
        return json_digest(parts)

    def path(self, key: str, suffix: str) -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def name(self, target: Path) -> str:
        """``target``'s name in the shared store (the same layout)."""
        return target.relative_to(self.root).as_posix()

    @property
    def elsewhere(self) -> bool:
        """A shared store that is not this very folder (workers writing into it need no copy back)."""
        if self.shared is None:
            return False
        if not hasattr(self, "_is_elsewhere"):
            folder = self.shared.local_root
            self._is_elsewhere = folder is None or folder.resolve() != self.root.resolve()
        return self._is_elsewhere

    def present(self, target: Path) -> bool:
        """``target`` is here, or was fetched (verified) from the shared store."""
        if target.is_file():
            if self.elsewhere and not self.shared.has(self.name(target)):
                self.shared.publish(self.name(target), target)  # made before the store was shared
            return True
        return self.elsewhere and self.shared.fetch(self.name(target), target)

    def keep(self, target: Path) -> None:
        """Put a piece just made here into the shared store too."""
        if self.elsewhere:
            self.shared.publish(self.name(target), target)

    def memo(self, parts: dict, suffix: str, make: Callable[[Path], None]) -> Path:
        """The stored file for ``parts``; ``make(tmp)`` writes it first when it is not there yet."""
        target = self.path(self.key(parts), suffix)
        if not self.present(target):
            with atomic_path(target) as tmp:
                make(tmp)
            self.keep(target)
        return target


@dataclass
class Context:
    """What ``Stage.run`` gets: the lesson, where to write, the object store, upstream results."""

    lesson: Lesson
    settings: Settings
    out: Path  # build/<lesson>/
    objects: ObjectStore
    upstream: Upstream
    log: logging.Logger
    progress: Callable[[str], None] = lambda message: None
    inputs: dict[str, str | None] = field(default_factory=dict)  # sha256 of the lesson files the stage declared (from its cache key)
    # told of every output file as soon as it is in place, before the stage ends (the studio shows
    # an edited card, or the draft video, while the rest of the stage is still at work)
    ready: Callable[[Artifact], None] = lambda artifact: None

    @property
    def label(self) -> str:
        """How this lesson is named in messages."""
        return lesson_label(self.lesson.root)

    def source(self, rel: str) -> Path:
        """A file of the lesson folder (already validated to be inside it)."""
        return self.lesson.root / rel

    def source_hash(self, rel: str) -> str:
        """sha256 of a lesson file: as the runner hashed it for the cache key, else read now."""
        return self.inputs.get(rel) or sha256_file(self.source(rel))

    def artifact(self, kind: str, rel: str, make: Callable[[Path], None]) -> Artifact:
        """Write ``out/rel`` atomically with ``make(tmp)`` and describe it."""
        target = self.out / rel
        with atomic_path(target) as tmp:
            make(tmp)
        artifact = describe(self.out, kind, rel)
        self.ready(artifact)
        return artifact

    def copy_artifact(self, kind: str, rel: str, source: Path) -> Artifact:
        """Place a stored object at ``out/rel`` (atomically) and describe it."""
        import shutil

        return self.artifact(kind, rel, lambda tmp: shutil.copyfile(source, tmp))


def describe(out: Path, kind: str, rel: str) -> Artifact:
    path = out / rel
    return Artifact(kind, rel, sha256_file(path), path.stat().st_size)


@dataclass(frozen=True)
class Stage:
    """A stage of the lesson graph.

    ``params(lesson, settings)`` returns the JSON-able settings its output depends on;
    ``inputs(lesson)`` the lesson files it reads; ``tools(settings)`` the versions of external tools
    it runs and the presentation files it uses. Together with the upstream stages' digests and
    ``version`` they make the cache key.
    """

    name: str
    needs: tuple[str, ...]
    run: Callable[[Context], StageResult]
    params: Callable[[Lesson, Settings], dict]
    inputs: Callable[[Lesson], list[str]]
    tools: Callable[[Settings], dict] = lambda settings: {}
    result: type[StageResult] = StageResult  # what ``run`` returns; the journal reads it back as this type
    code: tuple[str, ...] = ()  # modules whose code decides the output (default: run's module or package)

    def fingerprint(self) -> str:
        """The stage's code version: a digest of its source and of the contracts, never a hand-bumped string."""
        return code_fingerprint(*(self.code or (self.run.__module__,)), "pipeline.contracts", "pipeline.house")
