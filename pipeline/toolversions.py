"""Versions of the external tools that shape our outputs, for the stages' cache keys.

Asking a tool its version costs a process start (ffmpeg, espeak-ng) or a heavy import (WeasyPrint
loads Pango): together most of a no-op rebuild. So each answer is remembered in
``build/.cache/tools.json`` together with a fingerprint of the files behind it (path, size,
modification time), and asked again only when one of those files changed or disappeared.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path
from typing import Callable

from pipeline.fsutil import stat_marks, write_text

_lock = threading.Lock()
_store: Path | None = None
_entries: dict[str, dict] = {}
_dirty = False


def use_store(path: Path | None) -> None:
    """Remember versions in ``path`` (None: only in this process). Called by the build runner."""
    global _store, _entries, _dirty
    with _lock:
        _store, _dirty = path, False
        try:
            raw = json.loads(path.read_text()) if path else {}
            _entries = raw if isinstance(raw, dict) else {}
        except (OSError, ValueError):
            _entries = {}


def save() -> None:
    global _dirty
    with _lock:
        if _store is not None and _dirty:
            write_text(_store, json.dumps(_entries, sort_keys=True, indent=1, ensure_ascii=False))
            _dirty = False


def fingerprint(files: list[Path | str | None]) -> list:
    """Real path, size and mtime of each file (None for one that is not there)."""
    return stat_marks([os.path.realpath(f) if f is not None else None for f in files])


def remembered(name: str, files: list[Path | str | None], ask: Callable[[], object]):
    """``ask()``'s answer, reused while ``files`` keep their fingerprint."""
    global _dirty
    marks = fingerprint(files)
    with _lock:
        entry = _entries.get(name)
        if entry and entry.get("files") == marks:
            return entry["value"]
    value = json.loads(json.dumps(ask(), sort_keys=True, default=str))
    with _lock:
        _entries[name] = {"files": marks, "value": value}
        _dirty = True
    return value


def program_version(program: str, argv_tail: list[str], parse: Callable[[str], str]) -> str:
    """What a program prints for ``argv_tail`` (its version, say), parsed, remembered while its binary
    stays the same; 'missing' if absent."""
    binary = shutil.which(program) or program

    def ask() -> str:
        try:
            done = subprocess.run([binary, *argv_tail], capture_output=True, text=True,
                                  check=False, stdin=subprocess.DEVNULL)
        except OSError:
            return "missing"
        return parse(done.stdout)

    return remembered(" ".join([f"program:{binary}", *argv_tail]), [binary], ask)


def shared_library(name: str) -> Path | None:
    """Where the system's ``name`` (e.g. 'libpango-1.0.so.0') lives, looked up in the usual folders."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for folder in (f"/usr/lib/{multiarch}", f"/lib/{multiarch}", "/usr/lib64", "/usr/lib", "/usr/local/lib"):
        candidate = Path(folder) / name
        if candidate.exists():
            return candidate
    return None


def espeak_version() -> str:
    """The espeak-ng version line; part of every synthesised-audio cache key."""
    return program_version("espeak-ng", ["--version"], lambda out: out.split("Data at")[0].strip() or "unknown")


def package_versions(*names: str) -> dict[str, str]:
    """Installed versions of Python distributions ('missing' for one not installed), remembered
    while the folders they are installed in keep their modification time (any install, upgrade or
    removal changes it). Asking importlib.metadata for a missing one scans every folder: slow."""
    def ask() -> dict[str, str]:
        from importlib.metadata import PackageNotFoundError, version

        found = {}
        for name in names:
            try:
                found[name] = version(name)
            except PackageNotFoundError:
                found[name] = "missing"
        return found

    folders = [p for p in sys.path if p and os.path.isdir(p)]
    return remembered("packages:" + ",".join(names), folders, ask)
