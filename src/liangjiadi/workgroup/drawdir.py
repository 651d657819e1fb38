"""A draw's directory: everything needed to re-run it, and the 抽选结果公示.

    pool.csv        the eligible pool the draw read (nominees and bureau staff), same columns as the import
    fixed.csv       (replacement draws) the representatives already serving, kept
    profile.json    the rule profile, frozen
    result.csv      the drawn group's institution representatives, same columns
    draw_log.json   inputs (seed, hashes of pool and profile, exclusions), every step, every rule's outcome
    抽选结果公示.docx the public notice

`verify_dir` re-runs the draw from these files and proves the result and every rule.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputFileError, LjdError
from .draw import DrawResult, draw
from .pool import COLUMNS, Person, pool_digest, read_rows, write_csv
from .profiles import Profile, canonical_json, profile_from_frozen
from .word import add_table, new_document, save

# /2: the draw is the exact search in ticket order (draw.py); /1 was a greedy draw that could fail on a
# pool able to satisfy the rules
LOG_FORMAT = "liangjiadi-group-draw/2"
NOTICE = "抽选结果公示.docx"
KIND_CN = {"initial": "年度抽选", "replacement": "补充抽选"}


@dataclass(frozen=True)
class Exclusion:
    person: Person
    reason: str


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_draw_dir(out: Path, profile: Profile, pool: list[Person], seed: str, result: DrawResult, *,
                   kind: str = "initial", year: int, region: str = "", excluded: list[Exclusion] = (),
                   fixed: list[Person] = (), target: int = 0, note: str = "") -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "pool.csv", sorted(pool))
    if fixed:
        write_csv(out / "fixed.csv", list(fixed))
    (out / "profile.json").write_text(canonical_json(profile.as_dict()), encoding="utf-8")
    write_csv(out / "result.csv", result.chosen)
    new_keys = {s.person.key for s in result.steps}
    log = {
        "format": LOG_FORMAT,
        "kind": kind,
        "year": year,
        "region": region,
        "seed": seed,
        "ticket_rule": "抽签号 = SHA-256(种子|单位编码|姓名) 的十六进制；按从小到大逐一考察，取此人后仍能从其后的人选中"
                       "补足一个满足全部规则的工作组则取，否则跳过",
        "profile": profile.name,
        "profile_sha256": _sha(out / "profile.json"),
        "pool_sha256": pool_digest(pool),
        "pool_file_sha256": _sha(out / "pool.csv"),
        "pool_size": len(pool),
        "bureau_count": sum(p.is_bureau for p in pool),
        "excluded": [{"单位编码": e.person.单位编码, "单位名称": e.person.单位名称, "姓名": e.person.姓名,
                      "原因": e.reason} for e in excluded],
        "fixed": [p.key for p in fixed],
        "target": target,
        "note": note,
        "steps": [{"序号": i, **{c: getattr(s.person, c) for c in COLUMNS[:5]}, "抽签号": s.ticket, "依据": s.reason}
                  for i, s in enumerate(result.steps, 1)],
        "skipped": [{**{c: getattr(s.person, c) for c in COLUMNS[:2]}, "抽签号": s.ticket, "原因": s.reason}
                    for s in result.skipped],
        "outcomes": [{"id": o.rule.id, "规则": o.rule.label, "要求": o.required, "实际": o.actual, "满足": o.ok,
                      "出处": o.rule.source} for o in result.outcomes],
        "result_sha256": _sha(out / "result.csv"),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (out / "draw_log.json").write_text(json.dumps(log, ensure_ascii=False, indent=2), encoding="utf-8")
    write_notice(out / NOTICE, profile, pool, result, log, new_keys)
    return out


def write_notice(path: Path, profile: Profile, pool: list[Person], result: DrawResult, log: dict,
                 new_keys: set[str]) -> Path:
    region = log["region"] or "本统筹地区"
    doc = new_document(f"{region}医保数据工作组定点医疗机构代表{KIND_CN[log['kind']]}结果公示")
    doc.add_paragraph(
        f"根据《{profile.title}》，{region}医疗保障部门于 {log['year']} 年从工作组成员库中随机抽取定点医疗机构代表。"
        f"抽选种子在抽选前公布，抽选过程与结果如下，接受纪检监察部门和社会监督。")
    doc.add_heading("一、抽选依据与种子", level=1)
    doc.add_paragraph(f"规则：{profile.title}（规则文件摘要 SHA-256：{log['profile_sha256']}）")
    doc.add_paragraph(f"抽选种子：{log['seed']}")
    if log["note"]:
        doc.add_paragraph(f"说明：{log['note']}")
    doc.add_paragraph(f"成员库：{log['pool_size']} 人（其中医保部门人员 {log['bureau_count']} 人），"
                      f"成员库摘要 SHA-256：{log['pool_sha256']}；因任期规则不参加本次抽选 {len(log['excluded'])} 人。")
    doc.add_paragraph("抽签号 = SHA-256(“种子|单位编码|姓名”)。工作组人数取规则允许且成员库能够满足的最小人数；"
                      "按抽签号从小到大逐一考察推荐人选，取此人后仍能从抽签号更大的人选中补足满足全部规则的工作组则取，"
                      "否则跳过（跳过的人与原因记入抽选日志）；同一机构的代表不超过规则规定人数。"
                      "任何人可用成员库、种子与规则文件复核（liangjiadi group verify）。")
    doc.add_heading("二、抽选结果", level=1)
    add_table(doc, ["序号", "姓名", "单位名称", "单位级别", "单位类别", "岗位", "抽签号（前 12 位）", "说明"],
              [[i, p.姓名, p.单位名称, p.单位级别, p.单位类别, p.岗位, result.tickets.get(p.key, "")[:12],
                "本次抽中" if p.key in new_keys else "留任"] for i, p in enumerate(result.chosen, 1)])
    bureau = [p for p in pool if p.is_bureau]
    if bureau:
        doc.add_paragraph("")
        doc.add_paragraph("医保部门成员（不参加抽选）：" + "；".join(f"{p.姓名}（{p.部门}）" for p in bureau))
    doc.add_heading("三、规则核对", level=1)
    add_table(doc, ["规则", "要求", "实际", "是否满足", "出处"],
              [[o["规则"], o["要求"], o["实际"], "满足" if o["满足"] else "不满足", o["出处"]] for o in log["outcomes"]])
    doc.add_heading("四、公示与监督", level=1)
    doc.add_paragraph("公示期为 5 个工作日。对抽选过程和结果有异议的，可在公示期内向医疗保障部门或纪检监察部门反映。")
    doc.add_paragraph(f"生成时间：{log['created_at']}（UTC）")
    return save(doc, path)


def _read_people(path: Path, profile: Profile) -> list[Person]:
    """A file this module wrote, read as it stands: the import's nomination rules were applied when
    the pool was built (perhaps under another profile), so they are not applied again here."""
    departments = list(profile.bureau_departments.value)
    people = []
    for _line, r in read_rows(path):
        person = Person(r["单位编码"], r["姓名"], r["单位名称"], r["单位级别"], r["单位类别"], r["岗位"], r["是否第三方运维"])
        if person.is_bureau:
            person = replace(person, 部门=next((d for d in departments if d in person.岗位), ""))
        people.append(person)
    return people


def verify_dir(directory: Path) -> list[str]:
    """Re-run the draw from its directory. Returns every problem found (empty: result proven)."""
    d = Path(directory)
    problems: list[str] = []
    needed = ["draw_log.json", "profile.json", "pool.csv", "result.csv"]
    missing = [n for n in needed if not (d / n).is_file()]
    if missing:
        return [f"抽选目录 {d} 缺少文件：{'、'.join(missing)}"]
    try:
        log = json.loads((d / "draw_log.json").read_text(encoding="utf-8"))
        frozen = json.loads((d / "profile.json").read_text(encoding="utf-8"))
        profile = profile_from_frozen(frozen)
    except (ValueError, KeyError, TypeError) as exc:
        return [f"抽选日志或规则文件无法读取（{type(exc).__name__}）"]
    if log.get("format") != LOG_FORMAT:
        return [f"抽选日志格式是 {log.get('format')}，不是 {LOG_FORMAT}（/1 为旧版逐条规则抽取的结果，本版本按新的抽选方法复核，不能复现）"]
    if _sha(d / "profile.json") != log.get("profile_sha256"):
        problems.append("profile.json 与抽选日志记录的规则摘要不一致（规则文件被改动）")
    try:
        pool = _read_people(d / "pool.csv", profile)
        chosen = _read_people(d / "result.csv", profile)
        fixed = _read_people(d / "fixed.csv", profile) if (d / "fixed.csv").is_file() else []
    except LjdError as exc:
        return problems + [exc.message]
    if pool_digest(pool) != log.get("pool_sha256"):
        problems.append("pool.csv 与抽选日志（及公示）记录的成员库摘要不一致（成员库被改动）")
    if [p.key for p in fixed] != list(log.get("fixed") or []):
        problems.append("fixed.csv 与抽选日志记录的留任成员不一致")
    rerun = draw(profile, pool, str(log.get("seed", "")), fixed=fixed, target=int(log.get("target") or 0))
    expected = [p.row() for p in rerun.chosen]
    actual = [p.row() for p in chosen]
    if expected != actual:
        extra = sorted({tuple(r) for r in map(tuple, actual)} - {tuple(r) for r in map(tuple, expected)})
        lack = sorted({tuple(r) for r in map(tuple, expected)} - {tuple(r) for r in map(tuple, actual)})
        detail = []
        if extra:
            detail.append("结果中多出：" + "、".join(f"{r[0]}（{r[2]}）" for r in extra))
        if lack:
            detail.append("结果中缺少：" + "、".join(f"{r[0]}（{r[2]}）" for r in lack))
        if not detail:
            detail.append("人员相同但顺序或内容不同")
        problems.append("按种子与成员库重新抽选的结果与 result.csv 不同：" + "；".join(detail))
    if _sha(d / "result.csv") != log.get("result_sha256"):
        problems.append("result.csv 与抽选日志记录的结果摘要不一致（结果文件被改动）")
    for outcome in rerun.unmet:
        problems.append(f"不满足规则：{outcome.describe()}（{outcome.rule.source}）")
    return problems


def read_log(directory: Path) -> dict:
    path = Path(directory) / "draw_log.json"
    if not path.is_file():
        raise InputFileError(path, "不存在", "请指定 liangjiadi group draw --out 写出的抽选目录")
    return json.loads(path.read_text(encoding="utf-8"))


def read_result(directory: Path) -> list[dict[str, str]]:
    with open(Path(directory) / "result.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
