"""The layout shows the pipeline and keeps it one-way: no import cycle between modules or between the folders of
indexer/, the library never imports the CLI, UI, evaluation or benchmarks, and only app/ui/ imports Streamlit.

Imports are read from the source (also those inside functions, which run too; `if TYPE_CHECKING:` blocks do not).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("indexer", "app", "eval", "benchmarks")


def _modules() -> dict[str, Path]:
    out = {}
    for top in PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> list[str]:
    """Modules a file imports at run time: `from a import b` is a.b when that is a module (Python then also runs
    a/__init__, but a package importing its own modules is how packages work, not a cycle), else a."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                names.append(sub if sub in modules else node.module)
    return names


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in mods.items():
        graph[name] |= {i for i in _imports(path, mods) if i in mods and i != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    return out


def _package_edges(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Edges between the folders of indexer/ (a package's own __init__ importing its modules is not an edge)."""
    def folder(name: str) -> str | None:
        parts = name.split(".")
        return parts[1] if parts[0] == "indexer" and len(parts) > 2 else None

    edges: dict[str, set[str]] = defaultdict(set)
    for a, targets in graph.items():
        for b in targets:
            fa, fb = folder(a), folder(b)
            if fa and fb and fa != fb:
                edges[fa].add(fb)
    return edges


def test_no_import_cycle_between_modules():
    assert _cycles(_graph()) == []


def test_no_cycle_between_the_folders_of_indexer():
    edges = _package_edges(_graph())
    assert "corpus" in edges and "text" in edges["corpus"]  # the check sees real edges
    assert _cycles(edges) == [], {k: sorted(v) for k, v in edges.items()}


def test_the_library_imports_nothing_above_it():
    graph = _graph()
    bad = {a: sorted(b for b in bs if b.split(".")[0] in ("app", "eval", "benchmarks"))
           for a, bs in graph.items() if a.startswith("indexer")}
    assert not any(bad.values()), bad


def test_only_the_ui_imports_streamlit():
    mods = _modules()
    users = sorted(name for name, path in mods.items()
                   if any(i == "streamlit" or i.startswith("streamlit.") for i in _imports(path, mods)))
    assert users and all(u.startswith("app.ui") for u in users), users
