"""Every command that reads the lake takes --engine (issue 16: the heavy stages on the configured
engine), and the option reaches the settings the stage runs with."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from liangjiadi.cli.main import app

LAKE_READERS = [
    ("compute",), ("check",), ("detect",), ("analyse", "fund"), ("analyse", "topic"), ("analyse", "backtest"),
    ("release", "create"), ("payment", "settle"), ("payment", "assess"), ("payment", "monitor"),
    ("yigongti", "budget"), ("yigongti", "assess"), ("yigongti", "settle"), ("province", "compute"),
    ("payment", "whatif"), ("export", "yigongti"), ("export", "worksheet"), ("evaluate",),
]


def _command(path: tuple[str, ...]):
    group = typer.main.get_command(app)
    for name in path:
        group = group.commands[name]
    return group


def test_every_lake_reading_command_takes_engine():
    missing = [" ".join(p) for p in LAKE_READERS
               if not any("--engine" in param.opts for param in _command(p).params)]
    assert not missing, f"no --engine on: {missing}"


def test_detect_runs_with_the_engine_asked_for(tmp_path, monkeypatch):
    import liangjiadi.anomalies as anomalies

    seen = {}

    class Stop(Exception):
        pass

    def fake(period, settings, **kw):
        seen["engine"] = settings.engine
        raise Stop

    monkeypatch.setattr(anomalies, "run_detection", fake)
    result = CliRunner().invoke(app, ["detect", "--period", "2025-12", "--workdir", str(tmp_path), "--engine", "pyspark"])
    assert isinstance(result.exception, Stop), result.output
    assert seen["engine"] == "pyspark"
