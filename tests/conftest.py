"""Fixtures shared by every test package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

DEMO_KEY = "test-key-padded-to-at-least-32-bytes"
DEMO_ARGS = ["--scale", "0.004", "--months", "13"]


@dataclass(frozen=True)
class DemoRun:
    workdir: Path
    output: str
    exit_code: int


def run_demo(workdir: Path) -> DemoRun:
    """`liangjiadi demo` on a tiny region (13 months) in `workdir`."""
    from liangjiadi.cli.main import app
    from liangjiadi.releases.store import dispose_engines

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LJD_PSEUDONYM_KEY", DEMO_KEY)
        result = CliRunner().invoke(app, ["demo", "--workdir", str(workdir), *DEMO_ARGS])
    dispose_engines()
    return DemoRun(workdir, result.output, result.exit_code)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> DemoRun:
    """One demo run for the whole session; tests that read it must not change it (tests that
    change a workdir run their own with `run_demo`)."""
    return run_demo(tmp_path_factory.mktemp("demo") / "work")
