"""Domain errors: an HTTP status, a stable code and a Chinese message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a user may see."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The object does not exist (or may not be seen)."""

    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    """The caller lacks a permission."""

    status_code = 403
    code = "forbidden"


class NotAuthenticated(DomainError):
    """The caller is not logged in or its token is invalid."""

    status_code = 401
    code = "not_authenticated"


class ValidationFailed(DomainError):
    """Input failed validation; details lists each field error."""

    status_code = 422
    code = "validation_failed"


class Conflict(DomainError):
    """The request conflicts with the current state."""

    status_code = 409
    code = "conflict"


class TooManyAttempts(DomainError):
    """Repeated failures: slow down."""

    status_code = 429
    code = "too_many_attempts"


class CalendarMissing(DomainError):
    """A working-day computation reached a year with no loaded calendar."""

    status_code = 409
    code = "calendar_missing"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"尚未加载{year}年的工作日历，无法计算期限。请信用办管理员按国务院办公厅当年节假日安排通知"
            f"加载{year}年日历（xinyong calendar load 文件）。"
        )
        self.year = year


class ServiceUnavailable(DomainError):
    """The server lacks something it needs (a system package, a configured service): an operator must act."""

    status_code = 503
    code = "service_unavailable"


class RequestTooLarge(DomainError):
    """A request body beyond the route's limit (counted on the bytes received, chunked bodies included)."""

    status_code = 413
    code = "too_large"
