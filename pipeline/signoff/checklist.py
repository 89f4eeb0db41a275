"""The manual checklist a reviewer answers before signing off (templates/review/checklist.yaml).

A school replaces the questions by editing that file, or by pointing MICROLEARN_TEMPLATES at its
own templates folder. The answers are signed into the approval (approval.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.i18n import _, current_language

CHECKLIST = "review/checklist.yaml"


class ChecklistError(PipelineError):
    """The checklist template or a reviewer's answers to it are wrong."""


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    question: str


def checklist_path(templates: Path) -> Path:
    return templates / CHECKLIST


def load_checklist(path: Path | None = None, language: str | None = None) -> list[Item]:
    """The checklist items, in order, worded in ``language`` (default: the current one) when the
    item has a block for it (``ru: {title, question}``), else as written. Raises ChecklistError
    naming the file and the bad entry."""
    import yaml

    from pipeline.templates import default_templates

    path = path or checklist_path(default_templates())

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ChecklistError(_("{path}: cannot read the review checklist ({reason}) — restore templates/{file}",
                               path=path, reason=exc.strerror, file=CHECKLIST)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ChecklistError(_("{place}: not valid YAML ({problem}) — fix the file", place=place, problem=getattr(exc, "problem", None) or exc)) from None
    items = raw.get("items") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise ChecklistError(_("{path}: items: a non-empty list of {{id, title, question}} is required", path=path))
    found: list[Item] = []
    for index, entry in enumerate(items):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k).strip() for k in ("id", "title", "question")):
            raise ChecklistError(_("{path}: items[{index}]: needs text fields id, title and question", path=path, index=index))
        if entry["id"] in {i.id for i in found}:
            raise ChecklistError(_("{path}: items[{index}].id: '{id}' is used twice — give each item its own id", path=path, index=index, id=entry["id"]))
        words = entry.get(language or current_language())
        words = words if isinstance(words, dict) else {}
        title, question = (words.get(k) if isinstance(words.get(k), str) and words.get(k).strip() else entry[k] for k in ("title", "question"))
        found.append(Item(entry["id"].strip(), title.strip(), question.strip()))
    return found


def validate_answers(items: list[Item], answers: dict) -> dict[str, dict]:
    """Answers normalised to ``{id: {"ok": True, "note": str}}`` in checklist order.

    Every item must be answered and confirmed (``ok: true``): an approval is a statement that all
    of them hold. Raises ChecklistError listing every problem at once.
    """
    problems = []
    if not isinstance(answers, dict):
        raise ChecklistError(_("checklist answers: expected a mapping of item id to {{ok, note}}"))
    known = {i.id for i in items}
    for key in sorted(set(answers) - known):
        problems.append(_("'{key}' is not an item of the checklist (items: {ids})", key=key, ids=", ".join(i.id for i in items)))
    clean: dict[str, dict] = {}
    for item in items:
        answer = answers.get(item.id)
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
            problems.append(_("'{id}' ({title}) is not answered — give ok: true and an optional note", id=item.id, title=item.title))
            continue
        note = answer.get("note", "")
        if not isinstance(note, str):
            problems.append(_("'{id}'.note must be text", id=item.id))
            continue
        if answer["ok"] is not True:
            problems.append(_("'{id}' ({title}) is not confirmed — fix the lesson first; an approval confirms every item", id=item.id, title=item.title))
            continue
        clean[item.id] = {"ok": True, "note": note.strip()}
    if problems:
        raise ChecklistError(_("checklist answers: {problems}", problems="; ".join(problems)))
    return clean
