"""Imports point down: errors <- protocol <- transport <- service, the simulator at the top.

Every module of pyworker is parsed (ast), every import of ours in it counted wherever it stands
(module level, inside a function, under TYPE_CHECKING): a lazy import is a dependency too, and
so is a module (not a package: logger names are packages) named in a string, as the CLI's
sub-commands are for ``importlib.import_module``.

- ``pyworker.errors`` imports nothing of ours: it is the error taxonomy (classes with a code,
  turned into data) that every layer raises and reports, so it sits below the protocol.
- ``protocol`` imports nothing of ours but ``errors`` (sans-IO: no transport, no service).
- ``transport`` imports only ``protocol`` and ``errors``; its command-line module
  (``transport/cli.py``) also the two command-line leaves, ``output`` and ``cli_args``.
- ``output`` and ``cli_args`` (what every sub-command shares) import only ``protocol`` and
  ``errors``; no module imports the root ``pyworker.cli`` (it imports the sub-commands).
- ``service`` never imports ``sim``.
- No cycle between modules, none between packages.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pyworker"
LEAVES = ("pyworker.output", "pyworker.cli_args")


@dataclass(frozen=True)
class Edge:
    source: str  # importing module
    target: str  # imported module (or package)
    where: str  # path:line of the import

    def __str__(self) -> str:
        return f"{self.where}: {self.source} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(source: str, node: ast.ImportFrom) -> str:
    """The absolute name ``from ... import`` refers to (before its names)."""
    if node.level == 0:
        return node.module or ""
    is_package = MODULES[source].name == "__init__.py"
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(source: str) -> Iterator[Edge]:
    path = MODULES[source]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(ROOT)
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(source, node)
            # `from . import energy` names a module; `from .x import Y` names module x
            subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES]
            targets = subs or [module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            named = MODULES.get(node.value)
            targets = [node.value] if named and named.name != "__init__.py" else []
        for target in targets:
            if target == "pyworker" or target.startswith("pyworker."):
                # `import pyworker.sim.x` of a name that is not a module: its package
                while target not in MODULES and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target != source:
                    yield Edge(source, target, f"{rel}:{node.lineno}")


EDGES: list[Edge] = [edge for source in MODULES for edge in imports_of(source)]


def unit(module: str) -> str:
    """The package a module belongs to (pyworker.protocol.codec -> pyworker.protocol); a
    top-level module is its own unit (pyworker.cli, pyworker.errors)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def in_unit(module: str, name: str) -> bool:
    return unit(module) == f"pyworker.{name}"


def report(title: str, edges: Iterable[Edge]) -> str:
    lines = [str(edge) for edge in edges]
    return f"{title}:\n  " + "\n  ".join(lines) if lines else ""


def _layer_violations(name: str, allowed: set[str], *, cli_may_use_leaves: bool) -> list[Edge]:
    bad = []
    for edge in EDGES:
        if not in_unit(edge.source, name) or in_unit(edge.target, name):
            continue
        ok = set(allowed)
        if cli_may_use_leaves and edge.source == f"pyworker.{name}.cli":
            ok |= set(LEAVES)
        if unit(edge.target) not in ok:
            bad.append(edge)
    return bad


def test_every_module_is_read() -> None:
    assert "pyworker.protocol.crc" in MODULES and "pyworker.sim.simulator" in MODULES
    assert any(e.source == "pyworker.sim.protocol_sim" for e in EDGES), "no import was read"


def test_errors_imports_nothing_of_ours() -> None:
    bad = [edge for edge in EDGES if edge.source == "pyworker.errors"]
    assert not bad, report("pyworker.errors must stay a leaf", bad)


def test_protocol_imports_only_errors() -> None:
    bad = _layer_violations("protocol", {"pyworker.errors"}, cli_may_use_leaves=False)
    assert not bad, report("protocol imports nothing of ours but pyworker.errors", bad)


def test_transport_imports_only_protocol_and_errors() -> None:
    allowed = {"pyworker.protocol", "pyworker.errors"}
    bad = _layer_violations("transport", allowed, cli_may_use_leaves=True)
    assert not bad, report("transport imports only protocol and errors", bad)


def test_command_line_leaves_import_only_protocol_and_errors() -> None:
    allowed = {"pyworker.protocol", "pyworker.errors", *LEAVES}
    bad = [e for e in EDGES if e.source in LEAVES and unit(e.target) not in allowed]
    assert not bad, report("output and cli_args are leaves over protocol and errors", bad)


def test_nothing_imports_the_root_cli() -> None:
    bad = [edge for edge in EDGES if edge.target == "pyworker.cli"]
    assert not bad, report("the root CLI imports the sub-commands, never the reverse", bad)


def test_service_never_imports_sim() -> None:
    bad = [e for e in EDGES if in_unit(e.source, "service") and in_unit(e.target, "sim")]
    assert not bad, report("the service does not know the simulator", bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    for edge in EDGES:
        graph.setdefault(edge.source, set()).add(edge.target)
    problems = []
    for component in _cycles(graph):
        inside = [e for e in EDGES if e.source in component and e.target in component]
        problems.append(report(f"cycle between {', '.join(component)}", inside))
    assert not problems, "\n".join(problems)


def test_no_import_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for edge in EDGES:
        if unit(edge.source) != unit(edge.target):
            graph.setdefault(unit(edge.source), set()).add(unit(edge.target))
    problems = []
    for component in _cycles(graph):
        inside = [
            e
            for e in EDGES
            if unit(e.source) in component
            and unit(e.target) in component
            and unit(e.source) != unit(e.target)
        ]
        problems.append(report(f"cycle between {', '.join(component)}", inside))
    assert not problems, "\n".join(problems)
