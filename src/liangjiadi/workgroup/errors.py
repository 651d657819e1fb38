"""The working group's errors (Chinese messages, no tracebacks)."""

from __future__ import annotations

from ..errors import LjdError


class WorkgroupError(LjdError):
    code = "LJD-GROUP"


class ProfileError(WorkgroupError):
    code = "LJD-GROUP-PROFILE"
