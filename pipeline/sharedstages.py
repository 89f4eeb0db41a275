"""A stage's whole output in the shared store, so that another machine takes it instead of running it.

The journal (pipeline/cache.py) lets a build folder skip a stage whose key has not changed; it
lives in that folder. With a shared store (``MICROLEARN_CACHE``), the same decision is offered to
every machine: after a stage runs, its result and every file it wrote are put in the store under
a *stage key* (the journal's key, the stage's name, the lesson's slug and label, and the language
its messages are in); a fresh build folder on another machine, a CI runner or a colleague's
laptop, whose stage has the same key, fetches the files (each checked against its seal and the
sha256 its result records) and records them in its own journal, as if the stage had run there.
Anything missing or damaged makes the stage run as usual: a record is written only after every
file it names, so a record is never there without its files.

Layout in the store, beside the objects:
- ``stages/<key[:2]>/<key>.json``: ``{"format": 1, "stage": name, "result": <records.dump>}``;
- ``outputs/<sha[:2]>/<sha256><suffix>``: each output file's bytes, by its own content.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path, PurePosixPath

from pipeline import records
from pipeline.cache import Components
from pipeline.contracts import StageResult
from pipeline.digests import json_digest
from pipeline.sharedstore import SharedStore

log = logging.getLogger("microlearn.cache")

FORMAT = 1


def stage_key(stage: str, components: Components, slug: str, label: str, language: str) -> str:
    """What a stage's whole output depends on, wherever it is built. The slug is in the outputs'
    names and the label (the lesson's folder as messages name it) in some of their text, so
    both are part of it, as is the language the stage writes its messages in."""
    return json_digest({"format": FORMAT, "stage": stage, "key": components.key(), "slug": slug, "label": label,
                        "language": language})


def record_name(key: str) -> str:
    return f"stages/{key[:2]}/{key}.json"


def output_name(sha256: str, rel: str) -> str:
    return f"outputs/{sha256[:2]}/{sha256}{PurePosixPath(rel).suffix}"


def restore(store: SharedStore, key: str, out: Path, result_type: type[StageResult]) -> StageResult | None:
    """The stage's result, its files fetched into ``out``; None (``out`` untouched) when the store
    lacks the record or any of its files, or holds them damaged, or cannot be read."""
    try:
        return _restore(store, key, out, result_type)
    except Exception as exc:  # noqa: BLE001 - a file system's own errors (a dropped connection) are not all OSErrors
        log.warning("shared cache: the stage record %s could not be read (%s): the stage runs here", key[:12], exc)
        return None


def _restore(store: SharedStore, key: str, out: Path, result_type: type[StageResult]) -> StageResult | None:
    raw = store.read(record_name(key))
    if raw is None:
        return None
    try:
        record = json.loads(raw)
        result = records.load(result_type, record["result"])
    except (ValueError, KeyError, TypeError, records.RecordError) as exc:  # another shape: made again
        log.info("shared cache: the stage record %s is not usable here (%s)", key[:12], exc)
        return None
    staged: list[tuple[Path, Path]] = []
    try:
        for artifact in result.artifacts:
            target = out / artifact.path
            if not target.resolve().is_relative_to(out.resolve()):
                return None
            fetched = target.with_name(f".{target.name}.shared.tmp")
            staged.append((fetched, target))
            if not store.fetch(output_name(artifact.sha256, artifact.path), fetched, (artifact.sha256, artifact.bytes)):
                return None
        for fetched, target in staged:  # every file is here and checked: put them in place
            os.replace(fetched, target)
        staged = []
        return result
    finally:
        for fetched, _ in staged:
            fetched.unlink(missing_ok=True)


def share(store: SharedStore, key: str, stage: str, result: StageResult, out: Path) -> None:
    """Put every file of ``result`` in the store (by content), then its record. A stage runs here
    only when the store lacked its record or held a file of it damaged, so every file is put again:
    a damaged one of the same size would pass a cheaper look (``has``)."""
    for artifact in result.artifacts:
        store.publish(output_name(artifact.sha256, artifact.path), out / artifact.path, artifact.sha256)
    store.put(record_name(key), json.dumps({"format": FORMAT, "stage": stage,
                                            "result": records.dump(result)}, sort_keys=True,
                                           ensure_ascii=False).encode("utf-8"))

