"""Incremental builds: a stage reruns only when its key changes, and we can say why.

A stage's key covers its code version, its parameters, the content of the lesson files it reads,
the versions of the tools it runs and the digests of the upstream results it consumes (the doit
idea: content *and* settings). Each lesson keeps a journal of its last good stage runs in
``build/<lesson>/.state.json``; file hashes are memoised by (size, mtime, inode) so a no-op
rebuild reads no media.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import records
from pipeline.contracts import StageResult
from pipeline.digests import json_digest, sha256_file
from pipeline.fsutil import write_text

JOURNAL = ".state.json"


digest = json_digest


class FileHashes:
    """sha256 of files, memoised on disk by path and (size, mtime_ns, inode)."""

    def __init__(self, store: Path):
        self.store = store
        self.lock = threading.Lock()
        self.changed = False
        try:
            self.memo: dict[str, list] = json.loads(store.read_text())
        except (OSError, ValueError):
            self.memo = {}

    def get(self, path: Path) -> str | None:
        try:
            st = path.stat()
        except OSError:
            return None
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        key = str(path.resolve())
        with self.lock:
            known = self.memo.get(key)
        if known and known[:3] == stamp:
            return known[3]
        value = sha256_file(path)
        with self.lock:
            self.memo[key] = stamp + [value]
            self.changed = True
        return value

    def save(self) -> None:
        if self.changed:
            write_text(self.store, json.dumps(self.memo, sort_keys=True))
            self.changed = False


@dataclass
class Components:
    """Everything a stage's output depends on, kept to explain a rebuild."""

    version: str
    params: dict
    inputs: dict[str, str | None]
    tools: dict
    upstream: dict[str, str]

    def __post_init__(self):
        # compare in the form the journal stores (tuples become lists, paths strings), so that an
        # unchanged setting never reads as changed after a reload
        self.params = json.loads(json.dumps(self.params, sort_keys=True, ensure_ascii=False, default=str))
        self.tools = json.loads(json.dumps(self.tools, sort_keys=True, default=str))

    def key(self) -> str:
        return digest(self.__dict__)


@dataclass
class Journal:
    """The last good run of each stage of one lesson."""

    path: Path
    stages: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, lesson_out: Path) -> "Journal":
        path = lesson_out / JOURNAL
        try:
            raw = json.loads(path.read_text())
            stages = raw.get("stages", {}) if isinstance(raw, dict) else {}
        except (OSError, ValueError):
            stages = {}
        return cls(path, stages)

    def record(self, stage: str, components: Components, result: StageResult, out: Path) -> None:
        outputs = {}
        for artifact in result.artifacts:
            st = (out / artifact.path).stat()
            outputs[artifact.path] = [st.st_size, st.st_mtime_ns]
        with self.lock:
            self.stages[stage] = {
                "key": components.key(),
                "components": components.__dict__,
                "result": records.dump(result),
                "digest": result_digest(result),
                "outputs": outputs,
            }
            write_text(self.path, json.dumps({"stages": self.stages}, sort_keys=True, ensure_ascii=False, indent=1))

    def cached(self, stage: str, components: Components, out: Path,
               result_type: type[StageResult] = StageResult) -> tuple[StageResult | None, list[str]]:
        """The recorded result (read back as ``result_type``) when it is still valid, else None and
        the reasons to rebuild."""
        entry = self.stages.get(stage)
        if entry is None:
            return None, ["never built"]
        reasons = explain(entry.get("components", {}), components.__dict__)
        for rel, (size, mtime) in sorted(entry.get("outputs", {}).items()):
            try:
                st = (out / rel).stat()
            except OSError:
                reasons.append(f"output {rel} is missing")
                continue
            if st.st_size != size or st.st_mtime_ns != mtime:
                reasons.append(f"output {rel} was changed outside the build")
        if reasons or entry.get("key") != components.key():
            return None, reasons or ["cache entry is from another tool version"]
        try:
            return records.load(result_type, entry.get("result")), []
        except records.RecordError as exc:
            return None, [f"its recorded result has an older shape ({exc})"]


def explain(old: dict, new: dict) -> list[str]:
    """Human reasons for the difference between two stage components."""
    reasons: list[str] = []
    if old.get("version") != new["version"]:
        reasons.append(f"stage code changed (fingerprint {str(old.get('version'))[:12]} → {new['version'][:12]})")
    for name in sorted(set(old.get("params", {})) | set(new["params"])):
        before, after = old.get("params", {}).get(name), new["params"].get(name)
        if before != after:
            reasons.append(f"setting '{name}' changed: {_short(before)} → {_short(after)}")
    for name in sorted(set(old.get("inputs", {})) | set(new["inputs"])):
        before, after = old.get("inputs", {}).get(name), new["inputs"].get(name)
        if before != after:
            state = "was added" if before is None else "was removed" if after is None else "changed"
            reasons.append(f"{name} {state}")
    for name in sorted(set(old.get("tools", {})) | set(new["tools"])):
        if old.get("tools", {}).get(name) != new["tools"].get(name):
            reasons.append(f"tool {name} changed: {old.get('tools', {}).get(name)} → {new['tools'].get(name)}")
    for name in sorted(set(old.get("upstream", {})) | set(new["upstream"])):
        if old.get("upstream", {}).get(name) != new["upstream"].get(name):
            reasons.append(f"its input from stage '{name}' changed")
    return reasons


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def lesson_inputs(root: Path, files: list[str], hashes: FileHashes) -> dict[str, str | None]:
    return {rel: hashes.get(root / rel) for rel in sorted(set(files))}


def result_digest(result: StageResult) -> str:
    return digest(records.dump(result))


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
