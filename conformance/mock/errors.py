"""API errors and the two envelopes they can be sent in.

Every failure the server reports is an :class:`ApiError`; the app turns it
into an envelope in one of two styles (``MockConfig.error_code``):

* ``string`` (the default): what the live Interactions API sends today,
  ``{"error": {"code": "invalid_request", "message": ...}}``, a snake_case
  code that both current SDKs type as a string (API-FACTS §9);
* ``integer``: the Google envelope the older docs showed,
  ``{"error": {"code": 400, "message": ..., "status": "INVALID_ARGUMENT"}}``.

Only ``invalid_request`` is a documented string code; the others are the
Google status names in snake_case (``not_found``, ``unauthenticated``, ...),
our choice until the API documents its list. Messages always name the
offending field (in quotes) because the conformance suite asserts on that,
and because it is what makes an error actionable for a person reading it.
"""

from __future__ import annotations

from ..errors import ConformanceError

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ABORTED",
    500: "INTERNAL",
}

#: envelope styles: the live string code (default) or the Google integer code + status
ERROR_CODE_STYLES = ("string", "integer")

#: Google status -> string code where it is not simply the status in snake_case
_STRING_CODE = {"INVALID_ARGUMENT": "invalid_request", "DEADLINE_EXCEEDED": "gateway_timeout"}


def error_object(http_status: int, status: str, message: str, style: str = "string") -> dict:
    """The inside of an error envelope (also the ``error`` of a stream's error event) in ``style``."""
    if style == "integer":
        return {"code": http_status, "message": message, "status": status}
    return {"code": _STRING_CODE.get(status, status.lower()), "message": message}


class ApiError(ConformanceError):
    """An error answer the mock sends: HTTP status, Google status string and a message (never leaves the mock)."""

    def __init__(self, http_status: int, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message
        self.status = status or _STATUS.get(http_status, "UNKNOWN")

    def envelope(self, style: str = "string") -> dict:
        return {"error": error_object(self.http_status, self.status, self.message, style)}

    def bare(self, style: str = "string") -> dict:
        """The same facts without the envelope (used only by the error.envelope.shape fault)."""
        inner = error_object(self.http_status, self.status, self.message, style)
        return {"code": inner["code"], "message": inner["message"]}


def invalid(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


def precondition(message: str) -> ApiError:
    return ApiError(400, message, "FAILED_PRECONDITION")


def not_found(message: str) -> ApiError:
    return ApiError(404, message, "NOT_FOUND")


def unauthenticated(message: str) -> ApiError:
    return ApiError(401, message, "UNAUTHENTICATED")


def permission_denied(message: str) -> ApiError:
    return ApiError(403, message, "PERMISSION_DENIED")
