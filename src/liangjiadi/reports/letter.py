"""提醒函: the Word letter to one named institution (seeds/001 §六(七), 附录2(三)).

`issue_letters` records the letters through the releases layer (releases/letters.py) and writes
one .docx per institution under `<workdir>/letters/<release id>/`: the findings from the
release and their evidence, the self-check asked for, the deadline in working days, and the 回执
to sign in the portal. The portal and `liangjiadi letter issue` both call it.
"""

from __future__ import annotations

import json
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from ..config import Settings
from ..releases import get_release
from ..releases import letters as L
from ..releases.model import KIND_CN, Kind
from .fonts import cjk_document

SEVERITY_CN = {"high": "高", "medium": "中", "low": "低"}
EVIDENCE_CN = {"cases": "涉及人次", "persons": "涉及人数", "screened_persons": "筛查人数", "joint_admissions": "同日入院次数",
               "p_value": "偶然出现的概率", "expected_by_chance": "偶然出现的期望次数", "distance_km": "两地距离（公里）",
               "minutes": "间隔（分钟）", "speed_kmh": "折合时速（公里/小时）", "threshold_kmh": "判定阈值（公里/小时）"}


def _evidence(evidence: dict) -> str:
    parts = [f"{EVIDENCE_CN[k]}：{v}" for k, v in evidence.items() if k in EVIDENCE_CN and v not in (None, "")]
    return "；".join(parts) or "详见线索说明"


def render_letter(letter: dict, region_name: str, days: int, path: Path) -> Path:
    """One letter as a Word document at `path`."""
    doc = cjk_document()
    title = doc.add_heading("医保数据工作组点名提醒函", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    no = doc.add_paragraph(f"（第{letter['id']}号）")
    no.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{letter['institution_name'] or letter['fixmedins_code']}（机构编码 {letter['fixmedins_code']}）：")
    doc.add_paragraph(f"根据{region_name}医保数据工作组{_release_label(letter)}的疑点线索，贵单位有以下"
                      f"{len(letter['findings'])}条线索需要核实。按照数据工作组工作规则，现予点名提醒。")
    doc.add_heading("一、疑点线索及依据", level=1)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["序号", "线索类型（严重程度）", "线索说明", "依据"]):
        cell.text = text
    for i, f in enumerate(letter["findings"], 1):
        cells = table.add_row().cells
        cells[0].text = str(i)
        cells[1].text = f"{f['pattern_name']}（{SEVERITY_CN.get(f['severity'], '—')}）"
        cells[2].text = f["message"]
        cells[3].text = _evidence(f.get("evidence") or {})
    doc.add_heading("二、请开展的自查", level=1)
    doc.add_paragraph(letter["selfcheck"])
    doc.add_heading("三、期限", level=1)
    doc.add_paragraph(f"请于 {letter['due_on']} 前（发函后{days}个工作日内）在医保数据发布门户签署回执并上传自查报告。"
                      "逾期未报送的，数据工作组将予以督办；自查未能说明的问题，移交医保经办机构或基金监管部门核查。")
    doc.add_heading("四、回执", level=1)
    doc.add_paragraph("本单位已收到上述提醒函，将按要求开展自查并按期报送自查报告。（请在门户“提醒函”页签署回执。）")
    end = doc.add_paragraph(f"{region_name}医疗保障局 医保数据工作组")
    end.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    issued = doc.add_paragraph((letter.get("issued_at") or "")[:10])
    issued.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def _release_label(letter: dict) -> str:
    """"2025年12月月度发布（第1版）": the release in words (its id is not for a letter)."""
    from ..period import Window

    version = letter["release_id"].rsplit("-v", 1)[-1]
    return f"{Window.parse(letter['period']).label}{KIND_CN.get(Kind(letter['kind']), '')}（第{version}版）"


def letter_path(settings: Settings, letter: dict) -> Path:
    return Path(settings.workdir) / "letters" / letter["release_id"] / f"提醒函_{letter['id']}_{letter['fixmedins_code']}.docx"


def issue_letters(settings: Settings, release_id: str, actor: str, codes: list[str] | None = None,
                  selfcheck: str | None = None, days: int | None = None) -> list[dict]:
    """Record the letters (releases/letters.py) and write each one's Word document."""
    release = get_release(release_id, settings)
    made = L.issue(settings, release, actor, codes=codes, selfcheck=selfcheck, days=days)
    context = release.path_of("context.json")
    frozen_name = json.loads(context.read_text(encoding="utf-8")).get("region_name") if context.exists() else None
    region = frozen_name or settings.region_name or release.admdvs
    out = []
    for letter in made:
        path = render_letter(letter, region, days or settings.letter_selfcheck_days, letter_path(settings, letter))
        relative = path.relative_to(Path(settings.workdir)).as_posix()
        L.set_document(settings, letter["id"], relative)
        out.append({**letter, "document": relative})
    return out
