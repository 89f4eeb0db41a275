"""Video segments: cached pieces of one format's video, encoded side by side, joined by stream copy.

A segment's cache key is its source's content hash, the trim, the frame count, the format's
size, the encoder settings, the ffmpeg version and the fingerprint of the code that builds the
command (``SEGMENT_CODE``), so a changed card re-encodes only its own segments.

- A clip is cut into chunks of ``settings.chunk`` frames (a multiple of the GOP), each its own
  segment: x264 runs single-threaded for identical bytes (see settings.py), so chunks are what
  lets a long clip use every core.
- A still slide is static for its whole hold, and every encoded piece starts with a keyframe
  and closes its GOP; so a slide held for n frames is one *unit* of ``settings.slide_unit``
  frames listed n // unit times, plus a shorter tail: the same picture for the cost of encoding
  fewer than 2 * unit frames per slide, however long it is held.
- A camera move on a card's picture (``camera.py``) is encoded frame by frame for its first
  seconds only, one segment per reveal step it spans; the slide is then held as still units.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.i18n import _
from pipeline import ffmpeg
from pipeline.digests import code_fingerprint
from pipeline.errors import MediaError
from pipeline.fsutil import sha256_file
from pipeline.stage import ObjectStore
from pipeline.transcode import camera, commands
from pipeline.transcode.plan import Part
from pipeline.transcode.settings import FPS, GOP, MediaSettings

SEGMENT_CODE = ("pipeline.transcode.segments", "pipeline.transcode.commands", "pipeline.transcode.camera",
                "pipeline.transcode.settings", "pipeline.house")


@dataclass(frozen=True)
class Job:
    """One segment to have in the store: its key and how to encode it (``argv`` with ``OUT``
    for the output; ``sources``: each input file's path as it stands in ``argv``, and its sha256)."""

    key: dict
    argv: tuple[str, ...] = field(compare=False)
    sources: tuple[tuple[str, str], ...] = field(compare=False)
    context: str = field(compare=False)
    portable: bool = field(default=True, compare=False)  # its inputs are all in ``sources`` (a worker can run it)

    @property
    def id(self) -> str:
        return ObjectStore.key(self.key)

    def make(self, tmp: Path) -> None:
        """Encode into ``tmp`` (for the object store), here."""
        argv = list(self.argv)
        ffmpeg.run(argv[: argv.index("OUT")] + [str(tmp)] + argv[argv.index("OUT") + 1:], context=self.context)


def _key(settings: MediaSettings, fmt: str, **parts) -> dict:
    return {"stage": "transcode", "code": code_fingerprint(*SEGMENT_CODE), "ffmpeg": ffmpeg.ffmpeg_version(),
            "settings": settings.key(),
            "format": fmt, "size": list(settings.size(fmt)), **parts}


def clip_jobs(part: Part, source: Path, fmt: str, settings: MediaSettings, context: str) -> list[Job]:
    """The clip's frames fitted to the format, in chunks."""
    video = part.info.video
    fit = commands.Source(video.width, video.height, video.sar, part.hdr)
    chunk = max(GOP, settings.chunk - settings.chunk % GOP)
    jobs = []
    for first in range(0, part.frames, chunk):
        count = min(chunk, part.frames - first)
        start = round(part.start + first / FPS, 6)
        argv = commands.clip_segment(str(source), start, count, fit, settings.size(fmt), settings, "OUT")
        key = _key(settings, fmt, kind="clip", sha256=part.source_hash, start=start, frames=count,
                   source=[fit.width, fit.height, fit.sar, video.rotation, fit.hdr])
        jobs.append(Job(key, tuple(argv), ((str(source), part.source_hash),), context))
    return jobs


def _slide_digest(png: Path, label: str) -> str:
    """sha256 of a slide the cards stage wrote (a clear error when it is missing)."""
    if not png.is_file():
        raise MediaError(label, _("is missing: the cards stage did not write this slide"),
                         _("build again; if it persists, report it"))
    return sha256_file(png)


def slide_jobs(png: Path, frames: int, fmt: str, settings: MediaSettings, context: str, label: str) -> list[Job]:
    """A still slide held ``frames`` frames: one unit repeated, then the remainder."""
    digest = _slide_digest(png, label)

    def job(count: int) -> Job:
        argv = commands.slide_segment(str(png), count, settings.size(fmt), settings, "OUT")
        return Job(_key(settings, fmt, kind="slide", sha256=digest, frames=count), tuple(argv), ((str(png), digest),), context)

    units, tail = divmod(frames, settings.slide_unit)
    jobs = [job(settings.slide_unit)] * units
    if tail:
        jobs.append(job(tail))
    return jobs


def camera_job(png: Path, move: camera.Move, first: int, frames: int, fmt: str, settings: MediaSettings,
               context: str, label: str) -> Job:
    """Frames ``first`` .. ``first + frames - 1`` of a card's camera move over the slide ``png``."""
    from pipeline.lesson.model import FORMATS

    digest = _slide_digest(png, label)
    box = camera.scaled_box(move.box, settings.size(fmt), FORMATS[fmt])
    moved = camera.Move(box, move.frames)
    argv = camera.segment(str(png), moved, first, frames, settings.size(fmt), settings, "OUT")
    return Job(_key(settings, fmt, kind="camera", sha256=digest, box=list(box), move=move.frames,
                    zoom=camera.ZOOM, first=first, frames=frames), tuple(argv), ((str(png), digest),), context)


def encode(jobs: list[Job], objects: ObjectStore, workers: int, progress: Callable[[str], None] = lambda m: None,
           slots: threading.Semaphore | None = None) -> list[Path]:
    """Have every job's segment in the store (each distinct one encoded once, ``workers`` at a
    time, each also holding one of ``slots`` when given); returns the stored files in the order
    of ``jobs``."""
    unique = {job.id: job for job in jobs}
    if objects.executor is not None and all(job.portable for job in jobs):
        return _encode_elsewhere(jobs, unique, objects, progress)
    done: dict[str, Path] = {}
    slots = slots or threading.Semaphore(max(1, workers))

    def run(job: Job) -> Path:
        with slots:
            return objects.memo(job.key, ".mp4", job.make)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {key: pool.submit(run, job) for key, job in unique.items()}
        for index, (key, future) in enumerate(futures.items(), 1):
            done[key] = future.result()
            progress(_("video segment {index} of {total}", index=index, total=len(futures)))
    return [done[job.id] for job in jobs]


def _encode_elsewhere(jobs: list[Job], unique: dict[str, Job], objects: ObjectStore,
                      progress: Callable[[str], None]) -> list[Path]:
    """Every segment not yet stored is a task on the executor (pipeline/executors.py): its inputs
    go to the shared store by content, a worker encodes, the result is fetched and verified."""
    from pipeline.executors import ToolTask, input_name, rebuilt, run_task

    store = objects.shared
    targets = {key: objects.path(key, ".mp4") for key in unique}
    missing = {key: job for key, job in unique.items() if not objects.present(targets[key])}
    sent: set[str] = set()
    futures = {}
    for key, job in missing.items():
        inputs = []
        for index, (path, sha) in enumerate(job.sources):
            name = input_name(sha, Path(path).suffix)
            if name not in sent and not store.has(name):
                store.publish(name, Path(path), sha)  # hashed already: the job's key holds it
            sent.add(name)
            inputs.append((f"IN{index}", name))
        placeholders = {path: f"IN{index}" for index, (path, _) in enumerate(job.sources)}
        argv = tuple(placeholders.get(a, a) for a in job.argv)
        task = ToolTask(objects.name(targets[key]), argv, tuple(inputs), job.key["ffmpeg"], job.context)
        futures[objects.executor.submit(run_task, store, task, key=f"segment-{key}")] = key
    done = len(unique) - len(missing)
    for future in objects.executor.as_completed(futures):
        key = futures[future]
        outcome = future.result()
        if outcome[0] != "ok":
            raise rebuilt(outcome[1])
        objects.memo(unique[key].key, ".mp4", unique[key].make)  # fetched and verified; damaged on the way: made here
        done += 1
        progress(_("video segment {index} of {total}", index=done, total=len(unique)))
    return [targets[job.id] for job in jobs]
