"""`liangjiadi demo` end to end on a tiny region: every step runs and leaves its outputs."""

import openpyxl


def test_demo_runs_whole_chain(demo):
    assert demo.exit_code == 0, demo.output
    work = demo.workdir
    xlsx = work / "outputs" / "数据底稿_140400_2025-12.xlsx"
    assert xlsx.exists()
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert len(book.sheetnames) >= 2
    assert list((work / "results" / "140400" / "2025-12").glob("*.parquet"))
    assert list((work / "results" / "140400" / "2024-12").glob("*.parquet"))  # same month last year
    assert list((work / "checks" / "140400" / "2025-12").glob("*.md"))
    assert (work / "demo-input" / "ground_truth.json").exists()
    assert "完成" in demo.output
