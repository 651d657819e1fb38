"""The progress bars fit an 80-column terminal: a file being read shows a share, not byte counts."""

import io

from rich.console import Console
from rich.progress import Progress

from liangjiadi.cli.common import CountOrShareColumn, progress


def _line(total: float | None, completed: float, description: str) -> str:
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=False, color_system=None)
    bar = progress()
    bar = Progress(*bar.columns, console=console)
    with bar:
        task = bar.add_task(description, total=total)
        bar.update(task, completed=completed)
    return out.getvalue().strip().splitlines()[-1]


def test_a_large_file_read_shows_a_share_and_keeps_its_name():
    line = _line(98_765_432, 37_000_000, "读取 setl_d_2025-12_全市结算明细.csv")
    assert "37%" in line
    assert "98765432" not in line and "…" not in line
    assert "setl_d_2025-12_全市结算明细.csv" in line


def test_counts_of_things_stay_counts():
    line = _line(9, 3, "写入 setl_d 分区")
    assert "3/9" in line


def test_the_share_never_passes_full():
    bar = Progress(CountOrShareColumn())
    task = bar.add_task("x", total=200_000)
    bar.update(task, completed=250_000)
    assert str(bar.columns[0].render(bar.tasks[0])).strip() == "100%"
