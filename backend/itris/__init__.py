"""The shared itris integration module: contract, client, errors. No Flask here."""

from backend.itris.client import (
    DEFAULT_URL_TEMPLATE,
    FindExisting,
    InMemoryTokenStore,
    ItrisClient,
    TokenStore,
    resolve_base_url,
    shared_token_store,
)
from backend.itris.errors import (
    FatalItrisError,
    ItrisAuthError,
    ItrisError,
    ItrisNotFound,
    ItrisUnreachable,
    ItrisValidationError,
    RetriableItrisError,
)
from backend.itris.ratelimit import TokenBucket

__all__ = [
    "DEFAULT_URL_TEMPLATE",
    "FatalItrisError",
    "FindExisting",
    "InMemoryTokenStore",
    "ItrisAuthError",
    "ItrisClient",
    "ItrisError",
    "ItrisNotFound",
    "ItrisUnreachable",
    "ItrisValidationError",
    "RetriableItrisError",
    "TokenBucket",
    "TokenStore",
    "resolve_base_url",
    "shared_token_store",
]
