"""The registry of 复核 rules: built-in rules by decorator, local ones from a YAML file.

A region changes a built-in rule's thresholds, severity or switches it off, and adds its own
rules from templates (range, part_of, sum_of), in `<workdir>/checks.yaml` or a file named on
the command line — the same way a region adds its own indicators, without touching code:

```yaml
checks:
  mom_jump:
    params: {max_change: 1.5, min_discharges: 50}
  fund_vs_settlement:
    severity: warning
  missing_institution:
    enabled: false
rules:
  - id: local_l01_range
    template: range
    indicators: [L01]
    min: 0
    max: 1
    title: 地方指标L01取值范围
    note: 本地特色指标L01为比例。
```
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


from ..errors import DefinitionError
from ..overrides import read_override_file
from .model import CheckSpec, Param, RuleFunc, Severity

_BUILTIN: dict[str, CheckSpec] = {}
# Rule templates a region may instantiate from YAML: name -> (builder of a CheckSpec).
_TEMPLATES: dict[str, Callable[[dict, str], CheckSpec]] = {}


def check(check_id: str, *, title: str, rule: str, note: str, reason_codes: dict[str, str],
          severity: Severity = Severity.ERROR, params: dict[str, Param] | None = None,
          uses: tuple[str, ...] = ("results",)) -> Callable[[RuleFunc], RuleFunc]:
    """Register a built-in rule. The function takes (ctx, **params) and yields Outcomes."""

    def decorate(func: RuleFunc) -> RuleFunc:
        if check_id in _BUILTIN:
            raise DefinitionError(f"复核规则编号重复：{check_id}")
        _BUILTIN[check_id] = CheckSpec(
            check_id=check_id, title=title, rule=rule, note=note, reason_codes=dict(reason_codes),
            func=func, severity=severity, params=dict(params or {}), uses=uses,
        )
        return func

    return decorate


def template(name: str) -> Callable:
    """Register a builder that turns a YAML rule entry into a CheckSpec."""

    def decorate(builder: Callable[[dict, str], CheckSpec]) -> Callable[[dict, str], CheckSpec]:
        _TEMPLATES[name] = builder
        return builder

    return decorate


def _ensure_loaded() -> None:
    from . import rules  # noqa: F401 - importing registers the built-in rules


def builtin_checks() -> dict[str, CheckSpec]:
    _ensure_loaded()
    return dict(_BUILTIN)


def template_names() -> list[str]:
    _ensure_loaded()
    return sorted(_TEMPLATES)


def default_overrides_path(workdir: Path) -> Path:
    return Path(workdir) / "checks.yaml"


def load_checks(overrides: Path | str | dict | None = None,
                known_indicators: set[str] | None = None) -> dict[str, CheckSpec]:
    """Built-in rules with a region's overrides and local rules applied, in run order. With
    `known_indicators` (the catalogue's ids, local indicators included), a local rule naming
    any other indicator is an error here, at load, not a rule reported as 不适用 later."""
    specs = builtin_checks()
    data = _read_overrides(overrides)
    origin = str(overrides) if isinstance(overrides, (str, Path)) else "本地配置"
    for check_id, change in (data.get("checks") or {}).items():
        if check_id not in specs:
            raise DefinitionError(
                f"复核配置中的规则 {check_id} 不存在", f"可用规则：{'、'.join(sorted(specs))}"
            )
        specs[check_id] = _apply_override(specs[check_id], change or {})
    for entry in data.get("rules") or []:
        spec = _build_local_rule(entry, origin)
        if spec.check_id in specs:
            raise DefinitionError(f"本地复核规则编号与已有规则重复：{spec.check_id}")
        unknown = [i for i in _named_indicators(entry) if known_indicators is not None and i not in known_indicators]
        if unknown:
            raise DefinitionError(
                f"{origin}：本地复核规则 {spec.check_id} 引用了不存在的指标 {'、'.join(unknown)}",
                "指标编号须是数据底稿的序号（如 28、37）或已登记的地方特色指标（local_indicators.yaml 中的 id）")
        specs[spec.check_id] = spec
    return specs


def _named_indicators(entry: dict) -> list[str]:
    """The indicator ids a local rule names (range: indicators; part_of: part, whole; sum_of: total, items)."""
    ids = [*(entry.get("indicators") or []), *(entry.get("items") or [])]
    ids += [entry[k] for k in ("part", "whole", "total") if entry.get(k) is not None]
    return [str(i) for i in ids]


def _read_overrides(overrides: Path | str | dict | None) -> dict[str, Any]:
    return read_override_file(overrides, what="复核配置文件", sections=("checks", "rules"),
                              meanings=("调整内置规则", "新增本地规则"))


def _apply_override(spec: CheckSpec, change: dict) -> CheckSpec:
    unknown_keys = set(change) - {"params", "severity", "enabled"}
    if unknown_keys:
        raise DefinitionError(f"规则 {spec.check_id} 的配置含未知的键：{'、'.join(sorted(unknown_keys))}",
                              "可用的键：params、severity、enabled")
    params = change.get("params") or {}
    unknown = set(params) - set(spec.params)
    if unknown:
        raise DefinitionError(
            f"规则 {spec.check_id} 没有参数 {'、'.join(sorted(unknown))}",
            f"可用参数：{'、'.join(spec.params) or '无'}",
        )
    severity = change.get("severity")
    if severity is not None and severity not in {s.value for s in Severity}:
        raise DefinitionError(f"规则 {spec.check_id} 的 severity 只能是 error、warning 或 info：{severity}")
    return spec.with_overrides(params=params, severity=severity, enabled=change.get("enabled"))


def _build_local_rule(entry: dict, origin: str) -> CheckSpec:
    _ensure_loaded()
    if not isinstance(entry, dict) or "id" not in entry or "template" not in entry:
        raise DefinitionError(f"本地复核规则须有 id 与 template：{entry}",
                              f"可用模板：{'、'.join(sorted(_TEMPLATES))}")
    name = entry["template"]
    if name not in _TEMPLATES:
        raise DefinitionError(f"本地复核规则 {entry['id']} 的模板 {name} 不存在",
                              f"可用模板：{'、'.join(sorted(_TEMPLATES))}")
    try:
        return _TEMPLATES[name](entry, origin)
    except (KeyError, TypeError, ValueError) as exc:
        raise DefinitionError(
            f"本地复核规则 {entry['id']}（模板 {name}）定义不完整或取值有误：{exc}",
            "range 需要 indicators、min/max；part_of 需要 part、whole；sum_of 需要 total、items；"
            "severity 只能是 error、warning 或 info",
        ) from exc
