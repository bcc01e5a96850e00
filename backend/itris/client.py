"""The itris HTTP client: token auth, timeouts, retries, rate limiting, pagination, safe creates.

Every path and field comes from :mod:`backend.itris.contract`. The client takes plain data
and returns plain data (decoded JSON); it knows nothing of Flask or incoming requests.

Retries follow one rule: a request is sent again only when doing so cannot duplicate work.
Reads and updates (GET, PATCH with the same body) are retried freely on 429, 5xx, timeouts
and dropped connections. A create is retried directly only when itris certainly did not act
on it (429, no connection made); when it may have (read timeout, dropped connection, 5xx)
the caller's ``find_existing`` match-before-create search decides, and without one the
error goes back to the caller.
"""

from __future__ import annotations

import base64
import http.cookiejar
import logging
import os
import random
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from backend.itris import contract as c
from backend.itris.errors import (
    FatalItrisError,
    ItrisAuthError,
    ItrisNotFound,
    ItrisUnreachable,
    ItrisValidationError,
    RetriableItrisError,
)
from backend.itris.ratelimit import limiter_for

log = logging.getLogger("backend.itris")

T = TypeVar("T")
Record = dict[str, Any]
FindExisting = Callable[[], Record | None]

DEFAULT_URL_TEMPLATE = "https://{subdomain}.itris.co.uk"
_SUBDOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_RETRY_AFTER_STATUSES = (429, 503)
_DEFAULT_TOKEN_LIFETIME_S = 300.0


def resolve_base_url(subdomain_or_url: str, template: str = DEFAULT_URL_TEMPLATE) -> str:
    """Turn a bare itris subdomain or a full http(s) URL into a base URL without trailing slash."""
    value = (subdomain_or_url or "").strip()
    if "://" in value:
        return _validate_url(value)
    if _SUBDOMAIN.match(value):
        return template.format(subdomain=value.lower()).rstrip("/")
    raise ValueError(
        f"{value!r} is neither an itris subdomain (letters, digits and hyphens) nor an http(s) URL"
    )


def _validate_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("the itris address must be an http(s) URL with a host name")
    if parts.username or parts.password:
        raise ValueError("the itris address must not contain a username or password")
    if parts.query or parts.fragment:
        raise ValueError("the itris address must not contain a query string or fragment")
    return value.rstrip("/")


# --- Token storage ----------------------------------------------------------------------
class TokenStore(Protocol):
    """Where bearer tokens are kept between calls; the app may back this with a DB or Redis."""

    def get(self, key: str) -> tuple[str, float] | None:
        """Return ``(access_token, expires_at_epoch_s)`` or None."""

    def set(self, key: str, token: str, expires_at: float) -> None:
        """Remember a token until ``expires_at`` (seconds since the epoch)."""


class InMemoryTokenStore:
    """A thread-safe token cache for one process."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[str, float] | None:
        """Return the cached token and its expiry, if any."""
        with self._lock:
            return self._tokens.get(key)

    def set(self, key: str, token: str, expires_at: float) -> None:
        """Cache a token until its expiry."""
        with self._lock:
            self._tokens[key] = (token, expires_at)

    def clear(self) -> None:
        """Forget every token."""
        with self._lock:
            self._tokens.clear()


shared_token_store = InMemoryTokenStore()
_login_locks: dict[str, threading.Lock] = {}
_login_locks_guard = threading.Lock()


# --- HTTP sessions ----------------------------------------------------------------------
# A client is made for each lookup, push or sync; the HTTP session under it is the thread's
# for that itris address, so its connections are kept alive from one to the next (no TCP
# and TLS handshake per lookup). One per thread: requests does not promise that a session
# may be shared between threads.
_sessions = threading.local()
SESSIONS_PER_THREAD = 16  # the itris addresses a thread keeps connections to, latest used
_NO_COOKIES = http.cookiejar.DefaultCookiePolicy(allowed_domains=[])


def _thread_session(base_url: str) -> requests.Session:
    """This thread's HTTP session for ``base_url`` (the least recently used one of more
    than :data:`SESSIONS_PER_THREAD` is closed: many teams' tenants hold no idle sockets)."""
    held = getattr(_sessions, "by_url", None)
    if held is None:
        held = _sessions.by_url = OrderedDict()
    session = held.get(base_url)
    if session is None:
        session = held[base_url] = _new_session(base_url)
        while len(held) > SESSIONS_PER_THREAD:
            held.popitem(last=False)[1].close()
    held.move_to_end(base_url)
    return session


