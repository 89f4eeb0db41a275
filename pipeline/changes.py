"""What changed in a lesson's own files since a snapshot: the list a stale approval shows.

An approval keeps a snapshot of the lesson folder (every file's sha256, and the text of the
teacher's text files); when the approval no longer covers the build, the reviewer reads which
files changed and, for text, which lines, instead of only "the bundle digest differs".
"""
from __future__ import annotations

import difflib
from pathlib import Path

from pipeline.fsutil import sha256_file
from pipeline.i18n import _

TEXT = {".yaml", ".yml", ".md", ".txt"}
MAX_TEXT = 200_000  # bytes; a longer "text" file is compared by its hash only
SHOWN_LINES = 3  # changed lines quoted per file; the rest are counted


def snapshot(root: Path) -> dict[str, dict]:
    """``{relative path: {"sha256": ..., "text": ...}}`` of every file under ``root`` (text only for
    the teacher's text files), sorted, hidden files left out."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        entry = {"sha256": sha256_file(path)}
        if path.suffix.lower() in TEXT and path.stat().st_size <= MAX_TEXT:
            try:
                entry["text"] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                pass
        found[rel] = entry
    return found


def describe(old: dict, root: Path, label: str) -> list[str]:
    """One line per changed file, named as the teacher knows it (``content/x/script.md:12: ...``)."""
    current = snapshot(root)
    lines = []
    for rel in sorted(set(old) | set(current)):
        before, now = old.get(rel), current.get(rel)
        name = f"{label}/{rel}"
        if now is None:
            lines.append(_("{file}: removed", file=name))
        elif before is None:
            lines.append(_("{file}: added", file=name))
        elif before.get("sha256") != now["sha256"]:
            if isinstance(before.get("text"), str) and "text" in now:
                lines.extend(_text_changes(name, before["text"], now["text"]))
            else:
                lines.append(_("{file}: changed", file=name))
    return lines


def _text_changes(name: str, before: str, now: str) -> list[str]:
    old_lines, new_lines = before.splitlines(), now.splitlines()
    found = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if j2 > j1:
            found.append(_("{file}:{line}: now \"{text}\"", file=name, line=j1 + 1, text=_short(new_lines[j1])))
        else:
            found.append(_("{file}:{line}: lines removed", file=name, line=j1 + 1))
    if len(found) > SHOWN_LINES:
        found = found[:SHOWN_LINES] + [_("{file}: {n} more changes", file=name, n=len(found) - SHOWN_LINES)]
    return found or [_("{file}: changed", file=name)]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
