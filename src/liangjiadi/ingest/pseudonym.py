"""Keyed pseudonyms for person numbers (psn_no): HMAC-SHA256, first 32 hex characters.

The key comes from Settings (configured, or a key file outside the work directory) and is
never written to the work directory; the lake records only its fingerprint (`lake_key`). The same key gives the same token for the same person in every month and load,
so people can be counted and followed without their number. The staged rows carry each
pseudonymised column's tokens (`Tokens`, computed once per distinct value with hashlib); the
key never enters SQL text.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import lake
from ..config import Settings
from ..errors import ConfigError

TOKEN_HEX = 32
_BLOCK = 64  # SHA-256 block size in bytes


def token(key: bytes, value: str) -> str:
    """The pseudonym of one value (reference implementation; tests compare Tokens with it)."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:TOKEN_HEX]


def hmac_pads(key: bytes) -> dict[str, bytes]:
    """The inner and outer padded keys of RFC 2104 (Tokens hashes them once per load)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return {"ljd_ipad": bytes(b ^ 0x36 for b in key), "ljd_opad": bytes(b ^ 0x5C for b in key)}


class Tokens:
    """Pseudonyms of whole string columns. Each distinct value is hashed once, with hashlib
    (SHA-NI where the CPU has it) from the HMAC's precomputed inner and outer states: a person
    has several settlements a month, and DuckDB's sha256 twice per row cost about a quarter
    of a month's lake write (issue 16). Two sha256 copies per value cost about two thirds of
    copying an `hmac` object (measured). Equal to `token` value for value (tests).

    One Tokens serves a whole load and remembers the tokens it made (up to CACHE_MAX values,
    about 150 bytes each), so a person seen in several months' files is hashed once per load:
    half the hashing of three months of settlements (issue 16)."""

    CACHE_MAX = 1_000_000

    def __init__(self, key: bytes, cache_max: int = CACHE_MAX):
        pads = hmac_pads(key)
        self._inner = hashlib.sha256(pads["ljd_ipad"])
        self._outer = hashlib.sha256(pads["ljd_opad"])
        self._known: dict[bytes, bytes] = {}  # value (UTF-8) -> first TOKEN_HEX // 2 bytes of its HMAC
        self._room = cache_max
        self.hashed = 0  # values hashed so far (tests)

    def of(self, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """The token of every value (NULL stays NULL), aligned with `values`."""
        # One hash pass gives the distinct values and each row's index among them (unique and
        # then index_in hashed every row twice: a quarter of the tokens' CPU, issue 16). A chunked
        # column shares one growing dictionary; the last chunk's is the whole of it.
        encoded = pc.dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            if encoded.num_chunks == 0:
                return pa.chunked_array([], pa.string())
            distinct = encoded.chunk(encoded.num_chunks - 1).dictionary
            indices = pa.chunked_array([c.indices for c in encoded.chunks])
        else:
            distinct, indices = encoded.dictionary, encoded.indices
        return pc.take(self._tokens_of(distinct), indices)

    def _tokens_of(self, distinct: pa.Array) -> pa.Array:
        """The tokens of distinct values, in their order, as one string array built from the
        digests' bytes (no Python string per token)."""
        known, size = self._known, TOKEN_HEX // 2
        inner0, outer0 = self._inner, self._outer
        digests = []
        for v in distinct.cast(pa.binary()).to_pylist():
            d = known.get(v)
            if d is None:
                inner = inner0.copy()
                inner.update(v)
                outer = outer0.copy()
                outer.update(inner.digest())
                d = outer.digest()[:size]
                self.hashed += 1
                if self._room > 0:
                    known[v] = d
                    self._room -= 1
            digests.append(d)
        n = len(digests)
        hexes = binascii.hexlify(b"".join(digests))  # TOKEN_HEX characters per value, back to back
        offsets = np.arange(0, TOKEN_HEX * (n + 1), TOKEN_HEX, dtype=np.int32)
        return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(hexes)])


def token_column(name: str) -> str:
    """The staged column holding the tokens of the contract column `name`."""
    return f"_tok_{name}"


# ---- key integrity: the fingerprint recorded with the lake --------------------------------

_FINGERPRINT_LABEL = b"liangjiadi pseudonym key fingerprint v1"


def fingerprint(key: bytes) -> str:
    """16 hex characters that identify a key without revealing it (SHA-256 of an HMAC of a
    fixed label, so the key cannot be recovered and is not a token of any person)."""
    return hashlib.sha256(hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).digest()).hexdigest()[:16]


def lake_key(settings: Settings, workdir: Path) -> tuple[bytes, list[str]]:
    """The key to pseudonymise with for this lake, checked against the fingerprint the lake
    recorded at its first ingest; returns (key, notes for the user).

    A lake that has a fingerprint (or data) never gets a silently generated new key: a new key
    would give every person a new token, so months before and after could not be joined. Only
    a new, empty lake may create the key file (outside the work directory) on first use.
    """
    where = settings.pseudonym_key_location()
    refuse_key_in_workdir(settings, workdir)
    recorded = lake.recorded_key_fingerprint(workdir)
    fresh = recorded is None and not lake.has_any_data(workdir)
    try:
        key, created = settings.load_pseudonym_key(create=fresh)
    except ConfigError as exc:
        if exc.code != "key_missing":
            raise
        state = f"记录的密钥指纹为 {recorded}" if recorded else "已有数据（未记录密钥指纹）"
        raise ConfigError(
            f"数据湖 {lake.lake_root(workdir)} {state}，但找不到假名化密钥（{where}），拒绝导入。"
            "不会自动生成新密钥：新密钥下同一人的假名与已有月份对不上。",
            "请把原来的密钥文件恢复到该位置，或用 LJD_PSEUDONYM_KEY_FILE 指向它，再用 "
            "liangjiadi key show-fingerprint 核对指纹。确需改用新密钥时，请新建工作目录。",
            code="key_missing") from exc
    fp = fingerprint(key)
    notes = []
    if created:
        notes.append(f"已生成新的假名化密钥：{where}（仅属主可读，请另行备份；丢失后新旧月份的人员假名无法对应），"
                     f"密钥指纹 {fp}。")
    if recorded is None:
        lake.record_key_fingerprint(workdir, fp)
        notes.append(f"已在数据湖记录假名化密钥指纹 {fp}（密钥：{where}）；以后导入必须使用同一密钥。")
    elif recorded != fp:
        raise ConfigError(
            f"当前假名化密钥（{where}）的指纹 {fp} 与数据湖 {lake.lake_root(workdir)} 记录的 {recorded} 不同，"
            "拒绝导入：用另一把密钥，同一人的假名会与已有月份对不上。",
            "请使用导入已有月份时的那把密钥（liangjiadi key show-fingerprint 可核对指纹）。",
            code="key_mismatch")
    return key, notes


def refuse_key_in_workdir(settings: Settings, workdir: Path) -> None:
    if settings.pseudonym_key is not None:
        return
    path = settings.pseudonym_key_file.expanduser().resolve()
    if path.is_relative_to(Path(workdir).resolve()):
        raise ConfigError(f"假名化密钥文件 {path} 位于工作目录内，拒绝使用：密钥不能与数据放在一起。",
                          "请把密钥文件放到工作目录之外（如 ~/.config/liangjiadi/pseudonym.key），"
                          "并用 LJD_PSEUDONYM_KEY_FILE 指向它。", code="key_in_workdir")