def _new_session(base_url: str) -> requests.Session:
    session = requests.Session()
    # The environment's proxies and CA bundle, read once: requests reads them again for
    # every request otherwise (every variable of the environment, twice).
    session.trust_env = False
    session.proxies = requests.utils.get_environ_proxies(base_url)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.verify = bundle or True
    # itris is asked with bearer tokens alone: a session that outlives its clients keeps no
    # cookie one API user was given for the next client, which may sign in as another.
    session.cookies.set_policy(_NO_COOKIES)
    return session


def _login_lock(key: str) -> threading.Lock:
    with _login_locks_guard:
        return _login_locks.setdefault(key, threading.Lock())


class _Secret:
    """A string that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


class _TokenRefused(ItrisAuthError):
    """itris answered 401: the bearer token (or the credentials) were not accepted."""


# --- The client -------------------------------------------------------------------------
class ItrisClient:
    """Talk to one itris tenant as one API user."""

    token_margin_s = 30.0  # refresh this long before itris says a token expires
    max_pages = 5000  # a hard stop for pagination, whatever itris says

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float | tuple[float, float] = 10.0,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        rate_limit_per_s: float | None = None,
        session: requests.Session | None = None,
        token_store: TokenStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.base_url = resolve_base_url(base_url)
        self.username = username
        self._password = _Secret(password)
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        # The caller's, or this thread's for the address (kept alive between clients).
        self._session = session or _thread_session(self.base_url)
        self._tokens = token_store if token_store is not None else shared_token_store
        # No rate given: the process default (ratelimit.configure), if one is set.
        self._limiter = limiter_for(self.base_url, rate_limit_per_s)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"ItrisClient({self.base_url!r}, username={self.username!r})"

    def __enter__(self) -> ItrisClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: the HTTP session is the caller's or the thread's, whose
        connections outlive this client."""

    # --- Connection and auth ------------------------------------------------------------
    def authenticate(self) -> None:
        """Exchange the username and password for a fresh token and cache it."""
        self._token(refresh=True)

    def check_connection(self) -> None:
        """Prove the address, the credentials and read access work; raise otherwise."""
        self.authenticate()
        params = {c.PAGE: 1, c.PAGE_SIZE: 1}
        self._request("GET", c.collection_path(c.RecordType.APPLICANTS), params=params)

    # --- Records --------------------------------------------------------------------------
    def get(self, record_type: str, record_id: int | str) -> Record:
        """Read one record; raise ItrisNotFound if itris has none."""
        return self._request("GET", c.record_path(record_type, record_id))

    def create(
        self, record_type: str, data: Record, *, find_existing: FindExisting | None = None
    ) -> Record:
        """Create a record; never re-send it unless ``find_existing`` shows nothing was made."""
        _require_fields(data, c.WRITABLE_FIELDS[c.RecordType(record_type)], record_type)
        return self._create(c.collection_path(record_type), data, find_existing)

    def update(self, record_type: str, record_id: int | str, fields: Record) -> Record:
        """Patch some fields of a record; with nothing to change, just read it."""
        _require_fields(fields, c.WRITABLE_FIELDS[c.RecordType(record_type)], record_type)
        if not fields:
            return self.get(record_type, record_id)
        return self._request("PATCH", c.record_path(record_type, record_id), json=fields)

    def search(self, record_type: str, **filters: Any) -> list[Record]:
        """Return every record matching the filters (all pages)."""
        return list(self.iter_records(record_type, page_size=c.MAX_PAGE_SIZE, **filters))

    def iter_records(
        self, record_type: str, page_size: int = c.DEFAULT_PAGE_SIZE, **filters: Any
    ) -> Iterator[Record]:
        """Yield every record matching the filters, one page at a time."""
        params = _list_params(record_type, filters)
        return self._paginate(c.collection_path(record_type), params, page_size)

    def count(self, record_type: str, **filters: Any) -> int | None:
        """How many records match the filters, from one small page's ``totalCount``."""
        params = {**_list_params(record_type, filters), c.PAGE: 1, c.PAGE_SIZE: 1}
        body = self._request("GET", c.collection_path(record_type), params=params)
        total = body.get(c.TOTAL_COUNT) if isinstance(body, dict) else None
        return int(total) if isinstance(total, int) else None

    def find_by_email(self, record_type: str, email: str) -> list[Record]:
        """Return the records whose email address is exactly ``email`` (case-insensitive)."""
        return self.search(record_type, **{c.FILTER_EMAIL: email})

    # --- Notes, files, lists ------------------------------------------------------------
    def list_comments(self, record_type: str, record_id: int | str) -> list[Record]:
        """Return every comment (note) on a person."""
        return list(self._paginate(c.comments_path(record_type, record_id), {}, c.MAX_PAGE_SIZE))

    def add_comment(
        self,
        record_type: str,
        record_id: int | str,
        text: str,
        category_id: int | None = None,
        comment_date: datetime | str | None = None,
        *,
        find_existing: FindExisting | None = None,
    ) -> Record:
        """Add a comment (note) to a person, dated now unless ``comment_date`` is given."""
        body: Record = {c.COMMENT_TEXT: text, c.COMMENT_DATE: _iso(comment_date)}
        if category_id is not None:
            body[c.COMMENT_CATEGORY_ID] = category_id
        return self._create(c.comments_path(record_type, record_id), body, find_existing)

    def list_attachments(self, record_type: str, record_id: int | str) -> list[Record]:
        """Return every attachment on a person."""
        path = c.attachments_path(record_type, record_id)
        return list(self._paginate(path, {}, c.MAX_PAGE_SIZE))

    def add_attachment(
        self,
        record_type: str,
        record_id: int | str,
        file_name: str,
        content: bytes,
        system_type: str = c.SYSTEM_TYPE_CV,
        *,
        find_existing: FindExisting | None = None,
    ) -> Record:
        """Attach a file (a CV by default) to a person."""
        if system_type not in c.SYSTEM_TYPES:
            raise ValueError(f"system_type must be one of {', '.join(c.SYSTEM_TYPES)}")
        body = {
            c.ATTACHMENT_FILE_NAME: file_name,
            c.ATTACHMENT_FILE_CONTENT: base64.b64encode(content).decode("ascii"),
            c.ATTACHMENT_SYSTEM_TYPE: system_type,
        }
        return self._create(c.attachments_path(record_type, record_id), body, find_existing)

    def inbox(self, payload: Record, find_existing: FindExisting | None = None) -> Record:
        """Post an applicant to the documented applicant inbox."""
        _require_fields(payload, c.INBOX_FIELDS, "applicant inbox")
        return self._create(c.INBOX_PATH, payload, find_existing)

    def get_list(self, list_name: str) -> list[Record]:
        """Return a look-up list (``[{id, name}]``) such as comment categories."""
        return _items(self._request("GET", c.list_path(list_name)))

    def field_catalogue(self, record_type: str) -> list[Record]:
        """Return the field catalogue (``[{name, label, type, required}]``) of a person type."""
        return _items(self._request("GET", c.field_catalogue_path(record_type)))

    # --- Pagination (the one place) -----------------------------------------------------
    def _paginate(self, path: str, params: dict, page_size: int) -> Iterator[Record]:
        """Walk ``page``/``pageSize`` until ``totalCount``, a short page, or an error."""
        page_size = max(1, min(page_size, c.MAX_PAGE_SIZE))
        seen_pages: set[Any] = set()
        previous_ids: list[Any] | None = None
        fetched = 0
        for page in range(1, self.max_pages + 1):
            body = self._request(
                "GET", path, params={**params, c.PAGE: page, c.PAGE_SIZE: page_size}
            )
            items = _items(body)
            if not isinstance(body, dict) or (c.PAGE not in body and c.TOTAL_COUNT not in body):
                yield from items  # not a paged endpoint: one answer holds everything
                return
            echoed = body.get(c.PAGE, page)
            ids = [item.get(c.ID) for item in items if isinstance(item, dict)]
            if echoed in seen_pages or (items and ids == previous_ids):
                raise FatalItrisError(
                    f"itris returned the same page twice (page {echoed} of {path}); "
                    "stopped rather than loop forever",
                    method="GET",
                    path=path,
                )
            seen_pages.add(echoed)
            previous_ids = ids
            yield from items
            fetched += len(items)
            total = body.get(c.TOTAL_COUNT)
            size = body.get(c.PAGE_SIZE) or page_size
            if not items or len(items) < size or (total is not None and fetched >= total):
                return
        raise FatalItrisError(
            f"itris kept returning pages of {path} past {self.max_pages}; stopped",
            method="GET",
            path=path,
        )

    # --- Sending: retries, creates, auth ------------------------------------------------
    def _request(self, method: str, path: str, *, params=None, json=None) -> Any:
        """Send an idempotent request, retrying transient failures."""
        return self._with_retries(
            lambda attempt: self._send(method, path, params=params, json=json, attempt=attempt)
        )

    def _create(self, path: str, body: Record, find_existing: FindExisting | None) -> Record:
        """POST a create; re-send only when itris certainly did not act, or nothing was found.

        After an answered failure (a 5xx) itris is done with the request, so a search that
        finds nothing means nothing was made. After no answer at all (a timeout, a dropped
        connection) itris may still be writing: then the caller gets the error and must look
        again later — re-sending at once could race that write into a duplicate.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._send("POST", path, json=body, attempt=attempt)
            except RetriableItrisError as err:
                last = attempt == self.max_attempts
                if not err.maybe_applied:
                    if last:
                        raise
                    self._pause(err, attempt)
                    continue
                if find_existing is None:
                    raise
                self._pause(err, attempt)
                existing = find_existing()
                if existing is not None:
                    log.info("itris POST %s: found the record made before the failure", path)
                    return existing
                if last or err.in_flight:
                    raise
                log.info("itris POST %s: nothing was made; sending the create again", path)
        raise AssertionError("unreachable")  # pragma: no cover

    def _with_retries(self, send: Callable[[int], T]) -> T:
        """Call ``send(attempt)`` until it succeeds, fails fatally, or attempts run out."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return send(attempt)
            except RetriableItrisError as err:
                if attempt == self.max_attempts:
                    raise
                self._pause(err, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, err: RetriableItrisError, attempt: int) -> None:
        """Sleep before the next attempt: Retry-After if itris gave one, else full jitter."""
        if err.retry_after is not None:
            if err.retry_after > self.backoff_max:
                raise err  # too long to block a worker; the caller reschedules
            delay = err.retry_after
        else:
            cap = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
            delay = random.uniform(0, cap)
        log.info("itris: %s; retrying in %.2f s (attempt %d)", err.message, delay, attempt + 1)
        self._sleep(delay)

    def _send(self, method: str, path: str, *, params=None, json=None, attempt: int = 1) -> Any:
        """Send one authorised request; on a 401 re-authenticate once and replay it."""
        try:
            return self._exchange(method, path, params, json, self._token(), attempt)
        except _TokenRefused:
            log.info("itris %s %s: token refused; re-authenticating once", method, path)
        try:
            return self._exchange(method, path, params, json, self._token(refresh=True), attempt)
        except _TokenRefused as err:
            raise ItrisAuthError(
                f"itris at {self.base_url} refused a freshly issued token for "
                f"{self.username!r} on {method} {path}",
                status=err.status,
                method=method,
                path=path,
            ) from None

    def _token(self, refresh: bool = False) -> str:
        """Return a valid bearer token, from the cache unless ``refresh``."""
        key = f"{self.base_url}|{self.username}"
        if not refresh and (cached := self._cached_token(key)):
            return cached
        # One login at a time per user: threads that found no token wait for the one
        # fetching it instead of each logging in (and each holding a token of its own).
        with _login_lock(key):
            if not refresh and (cached := self._cached_token(key)):
                return cached
            token, expires_at = self._with_retries(self._fetch_token)
            self._tokens.set(key, token, expires_at)
            return token

    def _cached_token(self, key: str) -> str | None:
        cached = self._tokens.get(key)
        return cached[0] if cached and cached[1] > time.time() else None

    def _fetch_token(self, attempt: int) -> tuple[str, float]:
        """Ask itris for a token with the username and password."""
        body = {c.TOKEN_USERNAME: self.username, c.TOKEN_PASSWORD: self._password.reveal()}
        try:
            answer = self._exchange("POST", c.TOKEN_PATH, None, body, None, attempt)
        except (_TokenRefused, ItrisValidationError) as err:
            raise ItrisAuthError(
                f"itris at {self.base_url} rejected the username or password "
                f"(user {self.username!r})",
                status=err.status,
                method="POST",
                path=c.TOKEN_PATH,
            ) from None
        except FatalItrisError as err:
            if err.status != 403:
                raise
            raise ItrisAuthError(
                f"itris at {self.base_url} refused API access to user {self.username!r}",
                status=err.status,
                method="POST",
                path=c.TOKEN_PATH,
            ) from None
        token = answer.get(c.TOKEN_ACCESS) if isinstance(answer, dict) else None
        if not token:
            raise ItrisAuthError(f"itris at {self.base_url} answered the login without a token")
        lifetime = _seconds(answer.get(c.TOKEN_EXPIRES_IN)) or _DEFAULT_TOKEN_LIFETIME_S
        margin = min(self.token_margin_s, lifetime / 10)
        return token, time.time() + lifetime - margin

    def _exchange(
        self, method: str, path: str, params, json, token: str | None, attempt: int
    ) -> Any:
        """Make exactly one HTTP exchange and turn its outcome into data or an ItrisError."""
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self._limiter:
            self._limiter.acquire()
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            error = self._transport_error(exc, method, path)
            log.warning(
                "itris %s %s failed: %s (attempt %d, %d ms)",
                method, path, type(exc).__name__, attempt, _ms_since(started),
            )  # fmt: skip
            # The token request carries the password: keep it out of the exception chain.
            raise error from (None if path == c.TOKEN_PATH else exc)
        status = response.status_code
        log.log(
            _log_level(status),
            "itris %s %s -> %d (attempt %d, %d ms)",
            method, path, status, attempt, _ms_since(started),
        )  # fmt: skip
        return self._decode(response, method, path)

    def _decode(self, response: requests.Response, method: str, path: str) -> Any:
        """Return the JSON of a 2xx answer; raise the matching ItrisError otherwise."""
        status = response.status_code
        if 200 <= status < 300:
            if status == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise FatalItrisError(
                    f"itris answered {method} {path} with something other than JSON",
                    status=status,
                    method=method,
                    path=path,
                ) from None
        detail, errors = self._error_details(response)
        where = f"{method} {path}"
        common = {"status": status, "errors": errors, "method": method, "path": path}
        if status == 401:
            raise _TokenRefused(f"itris refused the credentials for {where}", **common)
        if status == 429 or status >= 500:
            retry_after = None
            if status in _RETRY_AFTER_STATUSES:
                retry_after = _parse_retry_after(response.headers.get(c.RETRY_AFTER_HEADER))
            if status == 429:
                wait = f" (retry after {retry_after:g} s)" if retry_after is not None else ""
                message = f"itris is rate-limiting requests{wait}"
            else:
                message = f"itris answered {status} to {where}: {detail}"
            raise RetriableItrisError(
                message, maybe_applied=status >= 500, retry_after=retry_after, **common
            )
        if 300 <= status < 400:
            target = response.headers.get("Location", "elsewhere")
            raise FatalItrisError(
                f"itris redirected {where} to {target}; check the itris address", **common
            )
        if status == 404:
            raise ItrisNotFound(f"itris has nothing at {path}: {detail}", **common)
        if status in (400, 422):
            raise ItrisValidationError(f"itris rejected {where}: {detail}", **common)
        if status == 403:
            raise FatalItrisError(f"itris refused {where} to this API user: {detail}", **common)
        raise FatalItrisError(f"itris answered {status} to {where}: {detail}", **common)

    def _error_details(self, response: requests.Response) -> tuple[str, dict]:
        """Pull itris's ``{message, errors}`` out of an error answer, password redacted."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        message = str(body.get(c.ERROR_MESSAGE) or response.reason or "no details given")
        errors = body.get(c.ERROR_FIELDS)
        errors = errors if isinstance(errors, dict) else {}
        return self._redact(message), {k: self._redact(v) for k, v in errors.items()}

    def _transport_error(self, exc: requests.RequestException, method: str, path: str):
        """Classify a failure below HTTP: never connected, timed out, or dropped."""
        where = f"itris at {self.base_url}"
        common = {"method": method, "path": path}
        connect_s, read_s = _timeouts(self.timeout)
        if isinstance(exc, requests.ConnectTimeout):
            return ItrisUnreachable(
                f"{where} could not be reached within {connect_s:g} s", **common
            )
        if isinstance(exc, requests.Timeout):
            return RetriableItrisError(
                f"{where} did not answer {method} {path} within {read_s:g} s",
                maybe_applied=True,
                in_flight=True,
                **common,
            )
        if isinstance(exc, requests.exceptions.SSLError):
            return ItrisUnreachable(f"{where} could not be reached securely (TLS failed)", **common)
        if isinstance(exc, requests.ConnectionError):
            reason = _connect_failure(exc)
            if reason:
                return ItrisUnreachable(f"{where} could not be reached: {reason}", **common)
            return RetriableItrisError(
                f"{where} dropped the connection before answering {method} {path}",
                maybe_applied=True,
                in_flight=True,
                **common,
            )
        if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
            return FatalItrisError(f"{where} is not a usable address", **common)
        return RetriableItrisError(
            f"{where} failed during {method} {path} ({type(exc).__name__})",
            maybe_applied=True,
            in_flight=True,
            **common,
        )

    def _redact(self, value: Any) -> Any:
        """Replace the password wherever itris echoed it back."""
        secret = self._password.reveal()
        if isinstance(value, str) and secret and secret in value:
            return value.replace(secret, "***")
        if isinstance(value, list):
            return [self._redact(v) for v in value]
        return value


# --- Small helpers ----------------------------------------------------------------------
def _require_fields(data: Record, allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValueError(f"{what} has no writable field(s) {', '.join(unknown)}")


def _list_params(record_type: str, filters: dict[str, Any]) -> dict[str, Any]:
    allowed = c.LIST_FILTERS[c.RecordType(record_type)]
    unknown = sorted(set(filters) - set(allowed))
    if unknown:
        raise ValueError(
            f"{record_type} cannot be filtered by {', '.join(unknown)} "
            f"(allowed: {', '.join(allowed)})"
        )
    return {k: _param(v) for k, v in filters.items() if v is not None}


def _param(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _items(body: Any) -> list[Record]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        return list(body.get(c.ITEMS) or [])
    return []


def _iso(value: datetime | str | None) -> str:
    if value is None:
        value = datetime.now(UTC)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def _parse_retry_after(value: str | None) -> float | None:
    """Read a Retry-After header given in seconds or as an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _timeouts(timeout: float | tuple[float, float]) -> tuple[float, float]:
    if isinstance(timeout, tuple):
        return float(timeout[0]), float(timeout[1])
    return float(timeout), float(timeout)


def _connect_failure(exc: requests.ConnectionError) -> str | None:
    """Say why no connection was made, or None if one was (and then dropped)."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    if not isinstance(reason, ConnectTimeoutError):  # NewConnectionError is one too
        return None
    if not isinstance(reason, NewConnectionError):
        return "the connection timed out"
    text = str(reason).lower()
    if "resolve" in text or "name or service" in text or "nodename" in text:
        return "the host name could not be resolved"
    if "refused" in text:
        return "the connection was refused"
    return "the connection failed"


def _log_level(status: int) -> int:
    if status < 400:
        return logging.DEBUG
    return logging.INFO if status in (401, 404) else logging.WARNING


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


__all__ = [
    "DEFAULT_URL_TEMPLATE",
    "FindExisting",
    "InMemoryTokenStore",
    "ItrisClient",
    "TokenStore",
    "resolve_base_url",
    "shared_token_store",
]
