"""Item 8 of issue 9: a missing work directory is named, never created; a month without
settlements is not computed."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from liangjiadi.cli.main import app

runner = CliRunner()


def test_commands_that_read_a_workdir_name_a_missing_one_and_do_not_create_it(tmp_path):
    missing = tmp_path / "no" / "such" / "work"
    for args in (["compute", "--period", "2025-03"], ["check", "--period", "2025-03"],
                 ["detect", "--period", "2025-03"], ["release", "list"],
                 ["report", "--release", "140400-monthly-2025-03-v1", "--out", str(tmp_path / "out")]):
        result = runner.invoke(app, [*args, "--workdir", str(missing)], env={"COLUMNS": "300"})
        assert result.exit_code == 2, (args, result.output)
        assert "工作目录不存在" in result.output and str(missing) in result.output.replace("\n", ""), args
        assert "Traceback" not in result.output
    assert not (tmp_path / "no").exists()


def test_compute_refuses_a_month_without_settlements(tmp_path):
    work = tmp_path / "work"
    part = work / "lake" / "setl_d" / "140400" / "2025-02"
    part.mkdir(parents=True)
    pq.write_table(pa.table({"setl_id": ["S1"], "admdvs": ["140400"], "period": ["2025-02"]}), part / "p.parquet")
    result = runner.invoke(app, ["compute", "--period", "2025-03", "--workdir", str(work)],
                           env={"COLUMNS": "300", "LJD_REGION_ADMDVS": "140400"})
    assert result.exit_code == 2, result.output
    assert "2025年3月没有结算数据" in result.output
    assert not (work / "results").exists()
