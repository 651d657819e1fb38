"""Release bundles (发布): frozen, hashed, reviewed and signed, published, revised.

    from liangjiadi.releases import create_release, submit, sign, publish, revise
    r = create_release("monthly", "2025-03", settings, creator="王敏")
    submit(r.release_id, "王敏", settings)
    sign(r.release_id, "m01", approve=True, comment="核对无误", settings=settings)
    publish(r.release_id, "王敏", settings=settings)

Renderers attach their files to a draft with `attach_files` and print person counts through
`suppress_count` / `suppress_columns`. Nothing here knows HTTP; the portal reads `list_releases`
(state published) and the bundle files.
"""

from .bundle import content_hash, integrity_problems
from .errors import (
    AuditLogError, BundleIntegrityError, IllegalTransitionError, MemberError, MissingSourceError,
    PublishBlockedError, ReleaseError, ReleaseNotFoundError,
)
from .members import ROLE_CN, add_member, deactivate_member, list_members
from .model import (
    ACTION_CN, KIND_CN, STATE_CN, AuditEntry, Kind, Member, Override, Release, SignOff, State, parse_period,
)
from .record import review_record
from .redaction import RedactionHit, ScanReport, scan_files
from .service import (
    FrozenContent, attach_files, audit_log, create_release, failing_checks, frozen_content, get_release,
    list_releases, publish, release_changes, revise, scan_release, sign, submit, verify_audit, verify_release,
)
from .suppression import suppress_columns, suppress_count, suppress_evidence, suppress_findings

__all__ = [
    "ACTION_CN", "AuditEntry", "AuditLogError", "BundleIntegrityError", "FrozenContent", "IllegalTransitionError",
    "KIND_CN", "Kind", "Member", "MemberError", "MissingSourceError", "Override", "PublishBlockedError", "ROLE_CN",
    "RedactionHit", "Release", "ReleaseError", "ReleaseNotFoundError", "STATE_CN", "ScanReport", "SignOff", "State",
    "add_member", "attach_files", "audit_log", "content_hash", "create_release", "deactivate_member",
    "failing_checks", "frozen_content", "get_release", "integrity_problems", "list_members", "list_releases",
    "parse_period", "publish", "release_changes", "review_record", "revise", "scan_files", "scan_release", "sign",
    "submit", "suppress_columns", "suppress_count", "suppress_evidence", "suppress_findings", "verify_audit",
    "verify_release",
]
