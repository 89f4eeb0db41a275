"""A lesson's two text files as the studio's form, and a form turned back into those files.

``read`` gives the form's values and a ``version`` (a digest of both files' bytes); ``save``
writes only what the form changed, refuses a save based on an older version (another tab or an
editor changed the files in between), and writes each file atomically.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from pipeline.errors import PipelineError
from pipeline.fsutil import write_text
from pipeline.studio import scriptedit, yamledit
from pipeline.studio.safety import inside

FORM_FIELDS = ("title", "language", "authors", "objectives", "formats", "theme", "school")
_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class EditError(PipelineError):
    """A save the studio cannot make (the files cannot be read as YAML, a part is unknown)."""


class Conflict(PipelineError):
    """The files changed since the form was loaded: saving would overwrite someone's edit."""


@dataclass(frozen=True)
class Files:
    yaml_text: str
    script_text: str
    script_name: str
    version: str


def _lock(root: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(root.resolve(), threading.Lock())


@functools.lru_cache(maxsize=32)
def _script_name(yaml_text: str) -> str:
    """The script file lesson.yaml names (ruamel's round-trip load: ~0.03 s, asked by the checker and
    the builder for the same text, so remembered by text)."""
    try:
        _, document = yamledit.load(yaml_text)
    except YAMLError:
        return "script.md"
    name = document.get("script") if isinstance(document, dict) else None
    return name if isinstance(name, str) and name else "script.md"


def _bytes(path: Path | None) -> bytes:
    """A file's bytes; a missing one reads as empty (validation says it is missing, in words)."""
    try:
        return path.read_bytes() if path is not None else b""
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return b""


def read_files(root: Path) -> Files:
    yaml_bytes = _bytes(root / "lesson.yaml")
    yaml_text = yaml_bytes.decode("utf-8", errors="replace")
    script_name = _script_name(yaml_text)
    script_path = inside(root, script_name)
    script_bytes = _bytes(script_path)
    digest = hashlib.sha256(yaml_bytes + b"\0" + script_bytes).hexdigest()[:20]
    return Files(yaml_text, script_bytes.decode("utf-8", errors="replace"), script_name, digest)


def read(root: Path) -> dict:
    """The form: lesson fields, parts of the sequence, card sections, and the files' version."""
    files = read_files(root)
    form: dict[str, Any] = {"version": files.version, "script": files.script_name, "yaml_error": ""}
    try:
        _, document = yamledit.load(files.yaml_text)
    except YAMLError as exc:
        document = None
        form["yaml_error"] = str(exc).splitlines()[0] if str(exc) else "lesson.yaml cannot be read"
    document = document if isinstance(document, CommentedMap) else CommentedMap()
    text = yamledit.as_text
    authors = []
    for item in document.get("authors") or []:
        if isinstance(item, dict):
            authors.append({k: text(item.get(k)) for k in ("name", "school", "email")})
        else:
            authors.append({"name": text(item), "school": "", "email": ""})
    school = document.get("school") if isinstance(document.get("school"), dict) else {}
    formats = document.get("formats")
    formats = formats if isinstance(formats, list) else ([formats] if formats else [])
    objectives = document.get("objectives")
    form["fields"] = {
        "title": text(document.get("title")),
        "language": text(document.get("language")),
        "authors": authors,
        "objectives": [text(o) for o in objectives] if isinstance(objectives, list) else [],
        "formats": [text(x) for x in formats],
        "theme": text(document.get("theme")),
        "school": {"name": text(school.get("name"))},
    }
    parts = []
    sequence = document.get("sequence")
    for index, item in enumerate(sequence if isinstance(sequence, list) else []):
        item = item if isinstance(item, dict) else {}
        parts.append(
            {
                "index": index,
                "type": text(item.get("type")),
                "section": text(item.get("section")),
                "file": text(item.get("file")),
            }
        )
    form["parts"] = parts
    form["sections"] = [
        {"id": b.id, "title": b.title, "body": b.body, "narration": b.narration_text}
        for b in scriptedit.blocks(files.script_text)
    ]
    return form


def apply(yaml_text: str, script_text: str, form: dict) -> tuple[str, str]:
    """The two files with the form's changes made, and nothing else changed."""
    try:
        yaml, document = yamledit.load(yaml_text)
    except YAMLError as exc:
        raise EditError(
            f"lesson.yaml cannot be read as YAML ({str(exc).splitlines()[0]}) — fix it in a text editor first"
        ) from None
    if not isinstance(document, CommentedMap):
        raise EditError("lesson.yaml does not hold a mapping of fields — fix it in a text editor first")
    fields = form.get("fields") or {}
    for key in ("title", "language"):
        if key in fields:
            yamledit.set_scalar(document, key, str(fields[key]).strip(), optional=False)
    if "theme" in fields:
        yamledit.set_scalar(document, "theme", str(fields["theme"]).strip())
    if "authors" in fields:
        yamledit.set_authors(document, list(fields["authors"]))
    if "objectives" in fields:
        yamledit.set_list(document, "objectives", [str(o).strip() for o in fields["objectives"] if str(o).strip()])
    if "formats" in fields:
        yamledit.set_list(document, "formats", [str(x) for x in fields["formats"]], flow=True)
    if "school" in fields:
        _set_school(document, str((fields["school"] or {}).get("name") or "").strip())

    for section in form.get("sections") or []:
        section_id = str(section.get("id") or "")
        if scriptedit.find(script_text, section_id) is None:
            continue
        script_text = scriptedit.set_title(script_text, section_id, str(section.get("title", "")).strip())
        script_text = scriptedit.set_body(script_text, section_id, str(section.get("body", "")))
        script_text = scriptedit.set_narration(script_text, section_id, str(section.get("narration", "")))
    if "parts" in form:
        script_text = _apply_parts(document, script_text, form["parts"])
    return yamledit.dump(yaml, document), script_text


def _set_school(document: CommentedMap, name: str) -> None:
    school = document.get("school")
    if isinstance(school, CommentedMap):
        yamledit.set_scalar(school, "name", name)
        if not school:
            del document["school"]
    elif name:
        yamledit.put(document, "school", CommentedMap([("name", name)]))


def _apply_parts(document: CommentedMap, script_text: str, parts: list[dict]) -> str:
    """Reorder, remove and add parts of the sequence; a removed card's section leaves the script,
    a new card gets a section at its end."""
    sequence = document.get("sequence")
    if not isinstance(sequence, CommentedSeq):
        sequence = CommentedSeq()
        yamledit.put(document, "sequence", sequence)
    old = list(sequence)
    taken = {b.id for b in scriptedit.blocks(script_text)}
    items, kept = [], set()
    for part in parts:
        if part.get("index") is not None:
            index = int(part["index"])
            if not 0 <= index < len(old) or index in kept:
                raise EditError(f"part {index + 1} is not in the sequence any more — reload the page")
            kept.add(index)
            items.append((old[index], index))
        elif part.get("type") == "card":
            title = str(part.get("title") or "").strip() or "New card"
            section_id = scriptedit.new_id(title, taken)
            taken.add(section_id)
            script_text = scriptedit.add_section(
                script_text, section_id, title, str(part.get("body") or ""), str(part.get("narration") or "")
            )
            items.append((CommentedMap([("type", "card"), ("section", section_id)]), None))
        elif part.get("type") == "clip" and part.get("file"):
            items.append((CommentedMap([("type", "clip"), ("file", str(part["file"]))]), None))
        else:
            raise EditError(f"a new part must be a card or a clip with a file, not {part.get('type')!r}")
    if [origin for _, origin in items] == list(range(len(old))):
        return script_text
    for index, item in enumerate(old):
        if index not in kept and isinstance(item, dict) and item.get("type") == "card" and item.get("section"):
            still_shown = any(isinstance(i, dict) and i.get("section") == item.get("section") for i, _ in items)
            if not still_shown:
                script_text = scriptedit.remove_section(script_text, str(item["section"]))
    yamledit.reorder(sequence, items)
    return script_text


def save(root: Path, form: dict) -> str:
    """Write the form's changes if the files are still at ``form['version']``; return the new version.

    Raises Conflict when the files changed since that version, EditError when they cannot be edited.
    """
    with _lock(root):
        files = read_files(root)
        if form.get("version") != files.version:
            raise Conflict(
                f"{root.name}: lesson.yaml or {files.script_name} changed since you opened it (in another tab or "
                "an editor) — your change was not saved; reload to see the current text and make it again"
            )
        yaml_text, script_text = apply(files.yaml_text, files.script_text, form)
        if yaml_text != files.yaml_text:
            write_text(root / "lesson.yaml", yaml_text)
        script_path = inside(root, files.script_name)
        if script_text != files.script_text and script_path is not None:
            write_text(script_path, script_text)
        return read_files(root).version
