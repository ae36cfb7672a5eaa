"""The engine's boundaries: it imports no protocol content, and its modules import no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "vaultproof"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, top_level_only: bool, modules: frozenset[str] = frozenset()) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            # `from vaultproof.report import view` imports the module vaultproof.report.view
            submodules = {f"{node.module}.{alias.name}" for alias in node.names}
            found |= submodules if submodules <= modules else {node.module}
    return found


def test_engine_imports_no_protocol_content() -> None:
    offenders = {
        _module_name(p): sorted(i for i in _imports(p, False) if i.split(".")[0] in ("models", "properties"))
        for p in sorted(ENGINE.rglob("*.py"))
    }
    assert {m: i for m, i in offenders.items() if i} == {}


def test_no_import_cycle_between_engine_modules() -> None:
    modules = {_module_name(p): p for p in ENGINE.rglob("*.py")}
    names = frozenset(modules)
    graph = {m: {i for i in _imports(p, True, names) if i in modules and i != m} for m, p in modules.items()}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in stack:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in done:
                visit(nxt, [*stack, nxt], done)
        done.add(node)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module], done)
    assert cycles == []
