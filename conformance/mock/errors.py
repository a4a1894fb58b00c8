"""Google-style API errors.

Every failure the server reports is an :class:`ApiError`; the app turns it
into the envelope ``{"error": {"code": <http status>, "message", "status"}}``
the real Google APIs send. Messages always name the offending field (in
quotes) because the conformance suite asserts on that, and because it is what
makes an error actionable for a person reading it.
"""

from __future__ import annotations

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ABORTED",
    500: "INTERNAL",
}


class ApiError(Exception):
    """An error answer: HTTP status, Google status string and a message."""

    def __init__(self, http_status: int, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message
        self.status = status or _STATUS.get(http_status, "UNKNOWN")

    def envelope(self) -> dict:
        return {"error": {"code": self.http_status, "message": self.message, "status": self.status}}

    def bare(self) -> dict:
        """The same facts without the envelope (used only by the error.envelope.shape fault)."""
        return {"code": self.http_status, "message": self.message}


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
