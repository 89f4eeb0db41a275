"""Who may approve: ``reviewers.yaml`` at the project root, each reviewer's name and Ed25519 public key."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.i18n import _
from pipeline.signoff.keys import ApprovalError, fingerprint, parse_public_key

REVIEWERS = "reviewers.yaml"


@dataclass(frozen=True)
class Reviewer:
    name: str
    key: object  # Ed25519PublicKey
    fingerprint: str


# --- reviewers.yaml ---------------------------------------------------------------------------

def load_reviewers(path: Path) -> dict[str, Reviewer]:
    """Reviewers by name from ``path`` (a project's reviewers.yaml); raises ApprovalError naming the entry."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ApprovalError(_("{path}: not found — list who may approve (see docs/review.md)", path=path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ApprovalError(_pasted_hint(path, place) or _("{place}: not valid YAML ({problem}) — fix the file", place=place,
                                                            problem=getattr(exc, "problem", None) or exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ApprovalError(_("{path}: cannot be read ({reason}) — fix the file", path=path, reason=exc)) from None
    entries = raw.get("reviewers") if isinstance(raw, dict) else None
    if entries is None and isinstance(raw, dict) and "reviewers" in raw:
        entries = []
    if not isinstance(entries, list):
        raise ApprovalError(_("{path}: reviewers: expected a list of {{name, public_key}} — paste the lines 'make keygen' "
                              "printed under 'reviewers:'", path=path))
    found: dict[str, Reviewer] = {}
    for index, entry in enumerate(entries):
        where = f"{path}: reviewers[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ApprovalError(_("{where}.name: a reviewer needs a name", where=where))
        name = " ".join(entry["name"].split())
        if name.startswith("<") and name.endswith(">"):
            raise ApprovalError(_("{where}.name: '{name}' is the example's placeholder — write the reviewer's own name there",
                                  where=where, name=name))
        if not isinstance(entry.get("public_key"), str):
            raise ApprovalError(_("{where}.public_key: missing — paste the line 'make keygen' printed", where=where))
        try:
            key = parse_public_key(entry["public_key"])
        except ValueError as exc:
            raise ApprovalError(f"{where}.public_key: {exc}") from None
        if _norm(name) in {_norm(n) for n in found}:
            raise ApprovalError(_("{where}.name: '{name}' is listed twice — keep one entry per reviewer", where=where, name=name))
        found[name] = Reviewer(name, key, fingerprint(key))
    return found


def _pasted_hint(path: Path, place: str) -> str:
    """The common mistake behind a YAML error here: keygen's lines pasted below 'reviewers: []'."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    if (any(line.split("#", 1)[0].strip() == "reviewers: []" for line in lines)
            and any(line.strip().startswith("- name:") for line in lines)):
        return _("{place}: the reviewers' lines are pasted below 'reviewers: []' — replace that line with 'reviewers:' so "
                 "that the lines below it form the list", place=place)
    return ""


def same_name(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def find(reviewers: dict[str, Reviewer], name: str) -> Reviewer | None:
    return next((r for n, r in reviewers.items() if _norm(n) == _norm(name)), None)
