"""The manual checklist a reviewer answers before signing off (templates/review/checklist.yaml).

A school replaces the questions by editing that file, or by pointing MICROLEARN_TEMPLATES at its
own templates folder. An item may word itself per language (``ru: {title, question}``) for
reviewers and reports in that language. The answers are signed into the approval (approval.py), by
item id. Both files are read
with the located Reader (``pipeline/lesson/fields.py``), so every problem is reported at once with
its line and column.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError, Diagnostic
from pipeline.i18n import LANGUAGES, N_, _, current_language
from pipeline.lesson.fields import INVALID, Field, Reader, describe, read_yaml, text
from pipeline.lesson.yamlnodes import Y, from_value

CHECKLIST = "review/checklist.yaml"


class ChecklistError(ConfigError):
    """The checklist template or a reviewer's answers to it are wrong; carries every located problem."""


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    question: str


WORDING = {"title": Field(text(one_line=False)), "question": Field(text(one_line=False))}
ITEM = {
    "id": Field(text(), required=True, hint=N_("add 'id: ...', a short stable name used in approvals")),
    "title": Field(text(one_line=False), required=True, hint=N_("add 'title: ...', what the item is about")),
    "question": Field(text(one_line=False), required=True, hint=N_("add 'question: ...', what the reviewer confirms")),
    **{language: Field(lambda r, n, p: n) for language in LANGUAGES},  # the item worded in that language
}
TOP = {"items": Field(lambda r, n, p: n, required=True,
                      hint=N_("add 'items:' with one '- id: ...' / '  title: ...' / '  question: ...' per item"))}


def checklist_path(templates: Path) -> Path:
    return templates / CHECKLIST


def load_checklist(path: Path | None = None, language: str | None = None) -> list[Item]:
    """The checklist items, in order, worded in ``language`` (default: the current one) when the
    item has a block for it (``ru: {title, question}``), else as written. Raises ChecklistError
    listing every problem of the file."""
    from pipeline.lesson.model import lesson_label
    from pipeline.templates import default_templates

    path = path or checklist_path(default_templates())
    label = lesson_label(path)
    try:
        root, reader = read_yaml(path, label, ChecklistError, _("restore templates/{file}", file=CHECKLIST))
    except FileNotFoundError:
        raise ChecklistError([Diagnostic(label, 0, 0, "", _("the review checklist is missing"),
                                         _("restore templates/{file}", file=CHECKLIST))]) from None
    node = reader.mapping(root, "", TOP)["items"]
    found: list[Item] = []
    first: dict[str, int] = {}
    language = language or current_language()
    entries = reader.items(node, "items", ITEM, _("write one '- id: ...' / '  title: ...' / '  question: ...' per "
                                                  "item"), min_items=1) if node is not INVALID else []
    for index, (entry, values) in enumerate(entries):
        wordings = {code: reader.mapping(values[code], f"items[{index}].{code}", WORDING)
                    for code in LANGUAGES if isinstance(values[code], Y)}
        if INVALID in values.values() or any(INVALID in w.values() for w in wordings.values()):
            continue
        if values["id"] in first:
            reader.error(entry.value["id"], f"items[{index}].id",
                         _("'{id}' is used twice (first on line {line})", id=values["id"], line=first[values["id"]]),
                         _("give each item its own id"))
            continue
        first[values["id"]] = entry.value["id"].line
        words = wordings.get(language, {})
        found.append(Item(values["id"], words.get("title") or values["title"],
                          words.get("question") or values["question"]))
    reader.check(ChecklistError)
    return found


def _ok(reader: Reader, node: Y, path: str):
    if node.kind == "scalar" and not node.quoted and str(node.value).strip().casefold() in ("true", "yes", "on"):
        return True
    if node.kind == "scalar" and not node.quoted and str(node.value).strip().casefold() in ("false", "no", "off"):
        return False
    return reader.error(node, path, _("expected true or false, found '{value}'", value=node.value)
                        if node.kind == "scalar" else _("expected true or false"),
                        _("write ok: true (without quotes) when the item holds"))


def _note(reader: Reader, node: Y, path: str):
    if node.kind != "scalar":
        return reader.error(node, path, _("must be text"), _("write the note on one line after 'note:', or remove it"))
    return str(node.value).strip()


ANSWER = {"ok": Field(_ok, required=True, hint=N_("add 'ok: true' when the item holds")),
          "note": Field(_note, default="")}


def load_answers(path: Path, items: list[Item]) -> dict[str, dict]:
    """A reviewer's answers file (``--answers``), checked like validate_answers with every problem
    located. Raises ChecklistError."""
    from pipeline.lesson.model import lesson_label

    label = lesson_label(path)
    try:
        root, reader = read_yaml(path, label, ChecklistError, _answer_hint(items))
    except FileNotFoundError:
        raise ChecklistError([Diagnostic(label, 0, 0, "", _("the answers file is missing"),
                                         _("give the path of your answers, or leave out --answers to be "
                                           "asked"))]) from None
    return _answers(reader, root, items)


def validate_answers(items: list[Item], answers: dict) -> dict[str, dict]:
    """Answers normalised to ``{id: {"ok": True, "note": str}}`` in checklist order.

    Every item must be answered and confirmed (``ok: true``): an approval is a statement that all
    of them hold. ``answers`` is a mapping made in code (typed at the prompt); a file is read by
    load_answers. Raises ChecklistError listing every problem at once.
    """
    return _answers(Reader(_("checklist answers")), from_value(answers), items)


def _answer_hint(items: list[Item]) -> str:
    return _("write one line per item, e.g. {example}", example=", ".join(f"{i.id}: {{ok: true}}" for i in items[:2]))


def _answers(reader: Reader, root: Y, items: list[Item]) -> dict[str, dict]:
    if root.kind != "map":
        reader.error(root, "", _("expected a mapping of item id to {{ok, note}}"), _answer_hint(items))
        reader.check(ChecklistError)
    ids = [i.id for i in items]
    for key in root.value:
        if key not in ids:
            close = difflib.get_close_matches(key, ids, n=1, cutoff=0.6)
            reader.error(root.keys[key], key, _("'{key}' is not an item of the checklist", key=key),
                         _("did you mean '{suggestion}'?", suggestion=close[0]) if close
                         else _("items: {ids}", ids=", ".join(ids)))
    clean: dict[str, dict] = {}
    for item in items:
        answer = root.value.get(item.id)
        if answer is None or answer.null:
            reader.error(answer or root, item.id, _("'{id}' ({title}) is not answered", id=item.id, title=item.title),
                         _("add '{id}: {{ok: true, note: ...}}' once you have checked it", id=item.id))
            continue
        if answer.kind != "map":
            reader.error(answer, item.id, _("'{id}' ({title}) is answered with {value}, not with ok", id=item.id,
                                            title=item.title, value=describe(answer)),
                         _("write {id}: {{ok: true, note: ...}}", id=item.id))
            continue
        values = reader.mapping(answer, item.id, ANSWER)
        if INVALID in values.values():
            continue
        if values["ok"] is not True:
            reader.error(answer.value["ok"], f"{item.id}.ok", _("'{id}' ({title}) is not confirmed", id=item.id,
                                                                 title=item.title),
                         _("fix the lesson first; an approval confirms every item"))
            continue
        clean[item.id] = {"ok": True, "note": values["note"]}
    reader.check(ChecklistError)
    return clean
