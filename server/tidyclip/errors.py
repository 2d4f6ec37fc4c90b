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


# Each kind: the code clients branch on and the HTTP status it is answered with.
class BadInput(TidyclipError):
    """The input cannot be made into a clip (empty, binary, no article text...) or a field is wrong."""
    code, status = "bad_input", 422


class BadQuery(TidyclipError):
    code, status = "bad_query", 400


class BadJSON(TidyclipError):
    code, status = "bad_json", 400


class Unauthorized(TidyclipError):
    code, status = "unauthorized", 401


class Refused(TidyclipError):
    """Host, Origin or CSRF check failed."""
    code, status = "forbidden", 403


class NotFound(TidyclipError):
    code, status = "not_found", 404


class StoreLocked(TidyclipError):
    """Another tidyclip server already owns the data dir."""
    code, status = "store_locked", 409


class TooLarge(TidyclipError):
    code, status = "too_large", 413


class UnsupportedMediaType(TidyclipError):
    code, status = "unsupported_media_type", 415


class StoreCorrupt(TidyclipError):
    code, status = "store_corrupt", 500


class Conflict(TidyclipError):
    """The clip changed while this change was being made (the caller retries on the new clip)."""
    code, status = "conflict", 409


class BadFormat(BadInput):
    """An export format that does not exist."""
    code, status = "bad_format", 422


class CsrfRefused(TidyclipError):
    """A review page's change without this server's CSRF token."""
    code, status = "csrf", 403


class BadOrigin(TidyclipError):
    """A request from a web page that is not this server's."""
    code, status = "bad_origin", 403


class BadHost(TidyclipError):
    """A request under a name other than this machine's (DNS rebinding)."""
    code, status = "bad_host", 403
