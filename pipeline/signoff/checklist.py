"""The manual checklist a reviewer answers before signing off (templates/review/checklist.yaml).

A school replaces the questions by editing that file, or by pointing MICROLEARN_TEMPLATES at its
own templates folder. The answers are signed into the approval (approval.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError

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


def load_checklist(path: Path | None = None) -> list[Item]:
    """The checklist items, in order. Raises ChecklistError naming the file and the bad entry."""
    import yaml

    from pipeline.templates import default_templates

    path = path or checklist_path(default_templates())

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ChecklistError(f"{path}: cannot read the review checklist ({exc.strerror}) — restore templates/{CHECKLIST}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ChecklistError(f"{place}: not valid YAML ({getattr(exc, 'problem', None) or exc}) — fix the file") from None
    items = raw.get("items") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise ChecklistError(f"{path}: items: a non-empty list of {{id, title, question}} is required")
    found: list[Item] = []
    for index, entry in enumerate(items):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k).strip() for k in ("id", "title", "question")):
            raise ChecklistError(f"{path}: items[{index}]: needs text fields id, title and question")
        if entry["id"] in {i.id for i in found}:
            raise ChecklistError(f"{path}: items[{index}].id: '{entry['id']}' is used twice — give each item its own id")
        found.append(Item(entry["id"].strip(), entry["title"].strip(), entry["question"].strip()))
    return found


def validate_answers(items: list[Item], answers: dict) -> dict[str, dict]:
    """Answers normalised to ``{id: {"ok": True, "note": str}}`` in checklist order.

    Every item must be answered and confirmed (``ok: true``): an approval is a statement that all
    of them hold. Raises ChecklistError listing every problem at once.
    """
    problems = []
    if not isinstance(answers, dict):
        raise ChecklistError("checklist answers: expected a mapping of item id to {ok, note}")
    known = {i.id for i in items}
    for key in sorted(set(answers) - known):
        problems.append(f"'{key}' is not an item of the checklist (items: {', '.join(i.id for i in items)})")
    clean: dict[str, dict] = {}
    for item in items:
        answer = answers.get(item.id)
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
            problems.append(f"'{item.id}' ({item.title}) is not answered — give ok: true and an optional note")
            continue
        note = answer.get("note", "")
        if not isinstance(note, str):
            problems.append(f"'{item.id}'.note must be text")
            continue
        if answer["ok"] is not True:
            problems.append(f"'{item.id}' ({item.title}) is not confirmed — fix the lesson first; an approval confirms every item")
            continue
        clean[item.id] = {"ok": True, "note": note.strip()}
    if problems:
        raise ChecklistError("checklist answers: " + "; ".join(problems))
    return clean
