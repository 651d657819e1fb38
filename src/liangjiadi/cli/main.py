"""The `liangjiadi` command. Each command lives in its own module and stays thin."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="liangjiadi",
    help="亮家底：医保数据工作组的数据底稿、复核、分析与发布工具。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Modules that register commands on `app` (each defines `register(app)`).
COMMAND_MODULES = ["synth", "ingest", "demo", "compute", "check", "export", "release", "detect", "evaluate", "analyse",
                   "report", "key"]

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"liangjiadi.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command not built yet
        if exc.name != f"liangjiadi.cli.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
