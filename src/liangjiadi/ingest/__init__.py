"""Ingest: read the region's extracts, validate them against the input contract,
quarantine bad rows, pseudonymise persons and write the lake (see docs/ingest.md)."""

from .api import ingest_paths
from .report import FileResult, LoadReport
from .rules import RULES, Rule, rules_markdown

__all__ = ["ingest_paths", "FileResult", "LoadReport", "RULES", "Rule", "rules_markdown"]
