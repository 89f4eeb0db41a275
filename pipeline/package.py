"""The packaging stage: one deterministic zip per lesson and version, with a manifest.

Same files in → same zip bytes out: entries sorted, fixed timestamps and permissions. The bundle
digest covers every file's path and sha256, so a sign-off can name exactly what it approved.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from pipeline import __version__
from pipeline.lesson.model import Lesson
from pipeline.stage import Context, Stage, StageResult

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# What goes into the bundle, by artifact kind of the upstream stages.
BUNDLED_KINDS = ("video", "captions", "transcript", "card", "handout", "thumbnail", "poster")


def bundle_digest(files: list[dict]) -> str:
    """sha256 over the sorted 'path sha256' lines of the bundle's files."""
    lines = "".join(f"{f['path']} {f['sha256']}\n" for f in sorted(files, key=lambda f: f["path"]))
    return hashlib.sha256(lines.encode()).hexdigest()


def manifest(lesson: Lesson, files: list[dict], durations: dict) -> dict:
    return {
        "schema": "microlearn-bundle/1",
        "tool": {"name": "microlearn", "version": __version__},
        "lesson": {
            "slug": lesson.slug,
            "version": lesson.version,
            "title": lesson.title,
            "language": lesson.language,
            "rubric": lesson.rubric,
            "tags": list(lesson.tags),
            "licence": lesson.licence,
            "authors": [{"name": a.name, "school": a.school} for a in lesson.authors],
            "objectives": list(lesson.objectives),
            "audience": lesson.audience,
            "school": lesson.school.name,
        },
        "durations": durations,
        "files": sorted(files, key=lambda f: f["path"]),
        "digest": bundle_digest(files),
    }


def write_zip(target: Path, entries: list[tuple[str, Path | bytes]]) -> None:
    """A zip whose bytes depend only on the entries' names and contents."""
    with zipfile.ZipFile(target, "w") as archive:
        for name, source in sorted(entries, key=lambda e: e[0]):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            # already-compressed media gains nothing from deflate; text does
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".mp4", ".png", ".jpg", ".pdf")) else zipfile.ZIP_DEFLATED
            data = source if isinstance(source, bytes) else source.read_bytes()
            archive.writestr(info, data, compresslevel=9 if info.compress_type == zipfile.ZIP_DEFLATED else None)


def run(ctx: Context) -> StageResult:
    files, entries = [], []
    for stage in ("cards", "transcode", "caption"):
        result = ctx.upstream.get(stage)
        for artifact in result.artifacts if result else []:
            if artifact.kind in BUNDLED_KINDS:
                files.append({"path": artifact.path, "kind": artifact.kind, "sha256": artifact.sha256, "bytes": artifact.bytes})
                entries.append((artifact.path, ctx.out / artifact.path))
    transcode = ctx.upstream.get("transcode")
    durations = {"total": round(transcode.data.get("duration", 0.0), 3)} if transcode else {}
    document = manifest(ctx.lesson, files, durations)
    manifest_bytes = (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()
    entries.append(("manifest.json", manifest_bytes))
    name = f"bundle/{ctx.lesson.slug}-v{ctx.lesson.version}.zip"
    bundle = ctx.artifact("bundle", name, lambda tmp: write_zip(tmp, entries))
    man = ctx.artifact("manifest", "bundle/manifest.json", lambda tmp: tmp.write_bytes(manifest_bytes))
    return StageResult([bundle, man], {"bundle": name, "digest": document["digest"], "files": len(files)})


def _params(lesson: Lesson) -> dict:
    return {"version": lesson.version, "meta": manifest(lesson, [], {})["lesson"], "tool": __version__}


STAGE = Stage(name="package", needs=("cards", "transcode", "caption"), run=run, params=_params, inputs=lambda lesson: [], version="1")
