"""The institution record reports print (code, name, level). The directory itself is frozen in
the release bundle at `release create` (releases/institutions.py); reports never read the lake."""

from __future__ import annotations

from ..releases.institutions import Institution, institutions_from_rows

__all__ = ["Institution", "institutions_from_rows"]
