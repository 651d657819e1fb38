"""The roles of the portal's users (seeds/001 §八(四) 知悉范围; 三员分立 for the administrators).

Each role says which region code it needs and what it may read; the portal's authorization
(portal/access.py) is written against these names only.
"""

from __future__ import annotations

ROLE_CN = {
    "sysadmin": "系统管理员",
    "secadmin": "安全管理员",
    "auditor": "审计管理员",
    "officer": "地区数据专员",
    "member": "数据工作组成员",
    "convener": "数据工作组召集人",
    "institution": "定点医药机构用户",
    "county": "县区查看人员",
    "province": "省级查看人员",
    "supervisor": "监督席位（只读，限期）",
}

# 三员分立: the administrators manage the system, security and audit, and never read the data.
ADMIN_ROLES = frozenset({"sysadmin", "secadmin", "auditor"})
# The region's own staff: every release of their region, drafts included (they review them).
REGION_STAFF = frozenset({"officer", "member", "convener"})
# Roles that are people of the working group: each is linked to a release member (releases/members.py).
GROUP_ROLES = frozenset({"member", "convener"})
# Roles that must name a region code (admdvs): the region, or the county / province viewed.
NEEDS_ADMDVS = frozenset({"officer", "member", "convener", "institution", "county", "province", "supervisor"})


def role_label(role: str) -> str:
    return ROLE_CN.get(role, role)
