"""Round-trip edits of lesson.yaml: change the values a form changed, keep everything else.

ruamel.yaml's round-trip mode keeps comments, key order, quoting and flow style; we touch only
the nodes whose value differs, and put a new value in the same quoting style as the old one, so
a teacher who edits in the studio and then by hand finds the file as they left it.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import ScalarString

_BLOCK_ITEM = re.compile(r"^(?P<parent> *)[^\s#-][^#]*:\s*(?:#.*)?\n(?:\s*(?:#.*)?\n)*(?P<item> *)- ", re.M)


def _yaml(text: str) -> YAML:
    """A round-trip YAML whose sequence indentation follows the file's own (``- `` under the key,
    or indented beneath it), so unchanged lines keep their columns."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the teacher wrote on one line
    offset = 2
    match = _BLOCK_ITEM.search(text)
    if match:
        offset = max(0, len(match.group("item")) - len(match.group("parent")))
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml


def load(text: str) -> tuple[YAML, Any]:
    """The YAML object (with the file's indentation) and the round-trip document."""
    yaml = _yaml(text)
    return yaml, yaml.load(text)


def dump(yaml: YAML, document: Any) -> str:
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


# the order lesson.yaml's fields are documented in: a new key goes after its nearest predecessor
ORDER = (
    "title",
    "language",
    "authors",
    "rubric",
    "tags",
    "licence",
    "objectives",
    "audience",
    "formats",
    "max_duration",
    "script",
    "narration",
    "voice",
    "theme",
    "school",
    "version",
    "captions",
    "sequence",
)


def put(mapping: CommentedMap, key: str, value: Any) -> None:
    """Set ``mapping[key]``; a key not there yet is inserted where the documented order puts it."""
    if key in mapping or key not in ORDER:
        mapping[key] = value
        return
    keys = list(mapping.keys())
    before = [k for k in ORDER[: ORDER.index(key)] if k in mapping]
    position = keys.index(before[-1]) + 1 if before else 0
    mapping.insert(position, key, value)


def styled(value: Any, old: Any) -> Any:
    """``value`` in the quoting style of ``old`` (a quoted string stays quoted)."""
    if isinstance(old, ScalarString) and isinstance(value, str):
        return type(old)(value)
    return value


def as_text(value: Any) -> str:
    """A scalar read for the form; a list or mapping where text belongs reads as empty."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def set_scalar(mapping: CommentedMap, key: str, value: str, optional: bool = True) -> None:
    """Set ``mapping[key]`` when it differs; an empty optional value removes the key."""
    old = mapping.get(key)
    if not value and optional:
        if key in mapping:
            del mapping[key]
        return
    if key in mapping and as_text(old) == value:
        return
    put(mapping, key, styled(value, old) if key in mapping else value)


def set_list(mapping: CommentedMap, key: str, values: list[str], flow: bool = False) -> None:
    """Make ``mapping[key]`` the list ``values`` item by item, so comments on unchanged items stay."""
    seq = mapping.get(key)
    if not isinstance(seq, CommentedSeq):
        if not values:
            mapping.pop(key, None)
            return
        seq = CommentedSeq(values)
        if flow:
            seq.fa.set_flow_style()
        put(mapping, key, seq)
        return
    for index, value in enumerate(values):
        if index < len(seq):
            if as_text(seq[index]) != value:
                seq[index] = styled(value, seq[index])
        else:
            seq.append(styled(value, seq[0]) if len(seq) else value)
    while len(seq) > len(values):
        del seq[len(seq) - 1]


def set_authors(document: CommentedMap, authors: list[dict]) -> None:
    """Authors as ``- name: ...`` mappings (school and email optional), edited in place."""
    seq = document.get("authors")
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq()
        put(document, "authors", seq)
    for index, author in enumerate(authors):
        name, school, email = (str(author.get(k) or "").strip() for k in ("name", "school", "email"))
        if index < len(seq) and isinstance(seq[index], CommentedMap):
            item = seq[index]
            set_scalar(item, "name", name, optional=False)
            set_scalar(item, "school", school)
            set_scalar(item, "email", email)
            continue
        if index < len(seq) and not school and not email:
            if as_text(seq[index]) != name:
                seq[index] = styled(name, seq[index])  # a plain '- Name' stays plain
            continue
        item = CommentedMap([("name", name)] + [(k, v) for k, v in (("school", school), ("email", email)) if v])
        if index < len(seq):
            seq[index] = item
        else:
            seq.append(item)
    while len(seq) > len(authors):
        del seq[len(seq) - 1]


def reorder(seq: CommentedSeq, items: list[tuple[Any, int | None]]) -> None:
    """Replace the items of ``seq`` by ``items`` = [(item, its old index or None)], carrying each
    old item's own comments (``ca.items``) along with it."""
    comments = dict(seq.ca.items)
    seq.ca.items.clear()
    del seq[:]
    for position, (item, origin) in enumerate(items):
        seq.append(item)
        if origin is not None and origin in comments:
            seq.ca.items[position] = comments[origin]
