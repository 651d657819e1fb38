"""The exception tree: every error carries a code, a Chinese message and a hint.

The code is English so it can be searched; the message and hint are what a user reads.
"""

from __future__ import annotations


class LjdError(Exception):
    code = "LJD-000"

    def __init__(self, message: str, hint: str = "", *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code:
            self.code = code

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        return f"{text}\n提示：{self.hint}" if self.hint else text


class ConfigError(LjdError):
    code = "LJD-CFG"


class InputFileError(LjdError):
    """A whole file cannot be used (unreadable, empty, unknown table, missing column)."""

    code = "LJD-IN-FILE"

    def __init__(self, path, message: str, hint: str = "", *, code: str | None = None):
        super().__init__(f"文件 {path}：{message}", hint, code=code)
        self.path = str(path)


class LakeError(LjdError):
    code = "LJD-LAKE"


class EngineError(LjdError):
    code = "LJD-ENGINE"


class IndicatorError(LjdError):
    code = "LJD-IND"


class DefinitionError(LjdError):
    """A user-supplied definition (local indicator YAML, check rule) is invalid."""

    code = "LJD-DEF"
