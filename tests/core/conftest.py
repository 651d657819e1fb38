"""Fixtures of the core tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def golden():
    """tests/indicators/golden.py, the hand-built region of the golden indicator tests (loaded by
    path: tests/core is not a package that could import it)."""
    spec = importlib.util.spec_from_file_location(
        "golden_for_core", Path(__file__).parents[1] / "indicators" / "golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
