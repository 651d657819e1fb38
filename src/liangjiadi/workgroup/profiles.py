"""Rule profiles: every constraint on the pool, the draw, terms and roles, as data quoted from a seed.

Built in: national (seeds/001), liaoning (seeds/000), changzhi (seeds/002), in rules/*.yaml.
A region may pass its own YAML or TOML file of the same shape (docs/workgroup.md).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from .errors import ProfileError

RULES_DIR = Path(__file__).with_name("rules")
BUILT_IN = ("national", "liaoning", "changzhi")
LEVELS = ("三级", "二级", "一级", "基层")
DRAW_KINDS = ("min_reps", "min_level", "min_level_share", "min_categories", "max_per_institution", "min_members")


@dataclass(frozen=True)
class Clause:
    """A value and the seed text it comes from."""

    value: object
    source: str
    quote: str


@dataclass(frozen=True)
class DrawRule:
    id: str
    kind: str
    value: float
    label: str
    source: str
    quote: str
    levels: tuple[str, ...] = ()

    @property
    def cited(self) -> str:
        return f"{self.label}（{self.source}：“{self.quote}”）"


@dataclass(frozen=True)
class TermRule:
    years_per_term: int
    max_years: int | None
    no_consecutive: bool
    source: str
    quote: str


@dataclass(frozen=True)
class RoleRule:
    role: str
    min: int
    max: int
    source: str
    quote: str
    source_from: str = "any"  # bureau | institution | any
    department: str | None = None
    bureau: tuple[int, int] | None = None  # (min, max) of the role held by bureau staff
    institution: tuple[int, int] | None = None  # (min, max) held by drawn institution representatives


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    max_nominees: Clause
    refuse_third_party: Clause
    bureau_departments: Clause
    draw: tuple[DrawRule, ...]
    terms: TermRule
    roles: tuple[RoleRule, ...] = ()
    dismissal: Clause | None = None
    plan: dict = field(default_factory=dict)

    def rule(self, kind: str) -> DrawRule | None:
        return next((r for r in self.draw if r.kind == kind), None)

    @property
    def max_per_institution(self) -> int:
        rule = self.rule("max_per_institution")
        return int(rule.value) if rule else 10**6

    def as_dict(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        return hashlib.sha256(canonical_json(self.as_dict()).encode("utf-8")).hexdigest()


def canonical_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name, or a region's own YAML/TOML file."""
    text = str(name_or_path)
    if text in BUILT_IN:
        return profile_from_dict(yaml.safe_load((RULES_DIR / f"{text}.yaml").read_text(encoding="utf-8")), text)
    path = Path(text)
    if not path.is_file():
        raise ProfileError(f"规则配置不存在：{text}",
                           "--profile 应为 national（国家手册）、liaoning（辽宁）、changzhi（长治）或本地区规则文件（YAML/TOML）的路径")
    try:
        raw = path.read_text(encoding="utf-8")
        data = tomllib.loads(raw) if path.suffix.lower() == ".toml" else yaml.safe_load(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ProfileError(f"规则文件 {path} 无法解析：{type(exc).__name__}",
                           "请检查文件是否为 UTF-8 编码的 YAML 或 TOML") from None
    return profile_from_dict(data, str(path))


def profile_from_dict(data, where: str) -> Profile:
    """Build and check a profile; every problem names the file and the key."""
    if not isinstance(data, dict):
        raise ProfileError(f"规则文件 {where}：顶层应为键值表")

    def need(mapping, key, ctx):
        if not isinstance(mapping, dict) or key not in mapping:
            raise ProfileError(f"规则文件 {where}：{ctx} 缺少 {key}", "格式见 docs/workgroup.md 第 2 节")
        return mapping[key]

    def clause(key) -> Clause:
        entry = need(need(data, "nomination", "顶层"), key, "nomination")
        return Clause(need(entry, "value", f"nomination.{key}"), str(need(entry, "source", f"nomination.{key}")),
                      str(need(entry, "quote", f"nomination.{key}")))

    rules = []
    for i, entry in enumerate(need(data, "draw", "顶层") or []):
        ctx = f"draw 第 {i + 1} 条"
        kind = need(entry, "kind", ctx)
        if kind not in DRAW_KINDS:
            raise ProfileError(f"规则文件 {where}：{ctx} 的 kind「{kind}」未知", f"应为 {'、'.join(DRAW_KINDS)} 之一")
        value = need(entry, "value", ctx)
        if not isinstance(value, int | float) or value < 0 or (kind == "min_level_share" and value >= 1):
            raise ProfileError(f"规则文件 {where}：{ctx} 的 value「{value}」不是有效数值",
                               "人数为非负整数；比例为 0 到 1 之间的小数（如 0.25）")
        levels = tuple(entry.get("levels") or ())
        if kind in ("min_level", "min_level_share") and (not levels or set(levels) - set(LEVELS)):
            raise ProfileError(f"规则文件 {where}：{ctx} 的 levels 应为 {'/'.join(LEVELS)} 中的一个或几个")
        rules.append(DrawRule(str(need(entry, "id", ctx)), kind, value, str(need(entry, "label", ctx)),
                              str(need(entry, "source", ctx)), str(need(entry, "quote", ctx)), levels))
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ProfileError(f"规则文件 {where}：draw 中有重复的 id")
    terms = need(data, "terms", "顶层")
    term_rule = TermRule(int(need(terms, "years_per_term", "terms")), terms.get("max_years"),
                         bool(terms.get("no_consecutive", False)), str(need(terms, "source", "terms")),
                         str(need(terms, "quote", "terms")))
    roles = []
    for i, entry in enumerate(data.get("roles") or []):
        ctx = f"roles 第 {i + 1} 条"
        roles.append(RoleRule(str(need(entry, "role", ctx)), int(need(entry, "min", ctx)), int(need(entry, "max", ctx)),
                              str(need(entry, "source", ctx)), str(need(entry, "quote", ctx)),
                              str(entry.get("from", "any")), entry.get("department"),
                              tuple(entry["bureau"]) if entry.get("bureau") else None,
                              tuple(entry["institution"]) if entry.get("institution") else None))
    dismissal = data.get("dismissal")
    return Profile(
        name=str(data.get("name") or Path(where).stem), title=str(data.get("title") or where),
        max_nominees=clause("max_nominees_per_institution"), refuse_third_party=clause("refuse_third_party"),
        bureau_departments=clause("bureau_departments"), draw=tuple(rules), terms=term_rule, roles=tuple(roles),
        dismissal=Clause(True, str(dismissal["source"]), str(dismissal["quote"])) if dismissal else None,
        plan=dict(data.get("plan") or {}),
    )


def profile_from_frozen(data: dict) -> Profile:
    """The profile as frozen into a draw directory (`as_dict`), for `group verify`."""
    def clause(d):
        return Clause(d["value"], d["source"], d["quote"])

    t = data["terms"]
    return Profile(
        name=data["name"], title=data["title"], max_nominees=clause(data["max_nominees"]),
        refuse_third_party=clause(data["refuse_third_party"]), bureau_departments=clause(data["bureau_departments"]),
        draw=tuple(DrawRule(**{**r, "levels": tuple(r.get("levels") or ())}) for r in data["draw"]),
        terms=TermRule(**t),
        roles=tuple(RoleRule(**{**r, "bureau": tuple(r["bureau"]) if r.get("bureau") else None,
                                "institution": tuple(r["institution"]) if r.get("institution") else None})
                    for r in data.get("roles") or ()),
        dismissal=clause(data["dismissal"]) if data.get("dismissal") else None,
        plan=dict(data.get("plan") or {}),
    )
