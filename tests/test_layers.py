"""The imports run one way: from the command line down to the shared modules, never back up.

Layers, lowest first; a module may import from lower layers and, in the shared layers, from its
own. The stages never import each other (they meet only through pipeline.contracts), and no two
modules import each other in a cycle, counting imports made inside functions (a package's
__init__ that imports a submodule which imports the package back is a cycle too).
"""
from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"

LAYERS = [
    ("shared", {"pipeline", "pipeline.errors", "pipeline.house", "pipeline.records", "pipeline.contracts",
                "pipeline.digests", "pipeline.fsutil", "pipeline.timefmt", "pipeline.templates", "pipeline.settings",
                "pipeline.toolversions", "pipeline.ffmpeg", "pipeline.probe", "pipeline.espeak", "pipeline.audio",
                "pipeline.lock", "pipeline.limits", "pipeline.markdown", "pipeline.reveal", "pipeline.i18n",
                "pipeline.changes", "pipeline.sharedstore", "pipeline.executors", "pipeline.platforms"}),
    ("lesson", {"pipeline.lesson"}),
    ("core", {"pipeline.stage", "pipeline.cache", "pipeline.sharedstages", "pipeline.signoff"}),
    ("stages", {"pipeline.cards", "pipeline.transcode", "pipeline.caption", "pipeline.review", "pipeline.package"}),
    ("runner", {"pipeline.stages", "pipeline.build", "pipeline.progress", "pipeline.scaffold"}),
    ("publish", {"pipeline.publish"}),
    ("studio", {"pipeline.studio"}),
    ("command", {"pipeline.cli", "pipeline.__main__"}),
]
SHARED_LAYERS = {"shared", "lesson", "core", "runner", "command"}  # units of one of these layers may use each other


def modules() -> dict[str, Path]:
    found = {}
    for path in PIPELINE.rglob("*.py"):
        parts = path.relative_to(PIPELINE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(known: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the pipeline modules it imports anywhere in its body."""
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    head = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(head + ([base] if base else []))
                # `from package import submodule` imports the submodule; any other name comes from the package
                targets.update(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names)
        graph[name] = {_owner(t, known) for t in targets if t.startswith("pipeline")} - {name}
    return graph


def _owner(target: str, known: dict[str, Path]) -> str:
    while target not in known:
        target = target.rpartition(".")[0]
    return target


def unit(name: str) -> tuple[int, str, str]:
    """(layer index, layer name, the unit: the entry of the layer the module belongs to)."""
    for index, (layer, units) in enumerate(LAYERS):
        for entry in sorted(units, key=len, reverse=True):
            if name == entry or name.startswith(entry + ".") and entry != "pipeline":
                return index, layer, entry
    raise AssertionError(f"{name} is in no layer: add it to LAYERS in tests/test_layers.py")


def test_every_import_runs_down_the_layers():
    graph = imports(modules())
    wrong = []
    for name, targets in sorted(graph.items()):
        level, layer, home = unit(name)
        for target in sorted(targets):
            t_level, _, t_home = unit(target)
            if t_level > level or (t_level == level and t_home != home and layer not in SHARED_LAYERS):
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_there_are_no_import_cycles():
    graph = imports(modules())
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [node, target]) if target in path else f"{node} -> {target}")
            elif target not in state:
                visit(target, path + [node])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == []
