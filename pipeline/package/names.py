"""File names inside the bundle: ASCII-safe and unique whatever the lesson's language.

LMSs unpack packages on servers with any file system and serve them as URLs; Moodle and others
mangle or refuse names outside ASCII, and two names differing only in case collide on Windows and
macOS. A name that is already safe is kept; any other keeps its ASCII letters (accents dropped) and
gains a short hash of the original, so "01-зачем-рубрики.png" becomes "01-3f2a9c1b.png" and two
Korean names never meet.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_PART = 80  # characters per path component; long names break old unzip tools and Windows paths


def safe_part(part: str) -> str:
    """One path component made ASCII-safe: [A-Za-z0-9._-], starting with a letter or digit."""
    if SAFE_PART.match(part) and len(part) <= MAX_PART:
        return part
    stem, _, suffix = part.rpartition(".") if "." in part[1:] else (part, "", "")
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix)[:10]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_stem).strip("-")[: MAX_PART - 22]
    tag = hashlib.sha256(part.encode("utf-8")).hexdigest()[:8]
    stem = f"{ascii_stem}-{tag}" if ascii_stem else tag
    return f"{stem}.{suffix}" if suffix else stem


def safe_path(path: str) -> str:
    """A relative POSIX path with every component made safe."""
    return "/".join(safe_part(part) for part in path.split("/") if part not in ("", "."))


def assign(paths: list[str]) -> dict[str, str]:
    """Bundle names for ``paths`` (original -> safe), unique even ignoring case.

    Deterministic: the paths are taken in sorted order, and a clash gets -2, -3, ... before the suffix.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for original in sorted(set(paths)):
        name = safe_path(original)
        base, dot, suffix = name.rpartition(".") if "." in name.rsplit("/", 1)[-1] else (name, "", "")
        counter = 1
        while name.lower() in taken:
            counter += 1
            name = f"{base}-{counter}{dot}{suffix}"
        taken.add(name.lower())
        names[original] = name
    return names
