"""Digests: of files, of JSON-able values (cache keys), and of our own code (stage fingerprints).

The one place a cache key is hashed. ``code_fingerprint`` replaces hand-bumped ``*_VERSION``
strings: the sha256 of the source files that decide a piece's bytes, so changing that code can never
reuse a stale piece (a comment change costs one rebuild of what it covers, never a wrong one).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from functools import lru_cache
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    with open(path, "rb") as handle:
        return sha256_stream(handle, chunk)


def sha256_stream(handle, chunk: int = 1 << 20) -> str:
    """sha256 of what is left to read in a binary file object, read a block at a time."""
    digest = hashlib.sha256()
    while block := handle.read(chunk):
        digest.update(block)
    return digest.hexdigest()


def json_digest(value) -> str:
    """sha256 of ``value`` as canonical JSON (sorted keys, UTF-8; anything else as its str())."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def bundle_digest(files: list[dict]) -> str:
    """sha256 over the sorted 'path sha256' lines of the bundle's files (manifest.json excluded)."""
    lines = "".join(f"{f['path']} {f['sha256']}\n" for f in sorted(files, key=lambda f: f["path"]) if f["path"] != "manifest.json")
    return hashlib.sha256(lines.encode()).hexdigest()


@lru_cache(maxsize=None)
def code_fingerprint(*modules: str) -> str:
    """sha256 over the source of the named modules (a package counts with every module under it).

    Found through import specs, so nothing is imported (a stage's heavy libraries stay unloaded on a
    no-op build); remembered for the life of the process.
    """
    digest = hashlib.sha256()
    for path in sorted({file for name in modules for file in _sources(name)}):
        # named relative to the project, so a checkout elsewhere gives the same fingerprint
        where = path.relative_to(PROJECT).as_posix() if path.is_relative_to(PROJECT) else path.name
        digest.update(where.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _sources(name: str) -> list[Path]:
    if name == "__main__":  # a stage defined in a script: the script is its code (none for `python -c`)
        main = getattr(sys.modules["__main__"], "__file__", None)
        return [Path(main).resolve()] if main else []
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ValueError(f"no module {name} to fingerprint")
    origin = Path(spec.origin).resolve()
    if spec.submodule_search_locations:  # a package: every module under it
        return sorted(origin.parent.rglob("*.py"))
    return [origin]
