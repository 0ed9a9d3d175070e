"""Layout figures of src/xinyong for docs/architecture.md: largest modules, longest functions, cross-domain model
imports, package cycles (every import counts, including those inside functions).

Usage: python scripts/layout_metrics.py
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "xinyong"


def package_of(path: Path) -> str:
    rel = path.relative_to(ROOT).parts
    return rel[0].removesuffix(".py") if len(rel) > 1 else "(root)"


def imported_modules(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xinyong"):
            found.append(node.module)
            found.extend(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.startswith("xinyong"))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
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

    sys.setrecursionlimit(10_000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main() -> None:
    files = sorted(p for p in ROOT.rglob("*.py"))
    sizes = sorted(((len(p.read_text("utf-8").splitlines()), p) for p in files), reverse=True)
    long_functions: list[tuple[int, str]] = []
    model_imports = 0
    service_imports = 0
    graph: dict[str, set[str]] = defaultdict(set)
    for path in files:
        tree = ast.parse(path.read_text("utf-8"))
        pkg = package_of(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    long_functions.append((length, f"{path.relative_to(ROOT.parent)}:{node.name}"))
        for module in set(imported_modules(tree)):
            parts = module.split(".")
            if len(parts) < 2 or parts[1] == pkg:
                continue
            target = parts[1]
            if (ROOT / target).is_dir():
                graph[pkg].add(target)
            if len(parts) == 3 and parts[2] == "models":
                model_imports += 1
            if len(parts) >= 3 and parts[2] == "service":
                service_imports += 1
    print("largest modules:")
    for n, p in sizes[:8]:
        print(f"  {n:5d}  {p.relative_to(ROOT.parent)}")
    print(f"functions over 80 lines: {len(long_functions)}")
    for n, name in sorted(long_functions, reverse=True):
        print(f"  {n:5d}  {name}")
    print(f"imports of another package's models: {model_imports}; of another package's service: {service_imports}")
    found = cycles({k: v - {"(root)"} for k, v in graph.items() if k != "(root)"})
    print(f"package cycles: {len(found)}")
    for c in found:
        print("  {" + ", ".join(c) + "}")


if __name__ == "__main__":
    main()
