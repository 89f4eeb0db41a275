"""The manual checklist a reviewer answers before signing off (templates/review/checklist.yaml).

A school replaces the questions by editing that file, or by pointing MICROLEARN_TEMPLATES at its
own templates folder. The answers are signed into the approval (approval.py). Both files are read
with the located Reader (``pipeline/lesson/fields.py``), so every problem is reported at once with
its line and column.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError, Diagnostic
from pipeline.lesson.fields import INVALID, Field, Reader, read_yaml, text
from pipeline.lesson.yamlnodes import Y, from_value

CHECKLIST = "review/checklist.yaml"


class ChecklistError(ConfigError):
    """The checklist template or a reviewer's answers to it are wrong; carries every located problem."""


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    question: str


ITEM = {
    "id": Field(text(), required=True, hint="add 'id: ...', a short stable name used in approvals"),
    "title": Field(text(one_line=False), required=True, hint="add 'title: ...', what the item is about"),
    "question": Field(text(one_line=False), required=True, hint="add 'question: ...', what the reviewer confirms"),
}
TOP = {"items": Field(lambda r, n, p: n, required=True,
                      hint="add 'items:' with one '- id: ...' / '  title: ...' / '  question: ...' per item")}


def checklist_path(templates: Path) -> Path:
    return templates / CHECKLIST


def load_checklist(path: Path | None = None) -> list[Item]:
    """The checklist items, in order. Raises ChecklistError listing every problem of the file."""
    from pipeline.lesson.model import lesson_label
    from pipeline.templates import default_templates

    path = path or checklist_path(default_templates())
    label = lesson_label(path)
    try:
        root, reader = read_yaml(path, label, ChecklistError, f"restore templates/{CHECKLIST}")
    except FileNotFoundError:
        raise ChecklistError([Diagnostic(label, 0, 0, "", "the review checklist is missing",
                                         f"restore templates/{CHECKLIST}")]) from None
    node = reader.mapping(root, "", TOP)["items"]
    found: list[Item] = []
    first: dict[str, int] = {}
    entries = reader.items(node, "items", ITEM, "write one '- id: ...' / '  title: ...' / '  question: ...' per item",
                           min_items=1) if node is not INVALID else []
    for index, (entry, values) in enumerate(entries):
        if INVALID in values.values():
            continue
        if values["id"] in first:
            reader.error(entry.value["id"], f"items[{index}].id",
                         f"'{values['id']}' is used twice (first on line {first[values['id']]})",
                         "give each item its own id")
            continue
        first[values["id"]] = entry.value["id"].line
        found.append(Item(values["id"], values["title"], values["question"]))
    reader.check(ChecklistError)
    return found


def _ok(reader: Reader, node: Y, path: str):
    if node.kind == "scalar" and not node.quoted and str(node.value).strip().casefold() in ("true", "yes", "on"):
        return True
    if node.kind == "scalar" and not node.quoted and str(node.value).strip().casefold() in ("false", "no", "off"):
        return False
    return reader.error(node, path, f"expected true or false, found '{node.value}'" if node.kind == "scalar" else
                        "expected true or false", "write ok: true (without quotes) when the item holds")


def _note(reader: Reader, node: Y, path: str):
    if node.kind != "scalar":
        return reader.error(node, path, "must be text", "write the note on one line after 'note:', or remove it")
    return str(node.value).strip()


ANSWER = {"ok": Field(_ok, required=True, hint="add 'ok: true' when the item holds"), "note": Field(_note, default="")}


def load_answers(path: Path, items: list[Item]) -> dict[str, dict]:
    """A reviewer's answers file (``--answers``), checked like validate_answers with every problem
    located. Raises ChecklistError."""
    from pipeline.lesson.model import lesson_label

    label = lesson_label(path)
    try:
        root, reader = read_yaml(path, label, ChecklistError, _answer_hint(items))
    except FileNotFoundError:
        raise ChecklistError([Diagnostic(label, 0, 0, "", "the answers file is missing",
                                         "give the path of your answers, or leave out --answers to be asked")]) from None
    return _answers(reader, root, items)


def validate_answers(items: list[Item], answers: dict) -> dict[str, dict]:
    """Answers normalised to ``{id: {"ok": True, "note": str}}`` in checklist order.

    Every item must be answered and confirmed (``ok: true``): an approval is a statement that all
    of them hold. ``answers`` is a mapping made in code (typed at the prompt); a file is read by
    load_answers. Raises ChecklistError listing every problem at once.
    """
    return _answers(Reader("checklist answers"), from_value(answers), items)


def _shown(node: Y) -> str:
    return f"'{node.value}'" if node.kind == "scalar" else "a list"


def _answer_hint(items: list[Item]) -> str:
    return "write one line per item, e.g. " + ", ".join(f"{i.id}: {{ok: true}}" for i in items[:2])


def _answers(reader: Reader, root: Y, items: list[Item]) -> dict[str, dict]:
    if root.kind != "map":
        reader.error(root, "", "expected a mapping of item id to {ok, note}", _answer_hint(items))
        reader.check(ChecklistError)
    ids = [i.id for i in items]
    for key in root.value:
        if key not in ids:
            close = difflib.get_close_matches(key, ids, n=1, cutoff=0.6)
            reader.error(root.keys[key], key, f"'{key}' is not an item of the checklist",
                         f"did you mean '{close[0]}'?" if close else "items: " + ", ".join(ids))
    clean: dict[str, dict] = {}
    for item in items:
        answer = root.value.get(item.id)
        if answer is None or answer.null:
            reader.error(answer or root, item.id, f"'{item.id}' ({item.title}) is not answered",
                         f"add '{item.id}: {{ok: true, note: ...}}' once you have checked it")
            continue
        if answer.kind != "map":
            reader.error(answer, item.id, f"'{item.id}' ({item.title}) is answered with {_shown(answer)}, not with ok",
                         f"write {item.id}: {{ok: true, note: ...}}")
            continue
        values = reader.mapping(answer, item.id, ANSWER)
        if INVALID in values.values():
            continue
        if values["ok"] is not True:
            reader.error(answer.value["ok"], f"{item.id}.ok", f"'{item.id}' ({item.title}) is not confirmed",
                         "fix the lesson first; an approval confirms every item")
            continue
        clean[item.id] = {"ok": True, "note": values["note"]}
    reader.check(ChecklistError)
    return clean
