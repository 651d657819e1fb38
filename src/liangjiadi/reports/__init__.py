"""Reports: a release's documents, built from its frozen bundle only (source.py), and the
stand-alone 数据底稿 of a month's stored runs (worksheet_data.py via releases/stored.py).

reports/ never opens the engine or the lake (tests/core/test_architecture.py).
"""

from .institutions import Institution
from .worksheet import export_worksheet, write_worksheet
from .worksheet_data import WorksheetData, load_worksheet_data

# Release renderers (docx, html, xlsx): `from liangjiadi.reports.render import render_release`
# (imported lazily: matplotlib and docxtpl are heavy for commands that only export a worksheet).

__all__ = ["Institution", "WorksheetData", "export_worksheet", "load_worksheet_data",
           "write_worksheet"]
