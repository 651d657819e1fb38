"""Replacement safety (ingest/guards.py): files are loaded whole, thresholds are settings."""

from __future__ import annotations

from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from liangjiadi.ingest import ingest_paths
from liangjiadi.ingest.guards import close_over_files

from .conftest import SETL_COLS, lake_rows, setl_row, write_csv

# ---- the closure over files (pure) -------------------------------------------------------

_parts = st.lists(st.tuples(st.integers(0, 5), st.just("140400"), st.sampled_from(["01", "02", "03", "04"]),
                            st.integers(1, 9)), max_size=12, unique_by=lambda x: (x[0], x[2]))


@hsettings(max_examples=200, deadline=None)
@given(parts=_parts, seed=st.sets(st.sampled_from(["01", "02", "03", "04"])))
def test_no_file_is_half_written(parts, seed):
    initial = {("140400", p): "shrinks" for p in seed}
    refused = close_over_files(parts, initial, "setl_d")
    assert set(initial) <= set(refused)
    for idx in {i for i, *_ in parts}:
        mine = {(a, p) for i, a, p, _ in parts if i == idx}
        # a file's partitions are all written or all refused
        assert mine <= set(refused) or not (mine & set(refused))
    # nothing is refused without a reason: every added partition shares a file with a refused one
    for part in set(refused) - set(initial):
        files = {i for i, a, p, _ in parts if (a, p) == part}
        assert any((a, p) in refused and (a, p) != part for i, a, p, _ in parts if i in files)


# ---- through ingest ----------------------------------------------------------------------


def _month(n: int, month: str, start: int = 0) -> list[dict]:
    return [setl_row(start + i, setl_time=f"{month}-{1 + i % 28:02d} 10:00:00") for i in range(n)]


def test_a_file_feeding_a_refused_month_is_not_written_anywhere(tmp_path, settings):
    write_csv(tmp_path / "a" / "setl_d_2025-03.csv", _month(20, "2025-03"), SETL_COLS)
    write_csv(tmp_path / "a" / "setl_d_2025-04.csv", _month(20, "2025-04", 100), SETL_COLS)
    assert all(f.status == "ok" for f in ingest_paths([tmp_path / "a"], settings).files)

    # one undated file: 2 rows of March (shrinks it) and April complete; a second file adds to
    # April; a third file brings May alone
    mixed = write_csv(tmp_path / "b" / "setl_d.csv", _month(2, "2025-03") + _month(20, "2025-04", 100), SETL_COLS)
    extra = write_csv(tmp_path / "b" / "setl_d_2025-04_extra.csv", _month(5, "2025-04", 200), SETL_COLS)
    may = write_csv(tmp_path / "b" / "setl_d_2025-05.csv", _month(7, "2025-05", 300), SETL_COLS)
    by_name = {f.path: f for f in ingest_paths([mixed, extra, may], settings).files}
    assert by_name[str(mixed)].error_code == "shrink_refused"
    assert "setl_d/140400/2025-03" in by_name[str(mixed)].error
    assert by_name[str(extra)].error_code == "shrink_refused"
    assert "同批交付" in by_name[str(extra)].error
    assert by_name[str(may)].status == "ok"
    got = {}
    for r in lake_rows(settings.workdir, "setl_d"):
        got[r["period"]] = got.get(r["period"], 0) + 1
    assert got == {"2025-03": 20, "2025-04": 20, "2025-05": 7}


def test_thresholds_are_settings(tmp_path, settings):
    write_csv(tmp_path / "a" / "setl_d_2025-03.csv", _month(20, "2025-03"), SETL_COLS)
    ingest_paths([tmp_path / "a"], settings)
    write_csv(tmp_path / "b" / "setl_d_2025-03.csv", _month(17, "2025-03"), SETL_COLS)  # 85%
    assert ingest_paths([tmp_path / "b"], settings).files[0].status == "ok"
    strict = settings.model_copy(update={"replace_min_ratio": 0.9})
    write_csv(tmp_path / "c" / "setl_d_2025-03.csv", _month(14, "2025-03"), SETL_COLS)  # 82% of 17
    res = ingest_paths([tmp_path / "c"], strict).files[0]
    assert res.status == "rejected" and "不足现有的 90%" in res.error
    assert ingest_paths([tmp_path / "c"], settings).files[0].status == "ok"
    write_csv(tmp_path / "d" / "setl_d_2025-03.csv", _month(2, "2025-03"), SETL_COLS)
    off = settings.model_copy(update={"replace_min_ratio": 0.0})
    assert ingest_paths([tmp_path / "d"], off).files[0].status == "ok"
    assert len(lake_rows(settings.workdir, "setl_d")) == 2
