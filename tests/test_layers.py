"""The features import each other in one direction only, and core imports none of them.

Read statically from the source (every ``import`` in a module, at its top or inside a function), so
an import hidden in a function to dodge a circular import at load time is still a dependency.
"""

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
FEATURES = sorted(path.name for path in APP.iterdir() if (path / "__init__.py").is_file())


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        if node.module == "app":  # from app import periods
            return [f"app.{alias.name}" for alias in node.names]
        return [node.module]
    return []


def import_graph(root: Path = APP) -> dict[str, dict[str, list[str]]]:
    """{feature: {imported feature: ["module:line", ...]}} over every module of every feature."""
    features = sorted(path.name for path in root.iterdir() if (path / "__init__.py").is_file())
    graph: dict[str, dict[str, list[str]]] = {feature: defaultdict(list) for feature in features}
    for feature in features:
        for path in sorted((root / feature).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
                for module in _imported_modules(node):
                    parts = module.split(".")
                    if len(parts) > 1 and parts[0] == "app" and parts[1] in graph and parts[1] != feature:
                        where = f"{path.relative_to(root.parent).as_posix()}:{node.lineno}"
                        graph[feature][parts[1]].append(where)
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected groups of more than one feature (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _explain(graph, group: list[str]) -> str:
    return "; ".join(f"{a} -> {b} ({', '.join(graph[a][b][:3])})" for a in group for b in group if b in graph[a])


def test_no_cycle_between_features():
    graph = import_graph()
    assert {"core", "periods", "submissions", "moderation", "responses"} <= set(graph)
    found = cycles(graph)
    assert found == [], "\n".join(_explain(graph, group) for group in found)


def test_core_imports_no_feature():
    imported = {feature: places for feature, places in import_graph()["core"].items() if places}
    assert imported == {}


def test_the_check_sees_imports_inside_functions(tmp_path):
    """A cycle made only by an import inside a function is still found, and a clean tree passes."""
    tmp_path = tmp_path / "app"
    for name, body in {"core": "", "alpha": "from app.beta import x\n",
                       "beta": "def f():\n    from app.alpha import models\n"}.items():
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "__init__.py").write_text(body)
    assert cycles(import_graph(tmp_path)) == [["alpha", "beta"]]
    (tmp_path / "beta" / "__init__.py").write_text("def f():\n    import app.core.x\n")
    assert cycles(import_graph(tmp_path)) == []
    (tmp_path / "core" / "__init__.py").write_text("def g():\n    import app.alpha\n")
    assert dict(import_graph(tmp_path)["core"]) == {"alpha": ["app/core/__init__.py:2"]}


def test_no_feature_imports_another_features_views():
    """Labels and helpers live in a feature's labels.py, pages.py or services, never only in its views."""
    borrowed = []
    for path in sorted(APP.rglob("*.py")):
        feature = path.relative_to(APP).parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for module in _imported_modules(node):
                parts = module.split(".")
                if len(parts) > 2 and parts[0] == "app" and parts[2] == "views" and parts[1] not in (feature, "core"):
                    borrowed.append(f"{path.relative_to(APP.parent).as_posix()}:{node.lineno} {module}")
    assert borrowed == []
