"""The dependency direction of design.md, enforced: nothing imports upward."""

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "src" / "liangjiadi"

# Layer of each top-level module; a module may import only its own layer or lower ones.
LAYER = {
    "config": 0, "errors": 0, "safe_output": 0, "schema": 1, "lake": 2, "ingest": 3, "engine": 3,
    "indicators": 4, "checks": 5, "analysis": 5, "anomalies": 5, "releases": 6,
    "reports": 7, "workgroup": 7, "portal": 8, "cli": 9, "synth": 3,
}


def _imports(path: Path, module: str):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                base = parts[: len(parts) - node.level + (1 if path.name == "__init__.py" else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name


def _top(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] != "liangjiadi" or len(parts) < 2:
        return None
    return parts[1]


def test_dependency_direction():
    bad = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        module = ".".join(rel.parts)
        own = rel.parts[1] if len(rel.parts) > 1 else None
        if own in (None, "__init__", "__main__"):
            continue
        for target in _imports(path, module):
            top = _top(target)
            if top is None or top == own or top == "__init__":
                continue
            if top in ("portal", "cli") and own != "cli":
                bad.append(f"{module} imports {target} (nothing imports portal/cli)")
            elif top == "synth" and own != "cli":
                bad.append(f"{module} imports {target} (production code must not import synth)")
            elif LAYER.get(top, 0) > LAYER.get(own, 99):
                bad.append(f"{module} imports {target} (upward)")
    assert not bad, "\n".join(bad)


def test_only_engine_names_a_backend():
    """design.md: engine.py is the only module that names duckdb or pyspark."""
    offenders = []
    for path in PKG.rglob("*.py"):
        if path.name == "engine.py" and path.parent == PKG:
            continue
        for target in _imports(path, "liangjiadi"):
            if target.split(".")[0] in ("duckdb", "pyspark"):
                offenders.append(f"{path.relative_to(PKG)} imports {target}")
    assert not offenders, "\n".join(offenders)
