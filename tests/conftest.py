"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

# rich fixes a console's width for good when COLUMNS is set as the console is made (cli/common.py
# makes its consoles at import). An xdist worker starts with COLUMNS=80, so every CLI message
# was cut at 80 columns there, whatever width a test asked CliRunner for; without it, the
# width is read from COLUMNS at each print, as in a serial run.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

DEMO_KEY = "test-key-padded-to-at-least-32-bytes"
DEMO_ARGS = ["--scale", "0.004", "--months", "13"]


@dataclass(frozen=True)
class DemoRun:
    workdir: Path
    output: str
    exit_code: int


def run_demo(workdir: Path) -> DemoRun:
    """`liangjiadi demo` on a tiny region (13 months) in `workdir`."""
    from liangjiadi.cli.main import app
    from liangjiadi.releases.store import dispose_engines

    from liangjiadi.config import reset_settings_cache

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LJD_PSEUDONYM_KEY", DEMO_KEY)
        reset_settings_cache()
        result = CliRunner().invoke(app, ["demo", "--workdir", str(workdir), *DEMO_ARGS])
    dispose_engines()
    return DemoRun(workdir, result.output, result.exit_code)


@pytest.fixture
def spark_or_skip():
    """For a Spark test inside a module of other tests: skipped when pyspark or a JVM is missing
    (CI's .ci/run installs both, so there it always runs)."""
    import os
    import shutil

    pytest.importorskip("pyspark")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("PySpark 需要 Java（JVM），本机未安装")


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings are cached per process (config.get_settings); a test that changes the environment
    must not leave its settings (its key, its region) to the next test."""
    from liangjiadi.config import reset_settings_cache

    reset_settings_cache()
    yield
    reset_settings_cache()


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> DemoRun:
    """One demo run for the whole session; tests that read it must not change it (tests that
    change a workdir run their own with `run_demo`)."""
    return run_demo(tmp_path_factory.mktemp("demo") / "work")


# ---- a real PostgreSQL, started by the tests (Debian's binaries) --------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass(frozen=True)
class PostgresServer:
    socket_dir: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import uuid

        import psycopg

        name = f"ljd_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A PostgreSQL 15 server for the session, on a unix socket in a temporary directory owned by
    the `postgres` user (initdb refuses to run as root). Skipped, with the reason, where the
    Debian package is not installed or the tests cannot switch to that user."""
    import os
    import pwd
    import shutil
    import subprocess
    import tempfile

    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 不可用：{PG_BIN}/initdb 不存在（apt-get install postgresql-15）")
    try:
        pg_user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("PostgreSQL 不可用：系统中没有 postgres 用户")
    if os.geteuid() != 0 and os.geteuid() != pg_user.pw_uid:
        pytest.skip("PostgreSQL 不可用：需以 root 运行测试（用 runuser 切换到 postgres 用户启动数据库）")
    base = Path(tempfile.mkdtemp(prefix="ljd-pg-"))
    os.chown(base, pg_user.pw_uid, pg_user.pw_gid)
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data, port = base / "data", _free_port()
    subprocess.run([*as_pg, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--locale=C", "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {base} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c max_connections=200"
    subprocess.run([*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "server.log"),
                    "-w", "start"], check=True, capture_output=True)
    try:
        yield PostgresServer(base, port)
    finally:
        subprocess.run([*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The release store's database: a SQLite file, then a fresh database on the test PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ljd.sqlite'}"
    return request.getfixturevalue("postgres").create_database()
