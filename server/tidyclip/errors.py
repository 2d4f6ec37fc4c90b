"""Errors a user can act on. Each carries a short code and a one-line message."""


class TidyclipError(Exception):
    """Base of every error that is reported to the user as one line (CLI) or JSON (API)."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class BadInput(TidyclipError):
    """The input cannot be made into a clip (empty, binary, no article text...)."""

    code = "bad_input"
    status = 422


class NotFound(TidyclipError):
    code = "not_found"
    status = 404


class StoreLocked(TidyclipError):
    """Another tidyclip server already owns the data dir."""

    code = "store_locked"
    status = 409
