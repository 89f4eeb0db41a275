"""YAML read as a tree of located nodes, so every value knows its line and column.

PyYAML's composer keeps marks on every node; we turn that tree into ``Y`` values ourselves instead
of letting the resolver guess types. That matters for teachers: YAML 1.1 reads ``16:9`` and
``01:30`` as base-60 integers and ``no`` as false, and we want the text exactly as written.

The YAML is untrusted, so parsing is bounded: nesting deeper than ``MAX_DEPTH`` is refused while
composing (PyYAML's composer recurses, and deep enough nesting would crash the run), and before the
tree is converted its size *as expanded* is computed once per distinct node, so an alias bomb
("billion laughs": anchors that repeat anchors) is refused in milliseconds instead of being
expanded into gigabytes. The file's size is bounded by its reader (``textfile.py``).
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


MAX_DEPTH = 32  # a lesson nests about 5 levels (sequence > part > field > list > item)
MAX_VALUES = 20_000  # keys and values after expanding aliases; a long lesson has about 1,000


class _Bounded(yaml.SafeLoader):
    """SafeLoader whose composer refuses deep nesting and remembers where aliases are used."""

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0
        self.alias_marks: list = []

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.alias_marks.append(event.start_mark)
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            raise _LimitError(event.start_mark, f"nesting is deeper than {MAX_DEPTH} levels",
                              "a lesson needs only a few levels: check the indentation, or remove the extra brackets")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _LimitError(Exception):
    def __init__(self, mark, message: str, hint: str):
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


class YamlSyntaxError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))


def parse(text: str, file: str) -> tuple[Y | None, list[Diagnostic]]:
    """Parse one YAML document into located nodes.

    Returns the root (None for an empty document) and diagnostics for duplicate keys. A syntax
    error raises ``YamlSyntaxError`` carrying a located diagnostic.
    """
    loader = _Bounded(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_expansion(root, loader.alias_marks)
    except _LimitError as exc:
        line, col = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark else (0, 0)
        raise YamlSyntaxError(Diagnostic(file, line, col, "", exc.message, exc.hint)) from None
    except RecursionError:  # not reachable within MAX_DEPTH; kept so that no YAML can crash the run
        raise YamlSyntaxError(Diagnostic(file, 0, 0, "",
                                         f"nesting is deeper than {MAX_DEPTH} levels", "check the indentation")) from None
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
    finally:
        loader.dispose()
    problems: list[Diagnostic] = []
    if root is None:
        return None, problems
    return _convert(root, file, problems), problems


def from_value(value: object) -> Y:
    """Located nodes for a value made in code (answers typed at a prompt, a test's dict), so that
    one Reader checks it as it checks a file; its nodes have no place (line 0)."""
    if isinstance(value, dict):
        keys = {str(k): Y("scalar", str(k), 0, 0, quoted=True) for k in value}
        return Y("map", {str(k): from_value(v) for k, v in value.items()}, 0, 0, keys=keys)
    if isinstance(value, (list, tuple)):
        return Y("seq", [from_value(v) for v in value], 0, 0)
    if value is None:
        return Y("scalar", "", 0, 0, null=True)
    if isinstance(value, bool):
        return Y("scalar", "true" if value else "false", 0, 0)
    return Y("scalar", str(value), 0, 0, quoted=isinstance(value, str))


def _check_expansion(root: yaml.Node, alias_marks: list) -> None:
    """Refuse a tree whose expanded size or depth is over the limits, or which contains itself.

    Sizes are memoised per node, so the walk costs one visit per distinct node however many
    times aliases repeat it.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) when expanded
    open_nodes: set[int] = set()
    first_alias = alias_marks[0] if alias_marks else None

    def walk(node: yaml.Node) -> tuple[int, int]:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _LimitError(first_alias, "an alias refers to the value it is part of",
                              "write the values out instead of using anchors (&) and aliases (*)")
        open_nodes.add(key)
        count, depth = 1, 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        for child in children:
            child_count, child_depth = walk(child)
            count, depth = count + child_count, max(depth, child_depth + 1)
            if count > MAX_VALUES or depth > MAX_DEPTH:
                break
        open_nodes.discard(key)
        sizes[key] = (count, depth)
        return count, depth

    count, depth = walk(root)
    where = first_alias or root.start_mark
    if count > MAX_VALUES:
        if alias_marks:
            raise _LimitError(where, f"aliases expand the document to more than {MAX_VALUES} values",
                              "write the values out instead of repeating anchors (&) with aliases (*)")
        raise _LimitError(where, f"the document has more than {MAX_VALUES} values",
                          "a lesson needs far fewer: remove pasted data")
    if depth > MAX_DEPTH:
        raise _LimitError(where, f"aliases nest the document deeper than {MAX_DEPTH} levels",
                          "write the values out instead of using anchors (&) and aliases (*)")


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
