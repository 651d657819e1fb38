"""`liangjiadi serve`: the portal (FastAPI under uvicorn). Logic in portal/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigError
from .common import WorkdirOpt, console, friendly_errors


def fast_protocols() -> tuple[dict, str | None]:
    """uvicorn's HTTP parser and event loop: httptools and uvloop (dependencies of the package; a
    C parser and loop cost a worker far less CPU per request than h11 and asyncio's), or, where
    they cannot be imported, the pure-Python ones with a warning for the operator."""
    import importlib.util

    missing = [name for name in ("httptools", "uvloop") if importlib.util.find_spec(name) is None]
    options = {"http": "h11" if "httptools" in missing else "httptools",
               "loop": "asyncio" if "uvloop" in missing else "uvloop"}
    warning = None
    if missing:
        warning = (f"未安装 {'、'.join(missing)}：门户改用纯 Python 的 HTTP 解析或事件循环，每个请求多耗 CPU；"
                   "请在本环境中执行 pip install httptools uvloop（它们是 liangjiadi 的依赖项）")
    return options, warning


def serve(
    workdir: WorkdirOpt = None,
    host: Annotated[str, typer.Option("--host", help="监听地址（缺省仅本机；对外服务请置于反向代理之后）")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="工作进程数（PostgreSQL 时可多进程）")] = 1,
) -> None:
    """启动发布门户：机构在线阅读本机构的发布，医保部门查看阅读情况（须先用 user add 建立用户）。"""
    import uvicorn

    from ..config import get_settings
    from ..releases.store import dispose_engines, engine_for

    with friendly_errors():
        settings = get_settings(workdir=workdir)
        path = Path(settings.workdir)
        if not path.is_dir():
            raise ConfigError(f"工作目录不存在：{path.resolve()}", "请用 --workdir 指定已发布过发布包的工作目录")
        url = settings.resolve_database_url()
        if workers > 1 and url.startswith("sqlite"):
            raise ConfigError("SQLite 数据库只支持单个工作进程", "多进程部署请配置 database_url 指向 PostgreSQL")
        engine_for(settings)  # migrations applied once, before the workers start
        from ..portal.notify import deliver_pending

        announced = deliver_pending(settings)  # published releases not yet announced to their institutions
        dispose_engines()
    # the workers build the app from the environment (uvicorn imports the factory in each process)
    os.environ["LJD_WORKDIR"] = str(path.resolve())
    scheme = "https" if settings.portal_cookie_secure else "http"
    if announced:
        console.print(f"已向 {announced} 个机构用户发出发布通知")
    console.print(f"发布门户：{scheme}://{host}:{port}/  （API 文档：/api/docs，需登录）")
    if settings.portal_cookie_secure and host in ("127.0.0.1", "localhost"):
        console.print("[yellow]会话 Cookie 设为 Secure：浏览器只经 HTTPS 发送。本机 http 试用请设 LJD_PORTAL_COOKIE_SECURE=false。[/]")
    protocols, warning = fast_protocols()
    if warning:
        console.print(f"[yellow]{warning}[/]")
    uvicorn.run("liangjiadi.portal.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", proxy_headers=True, **protocols,
                timeout_worker_healthcheck=30,  # a busy worker is slow, not dead: do not restart it mid-request
                # keep a reader's (or the proxy's) connection open between page views: with uvicorn's 5 s a
                # worker that got no CPU for a moment closed connections a request was already on its way over
                timeout_keep_alive=75)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
