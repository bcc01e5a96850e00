"""What can go wrong talking to itris, sorted by what the caller should do about it.

- ``RetriableItrisError``: try again later (429, 5xx, timeouts, dropped connections).
  ``ItrisUnreachable`` is the case where no connection was made at all.
- ``FatalItrisError``: trying again will not help (other 4xx); ``ItrisNotFound`` and
  ``ItrisValidationError`` (with itris's per-field ``errors``) are the common ones.
- ``ItrisAuthError``: the credentials are wrong, or a fresh token was refused too.

Messages are written for people and never carry the password or the bearer token.
"""

from __future__ import annotations


class ItrisError(Exception):
    """Base of every error the itris client raises."""

    retriable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: dict | None = None,
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = dict(errors or {})
        self.retry_after = retry_after
        self.method = method
        self.path = path

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class RetriableItrisError(ItrisError):
    """A failure that may pass if the same request is sent again later.

    ``maybe_applied`` is True when the request may have reached itris and been acted on
    (a read timeout, a dropped connection, a 5xx): a create must then be checked with a
    match-before-create search before it is sent again.

    ``in_flight`` is True when no answer came (a read timeout, a dropped connection): itris
    may still be working on the request, so a search that finds nothing proves nothing yet.

    ``earlier_create`` is set by the push pipeline when the create of a person itris can
    find only by name may have landed: what the next attempt needs to recognise it.
    """

    retriable = True
    earlier_create: frozenset[int] | None = None

    def __init__(
        self, message: str, *, maybe_applied: bool = False, in_flight: bool = False, **kwargs
    ) -> None:
        super().__init__(message, **kwargs)
        self.maybe_applied = maybe_applied
        self.in_flight = in_flight


class ItrisUnreachable(RetriableItrisError):
    """No connection to itris could be made (DNS, refused, connect timeout, TLS)."""


class FatalItrisError(ItrisError):
    """itris refused the request; sending it again will not change the answer."""


class ItrisNotFound(FatalItrisError):
    """itris has no such record (404)."""


class ItrisValidationError(FatalItrisError):
    """itris rejected the data (400/422); ``errors`` maps each field to its problem."""


class ItrisAuthError(ItrisError):
    """itris rejected the credentials, or refused a freshly issued token."""
