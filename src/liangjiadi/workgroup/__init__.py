"""The working group itself (数据工作组): member pool, the auditable draw, terms, roles, the yearly plan.

    from liangjiadi.workgroup import load_profile, import_pool, run_draw, verify_dir
    profile = load_profile("liaoning")
    import_pool(workdir, Path("成员库.xlsx"), profile)
    run_draw(workdir, profile, seed="2026-01-05|12345", out=Path("抽选"), year=2026)
    verify_dir(Path("抽选"))  # [] when the result is proven

Rules are data (rules/*.yaml, each quoting its seed clause; docs/workgroup.md). Layer 7: may read
releases (the plan's actuals), never the engine or the lake.
"""

from .draw import DrawFailed, DrawResult, draw, evaluate, seed_from, ticket
from .drawdir import verify_dir, write_draw_dir
from .errors import ProfileError, WorkgroupError
from .pool import COLUMNS, Person, RowProblem
from .profiles import BUILT_IN, Profile, load_profile
from .service import appoint, import_pool, person_key, replace_member, run_draw, status

__all__ = [
    "BUILT_IN", "COLUMNS", "DrawFailed", "DrawResult", "Person", "Profile", "ProfileError", "RowProblem",
    "WorkgroupError", "appoint", "draw", "evaluate", "import_pool", "load_profile", "person_key", "replace_member",
    "run_draw", "seed_from", "status", "ticket", "verify_dir", "write_draw_dir",
]
