"""The questionnaire's and the suggestions' refusals (Chinese, no traceback)."""

from __future__ import annotations

from ..errors import LjdError


class SurveyError(LjdError):
    """An answer sheet, a survey or a suggestion that cannot be taken; the message names the rule."""

    code = "LJD-SURVEY"


class CodeRefused(SurveyError):
    """A one-time code that is unknown for this survey or already used."""

    code = "LJD-SURVEY-CODE"
