"""What the CLI (and later the portal) calls: import the pool, draw, replace, appoint, status."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import store
from .draw import DrawFailed, DrawResult, draw
from .drawdir import write_draw_dir
from .errors import WorkgroupError
from .pool import Person, RowProblem, read_rows, validate
from .profiles import Profile
from .terms import DISMISSED, SERVING, check_roles, eligibility, end_term, record_draw, serving


@dataclass
class ImportReport:
    added: int
    updated: int
    total: int
    problems: list[RowProblem]


def import_pool(workdir: Path, path: Path, profile: Profile, *, replace: bool = False) -> ImportReport:
    """Merge (or with `replace`, replace) the pool with the good rows of `path`; bad rows are reported."""
    data = store.load(workdir)
    existing = [] if replace else store.pool_of(data)
    people, problems = validate(path, read_rows(path), profile, existing)
    by_key = {p.key: p for p in existing}
    added = sum(p.key not in by_key for p in people)
    updated = len(people) - added
    for person in people:
        by_key[person.key] = person
    data["pool"] = [p.as_dict() for p in sorted(by_key.values())]
    store.save(workdir, data)
    return ImportReport(added, updated, len(by_key), problems)


def _fresh(out: Path) -> None:
    """A draw directory is written once: an old draw's files left beside a new one would not verify."""
    if Path(out).exists() and any(Path(out).iterdir()):
        raise WorkgroupError(f"抽选目录 {out} 已存在且不为空", "每次抽选写入一个新目录（已公示的抽选目录不要覆盖）")


def _sync(workdir: Path, year: int, registry, actor: str) -> None:
    """The one registry of people follows the group (workgroup/people.py); skipped without a registry."""
    if registry is not None:
        from .people import sync_registry

        sync_registry(workdir, year, registry, actor)


def run_draw(workdir: Path, profile: Profile, seed: str, out: Path, *, year: int, region: str = "",
             note: str = "", registry=None, actor: str = "") -> tuple[DrawResult, Path]:
    _fresh(out)
    data = store.load(workdir)
    if not data["pool"]:
        raise WorkgroupError("成员库为空", "请先用 liangjiadi group pool import 导入成员库")
    if serving(data, year):
        raise WorkgroupError(f"{year} 年工作组已抽选（{len(serving(data, year))} 名代表在任）",
                             "成员退出或被解除时用 liangjiadi group replace 补充抽选")
    pool, excluded = eligibility(profile, data, store.pool_of(data), year)
    result = draw(profile, pool, seed)
    if not result.ok:
        raise DrawFailed(result, profile, excluded)
    write_draw_dir(out, profile, pool, seed, result, kind="initial", year=year, region=region, excluded=excluded,
                   note=note)
    record_draw(data, year=year, kind="initial", directory=str(Path(out).resolve()), seed=seed, profile=profile.name,
                seated=result.chosen)
    store.save(workdir, data)
    _sync(workdir, year, registry, actor)
    return result, Path(out)


def replace_member(workdir: Path, profile: Profile, *, year: int, key: str, status: str, reason: str, seed: str,
                   out: Path, region: str = "", registry=None, actor: str = "") -> tuple[DrawResult, Path]:
    """Record a withdrawal or dismissal and draw the replacement at once, keeping every rule."""
    _fresh(out)
    data = store.load(workdir)
    before = serving(data, year)
    end_term(data, year=year, key=key, status=status, reason=reason)
    kept = serving(data, year)
    # whoever sat in this year's group and left (now, or by an earlier withdrawal) is not drawn back
    leaving = {t["key"] for t in data["terms"] if t["year"] == year and t["status"] != SERVING}
    pool, excluded = eligibility(profile, data, store.pool_of(data), year)
    pool = [p for p in pool if p.key not in leaving and p.key not in {k.key for k in kept}]
    result = draw(profile, pool, seed, fixed=kept, target=len(before))
    if not result.ok:
        raise DrawFailed(result, profile, excluded)
    cite = ""
    if status == DISMISSED and profile.dismissal:
        cite = f"（{profile.dismissal.source}：“{profile.dismissal.quote}”）"
    note = f"{key.split('/', 1)[0]} 单位代表{status}：{reason}{cite}；补充抽选，保持原人数 {len(before)} 人与全部规则。"
    write_draw_dir(out, profile, pool, seed, result, kind="replacement", year=year, region=region,
                   excluded=excluded, fixed=kept, target=len(before), note=note)
    new = [p for p in result.chosen if p.key not in {k.key for k in kept}]
    record_draw(data, year=year, kind="replacement", directory=str(Path(out).resolve()), seed=seed,
                profile=profile.name, seated=new)
    for term in data["terms"]:
        if term["key"] == key and term["year"] == year and term["status"] == status:
            term["replaced_by"] = [p.key for p in new]
    store.save(workdir, data)
    _sync(workdir, year, registry, actor)
    return result, Path(out)


def appoint(workdir: Path, profile: Profile, *, year: int, role: str, key: str, registry=None,
            actor: str = "") -> list[str]:
    """Record a role holder (组长, 副组长, 召集人); returns the role rules still unmet."""
    data = store.load(workdir)
    known = {p.key for p in store.pool_of(data)}
    if key not in known:
        raise WorkgroupError(f"成员库中没有 {key}", "成员写作 单位编码/姓名，见 liangjiadi group pool list")
    if role not in {r.role for r in profile.roles}:
        roles = "、".join(r.role for r in profile.roles) or "（无）"
        raise WorkgroupError(f"规则「{profile.title}」没有「{role}」这一职务", f"可设的职务：{roles}")
    data["roles"].append({"year": year, "role": role, "key": key})
    store.save(workdir, data)
    _sync(workdir, year, registry, actor)
    return check_roles(profile, data, year)


def status(workdir: Path, profile: Profile, year: int) -> dict:
    data = store.load(workdir)
    pool = store.pool_of(data)
    return {
        "pool": pool,
        "bureau": [p for p in pool if p.is_bureau],
        "serving": serving(data, year),
        "left": [t for t in data["terms"] if t["year"] == year and t["status"] != SERVING],
        "roles": [r for r in data["roles"] if r["year"] == year],
        "role_problems": check_roles(profile, data, year),
        "draws": [d for d in data["draws"] if d["year"] == year],
    }


def person_key(text: str) -> str:
    if "/" not in text:
        raise WorkgroupError(f"成员「{text}」的写法不对", "写作 单位编码/姓名，例如 H14040001/张三")
    return text.strip()


__all__ = ["ImportReport", "Person", "appoint", "import_pool", "person_key", "replace_member", "run_draw", "status"]
