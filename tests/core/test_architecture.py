"""The dependency direction of design.md, enforced: nothing imports upward."""

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "src" / "liangjiadi"

# Layer of each top-level module; a module may import only its own layer or lower ones.
LAYER = {
    "config": 0, "errors": 0, "period": 0, "migrations": 0, "safe_output": 0, "overrides": 0, "workdir": 1, "schema": 1, "lake": 2, "rollup": 2, "runs": 2,
    "ingest": 3, "engine": 3, "indicators": 4, "checks": 5, "analysis": 5, "anomalies": 5, "releases": 6, "accounts": 6,
    "payment": 5, "yigongti": 5, "reports": 7, "workgroup": 7, "survey": 7, "portal": 8, "cli": 9, "synth": 3,
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


# ---- a release's documents read its bundle only -------------------------------------------------

# What reports/ must never reach, however it is imported: the live data and the computations
# that belong to `release create` (releases/snapshot.py freezes their results into the bundle).
RENDER_TIME_FORBIDDEN = ("liangjiadi.engine", "liangjiadi.lake", "liangjiadi.runs", "liangjiadi.indicators",
                         "liangjiadi.analysis", "liangjiadi.anomalies", "liangjiadi.releases.snapshot",
                         # the live payment output: a 清算 is read from the clearing.json a release froze
                         "liangjiadi.payment.service", "liangjiadi.releases.clearing",
                         "liangjiadi.yigongti")  # the county report reads the frozen yigongti.json
# The readers of releases/ (what reports and the portal call to read a bundle): no engine or lake.
RELEASE_READERS = ("frozen", "bundle", "model", "errors")
READER_FORBIDDEN = ("liangjiadi.engine", "liangjiadi.lake", "liangjiadi.runs", "liangjiadi.indicators",
                    "liangjiadi.analysis", "liangjiadi.anomalies", "liangjiadi.releases.snapshot", "liangjiadi.releases.stored",
                    "liangjiadi.releases.service")
# The one allowed exception: the stand-alone 数据底稿 of stored runs (not a release) gathers them
# through releases/stored.py, which reads stored results.
STAND_ALONE = {"liangjiadi.reports.worksheet_data": ("liangjiadi.releases.stored",)}


def _resolve(module: str, path: Path, level: int, name: str | None) -> str:
    parts = module.split(".")
    base = parts[: len(parts) - level + (1 if path.name == "__init__.py" else 0)]
    return ".".join(base + ([name] if name else []))


def _all_targets(path: Path, module: str):
    """Every module a file may load: `import a.b`, `from a import b` (as a and a.b, so that
    `from .. import lake` is seen), imports inside functions, and importlib / __import__ with a
    literal name. A dynamic import with a computed name is reported as such."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _resolve(module, path, node.level, node.module) if node.level else (node.module or "")
            yield base
            for alias in node.names:
                yield f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in ("import_module", "__import__"):
                continue
            arg = node.args[0] if node.args else None
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                yield "<dynamic import>"
                continue
            target = arg.value
            if target.startswith("."):
                level = len(target) - len(target.lstrip("."))
                target = _resolve(module, path, level, target.lstrip(".") or None)
            yield target


def _offenders(files, forbidden, allowed=None):
    bad = []
    for path in files:
        module = ".".join(path.relative_to(PKG.parent).with_suffix("").parts)
        exempt = (allowed or {}).get(module, ())
        for target in _all_targets(path, module):
            if target == "<dynamic import>":
                bad.append(f"{module}: import with a computed name (cannot be checked)")
            elif any(target == f or target.startswith(f + ".") for f in forbidden) and target not in exempt \
                    and not any(target.startswith(e) for e in exempt):
                bad.append(f"{module} imports {target}")
    return sorted(set(bad))


def test_reports_read_the_bundle_only():
    files = sorted((PKG / "reports").rglob("*.py"))
    bad = _offenders(files, RENDER_TIME_FORBIDDEN, STAND_ALONE)
    assert not bad, "\n".join(bad)


def test_release_readers_never_open_the_engine_or_the_lake():
    files = [PKG / "releases" / f"{name}.py" for name in RELEASE_READERS]
    bad = _offenders(files, READER_FORBIDDEN)
    assert not bad, "\n".join(bad)


def test_the_import_scanner_sees_every_form(tmp_path):
    """The blind spots the scanner must close (it would pass these files otherwise)."""
    pkg = tmp_path / "liangjiadi" / "reports"
    pkg.mkdir(parents=True)
    samples = {
        "a.py": "from .. import lake\n",
        "b.py": "def f():\n    from ..engine import open_engine\n",
        "c.py": "import importlib\nx = importlib.import_module('liangjiadi.indicators.results')\n",
        "d.py": "from importlib import import_module\nx = import_module('..analysis', __package__)\n",
        "e.py": "x = __import__('liangjiadi.anomalies')\n",
        "f.py": "import importlib\nname = 'liangjiadi.' + 'engine'\nx = importlib.import_module(name)\n",
    }
    for name, text in samples.items():
        (pkg / name).write_text(text, encoding="utf-8")
    found = []
    for path in sorted(pkg.glob("*.py")):
        module = ".".join(path.relative_to(tmp_path).with_suffix("").parts)
        targets = list(_all_targets(path, module))
        found.append(any(t == "<dynamic import>" or any(t == f or t.startswith(f + ".")
                                                          for f in RENDER_TIME_FORBIDDEN) for t in targets))
    assert found == [True] * len(samples)


def test_portal_reads_releases_through_the_readers_only():
    """The portal is held to the readers' rule: release rows from the store, bundles through
    releases/frozen.py, bundle.py, model.py; never the engine, the lake, a stored run or the
    release workflow's service (which opens them)."""
    files = sorted((PKG / "portal").rglob("*.py"))
    assert files, "the portal package is missing"
    bad = _offenders(files, READER_FORBIDDEN)
    assert not bad, "\n".join(bad)


def test_the_portal_rule_sees_a_forbidden_import(tmp_path):
    pkg = tmp_path / "liangjiadi" / "portal"
    pkg.mkdir(parents=True)
    (pkg / "a.py").write_text("from ..releases import service\n", encoding="utf-8")
    (pkg / "b.py").write_text("from ..releases.frozen import read_frozen\n", encoding="utf-8")
    found = {}
    for path in sorted(pkg.glob("*.py")):
        module = ".".join(path.relative_to(tmp_path).with_suffix("").parts)
        found[path.name] = any(t == f or t.startswith(f + ".") for t in _all_targets(path, module)
                               for f in READER_FORBIDDEN)
    assert found == {"a.py": True, "b.py": False}
