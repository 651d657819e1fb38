"""`liangjiadi serve` runs uvicorn with the C HTTP parser and event loop (httptools, uvloop: package
dependencies), and says so in Chinese where they are missing."""

from __future__ import annotations

import importlib.util

from liangjiadi.cli import serve


def test_the_server_uses_httptools_and_uvloop():
    options, warning = serve.fast_protocols()
    assert options == {"http": "httptools", "loop": "uvloop"} and warning is None
    # and uvicorn can load them as named (the same classes its "auto" would pick)
    from uvicorn.config import Config

    config = Config("liangjiadi.portal.app:create_app", factory=True, **options)
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    loop = config.get_loop_factory()()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()


def test_without_them_the_pure_python_ones_are_used_with_a_warning(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "httptools" else real(name, *a))
    options, warning = serve.fast_protocols()
    assert options == {"http": "h11", "loop": "uvloop"}
    assert "httptools" in warning and "pip install" in warning
