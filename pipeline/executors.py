"""Where content-addressed pieces are made: in this process (the default), in a pool of local
worker processes, or on a Dask cluster.

The build graph is the same for all three: lessons and their stages run in the build's own
process (progress, ``--explain``, the journal and atomic outputs stay where they were), and the
pieces that are already independent and content-addressed — the video segments, which are most
of a build's CPU time — are handed to the executor as ``ToolTask``s. A task names its inputs and
its output by content in the shared store (pipeline/sharedstore.py), so a worker needs nothing
but the store, the same ffmpeg and this package: no lesson folder, no build folder.

- ``local``: ``ObjectStore.executor`` is None and segments are encoded by the stage's own thread
  pool, exactly as before.
- ``processes``: ``concurrent.futures.ProcessPoolExecutor`` (spawned workers, so no thread or
  lock of the build is copied into them), ``--workers`` of them.
- ``dask``: ``distributed.Client(scheduler)``; a task's key is its object's name, so two lessons
  that need one segment at the same time share one task, and a worker that dies has its tasks
  rerun on another (the scheduler's own retry).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.errors import PipelineError, SetupError
from pipeline.i18n import _
from pipeline.sharedstore import SharedStore

log = logging.getLogger("microlearn.executor")


@dataclass(frozen=True)
class ToolTask:
    """One ffmpeg run that makes one stored object from stored inputs.

    ``argv`` holds ``OUT`` where the output goes and each key of ``inputs`` where that input's
    local path goes; ``inputs`` maps those placeholders to the inputs' names in the store.
    ``ffmpeg`` is the version line the object's key was made with: a worker with another ffmpeg
    refuses the task instead of storing other bytes under the key.
    """

    name: str
    argv: tuple[str, ...]
    inputs: tuple[tuple[str, str], ...]
    ffmpeg: str
    context: str


def input_name(sha256: str, suffix: str) -> str:
    """Where a lesson file or a slide is kept in the store, by its content."""
    return f"inputs/{sha256[:2]}/{sha256}{suffix}"


_verified: set[str] = set()  # inputs this worker process has already checked (by name)
_verified_lock = threading.Lock()


def run_task(store: SharedStore, task: ToolTask) -> tuple:
    """On a worker: make ``task.name`` in the store unless it is already sealed there.

    Returns ("ok", sha256, size) or ("failed", ``portable(error)``), which the build raises again
    whole with ``rebuilt`` (our exceptions carry fields that pickling an exception would drop)."""
    from pipeline import ffmpeg

    try:
        version = ffmpeg.ffmpeg_version()
        if version != task.ffmpeg:
            raise SetupError(_("worker {worker} runs ffmpeg '{found}', the build runs '{expected}' — install every worker "
                               "with the same 'make setup' as the machine that builds (docs/cluster.md)",
                               worker=os.uname().nodename, found=version, expected=task.ffmpeg))
        seal = store.sealed(task.name)
        if seal is not None and store.has(task.name, seal):
            return ("ok", seal[0], seal[1])
        work = Path(tempfile.mkdtemp(prefix="microlearn-task-"))
        try:
            paths = {placeholder: str(_local_input(store, name, work)) for placeholder, name in task.inputs}
            out = work / ("out" + Path(task.name).suffix)
            argv = [str(out) if a == "OUT" else paths.get(a, a) for a in task.argv]
            ffmpeg.run(argv, context=task.context)
            store.publish(task.name, out)
            seal = store.sealed(task.name)
            if seal is None:
                raise PipelineError(f"{task.name} was not sealed")
            return ("ok", seal[0], seal[1])
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except PipelineError as exc:
        return ("failed", portable(exc))


def _local_input(store: SharedStore, name: str, work: Path) -> Path:
    """A verified local copy of a stored input (the store's own file when it is a local folder)."""
    folder = store.local_root
    if folder is not None:
        path = folder / name
        with _verified_lock:
            known = name in _verified
        if not known:
            if not store.fetch(name, path):  # the store's own file: its seal read and its bytes checked
                raise PipelineError(_("the shared cache lacks the input {name} (or it is damaged) — build again", name=name))
            with _verified_lock:
                _verified.add(name)
        return path
    cache = Path(os.environ.get("MICROLEARN_WORKER_CACHE") or Path(tempfile.gettempdir()) / "microlearn-worker")
    path = cache / name
    if path.is_file():
        return path
    if not store.fetch(name, path):
        raise PipelineError(_("the shared cache lacks the input {name} (or it is damaged) — build again", name=name))
    return path


def portable(exc: BaseException) -> tuple:
    """An exception as (class, args, attributes): our errors carry fields their constructors
    need, which pickling an exception (class(*args)) would lose. Rebuilt by ``rebuilt``."""
    import traceback

    state = dict(getattr(exc, "__dict__", {}))
    if not isinstance(exc, PipelineError):  # a bug: keep where it happened, in the message
        return (RuntimeError, (f"{type(exc).__name__}: {exc} (in a worker process)\n{traceback.format_exc()}",), {})
    return (type(exc), exc.args, state)


def rebuilt(form: tuple) -> BaseException:
    cls, args, state = form
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class Executor:
    """Runs ``run_task`` somewhere else; ``submit`` returns a future with ``result()``."""

    name = "local"
    runs_stages = False  # whether its workers see this machine's folders, so a whole stage can run there

    def warm(self, fn: Callable[[], None]) -> None:
        """Get the workers ready to run stages (``fn`` imports them); nothing to do by default."""

    def lessons_at_once(self, jobs: int) -> int:
        """How many lessons the build's own process keeps going (``-j``): enough to keep every worker busy."""
        return jobs

    def submit(self, fn: Callable, *args, key: str | None = None) -> Future: ...
    def as_completed(self, futures: Iterable) -> Iterator: ...
    def close(self) -> None: ...
    def describe(self) -> str:
        return self.name


class ProcessExecutor(Executor):
    """Worker processes on this machine: they see the lesson and build folders, so they run whole
    stages (the cards' layout and the captions' alignment are Python, one core per process),
    and each stage's segments in its own threads."""

    name = "processes"
    runs_stages = True

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = max(1, workers)
        self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def warm(self, fn: Callable[[], None]) -> None:
        """Start every worker now and have it run ``fn`` (import the stages) while the lessons load."""
        for _worker in range(self.workers):
            self.pool.submit(fn)

    def lessons_at_once(self, jobs: int) -> int:
        """A lesson's stages run one after another, and between two of them its worker would wait
        for this process (the journal, the next stage's key): with four lessons a worker in flight,
        a worker always has a stage queued (a timeline of the stages in two workers building ten
        lessons: no gap over 0.05 s; with two lessons at once the build took 36 s instead of 31-34 s)."""
        return max(jobs, 4 * self.workers)

    def submit(self, fn, *args, key=None):
        return self.pool.submit(fn, *args)

    def as_completed(self, futures):
        from concurrent.futures import as_completed

        return as_completed(futures)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> str:
        return f"{self.workers} local worker process(es)"


class DaskExecutor(Executor):
    name = "dask"

    def __init__(self, address: str, timeout: float = 20):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a pinned dependency
            raise SetupError(_("building on a Dask cluster needs distributed — run 'make setup'")) from None
        self.address = address
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SetupError(_("cannot reach the Dask scheduler at {address} ({error}) — start it with 'dask scheduler', "
                               "or fix --scheduler / MICROLEARN_SCHEDULER (docs/cluster.md)", address=address, error=exc)) from None

        if not self.client.scheduler_info().get("workers"):
            try:
                self.client.wait_for_workers(1, timeout=timeout)
            except (OSError, TimeoutError):
                self.client.close()
                raise SetupError(_("no worker has joined the Dask scheduler at {address} within {seconds} s — start "
                                   "workers with 'dask worker {address}' (docs/cluster.md)",
                                   address=address, seconds=f"{timeout:g}")) from None

    def submit(self, fn, *args, key=None):
        return self.client.submit(fn, *args, key=key, pure=False, retries=1)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(list(futures), loop=self.client.loop)

    def close(self) -> None:
        self.client.close()

    def describe(self) -> str:
        workers = len(self.client.scheduler_info().get("workers", {}))
        return f"Dask scheduler {self.address} ({workers} worker(s))"


def make_executor(kind: str, workers: int, scheduler: str) -> Executor | None:
    """The executor the settings ask for; None for the local one."""
    if scheduler:
        return DaskExecutor(scheduler)
    if kind == "processes":
        return ProcessExecutor(workers)
    return None
