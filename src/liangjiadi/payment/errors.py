"""The payment package's expected errors (Chinese message and hint, no traceback)."""

from ..errors import LjdError


class PaymentError(LjdError):
    code = "LJD-PAY"
