"""The working group's one store: `<workdir>/workgroup/store.json` (pool, terms, draws, roles, meetings, people).

A small JSON document written whole (temporary file, then rename), so an interrupted command
leaves the previous version. The CLI holds the work directory's lock while it writes.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path

from .errors import WorkgroupError
from .pool import Person

STORE_FORMAT = "liangjiadi-workgroup/1"
# people: 单位编码/姓名 -> the member id in the one registry of people (workgroup/people.py)
EMPTY = {"format": STORE_FORMAT, "pool": [], "terms": [], "draws": [], "roles": [], "meetings": [], "people": {}}


def store_path(workdir: Path) -> Path:
    return Path(workdir) / "workgroup" / "store.json"


def load(workdir: Path) -> dict:
    path = store_path(workdir)
    if not path.is_file():
        return json.loads(json.dumps(EMPTY))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkgroupError(f"工作组记录 {path} 无法读取（{type(exc).__name__}）",
                             "文件可能被手工改坏；请从备份恢复") from None
    if data.get("format") != STORE_FORMAT:
        raise WorkgroupError(f"工作组记录 {path} 的格式不是 {STORE_FORMAT}")
    for key, value in EMPTY.items():
        data.setdefault(key, json.loads(json.dumps(value)))
    return data


def save(workdir: Path, data: dict) -> Path:
    path = store_path(workdir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".store-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)
    return path


_PERSON_FIELDS = [f.name for f in fields(Person)]


def person_from(data: dict) -> Person:
    return Person(**{k: data.get(k, "") for k in _PERSON_FIELDS})


def pool_of(data: dict) -> list[Person]:
    return sorted(person_from(p) for p in data["pool"])
