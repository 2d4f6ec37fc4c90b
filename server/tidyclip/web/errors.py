"""Errors as the API answers them: `{"error": {"code", "message"}}` with the right status, never a
stack trace. Pages outside /api get a short plain-text answer unless their blueprint handles errors."""

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from tidyclip.errors import TidyclipError

log = logging.getLogger(__name__)
API_PREFIX = "/api/"


def error_response(status: int, code: str, message: str) -> Response:
    """The one shape of every API error."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _for_this_path(status: int, code: str, message: str) -> Response:
    if request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/"):
        return error_response(status, code, message)
    return Response(f"{status} {message}\n", status=status, mimetype="text/plain")


def http_code(exc: HTTPException) -> str:
    """werkzeug's name as a code: "Method Not Allowed" -> "method_not_allowed"."""
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(TidyclipError)
    def tidyclip_error(exc: TidyclipError) -> Response:
        if exc.status >= 500:
            log.error("%s: %s", exc.code, exc.message)
        return _for_this_path(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        messages = {
            404: "no such route",
            405: f"{request.method} is not allowed here",
            413: "the request body is too large",
        }
        status = exc.code or 500
        response = _for_this_path(status, http_code(exc), messages.get(status, exc.description or exc.name))
        allowed = getattr(exc, "valid_methods", None)  # only MethodNotAllowed carries it
        if status == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _for_this_path(500, "internal_error", "the server failed to handle this request; see its log")
