"""The one error the sandbox raises: it becomes itris's ``{message, errors}`` answer."""

from __future__ import annotations

import backend.itris.contract as c


class ApiError(Exception):
    """An itris-style error answer: status, message, per-field errors, extra headers."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.headers = headers or {}

    def body(self) -> dict:
        return {c.ERROR_MESSAGE: self.message, c.ERROR_FIELDS: self.errors}


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


class FieldErrors(dict):
    """Collects ``{field: [messages]}`` and raises them all at once as a 400."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def raise_if_any(self, message: str = "The request is invalid.") -> None:
        if self:
            raise ApiError(400, message, dict(self))
