"""Reports built from stored results, check reports and indicator metadata.

reports/ never queries settlement rows; the only lake read is the institution directory
(names and levels) in institutions.py, handed to the writers as data.
"""

from .institutions import Institution, institution_directory
from .worksheet import export_worksheet, write_worksheet
from .worksheet_data import WorksheetData, load_worksheet_data

# Release renderers (docx, html, xlsx): `from liangjiadi.reports.render import render_release`
# (imported lazily: matplotlib and docxtpl are heavy for commands that only export a worksheet).

__all__ = ["Institution", "WorksheetData", "export_worksheet", "institution_directory", "load_worksheet_data",
           "write_worksheet"]
