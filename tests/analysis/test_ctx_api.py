"""The analyses read settlements and inpatient cases through the indicators' computing context's
public methods (one definition of a valid settlement, of a kind, of an inpatient case), never
its private ones."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "src" / "liangjiadi"


def test_the_analyses_call_no_private_method_of_the_context():
    offenders = []
    for path in [*(PKG / "analysis").rglob("*.py"), *(PKG / "workgroup").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, (ast.Name, ast.Attribute))
                    and (node.value.id if isinstance(node.value, ast.Name) else node.value.attr) in ("ctx", "ictx")):
                offenders.append(f"{path.relative_to(PKG)}:{node.lineno} ctx.{node.attr}")
    assert not offenders, "\n".join(offenders)
