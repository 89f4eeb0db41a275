"""Who may approve: ``reviewers.yaml`` at the project root, each reviewer's name and Ed25519 public key."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError, Diagnostic
from pipeline.i18n import N_, _
from pipeline.lesson.fields import INVALID, Field, Reader, read_yaml, text
from pipeline.lesson.yamlnodes import Y, YamlSyntaxError
from pipeline.signoff.keys import fingerprint, parse_public_key

REVIEWERS = "reviewers.yaml"


@dataclass(frozen=True)
class Reviewer:
    name: str
    key: object  # Ed25519PublicKey
    fingerprint: str


# --- reviewers.yaml ---------------------------------------------------------------------------

class ReviewersError(ConfigError):
    """reviewers.yaml is missing or invalid; carries every located problem of the file."""


KEYGEN_HINT = N_("paste the line 'make keygen' printed (or your ~/.ssh/id_ed25519.pub)")


def _public_key(reader: Reader, node: Y, path: str):
    value = text()(reader, node, path)
    if value is INVALID:
        return value
    try:
        return parse_public_key(value)
    except ValueError as exc:
        message, _dash, hint = str(exc).partition(" — ")
        return reader.error(node, path, message, hint or _(KEYGEN_HINT))


ENTRY = {
    "name": Field(text(), required=True, hint=N_("add 'name: ...', the reviewer's name as they sign")),
    "public_key": Field(_public_key, required=True, hint=KEYGEN_HINT),
}
TOP = {"reviewers": Field(lambda r, n, p: n, default=None)}
ADD_REVIEWERS = N_("list who may approve: 'reviewers:' with a '- name: ...' and its 'public_key: ...' per reviewer")


def load_reviewers(path: Path) -> dict[str, Reviewer]:
    """Reviewers by name from ``path`` (a project's reviewers.yaml). Raises ReviewersError (a
    ConfigError) listing every problem of the file, each with its line and column."""
    from pipeline.lesson.model import lesson_label

    label = lesson_label(path)
    try:
        root, reader = read_yaml(path, label, ReviewersError, _(ADD_REVIEWERS))
    except ReviewersError as exc:
        raise _pasted(path, exc) from None
    except FileNotFoundError:
        raise ReviewersError([Diagnostic(label, 0, 0, "", _("not found"),
                                         _("list who may approve, with their public keys (see docs/review.md)"))]) from None
    node = reader.mapping(root, "", TOP)["reviewers"]
    if node is None and root.kind == "map" and "reviewers" not in root.value:
        reader.error(root, "reviewers", _("is required"), _(ADD_REVIEWERS))
    found: dict[str, Reviewer] = {}
    first: dict[str, int] = {}
    entries = reader.items(node, "reviewers", ENTRY, _(ADD_REVIEWERS)) if isinstance(node, Y) else []
    for index, (item, values) in enumerate(entries):
        if values["name"] is INVALID:
            continue
        name = values["name"]
        if name.startswith("<") and name.endswith(">"):
            reader.error(item.value["name"], f"reviewers[{index}].name",
                         _("'{name}' is the example's placeholder", name=name),
                         _("write the reviewer's own name there"))
            continue
        if _norm(name) in first:
            reader.error(item.value["name"], f"reviewers[{index}].name",
                         _("'{name}' is listed twice (first on line {line})", name=name, line=first[_norm(name)]),
                         _("keep one entry per reviewer"))
            continue
        first[_norm(name)] = item.value["name"].line
        if values["public_key"] is not INVALID:
            found[name] = Reviewer(name, values["public_key"], fingerprint(values["public_key"]))
    reader.check(ReviewersError)
    return found


def _pasted(path: Path, error: ReviewersError) -> ReviewersError:
    """The common mistake behind a YAML syntax error here, said instead of the parser's words:
    keygen's lines pasted below 'reviewers: []'."""
    syntax = error.__context__  # read_yaml raises from the parser's YamlSyntaxError
    if not isinstance(syntax, YamlSyntaxError):
        return error
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not (any(line.split("#", 1)[0].strip() == "reviewers: []" for line in lines)
            and any(line.strip().startswith("- name:") for line in lines)):
        return error
    return ReviewersError([Diagnostic(d.file, d.line, d.col, d.field,
                                      _("the reviewers' lines are pasted below 'reviewers: []'"),
                                      _("replace that line with 'reviewers:' so that the lines below it form the list"))
                           if d == syntax.diagnostic else d for d in error.diagnostics])


def same_name(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def find(reviewers: dict[str, Reviewer], name: str) -> Reviewer | None:
    return next((r for n, r in reviewers.items() if _norm(n) == _norm(name)), None)
