"""CPU per portal request, in one process: the dashboard, the release page and the institution's
JSON, each asked N times by one logged-in institution user through the ASGI app directly (no
sockets, no threads: FastAPI's thread pool is replaced by a direct call, so that process CPU time
is the request's). A figure that other tasks on the machine change little, unlike latency.

    python bench/portal_cpu.py --workdir DEMO_WORKDIR [--n 200] [--profile]

The demo's release rows are copied into a throwaway SQLite database next to a link to its
bundles; the demo work directory itself is not written. --profile prints the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import time
import warnings
from pathlib import Path

PW = "bench-password-2026"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")

    import fastapi.routing
    import starlette.concurrency

    async def inline(func, *a, **k):
        return func(*a, **k)

    starlette.concurrency.run_in_threadpool = inline
    fastapi.routing.run_in_threadpool = inline

    import httpx
    from sqlalchemy import create_engine, insert, inspect, select

    from liangjiadi.accounts import add_user
    from liangjiadi.config import Settings
    from liangjiadi.portal import create_app
    from liangjiadi.releases.store import ReleaseRow, engine_for

    demo = args.workdir.resolve()
    work = Path(tempfile.mkdtemp(prefix="ljd-portal-cpu-")) / "work"
    work.mkdir()
    (work / "releases").symlink_to(demo / "releases", target_is_directory=True)
    settings = Settings(workdir=work, portal_cookie_secure=False)
    source = create_engine(f"sqlite:///{demo / 'ljd.sqlite'}")
    have = {c["name"] for c in inspect(source).get_columns("ljd_releases")}
    with source.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(*[c for c in ReleaseRow.__table__.c if c.name in have]))]
    with engine_for(settings).begin() as conn:
        conn.execute(insert(ReleaseRow.__table__), rows)
    release = max((r for r in rows if r["state"] == "published" and r["kind"] == "monthly"), key=lambda r: r["period"])
    code = json.loads((demo / release["bundle_dir"] / "institutions.json").read_text(encoding="utf-8"))[0]["code"]
    add_user("cpu", "institution", PW, settings, actor="bench", fixmedins=code, admdvs=release["admdvs"])
    app = create_app(settings)
    rid = release["release_id"]
    paths = {"机构看板页": f"/releases/{rid}/institutions/{code}", "发布详情页": f"/releases/{rid}",
             "本机构 JSON": f"/api/releases/{rid}/institutions/{code}"}

    async def run():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            assert (await client.post("/api/login", json={"username": "cpu", "password": PW})).status_code == 200
            for path in paths.values():  # the first view of each renders and caches
                assert (await client.get(path)).status_code == 200, path
            for name, path in paths.items():
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.n):
                    await client.get(path)
                print(f"{name}: CPU {1000 * (time.process_time() - cpu) / args.n:.1f} ms/请求，"
                      f"耗时 {1000 * (time.perf_counter() - wall) / args.n:.1f} ms/请求（{args.n} 次）")
            if args.profile:
                for name, path in paths.items():
                    profile = cProfile.Profile()
                    profile.enable()
                    for _ in range(50):
                        await client.get(path)
                    profile.disable()
                    print(f"===== {name}")
                    pstats.Stats(profile).sort_stats("tottime").print_stats(25)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
