"""YAML read as a tree of located nodes, so every value knows its line and column.

PyYAML's composer keeps marks on every node; we turn that tree into ``Y`` values ourselves instead
of letting the resolver guess types. That matters for teachers: YAML 1.1 reads ``16:9`` and
``01:30`` as base-60 integers and ``no`` as false, and we want the text exactly as written.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from pipeline.i18n import _
from pipeline.errors import Diagnostic


@dataclass
class Y:
    """A located YAML value: ``kind`` is "scalar" (``value`` is the raw text), "seq" (a list of Y)
    or "map" (a dict from key text to Y, with ``keys`` holding each key's own node)."""

    kind: str
    value: object
    line: int
    col: int
    keys: dict[str, "Y"] = field(default_factory=dict)
    quoted: bool = False
    null: bool = False


class YamlSyntaxError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))


def parse(text: str, file: str) -> tuple[Y | None, list[Diagnostic]]:
    """Parse one YAML document into located nodes.

    Returns the root (None for an empty document) and diagnostics for duplicate keys. A syntax
    error raises ``YamlSyntaxError`` carrying a located diagnostic.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise YamlSyntaxError(
            Diagnostic(
                file,
                (mark.line + 1) if mark else 0,
                (mark.column + 1) if mark else 0,
                "",
                _("YAML syntax error: {problem}", problem=problem),
                _syntax_hint(problem),
            )
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Diagnostic(file, 0, 0, "", _("YAML syntax error: {problem}", problem=str(exc)), "")) from None
    problems: list[Diagnostic] = []
    if root is None:
        return None, problems
    return _convert(root, file, problems), problems


def _syntax_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return _("a value containing ': ' must be quoted, e.g. title: \"Part 1: Basics\"")
    if "found character '\\t'" in problem or "tab" in problem:
        return _("indent with spaces, not tabs")
    if "expected <block end>" in problem or "did not find expected" in problem:
        return _("check the indentation of this line against the lines above it")
    return _("check quotes, colons and indentation on this line")


def _convert(node: yaml.Node, file: str, problems: list[Diagnostic]) -> Y:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.ScalarNode):
        is_null = node.tag == "tag:yaml.org,2002:null" and not node.style
        return Y("scalar", node.value, line, col, quoted=bool(node.style), null=is_null)
    if isinstance(node, yaml.SequenceNode):
        return Y("seq", [_convert(item, file, problems) for item in node.value], line, col)
    mapping: dict[str, Y] = {}
    keys: dict[str, Y] = {}
    for key_node, value_node in node.value:
        key = _convert(key_node, file, problems)
        if key.kind != "scalar":
            problems.append(Diagnostic(file, key.line, key.col, "", _("a key must be plain text"), _("remove the brackets or braces around the key")))
            continue
        name = str(key.value)
        if name in mapping:
            first = keys[name]
            problems.append(
                Diagnostic(file, key.line, key.col, name, _("duplicate key (first given on line {line})", line=first.line), _("keep only one of them"))
            )
            continue
        keys[name] = key
        mapping[name] = _convert(value_node, file, problems)
    return Y("map", mapping, line, col, keys=keys)
