"""Reading a region's override file (复核配置 checks.yaml, 检测配置 detectors.yaml): one YAML
mapping with a section that adjusts the built-ins and a section that adds local ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import DefinitionError


def region_file(configured: Path | str | None, workdir: Path | str, default_name: str) -> Path | None:
    """A region's definition file: the configured path, else `<workdir>/<default_name>` if it
    exists, else None (the built-ins alone)."""
    if configured:
        return Path(configured)
    default = Path(workdir) / default_name
    return default if default.exists() else None


def read_override_file(overrides: Path | str | dict | None, *, what: str, sections: tuple[str, str],
                       meanings: tuple[str, str], missing_hint: str | None = None) -> dict[str, Any]:
    """The parsed mapping ({} for None; a dict passes through). `what` names the file in messages
    (e.g. "复核配置文件"); `sections` are the two allowed top-level keys and `meanings` say what
    each is for. Chinese DefinitionError for a missing file, bad YAML or an unknown key."""
    if overrides is None:
        return {}
    if isinstance(overrides, dict):
        return overrides
    path = Path(overrides)
    if not path.exists():
        raise DefinitionError(f"找不到{what}：{path}", missing_hint)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{what} {path} 不是有效的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise DefinitionError(f"{what} {path} 的顶层应为映射（{' / '.join(sections)}）")
    unknown = set(data) - set(sections)
    if unknown:
        raise DefinitionError(f"{what} {path} 含未知的键：{'、'.join(sorted(unknown))}",
                              f"只允许 {sections[0]}（{meanings[0]}）与 {sections[1]}（{meanings[1]}）")
    return data
