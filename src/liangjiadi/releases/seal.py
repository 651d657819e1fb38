"""The release seal (封签): an HMAC over a frozen bundle's manifest, under a key outside the workdir.

The manifest lists every file's sha256 and the database keeps the content hash, but someone who
can write the work directory can edit a file, its manifest line and the stored hash so that all
three agree. The seal closes that: when a release is submitted (the bundle freezes) and again when
it is published, the audit log records

    {"content_hash": ..., "manifest_sha256": sha256 of manifest.json's bytes,
     "seal": HMAC-SHA256(seal key, [label, release_id, content_hash, manifest_sha256]),
     "seal_key_id": a fingerprint of the key}

The key lives in `release_seal_key_file` (default ~/.config/liangjiadi/release-seal.key, created
on first use with mode 0600), never in the work directory, and is separate from the pseudonym key
so that rotating one does not touch the other. Without the key nobody can forge a seal for edited
content; `seal_problems` says what no longer matches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from ..config import MIN_KEY_BYTES, Settings, create_key_file
from ..errors import ConfigError
from .bundle import MANIFEST

SEAL_LABEL = "liangjiadi-release-seal/1"


def key_path(settings: Settings) -> Path:
    return Path(settings.release_seal_key_file).expanduser()


def _outside_workdir(settings: Settings, path: Path) -> None:
    workdir = Path(settings.workdir).resolve()
    if path.resolve().is_relative_to(workdir):
        raise ConfigError(f"发布封签密钥文件 {path} 在工作目录 {workdir} 之内",
                          "封签密钥须与发布包分开保存：请把 release_seal_key_file 设在工作目录之外")


def seal_key(settings: Settings, *, create: bool) -> bytes | None:
    """The seal key; created (0600, outside the workdir) when `create` and absent, else None."""
    path = key_path(settings)
    _outside_workdir(settings, path)
    if not path.exists():
        if not create:
            return None
        create_key_file(path)  # owner-only, linked into place whole: two first runs share one key
    key = path.read_text(encoding="utf-8").strip().encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"发布封签密钥文件 {path} 过短（{len(key)} 字节，至少 {MIN_KEY_BYTES} 字节）",
                          "请恢复原密钥文件；新建发布环境时删除该文件后会自动生成")
    return key


def key_id(key: bytes) -> str:
    """A fingerprint that names the key without revealing it."""
    return hashlib.sha256(SEAL_LABEL.encode() + b"\0" + key).hexdigest()[:16]


def manifest_sha256(bundle: Path) -> str:
    return hashlib.sha256((bundle / MANIFEST).read_bytes()).hexdigest()


def _mac(key: bytes, release_id: str, content_hash: str, manifest_digest: str) -> str:
    message = json.dumps([SEAL_LABEL, release_id, content_hash, manifest_digest], ensure_ascii=False)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def seal_detail(settings: Settings, release_id: str, bundle: Path, content_hash: str, *,
                sealed_before: bool) -> dict:
    """What the audit entry of a submit or publish records about the frozen bundle.

    The key is created on first use only: when earlier releases were sealed (`sealed_before`) and
    the key file is gone, a new key would silently make all their seals unverifiable, so refuse.
    """
    if sealed_before and not key_path(settings).exists():
        raise ConfigError(f"发布封签密钥文件 {key_path(settings)} 不存在，而已有发布用它封签",
                          "请从备份恢复该密钥文件（或用 LJD_RELEASE_SEAL_KEY_FILE 指向它）；不会自动生成新密钥")
    key = seal_key(settings, create=True)
    digest = manifest_sha256(bundle)
    return {"content_hash": content_hash, "manifest_sha256": digest,
            "seal": _mac(key, release_id, content_hash, digest), "seal_key_id": key_id(key)}


def seal_problems(settings: Settings, release_id: str, bundle: Path, stored_hash: str,
                  sealed: dict | None) -> list[str]:
    """Chinese descriptions of everything that no longer matches the newest seal of a release."""
    if sealed is None or "seal" not in sealed:
        return ["没有封签记录：审计日志中找不到该版本提交审议或发布时的封签（记录被删除，或版本早于封签功能）"]
    key = seal_key(settings, create=False)
    if key is None:
        return [f"无法核验封签：封签密钥文件 {key_path(settings)} 不存在（请恢复原密钥；不会自动生成新密钥）"]
    problems = []
    if sealed.get("seal_key_id") != key_id(key) or not hmac.compare_digest(
            str(sealed.get("seal")), _mac(key, release_id, str(sealed.get("content_hash")),
                                          str(sealed.get("manifest_sha256")))):
        problems.append("封签不符：审计日志中的封签记录被改动，或当前封签密钥不是封签时的密钥")
    if (bundle / MANIFEST).exists() and manifest_sha256(bundle) != sealed.get("manifest_sha256"):
        problems.append("清单文件 manifest.json 在封签后被改动")
    if stored_hash != sealed.get("content_hash"):
        problems.append("数据库记录的内容哈希在封签后被改动")
    return problems
