"""The one error a use case raises to refuse: below every layer, so data helpers raise it too.

`shared/http/errors.py` answers it as RFC 9457 problem+json in the caller's language.
"""

from typing import Any


class ProblemError(Exception):
    """Raise anywhere to answer with problem+json; nothing in the transaction is committed.

    The detail is the catalogue message `message` (by default the code) in the caller's
    language, filled in with the keyword values (`extra`), which are also extension members
    of the body.
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        message: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or message or code)
        self.status = status
        self.code = code
        self.message = message or code
        self.detail = detail
        self.title = title
        self.headers = headers
        self.extra = extra
