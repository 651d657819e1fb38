"""Errors of the release workflow: each names what was refused and what to do instead."""

from __future__ import annotations

from ..errors import LjdError


class ReleaseError(LjdError):
    code = "LJD-REL"


class ReleaseNotFoundError(ReleaseError):
    code = "LJD-REL-NOTFOUND"


class IllegalTransitionError(ReleaseError):
    """An act the release's current state does not allow (e.g. publishing a draft)."""

    code = "LJD-REL-STATE"


class MissingSourceError(ReleaseError):
    """The results, check report or findings a release would freeze do not exist yet."""

    code = "LJD-REL-SOURCE"


class MemberError(ReleaseError):
    code = "LJD-REL-MEMBER"


class BundleIntegrityError(ReleaseError):
    """A frozen file no longer matches the sha256 recorded in the manifest."""

    code = "LJD-REL-INTEGRITY"


class AuditLogError(ReleaseError):
    """Someone tried to change or delete an audit entry, sign-off or override."""

    code = "LJD-REL-AUDIT"


class PublishBlockedError(ReleaseError):
    """Publication refused: failing 复核 without override, personal data found, files changed."""

    code = "LJD-REL-BLOCKED"

    def __init__(self, message: str, hint: str = "", *, reasons: list[str] | None = None,
                 hits: list | None = None):
        super().__init__(message, hint)
        self.reasons = list(reasons or [])
        self.hits = list(hits or [])
