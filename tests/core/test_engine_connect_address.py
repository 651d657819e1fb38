"""A Spark Connect address (`spark_master = "sc://host:port"`) nothing listens on is refused at
once, in Chinese, naming the address: PySpark's own client retries its first request for
minutes, so a mistyped address used to hang the command (found while testing the Connect
server: a session whose server was gone took 10 minutes to stop).

Needs only the pyspark package (the Connect client starts no JVM)."""

from __future__ import annotations

import socket

import pytest

from liangjiadi import engine as engine_module
from liangjiadi.config import Settings
from liangjiadi.errors import EngineError

pytest.importorskip("pyspark")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free again once closed: nothing listens there


def _settings(tmp_path, master: str) -> Settings:
    return Settings(workdir=tmp_path, engine="pyspark", spark_master=master,
                    pseudonym_key="test-key-padded-to-at-least-32-bytes")


def test_a_connect_address_nothing_listens_on_is_refused_naming_it(tmp_path):
    port = _closed_port()
    with pytest.raises(EngineError, match=f"无法连接 Spark Connect 服务（127.0.0.1:{port}）") as err:
        engine_module.open_engine(_settings(tmp_path, f"sc://127.0.0.1:{port}"))
    assert "docs/deploy.md" in err.value.hint
    assert engine_module.spark_master_in_use() is None  # no session was made


@pytest.mark.parametrize("master", ["sc://", "sc://:15002", "sc://host:notaport"])
def test_a_malformed_connect_address_is_refused_in_chinese(tmp_path, master):
    with pytest.raises(EngineError, match="Spark Connect 地址"):
        engine_module.open_engine(_settings(tmp_path, master))


def test_the_probe_passes_a_listening_address_and_reads_the_default_port(monkeypatch):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        engine_module._connect_reachable(f"sc://127.0.0.1:{port}/;user_id=ljd")  # no error
        monkeypatch.setattr(engine_module, "CONNECT_DEFAULT_PORT", port)
        engine_module._connect_reachable("sc://127.0.0.1")  # no port: Spark Connect's default


@pytest.mark.parametrize("master", ["sc://127.0.0.1:{port}/;token=s3cret-token;user_id=ljd",
                                    "sc://host:notaport/;token=s3cret-token",
                                    "mesos://admin:s3cret-token@host:5050"])
def test_an_access_token_in_the_address_is_never_shown(tmp_path, master):
    """Spark Connect carries its access token in the address (`;token=`); a refusal names the
    address without it (and without a user:password@ part)."""
    with pytest.raises(EngineError) as err:
        engine_module.open_engine(_settings(tmp_path, master.format(port=_closed_port())))
    assert "s3cret" not in str(err.value) and "s3cret" not in err.value.hint
    assert "Spark" in str(err.value)
