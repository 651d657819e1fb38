"""Keyed pseudonyms for person numbers (psn_no): HMAC-SHA256, first 32 hex characters.

The key comes from Settings.resolve_pseudonym_key() and is never written to the work
directory. The same key gives the same token for the same person in every month and load,
so people can be counted and followed without their number. The hash runs inside DuckDB
(vectorised) with the HMAC pads passed as query parameters, never as SQL text.
"""

from __future__ import annotations

import hashlib
import hmac

TOKEN_HEX = 32
_BLOCK = 64  # SHA-256 block size in bytes


def token(key: bytes, value: str) -> str:
    """The pseudonym of one value (reference implementation; tests compare SQL with it)."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:TOKEN_HEX]


def hmac_pads(key: bytes) -> dict[str, bytes]:
    """The inner and outer padded keys of RFC 2104, as DuckDB query parameters."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return {"ljd_ipad": bytes(b ^ 0x36 for b in key), "ljd_opad": bytes(b ^ 0x5C for b in key)}


def token_sql(expr: str) -> str:
    """SQL for the pseudonym of a VARCHAR expression (NULL stays NULL)."""
    inner = f"unhex(sha256($ljd_ipad::BLOB || encode({expr})))"
    return f"left(sha256($ljd_opad::BLOB || {inner}), {TOKEN_HEX})"
