"""A portal over the session's demo releases, on SQLite and on the test PostgreSQL.

The demo's release rows are copied into a fresh database, with three more rows that point at
the demo's monthly bundle: a draft (140400, 2025-11), a version a correction replaced (2025-10,
已被修订), a withdrawn version (2025-09, 已撤回) and another region's published release (140500). The demo work directory itself is
never written: the portal only reads bundles, and the copies of the rows live in the new database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, insert, select

from liangjiadi.accounts import add_user, passwords
from liangjiadi.config import Settings
from liangjiadi.releases.store import ReleaseRow, dispose_engines, engine_for, utcnow

PW = "correct-horse-battery"
PUB = "140400-monthly-2025-12-v1"
QUARTER = "140400-quarterly-2025-Q4-v1"
DRAFT = "140400-monthly-2025-11-v1"
REVISED = "140400-monthly-2025-10-v1"
WITHDRAWN = "140400-monthly-2025-09-v1"
WITHDRAWAL_REASON = "2025年9月出院人次口径有误"
OTHER = "140500-monthly-2025-12-v1"
OWN, PEER, FOREIGN = "H14040000001", "H14040000002", "H14050000001"

USERS = {  # username: (role, options)
    "sysadmin": ("sysadmin", {}),
    "secadmin": ("secadmin", {}),
    "auditor": ("auditor", {}),
    "officer": ("officer", {"admdvs": "140400"}),
    "member": ("member", {"admdvs": "140400"}),
    "convener": ("convener", {"admdvs": "140400"}),
    "inst": ("institution", {"fixmedins": OWN, "admdvs": "140400"}),
    "inst2": ("institution", {"fixmedins": PEER, "admdvs": "140400"}),
    "county": ("county", {"admdvs": "140402"}),
    "province": ("province", {"admdvs": "140000"}),
    "supervisor": ("supervisor", {"admdvs": "140400"}),
    "officer_other": ("officer", {"admdvs": "140500"}),
}


@dataclass
class Portal:
    settings: Settings
    workdir: Path
    backend: str
    users: dict = field(default_factory=lambda: dict(USERS))


@pytest.fixture(scope="session")
def _cheap_hasher():
    hasher = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = hasher


def _copy_rows(demo_db: Path, settings: Settings) -> None:
    source = create_engine(f"sqlite:///{demo_db}")
    with source.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(ReleaseRow.__table__))]
    source.dispose()
    monthly = next(r for r in rows if r["release_id"] == PUB)
    now = utcnow()
    extra = [
        dict(monthly, release_id=DRAFT, period="2025-11", source_period="2025-11", state="draft", published_at=None,
             published_by=None, submitted_at=None, approved_at=None),
        dict(monthly, release_id=REVISED, period="2025-10", source_period="2025-10", state="revised",
             superseded_by="140400-monthly-2025-10-v2", published_at=now - timedelta(days=40)),
        dict(monthly, release_id=WITHDRAWN, period="2025-09", source_period="2025-09", state="withdrawn",
             withdrawn_at=now - timedelta(days=3), withdrawn_by="王敏", withdrawal_reason=WITHDRAWAL_REASON),
        dict(monthly, release_id=OTHER, admdvs="140500"),
    ]
    with engine_for(settings).begin() as conn:
        conn.execute(insert(ReleaseRow.__table__), rows + extra)


def build_portal(demo, tmp: Path, database_url: str | None, backend: str) -> Portal:
    if demo.exit_code != 0:
        pytest.skip("演示工作目录未能生成")
    workdir = tmp / "work"
    workdir.mkdir(parents=True)
    # only the bundles are read; a link keeps the demo's directory as it is
    (workdir / "releases").symlink_to(Path(demo.workdir) / "releases", target_is_directory=True)
    settings = Settings(workdir=workdir, database_url=database_url, portal_cookie_secure=False)
    _copy_rows(Path(demo.workdir) / "ljd.sqlite", settings)
    for username, (role, options) in USERS.items():
        valid = utcnow() + timedelta(days=30) if role == "supervisor" else None
        add_user(username, role, PW, settings, actor="测试管理员", display_name=f"{username}姓名",
                 valid_until=valid, email=f"{username}@example.test", **options)
    return Portal(settings, workdir, backend)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def portal(request, demo, tmp_path_factory, _cheap_hasher):
    tmp = tmp_path_factory.mktemp(f"portal-{request.param}")
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres").create_database()
    yield build_portal(demo, tmp, url, request.param)
    dispose_engines()


@pytest.fixture(scope="module")
def sqlite_portal(demo, tmp_path_factory, _cheap_hasher):
    yield build_portal(demo, tmp_path_factory.mktemp("portal-sqlite"), None, "sqlite")
    dispose_engines()


def client_for(portal: Portal, username: str | None = None):
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from fastapi.testclient import TestClient

    from liangjiadi.portal import create_app

    client = TestClient(create_app(portal.settings))
    if username:
        r = client.post("/api/login", json={"username": username, "password": PW})
        assert r.status_code == 200, r.text
        client.csrf = r.json()["csrf_token"]
    return client


# ---- releases with counties and an audience (publication.json) ---------------------------------

AUD = "140400-monthly-2025-12-v7"  # addressed to county 140402 only
COUNTIES = "140400-monthly-2025-12-v8"  # the whole region, its institutions in counties
COUNTY_OF = {"H14040000001": "140402", "H14040000002": "140402", "H14040000003": "140402",
             "H14040000004": "140403", "H14040000005": "140403"}


def add_county_release(portal: Portal, demo, release_id: str, version: int, audience: dict | None) -> None:
    """A copy of the demo's monthly bundle whose institutions lie in two counties (the demo city has
    none) and whose publication.json addresses `audience`; its row is published."""
    import json
    import shutil

    from liangjiadi.releases import bundle as B
    from liangjiadi.releases.publication import audience_codes, write_publication
    from liangjiadi.releases.store import session_scope

    source = Path(demo.workdir) / "releases" / "140400" / "monthly" / "2025-12" / "v1"
    target = portal.workdir / "county-bundles" / f"v{version}"
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # published bundles are read-only
    directory = json.loads((target / "institutions.json").read_text(encoding="utf-8"))
    for inst in directory:
        inst["admdvs"] = COUNTY_OF.get(inst["code"], inst.get("admdvs"))
    (target / "institutions.json").write_text(json.dumps(directory, ensure_ascii=False), encoding="utf-8")
    write_publication(target, audience=audience, codes=audience_codes(audience, directory), dropped=[], threshold=5)
    header = {k: v for k, v in B.read_manifest(target).items() if k not in ("files", "content_hash", "data_hash")}
    manifest = B.write_manifest(target, {**header, "release_id": release_id, "version": version})
    with session_scope(portal.settings) as session:
        row = session.get(ReleaseRow, PUB)
        values = {c.name: getattr(row, c.name) for c in ReleaseRow.__table__.columns}
    values.update(release_id=release_id, version=version, bundle_dir=target.relative_to(portal.workdir).as_posix(),
                  content_hash=manifest["content_hash"])
    with engine_for(portal.settings).begin() as conn:
        conn.execute(insert(ReleaseRow.__table__), [values])
