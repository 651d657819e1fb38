"""Who may read what (知悉范围: seeds/001 §八(四), 附录1 四(一); seeds/000 第十一条).

Pure functions of a user and a release, so that the authorization matrix test can state every
case. A release the user may not see is answered as if it did not exist (404); an institution
of a visible release that the user may not see is refused (403). Every refusal is logged by the
caller (app.py) as 越权尝试.
"""

from __future__ import annotations

from ..accounts import ADMIN_ROLES, REGION_STAFF, User
from ..releases.model import Release, State

# What outsiders of the release workflow may see: published versions, the versions a correction
# replaced (shown, marked 已被修订) and withdrawn ones (shown, marked 已撤回 with the reason), never a
# draft or one under review.
OUT_STATES = frozenset({State.PUBLISHED, State.REVISED, State.WITHDRAWN})


class Denied(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def region_of(user: User) -> str | None:
    """The 统筹地区 whose releases the user reads (a county reads its city's releases)."""
    if user.admdvs is None:
        return None
    if user.role == "county":
        return user.admdvs[:4] + "00"
    return user.admdvs


def reads_releases(user: User) -> bool:
    return user.role not in ADMIN_ROLES


def in_audience(user: User, rules: dict | None) -> bool:
    """Whether a release's audience (publication.json, resolved at create) reaches the user: an
    institution user when its institution is addressed, a county viewer when one of its county's
    institutions is. The region's staff, the province and supervisors read every release."""
    codes = (rules or {}).get("audience_codes")
    if codes is None:
        return True
    if user.role == "institution":
        return user.fixmedins_code in codes
    if user.role == "county":
        return user.admdvs in ((rules or {}).get("counties") or ())
    return True


def can_see_release(user: User, release: Release, rules: dict | None = None) -> bool:
    """`rules`: the release's publication rules (portal/catalog.publication), for its audience."""
    if not reads_releases(user) or user.admdvs is None:
        return False
    if user.role == "province":
        in_region = release.admdvs[:2] == user.admdvs[:2]
    else:
        in_region = release.admdvs == region_of(user)
    if not in_region:
        return False
    if user.role in REGION_STAFF:
        return True
    return release.state in OUT_STATES and in_audience(user, rules)


def require_release(user: User, release: Release | None, rules: dict | None = None) -> Release:
    if not reads_releases(user):
        raise Denied(403, "role_without_release_access")
    if release is None:
        raise Denied(404, "no_such_release")
    if not can_see_release(user, release, rules):
        raise Denied(404, "release_not_in_audience" if can_see_release(user, release) else "release_not_visible")
    return release


def as_institution(release: Release, code: str) -> User:
    """The reader a preview stands in for: an institution user of that institution."""
    return User(0, f"preview:{code}", "预览", "institution", code, release.admdvs, None, True)


def previews(user: User) -> bool:
    """The data officer and the convener preview a release as a chosen institution will see it."""
    return user.role in ("officer", "convener")


def sees_institution_detail(user: User, code: str, institution: dict | None) -> bool:
    """Whether the user may read one institution's push and figures in a release it can see."""
    if institution is None:
        return False
    if user.role in REGION_STAFF:
        return True
    if user.role == "institution":
        return code == user.fixmedins_code
    if user.role == "county":  # its own county's institutions are named, the others aggregated
        return (institution.get("admdvs") or "") == user.admdvs
    return False  # province (region-level only), supervisor (region-level, read-only)


def require_institution(user: User, code: str, institutions: dict[str, dict]) -> dict:
    institution = institutions.get(code)
    if institution is None:
        if user.role == "institution" and code != user.fixmedins_code:
            raise Denied(403, "other_institution")
        raise Denied(404, "no_such_institution")
    if not sees_institution_detail(user, code, institution):
        raise Denied(403, "institution_not_allowed")
    return institution


def may_download(user: User, relative: str) -> bool:
    """A bundle file: the region's staff any file; others the release's documents and their own
    定向推送 (never the 数据底稿, which lists every institution, nor another institution's push)."""
    if user.role in REGION_STAFF:
        return True
    parts = relative.split("/")
    if parts[0] != "reports" or len(parts) < 2:
        return False
    if len(parts) == 3 and parts[1] == "定向推送":
        stem = parts[2].rsplit(".", 1)[0]
        return user.role == "institution" and stem == user.fixmedins_code
    if len(parts) == 2:
        return not parts[1].startswith("数据底稿") and parts[1].rsplit(".", 1)[-1] in ("docx", "html", "pdf")
    return False


def sees_read_tracking(user: User) -> bool:
    return user.role in REGION_STAFF


def sees_audit(user: User) -> bool:
    return user.role == "auditor"


# ---- the questionnaire (附录4) and suggestions (附录1 三) -------------------------------------------

def in_region(user: User, admdvs: str) -> bool:
    """The user belongs to that 统筹地区 (a county's people and institutions to their city)."""
    own = user.admdvs or ""
    return bool(own) and (own == admdvs or own[:4] + "00" == admdvs)


def may_answer_survey(user: User, survey: dict) -> bool:
    """定点医药机构代表 (hospitals and pharmacies alike) of the survey's region, while it is open."""
    return user.role == "institution" and survey["state"] == "open" and in_region(user, survey["admdvs"])


def may_run_survey(user: User, admdvs: str) -> bool:
    """The region's data officer opens and closes surveys and hands out codes."""
    return user.role == "officer" and region_of(user) == admdvs


def may_read_survey_results(user: User, admdvs: str) -> bool:
    """The region's staff, and the province (§六(六): 由省级医保部门对问卷进行收集、分析)."""
    if user.role in REGION_STAFF:
        return region_of(user) == admdvs
    return user.role == "province" and bool(user.admdvs) and admdvs[:2] == user.admdvs[:2]


def may_suggest(user: User) -> bool:
    return user.role in ("institution", "member") and bool(user.admdvs)


def suggestion_filter(user: User) -> dict:
    """An institution lists its own suggestions, the region's staff all of the region, the province
    all of the province (without names: see survey/suggestions.py)."""
    if user.role == "institution" and user.fixmedins_code:
        return {"fixmedins_code": user.fixmedins_code}
    if user.role in REGION_STAFF and user.admdvs:
        return {"admdvs": region_of(user)}
    if user.role == "province" and user.admdvs:
        return {"province": user.admdvs[:2]}
    raise Denied(403, "suggestions_not_allowed")


# ---- objections (异议: seeds/001 §六(八)) ---------------------------------------------------------

def objection_filter(user: User) -> dict:
    """Which objections a user lists: an institution its own, the region's staff all of the region."""
    if user.role == "institution" and user.fixmedins_code:
        return {"fixmedins_code": user.fixmedins_code}
    if user.role in REGION_STAFF and user.admdvs:
        return {"admdvs": region_of(user)}
    raise Denied(403, "objections_not_allowed")


def require_objector(user: User, code: str) -> None:
    """Only an institution user objects, and only for its own institution."""
    if user.role != "institution":
        raise Denied(403, "objection_not_allowed")
    if code != user.fixmedins_code:
        raise Denied(403, "other_institution")


def require_objection_handler(user: User, objection: dict | None) -> dict:
    """The region's data officer accepts, answers and closes; another region's objection does not exist."""
    if user.role != "officer":
        raise Denied(403, "objection_handling_not_allowed")
    if objection is None or objection["admdvs"] != region_of(user):
        raise Denied(404, "no_such_objection")
    return objection


# ---- 提醒函 and attachments (seeds/001 §六(七)) -------------------------------------------------------

def reads_record(user: User, record: dict | None) -> bool:
    """An objection, a letter or their attachments: the institution concerned and the region's staff."""
    if record is None:
        return False
    if user.role == "institution":
        return record["fixmedins_code"] == user.fixmedins_code
    return user.role in REGION_STAFF and record["admdvs"] == region_of(user)


def require_letter_reader(user: User, letter: dict | None) -> dict:
    """The addressed institution and the region's staff read a letter; for anyone else it does not exist."""
    if not reads_record(user, letter):
        raise Denied(404, "no_such_letter")
    return letter


def require_letter_addressee(user: User, letter: dict | None) -> dict:
    """Only the addressed institution signs the 回执 and reports its self-check."""
    letter = require_letter_reader(user, letter)
    if user.role != "institution":
        raise Denied(403, "letter_answer_not_allowed")
    return letter


def require_letter_handler(user: User, letter: dict | None) -> dict:
    """The region's data officer routes and closes letters."""
    if user.role != "officer":
        raise Denied(403, "letter_handling_not_allowed")
    if letter is None or letter["admdvs"] != region_of(user):
        raise Denied(404, "no_such_letter")
    return letter


def require_attachment_reader(user: User, owner: dict | None) -> dict:
    """An attachment is read by whoever reads its objection or letter."""
    if not reads_record(user, owner):
        raise Denied(404, "no_such_attachment")
    return owner
