"""Release bundles (发布): frozen, hashed, reviewed and signed, published, revised, withdrawn.

    from liangjiadi.releases import create_release, submit, sign, publish, revise, withdraw
    r = create_release("monthly", "2025-03", settings, creator="王敏")
    submit(r.release_id, "王敏", settings)
    sign(r.release_id, "m01", approve=True, comment="核对无误", settings=settings)
    publish(r.release_id, "王敏", settings=settings)

Renderers attach their files to a draft with `attach_files` and print person counts through
`suppress_count` / `suppress_columns`. Nothing here knows HTTP; the portal reads `list_releases`
(state published) and the bundle files.

The names below are loaded on first use (PEP 562): the release workflow (service.py) pulls in the
checks, the indicators and the engine, which the portal — a reader of the store and the bundles
only — must not pay for in every worker (tests/portal/test_light_import.py).
"""

from __future__ import annotations

import importlib

_WHERE = {
    ".bundle": ("content_hash", "integrity_problems"),
    ".errors": ("AuditLogError", "BundleIntegrityError", "IllegalTransitionError", "MemberError", "MissingSourceError",
                "PublishBlockedError", "ReleaseError", "ReleaseNotFoundError"),
    ".members": ("ROLE_CN", "add_member", "deactivate_member", "list_members"),
    ".model": ("ACTION_CN", "KIND_CN", "STATE_CN", "AuditEntry", "Kind", "Member", "Override", "Release", "SignOff",
               "State", "parse_period"),
    ".record": ("review_record",),
    ".redaction": ("RedactionHit", "ScanReport", "scan_files"),
    ".service": ("FrozenContent", "attach_files", "audit_log", "create_release", "failing_checks", "frozen_content",
                 "get_release", "list_releases", "publish", "release_changes", "revise", "scan_release", "sign",
                 "submit", "verify_audit", "verify_release", "withdraw"),
    ".suppression": ("suppress_columns", "suppress_count", "suppress_evidence", "suppress_findings"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
