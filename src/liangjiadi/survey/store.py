"""Tables of the questionnaire and the suggestions, in the release store's database (migrations/0006).

What the tables deliberately lack (附录4: 问卷采用无记名方式统计): a response row has no user, no
institution, no code, no IP and no time; a code row has its hash and a used flag, no time and no
response. The only thing a response shares with anything is the survey it answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..releases.store import Base


class SurveyRow(Base):
    """One opening of the questionnaire: for a meeting (数据发布活动) or a release."""

    __tablename__ = "ljd_surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    admdvs: Mapped[str] = mapped_column(String(12), index=True)
    title: Mapped[str] = mapped_column(String(200))
    release_id: Mapped[str | None] = mapped_column(String(200))
    meeting: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # open | closed
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyCodeRow(Base):
    """A one-time code: only its hash (with the survey's id) and whether it was used."""

    __tablename__ = "ljd_survey_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[int] = mapped_column(Integer, index=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyResponseRow(Base):
    """One answer sheet. The id is random, so it says nothing about order or time."""

    __tablename__ = "ljd_survey_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_type: Mapped[str] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(10))
    answers: Mapped[dict] = mapped_column(JSON)
    blanks: Mapped[dict] = mapped_column(JSON)


class SuggestionRow(Base):
    """分组/政策建议 (seeds/001 附录1 三: 收集涉及 DRG/DIP 分组的建议，通过省级医保部门汇总至国家医保局).
    Not anonymous: the bureau may need to ask back; the province's export leaves the names out."""

    __tablename__ = "ljd_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    admdvs: Mapped[str] = mapped_column(String(12), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    release_id: Mapped[str | None] = mapped_column(String(200))
    fixmedins_code: Mapped[str | None] = mapped_column(String(30))
    unit_kind: Mapped[str | None] = mapped_column(String(20))  # 医疗机构 / 零售药店, from the directory
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
