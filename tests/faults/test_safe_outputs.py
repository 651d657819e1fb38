"""Issue 8, attacks 3 and 8: file names built from data stay in their folder; no exported cell runs.

3. A fixmedins_code of `../../../../../../tmp/x` made `report` write /tmp/x.docx and /tmp/x.html.
8. `export findings` and quarantine CSVs carried cells starting with =, +, @ (a HYPERLINK formula
   from an institution name): formula injection in Excel / WPS.
Each test fails on the code before the change.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from liangjiadi.config import reset_settings_cache
from liangjiadi.releases import create_release
from liangjiadi.releases.store import dispose_engines
from liangjiadi.safe_output import OutputPathError, confined_path, is_formula_like, safe_file_name

from .safe_outputs_helpers import EVIL_CODE, FORMULA, PERIOD, REGION, make_settings, store_region

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _runs_as_formula(text: str) -> bool:
    """What Excel/WPS would do with the text of a cell: run it unless it is a plain number."""
    try:
        float(text.replace(",", "").rstrip("%"))
        return False
    except ValueError:
        return text.lstrip(" ").startswith(TRIGGERS) and text.strip() not in ("-", "+")


@pytest.fixture
def region(tmp_path):
    yield store_region(make_settings(tmp_path))
    dispose_engines()


# ---- attack 3: names from data ---------------------------------------------------------------------


def test_report_with_a_climbing_institution_code_writes_only_inside_its_folder(region, tmp_path):
    from liangjiadi.reports.render import render_release

    release = create_release("monthly", PERIOD, region, creator="测试")
    out = tmp_path / "out"
    result = render_release(release.release_id, out, region, attach=False, workers=1)
    assert not list(tmp_path.glob("escaped*")), "a file was written outside the output folder"
    root = out.resolve()
    assert result.institution_files, "the institution pushes were rendered"
    for path in result.all_files:
        assert Path(path).resolve().is_relative_to(root), path
    names = {Path(p).name for p in result.institution_files}
    assert safe_file_name(EVIL_CODE) + ".docx" in names and safe_file_name(EVIL_CODE) + ".html" in names


@hsettings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_any_text_becomes_one_readable_file_name_inside_the_folder(text):
    name = safe_file_name(text)
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    assert len(name.encode("utf-8")) <= 180
    base = Path("/tmp/ljd-safe-out-base")
    assert confined_path(base, name + ".docx").parent == base


def test_chinese_names_stay_readable_and_escapes_are_refused(tmp_path):
    assert safe_file_name("长治市第一人民医院") == "长治市第一人民医院"
    assert safe_file_name("../../../../../../tmp/x") == "_.._.._.._.._.._tmp_x"
    assert safe_file_name(".bashrc") == "bashrc"
    with pytest.raises(OutputPathError, match="不在输出目录"):
        confined_path(tmp_path, "../x.docx")
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(OutputPathError):
        confined_path(tmp_path, "link", "x.docx")


def test_codes_that_sanitise_alike_get_distinct_files():
    from liangjiadi.reports.render import file_stems

    stems = [stem for _, stem in file_stems(["A/B", "A_B", "a_b", "H001"])]
    assert stems == ["A_B", "A_B-2", "a_b-3", "H001"]


# ---- attack 8: formula cells -------------------------------------------------------------------------


def _csv_cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _cli(region, monkeypatch, *args):
    from liangjiadi.cli.main import app

    monkeypatch.setenv("LJD_REGION_ADMDVS", REGION)
    reset_settings_cache()
    try:
        result = CliRunner().invoke(app, [*args, "--workdir", str(region.workdir)])
    finally:
        reset_settings_cache()
    assert result.exit_code == 0, result.output
    return result


def test_export_findings_csv_neutralises_a_hyperlink_formula(region, tmp_path, monkeypatch):
    out = tmp_path / "findings.csv"
    _cli(region, monkeypatch, "export", "findings", "--period", PERIOD, "--out", str(out))
    rows = _csv_cells(out)
    cells = [c for r in rows[1:] for c in r]
    assert "'" + FORMULA in cells
    assert not [c for c in cells if _runs_as_formula(c)]


def test_export_results_csv_neutralises_text_and_keeps_negative_numbers(region, tmp_path, monkeypatch):
    out = tmp_path / "results.csv"
    _cli(region, monkeypatch, "export", "results", "--period", PERIOD, "--out", str(out))
    rows = _csv_cells(out)
    header, body = rows[0], rows[1:]
    cells = [c for r in body for c in r]
    assert not [c for c in cells if _runs_as_formula(c)]
    region_38 = next(r for r in body if r[0] == "38" and r[1] == "region")
    assert region_38[header.index("value")] == "-12.5"  # a number, untouched
    assert region_38[header.index("note")] == "'=1+1"
    assert "-2000" in {r[header.index("value")] for r in body if r[0] == "38"}


def test_quarantine_csv_neutralises_formula_text_from_a_delivered_file(tmp_path):
    from liangjiadi.ingest import ingest_paths

    settings = make_settings(tmp_path)
    fix = tmp_path / "in0" / "fixmedins.csv"
    fix.parent.mkdir()
    with open(fix, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs"])
        w.writerow(["H001", "第一人民医院", "1", "02", REGION])
    assert ingest_paths([fix], settings).files[0].status == "ok"
    cols = ["setl_id", "mdtrt_id", "psn_no", "certno", "psn_name", "insutype", "med_type", "fixmedins_code",
            "fix_blng_admdvs", "insu_admdvs", "begndate", "enddate", "setl_time", "medfee_sumamt",
            "fulamt_ownpay_amt", "inscp_scp_amt", "hifp_pay", "fund_pay_sumamt", "psn_part_amt", "refd_setl_flag"]

    def row(i, **over):
        r = {"setl_id": f"S{i:04d}", "mdtrt_id": f"M{i:04d}", "psn_no": f"P{i:04d}", "certno": f"11010119900101{i:04d}",
             "psn_name": f"患者{i}", "insutype": "310", "med_type": "21", "fixmedins_code": "H001",
             "fix_blng_admdvs": REGION, "insu_admdvs": REGION, "begndate": "2025-03-01", "enddate": "2025-03-05",
             "setl_time": "2025-03-06 10:20:30", "medfee_sumamt": "1000.25", "fulamt_ownpay_amt": "10.00",
             "inscp_scp_amt": "900.10", "hifp_pay": "600.5", "fund_pay_sumamt": "650", "psn_part_amt": "300.05",
             "refd_setl_flag": "0"}
        r.update(over)
        return [r[c] for c in cols]

    path = tmp_path / "in" / "setl_d_2025-03.csv"
    path.parent.mkdir()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerows([row(1), row(2, fixmedins_code=FORMULA), row(3, hifp_pay="-5.00"), row(4)])
    res = ingest_paths([path], settings).files[0]
    assert res.quarantine_file
    cells = [c for r in _csv_cells(Path(res.quarantine_file))[1:] for c in r]
    assert "'" + FORMULA in cells
    assert "-5.00" in cells  # the negative amount is shown as the number it is
    assert not [c for c in cells if _runs_as_formula(c)]


def test_worksheet_xlsx_text_never_runs_and_negative_numbers_stay_numbers(region, tmp_path):
    from liangjiadi.reports.worksheet import write_worksheet
    from liangjiadi.reports.worksheet_data import load_worksheet_data

    out = write_worksheet(load_worksheet_data(PERIOD, region, admdvs=REGION, show_unpublished=True),
                          tmp_path / "底稿.xlsx")
    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets), "a cell was written as a formula"
    book = load_workbook(out)
    texts, numbers = [], []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                elif isinstance(cell.value, (int, float)):
                    numbers.append(cell.value)
    assert "'" + FORMULA in texts
    assert not [t for t in texts if _runs_as_formula(t)]
    assert any(n < 0 for n in numbers), "negative values are numeric cells"


def test_appendix_xlsx_text_never_runs(tmp_path):
    from liangjiadi.reports.appendix import write_appendix
    from liangjiadi.reports.models import FindingItem

    item = FindingItem(pattern="p", pattern_name="+cmd", severity="high", severity_cn="高", period=PERIOD,
                       fixmedins_code="H002", institution_name=FORMULA, message="@x")
    book = load_workbook(write_appendix(tmp_path / "附表.xlsx", "=标题", [], [item]))
    texts = [c.value for ws in book.worksheets for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert "'" + FORMULA in texts and not [t for t in texts if _runs_as_formula(t)]
    assert not is_formula_like("-3.5") and is_formula_like("-1+2")
