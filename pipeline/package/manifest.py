"""manifest.json: what the bundle holds, checked against schemas/manifest.schema.json before it is written."""
from __future__ import annotations

import json
from functools import lru_cache

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.lesson.model import Lesson
from pipeline.package.bundle import bundle_digest
from pipeline.templates import default_schemas

SCHEMA_ID = "microlearn-bundle/1"
SCHEMA_FILE = default_schemas() / "manifest.schema.json"


class ManifestError(PipelineError):
    """A manifest does not follow the schema (a bug in the tool, or a hand-edited manifest)."""


def lesson_meta(lesson: Lesson) -> dict:
    music = {"music": {"file": lesson.music.file, "licence": lesson.music.licence,
                       "credit": lesson.music.credit}} if lesson.music else {}
    return {
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
        "school": lesson.school_name,
        **music,  # the music bed's licence, recorded only when the lesson has one (docs/lesson-format.md#music)
    }


def manifest(lesson: Lesson, files: list[dict], durations: dict, launch: str = "index.html") -> dict:
    """The manifest document; ``files`` are the bundle's files except manifest.json itself."""
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "microlearn", "version": __version__},
        "lesson": lesson_meta(lesson),
        "durations": durations,
        "launch": launch,
        "files": sorted(files, key=lambda f: f["path"]),
        "digest": bundle_digest(files),
    }


def encode(document: dict) -> bytes:
    """The manifest's bytes: sorted keys, UTF-8, one trailing newline (same document, same bytes)."""
    return (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def problems(document: dict) -> list[str]:
    """Every way ``document`` breaks the schema, as 'where: what' lines (empty when it is valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    found = []
    for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        found.append(f"{where}: {error.message}")
    return found


def validate(document: dict, label: str) -> None:
    """Raise ManifestError listing every problem when ``document`` breaks the schema."""
    found = problems(document)
    if found:
        lines = "\n  ".join(found)
        raise ManifestError(f"{label}: the manifest does not follow {SCHEMA_FILE.name} ({len(found)} problem(s)):\n  {lines}")
