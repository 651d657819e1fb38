"""A portal worker imports the store, the bundle readers and the web stack only: not the release
workflow, the checks, the indicators, the engine or the document renderers (each worker would
carry them in memory and pay their import time for nothing)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "duckdb", "ibis", "matplotlib", "docx", "liangjiadi.indicators", "liangjiadi.checks",
         "liangjiadi.engine", "liangjiadi.releases.service", "liangjiadi.reports")


def test_the_portal_app_does_not_import_the_workflow_or_the_engine():
    code = ("import sys, liangjiadi.portal.app\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the portal imports {out.stdout.strip()}"


def test_the_release_names_still_load_on_first_use():
    import liangjiadi.releases as releases

    assert callable(releases.withdraw) and releases.State.WITHDRAWN.value == "withdrawn"
    assert "withdraw" in dir(releases) and set(releases.__all__) >= {"create_release", "publish", "revise"}
