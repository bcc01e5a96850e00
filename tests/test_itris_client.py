"""The itris client against stubbed HTTP: auth, retries, safe creates, pagination, secrecy."""

from __future__ import annotations

import json
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from backend.itris import (
    FatalItrisError,
    InMemoryTokenStore,
    ItrisAuthError,
    ItrisClient,
    ItrisNotFound,
    ItrisUnreachable,
    ItrisValidationError,
    RetriableItrisError,
    TokenBucket,
    resolve_base_url,
)
from backend.itris import contract as c

BASE = "https://acme.itris.test"
PASSWORD = "s3cret-Pa55word"
TOKEN_URL = BASE + c.TOKEN_PATH
APPLICANTS_URL = BASE + c.collection_path(c.RecordType.APPLICANTS)
APPLICANT_URL = BASE + c.record_path(c.RecordType.APPLICANTS, 7)
NEW_APPLICANT = {c.FIRST_NAME: "Ada", c.LAST_NAME: "Lovelace", c.EMAIL_ADDRESS: "ada@example.com"}
CREATED = {c.ID: 99, **NEW_APPLICANT}


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    with ItrisClient(
        BASE, "api-user", PASSWORD, sleep=sleeps.append, token_store=InMemoryTokenStore()
    ) as itris:
        yield itris


def stub_token(http, *tokens, expires_in=3600):
    for token in tokens or ("tok-1",):
        http.add(
            responses.POST,
            TOKEN_URL,
            json={c.TOKEN_ACCESS: token, c.TOKEN_EXPIRES_IN: expires_in},
        )


def calls_to(http, method, url):
    return [
        call
        for call in http.calls
        if call.request.method == method and call.request.url.split("?")[0] == url
    ]


def dropped_connection():
    return requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))


def refused_connection():
    reason = NewConnectionError(None, "Failed to establish a new connection: Connection refused")
    return requests.ConnectionError(MaxRetryError(None, BASE, reason))


# --- Authentication -------------------------------------------------------------------
def test_authenticate_sends_credentials_and_caches_the_token(http, client):
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, json={c.ID: 7})
    client.authenticate()
    client.get(c.RecordType.APPLICANTS, 7)
    client.get(c.RecordType.APPLICANTS, 7)
    token_calls = calls_to(http, "POST", TOKEN_URL)
    assert len(token_calls) == 1
    assert json.loads(token_calls[0].request.body) == {
        c.TOKEN_USERNAME: "api-user",
        c.TOKEN_PASSWORD: PASSWORD,
    }
    gets = calls_to(http, "GET", APPLICANT_URL)
    assert [call.request.headers["Authorization"] for call in gets] == ["Bearer tok-1"] * 2


def test_401_reauthenticates_once_and_replays(http, client):
    stub_token(http, "tok-1", "tok-2")
    http.add(responses.GET, APPLICANT_URL, status=401, json={c.ERROR_MESSAGE: "expired"})
    http.add(responses.GET, APPLICANT_URL, json={c.ID: 7})
    assert client.get(c.RecordType.APPLICANTS, 7) == {c.ID: 7}
    gets = calls_to(http, "GET", APPLICANT_URL)
    assert [call.request.headers["Authorization"] for call in gets] == [
        "Bearer tok-1",
        "Bearer tok-2",
    ]
    assert len(calls_to(http, "POST", TOKEN_URL)) == 2


def test_401_twice_raises_auth_error(http, client):
    stub_token(http, "tok-1", "tok-2")
    http.add(responses.GET, APPLICANT_URL, status=401, json={c.ERROR_MESSAGE: "no"})
    with pytest.raises(ItrisAuthError) as caught:
        client.get(c.RecordType.APPLICANTS, 7)
    assert caught.value.status == 401
    assert "refused a freshly issued token" in str(caught.value)
    assert len(calls_to(http, "GET", APPLICANT_URL)) == 2
    assert len(calls_to(http, "POST", TOKEN_URL)) == 2


def test_bad_credentials_raise_auth_error_without_retry(http, client):
    http.add(responses.POST, TOKEN_URL, status=401, json={c.ERROR_MESSAGE: "bad login"})
    with pytest.raises(ItrisAuthError) as caught:
        client.check_connection()
    assert "rejected the username or password" in str(caught.value)
    assert len(http.calls) == 1


def test_expired_cached_token_is_refreshed_before_use(http, sleeps):
    store = InMemoryTokenStore()
    store.set(f"{BASE}|api-user", "stale", 0.0)
    stub_token(http, "fresh")
    http.add(responses.GET, APPLICANT_URL, json={c.ID: 7})
    itris = ItrisClient(BASE, "api-user", PASSWORD, token_store=store, sleep=sleeps.append)
    itris.get(c.RecordType.APPLICANTS, 7)
    assert http.calls[-1].request.headers["Authorization"] == "Bearer fresh"
    token, expires_at = store.get(f"{BASE}|api-user")
    assert token == "fresh"
    assert expires_at > datetime.now(UTC).timestamp() + 3000


def test_token_store_is_pluggable_and_shared_between_clients(http, sleeps):
    class DictStore:
        def __init__(self):
            self.data = {}

        def get(self, key):
            return self.data.get(key)

        def set(self, key, token, expires_at):
            self.data[key] = (token, expires_at)

    store = DictStore()
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, json={c.ID: 7})
    for _ in range(2):
        ItrisClient(BASE, "api-user", PASSWORD, token_store=store).get("applicants", 7)
    assert len(calls_to(http, "POST", TOKEN_URL)) == 1
    assert list(store.data) == [f"{BASE}|api-user"]


# --- Retries --------------------------------------------------------------------------
def test_429_honours_retry_after_seconds(http, client, sleeps):
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, status=429, headers={"Retry-After": "2"})
    http.add(responses.GET, APPLICANT_URL, json={c.ID: 7})
    assert client.get(c.RecordType.APPLICANTS, 7) == {c.ID: 7}
    assert sleeps == [2]


def test_429_honours_retry_after_http_date(http, client, sleeps):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, status=429, headers={"Retry-After": when})
    http.add(responses.GET, APPLICANT_URL, json={c.ID: 7})
    client.get(c.RecordType.APPLICANTS, 7)
    assert len(sleeps) == 1 and 15 < sleeps[0] <= 20


def test_retry_after_longer_than_backoff_max_goes_back_to_the_caller(http, client, sleeps):
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, status=429, headers={"Retry-After": "600"})
    with pytest.raises(RetriableItrisError) as caught:
        client.get(c.RecordType.APPLICANTS, 7)
    assert caught.value.retry_after == 600
    assert sleeps == []
    assert len(calls_to(http, "GET", APPLICANT_URL)) == 1


def test_503_is_retried_then_succeeds(http, client, sleeps):
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, status=503, json={c.ERROR_MESSAGE: "busy"})
    http.add(responses.GET, APPLICANT_URL, status=502)
    http.add(responses.GET, APPLICANT_URL, json={c.ID: 7})
    assert client.get(c.RecordType.APPLICANTS, 7) == {c.ID: 7}
    assert len(calls_to(http, "GET", APPLICANT_URL)) == 3
    # Full jitter: each wait lies between 0 and the exponential cap.
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


def test_retries_stop_at_max_attempts(http, sleeps):
    itris = ItrisClient(
        BASE, "api-user", PASSWORD, max_attempts=3, sleep=sleeps.append,
        token_store=InMemoryTokenStore(),
    )  # fmt: skip
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, status=500, json={c.ERROR_MESSAGE: "boom"})
    with pytest.raises(RetriableItrisError) as caught:
        itris.get(c.RecordType.APPLICANTS, 7)
    assert caught.value.status == 500
    assert "boom" in str(caught.value)
    assert len(calls_to(http, "GET", APPLICANT_URL)) == 3
    assert len(sleeps) == 2


def test_backoff_grows_exponentially_up_to_the_cap(http, sleeps, monkeypatch):
    monkeypatch.setattr("backend.itris.client.random.uniform", lambda low, high: high)
    itris = ItrisClient(
        BASE, "u", PASSWORD, max_attempts=6, backoff_base=1, backoff_max=5,
        sleep=sleeps.append, token_store=InMemoryTokenStore(),
    )  # fmt: skip
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(RetriableItrisError):
        itris.get(c.RecordType.APPLICANTS, 7)
    assert sleeps == [1, 2, 4, 5, 5]


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, ItrisValidationError), (422, ItrisValidationError), (404, ItrisNotFound),
     (403, FatalItrisError), (409, FatalItrisError)],
)  # fmt: skip
def test_fatal_4xx_is_not_retried(http, client, sleeps, status, error):
    stub_token(http)
    body = {c.ERROR_MESSAGE: "nope", c.ERROR_FIELDS: {c.EMAIL_ADDRESS: "is invalid"}}
    http.add(responses.PATCH, APPLICANT_URL, status=status, json=body)
    with pytest.raises(error) as caught:
        client.update(c.RecordType.APPLICANTS, 7, {c.EMAIL_ADDRESS: "x"})
    assert caught.value.status == status
    assert caught.value.errors == {c.EMAIL_ADDRESS: "is invalid"}
    assert not caught.value.retriable
    assert len(calls_to(http, "PATCH", APPLICANT_URL)) == 1
    assert sleeps == []


def test_validation_error_carries_itris_errors_on_create(http, client):
    stub_token(http)
    errors = {c.COMPANY_ID: "is required"}
    contacts_url = BASE + c.collection_path(c.RecordType.CONTACTS)
    http.add(
        responses.POST,
        contacts_url,
        status=400,
        json={c.ERROR_MESSAGE: "Validation failed", c.ERROR_FIELDS: errors},
    )
    with pytest.raises(ItrisValidationError) as caught:
        client.create(c.RecordType.CONTACTS, {c.FIRST_NAME: "A", c.LAST_NAME: "B"})
    assert caught.value.errors == errors
    assert "Validation failed" in str(caught.value)
    assert len(calls_to(http, "POST", contacts_url)) == 1


def test_redirect_is_not_followed(http, client):
    stub_token(http)
    http.add(responses.POST, APPLICANTS_URL, status=301, headers={"Location": "https://x/"})
    with pytest.raises(FatalItrisError, match="redirected"):
        client.create(c.RecordType.APPLICANTS, NEW_APPLICANT)
    assert len(calls_to(http, "POST", APPLICANTS_URL)) == 1


# --- Creates are never blindly re-sent ----------------------------------------------------
def test_timeout_on_create_without_find_existing_raises_after_one_post(http, client, sleeps):
    stub_token(http)
    http.add(responses.POST, APPLICANTS_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(RetriableItrisError) as caught:
        client.create(c.RecordType.APPLICANTS, NEW_APPLICANT)
    assert caught.value.maybe_applied
    assert "did not answer" in str(caught.value) and "within 10 s" in str(caught.value)
    assert len(calls_to(http, "POST", APPLICANTS_URL)) == 1
    assert sleeps == []


def test_timeout_on_create_with_find_existing_returns_the_found_record(http, client):
    stub_token(http)
    http.add(responses.POST, APPLICANTS_URL, body=requests.ReadTimeout("read timed out"))
    searches = []

    def find_existing():
        searches.append(1)
        return CREATED

    assert client.create(c.RecordType.APPLICANTS, NEW_APPLICANT, find_existing=find_existing) == (
        CREATED
    )
    assert searches == [1]
    assert len(calls_to(http, "POST", APPLICANTS_URL)) == 1


def test_a_5xx_on_create_with_nothing_found_posts_again(http, client):
    stub_token(http)
    http.add(responses.POST, APPLICANTS_URL, status=500, json={c.ERROR_MESSAGE: "oops"})
    http.add(responses.POST, APPLICANTS_URL, status=201, json=CREATED)
    searches = []

    def find_existing():
        searches.append(1)

    created = client.create(c.RecordType.APPLICANTS, NEW_APPLICANT, find_existing=find_existing)
    assert created == CREATED
    assert searches == [1]
    assert len(calls_to(http, "POST", APPLICANTS_URL)) == 2


def test_a_timeout_on_create_with_nothing_found_is_not_sent_again(http, client):
    """No answer means itris may still be writing: searching now proves nothing."""
    stub_token(http)
    http.add(responses.POST, APPLICANTS_URL, body=requests.ReadTimeout("read timed out"))
    searches = []

    def find_existing():
        searches.append(1)

    with pytest.raises(RetriableItrisError) as caught:
        client.create(c.RecordType.APPLICANTS, NEW_APPLICANT, find_existing=find_existing)
    assert caught.value.in_flight is True
    assert searches == [1]
    assert len(calls_to(http, "POST", APPLICANTS_URL)) == 1


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "json": {c.ERROR_MESSAGE: "down"}},
        {"body": dropped_connection()},
    ],
    ids=["503", "dropped"],
)
def test_ambiguous_create_failures_need_find_existing(http, client, failure):
    stub_token(http)
    http.add(responses.POST, APPLICANTS_URL, **failure)
    with pytest.raises(RetriableItrisError) as caught:
        client.create(c.RecordType.APPLICANTS, NEW_APPLICANT)
    assert caught.value.maybe_applied
    assert len(calls_to(http, "POST", APPLICANTS_URL)) == 1


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 429, "headers": {"Retry-After": "1"}},
        {"body": refused_connection()},
    ],
    ids=["429", "refused"],
)
def test_create_is_resent_directly_when_itris_certainly_did_nothing(http, client, failure):
    stub_token(http)
    http.add(responses.POST, APPLICANTS_URL, **failure)
    http.add(responses.POST, APPLICANTS_URL, status=201, json=CREATED)
    assert client.create(c.RecordType.APPLICANTS, NEW_APPLICANT) == CREATED
    assert len(calls_to(http, "POST", APPLICANTS_URL)) == 2


def test_comment_after_dropped_connection_uses_find_existing(http, client):
    stub_token(http)
    url = BASE + c.comments_path(c.RecordType.CONTACTS, 5)
    http.add(responses.POST, url, body=dropped_connection())
    note = {c.ID: 1, c.COMMENT_TEXT: "Added from campaign"}
    found = client.add_comment(
        c.RecordType.CONTACTS, 5, "Added from campaign", category_id=3,
        comment_date="2024-05-01T09:00:00+00:00", find_existing=lambda: note,
    )  # fmt: skip
    assert found == note
    sent = json.loads(calls_to(http, "POST", url)[0].request.body)
    assert sent == {
        c.COMMENT_TEXT: "Added from campaign",
        c.COMMENT_CATEGORY_ID: 3,
        c.COMMENT_DATE: "2024-05-01T09:00:00+00:00",
    }
    assert len(calls_to(http, "POST", url)) == 1


def test_attachment_is_base64_and_inbox_fields_are_checked(http, client):
    stub_token(http)
    url = BASE + c.attachments_path(c.RecordType.APPLICANTS, 7)
    http.add(responses.POST, url, status=201, json={c.ID: 3})
    client.add_attachment(c.RecordType.APPLICANTS, 7, "cv.pdf", b"%PDF-1.4")
    sent = json.loads(http.calls[-1].request.body)
    assert sent == {
        c.ATTACHMENT_FILE_NAME: "cv.pdf",
        c.ATTACHMENT_FILE_CONTENT: "JVBERi0xLjQ=",
        c.ATTACHMENT_SYSTEM_TYPE: c.SYSTEM_TYPE_CV,
    }
    with pytest.raises(ValueError, match="nickname"):
        client.inbox({c.FIRST_NAME: "A", "nickname": "x"})
    with pytest.raises(ValueError, match=c.ID):
        client.update(c.RecordType.APPLICANTS, 7, {c.ID: 8})


# --- Pagination ---------------------------------------------------------------------------
def paged(records, *, echo_page=None, repeat_items=False, total=None):
    """A callback serving ``records`` page by page, optionally misbehaving."""

    def callback(request):
        query = parse_qs(urlsplit(request.url).query)
        page, size = int(query[c.PAGE][0]), int(query[c.PAGE_SIZE][0])
        start = 0 if repeat_items else (page - 1) * size
        body = {
            c.ITEMS: records[start : start + size],
            c.PAGE: echo_page if echo_page is not None else page,
            c.PAGE_SIZE: size,
            c.TOTAL_COUNT: len(records) if total is None else total,
        }
        return 200, {}, json.dumps(body)

    return callback


COMPANIES = [{c.ID: i, c.NAME: f"Company {i}"} for i in range(1, 8)]
COMPANIES_URL = BASE + c.collection_path(c.RecordType.COMPANIES)


def test_iter_records_walks_every_page(http, client):
    stub_token(http)
    http.add_callback(responses.GET, COMPANIES_URL, callback=paged(COMPANIES))
    assert list(client.iter_records(c.RecordType.COMPANIES, page_size=3)) == COMPANIES
    assert len(calls_to(http, "GET", COMPANIES_URL)) == 3


def test_search_sends_filters_and_stops_on_a_short_page(http, client):
    stub_token(http)
    http.add_callback(responses.GET, COMPANIES_URL, callback=paged(COMPANIES[:2], total=999))
    assert client.search(c.RecordType.COMPANIES, name="Comp") == COMPANIES[:2]
    query = parse_qs(urlsplit(http.calls[-1].request.url).query)
    assert query[c.FILTER_NAME] == ["Comp"]
    assert len(calls_to(http, "GET", COMPANIES_URL)) == 1


def test_search_rejects_filters_the_contract_does_not_name(client):
    with pytest.raises(ValueError, match="emailAddress"):
        client.search(c.RecordType.COMPANIES, emailAddress="a@b.c")


@pytest.mark.parametrize(
    "misbehaviour", [{"echo_page": 1}, {"repeat_items": True}], ids=["same-number", "same-items"]
)
def test_repeated_page_is_an_error_not_a_loop(http, client, misbehaviour):
    stub_token(http)
    http.add_callback(
        responses.GET, COMPANIES_URL, callback=paged(COMPANIES, total=10**6, **misbehaviour)
    )
    with pytest.raises(FatalItrisError, match="same page twice"):
        list(client.iter_records(c.RecordType.COMPANIES, page_size=3))
    assert len(calls_to(http, "GET", COMPANIES_URL)) == 2


def test_pagination_has_a_hard_page_cap(http, client):
    client.max_pages = 4
    many = [{c.ID: i} for i in range(100)]
    stub_token(http)
    http.add_callback(responses.GET, COMPANIES_URL, callback=paged(many))
    with pytest.raises(FatalItrisError, match="past 4"):
        list(client.iter_records(c.RecordType.COMPANIES, page_size=2))


def test_unpaged_answers_are_read_once(http, client):
    stub_token(http)
    url = BASE + c.comments_path(c.RecordType.APPLICANTS, 7)
    http.add(responses.GET, url, json={c.ITEMS: [{c.ID: 1}, {c.ID: 2}]})
    assert client.list_comments(c.RecordType.APPLICANTS, 7) == [{c.ID: 1}, {c.ID: 2}]
    assert len(calls_to(http, "GET", url)) == 1


# --- Addresses and connection failures --------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("acme", "https://acme.itris.co.uk"),
        ("Acme-Recruit2", "https://acme-recruit2.itris.co.uk"),
        ("  acme ", "https://acme.itris.co.uk"),
        ("https://acme.itris.co.uk/", "https://acme.itris.co.uk"),
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("https://itris.example.com/tenant/", "https://itris.example.com/tenant"),
    ],
)
def test_resolve_base_url(given, expected):
    assert resolve_base_url(given) == expected


@pytest.mark.parametrize(
    "given",
    ["", "acme.itris.co.uk", "-acme", "acme_recruit", "ftp://acme.example", "https://",
     "https://user:pw@acme.example", "https://acme.example/?x=1", "acme recruit"],
)  # fmt: skip
def test_resolve_base_url_rejects(given):
    with pytest.raises(ValueError):
        resolve_base_url(given)


def test_resolve_base_url_uses_the_template():
    assert resolve_base_url("acme", "https://{subdomain}.eu.itris.test") == (
        "https://acme.eu.itris.test"
    )


def test_refused_connection_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    itris = ItrisClient(
        f"http://127.0.0.1:{port}", "api-user", PASSWORD, max_attempts=2,
        sleep=lambda s: None, token_store=InMemoryTokenStore(),
    )  # fmt: skip
    with pytest.raises(ItrisUnreachable) as caught:
        itris.check_connection()
    assert "refused" in str(caught.value)
    assert caught.value.retriable and not caught.value.maybe_applied


def test_connect_timeout_is_unreachable(http, client):
    http.add(responses.POST, TOKEN_URL, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(ItrisUnreachable, match="could not be reached within 10 s"):
        client.authenticate()


# --- Secrets stay secret ----------------------------------------------------------------
def test_password_and_token_never_appear_in_errors_or_logs(http, client, caplog):
    caplog.set_level(logging.DEBUG)
    echo = {c.ERROR_MESSAGE: f"bad password {PASSWORD}", c.ERROR_FIELDS: {"password": PASSWORD}}
    http.add(responses.POST, TOKEN_URL, status=401, json=echo)
    with pytest.raises(ItrisAuthError) as caught:
        client.authenticate()
    http.replace(responses.POST, TOKEN_URL, body=dropped_connection())
    with pytest.raises(RetriableItrisError) as dropped:
        client.authenticate()
    http.replace(responses.POST, TOKEN_URL, status=400, json=echo)
    with pytest.raises(ItrisAuthError) as rejected:
        client.authenticate()
    http.replace(responses.POST, TOKEN_URL, json={c.TOKEN_ACCESS: "tok-secret"})
    http.add(responses.GET, APPLICANT_URL, status=500, json={c.ERROR_MESSAGE: "oops"})
    with pytest.raises(RetriableItrisError):
        client.get(c.RecordType.APPLICANTS, 7)
    for error in (caught.value, dropped.value, rejected.value):
        for text in (str(error), repr(error), error.message, repr(error.errors)):
            assert PASSWORD not in text
        assert error.__cause__ is None  # the token request (with the password) is not chained
    assert PASSWORD not in repr(client) and PASSWORD not in repr(vars(client))
    assert caplog.records, "the client logs its requests"
    assert PASSWORD not in caplog.text
    assert "tok-secret" not in caplog.text
    assert "Authorization" not in caplog.text


def test_requests_are_logged_with_method_path_status_attempt(http, client, caplog):
    caplog.set_level(logging.DEBUG, logger="backend.itris")
    stub_token(http)
    http.add(responses.GET, APPLICANT_URL, status=503)
    http.add(responses.GET, APPLICANT_URL, json={c.ID: 7})
    client.get(c.RecordType.APPLICANTS, 7)
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.itris"]
    path = c.record_path(c.RecordType.APPLICANTS, 7)
    assert any(f"GET {path} -> 503 (attempt 1," in line for line in lines)
    assert any(f"GET {path} -> 200 (attempt 2," in line for line in lines)


# --- Rate limiter -------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_token_bucket_allows_a_burst_then_paces_requests():
    clock = FakeClock()
    bucket = TokenBucket(5, burst=5, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(8)]
    assert waits[:5] == [0] * 5
    assert waits[5:] == pytest.approx([0.2, 0.2, 0.2])
    assert clock.now == pytest.approx(0.6)


def test_token_bucket_spaces_requests_evenly_by_default():
    clock = FakeClock()
    bucket = TokenBucket(4, clock=clock, sleep=clock.sleep)
    assert [bucket.acquire() for _ in range(4)] == pytest.approx([0, 0.25, 0.25, 0.25])
    clock.now += 10  # idle time does not bank more than one request
    assert [bucket.acquire() for _ in range(2)] == pytest.approx([0, 0.25])


def test_token_bucket_is_thread_safe():
    clock = FakeClock()
    slept = []
    bucket = TokenBucket(10, clock=clock, sleep=slept.append)
    threads = [threading.Thread(target=bucket.acquire) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The clock never moved: every caller reserved its own, distinct slot.
    assert sorted(slept) == pytest.approx([i / 10 for i in range(1, 50)])


def test_token_bucket_is_shared_per_tenant():
    TokenBucket.forget_all()
    first = TokenBucket.for_tenant("https://acme.itris.co.uk", 5)
    assert TokenBucket.for_tenant("https://ACME.itris.co.uk/", 5) is first
    assert TokenBucket.for_tenant("https://other.itris.co.uk", 5) is not first
    assert TokenBucket.for_tenant("https://acme.itris.co.uk", 2).rate_per_s == 2
    a = ItrisClient("acme", "u1", "p", rate_limit_per_s=2)
    b = ItrisClient("acme", "u2", "p", rate_limit_per_s=2)
    assert a._limiter is b._limiter is first
    TokenBucket.forget_all()


# --- One pace for the fleet, one login per user -----------------------------------------
def _redis_url() -> str:
    import os

    queue = os.environ.get("ITRIS_SYNC_TEST_QUEUE_URL", "")
    if queue.startswith("redis"):
        return queue
    return os.environ.get("ITRIS_SYNC_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    url = _redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"Redis at {url} is not answering")
    return url


@pytest.fixture
def default_rate():
    """Set the process default rate limit for one test, and clear it afterwards."""
    from backend.itris import ratelimit

    yield ratelimit.configure
    ratelimit.configure(None)
    TokenBucket.forget_all()


def test_shared_bucket_paces_every_process_on_one_schedule(redis_url):
    import redis

    from backend.itris.ratelimit import SharedTokenBucket

    key = f"itris-sync:rate:test-{uuid4_hex()}"
    slept = []
    # Two buckets with connections of their own: what two worker processes hold.
    a, b = (
        SharedTokenBucket(redis.Redis.from_url(redis_url), key, 10, sleep=slept.append)
        for _ in range(2)
    )
    waits = [(a if i % 2 else b).acquire() for i in range(10)]
    # Nobody slept, so the reservations line up 0.1 s apart across both "processes".
    assert waits == pytest.approx([i / 10 for i in range(10)], abs=0.05)
    assert slept == waits[1:]


def test_shared_bucket_falls_back_to_this_process_when_redis_is_down(caplog):
    import redis

    from backend.itris.ratelimit import SharedTokenBucket

    down = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    slept = []
    bucket = SharedTokenBucket(down, "itris-sync:rate:down", 4, sleep=slept.append)
    with caplog.at_level(logging.WARNING, logger="backend.itris"):
        waits = [bucket.acquire() for _ in range(3)]
    assert waits[0] == 0 and waits[1:] == pytest.approx([0.25, 0.5], abs=0.05)
    assert "shared itris rate limit unavailable" in caplog.text


def test_clients_use_the_configured_default_rate(default_rate, redis_url):
    from backend.itris.ratelimit import SharedTokenBucket

    assert ItrisClient("acme", "u", "p")._limiter is None  # nothing configured: no limit
    default_rate(6)
    local = ItrisClient("acme", "u", "p")._limiter
    assert isinstance(local, TokenBucket) and local.rate_per_s == 6
    default_rate(6, redis_url)
    shared = ItrisClient("acme", "u", "p")._limiter
    assert isinstance(shared, SharedTokenBucket) and shared.rate_per_s == 6
    assert ItrisClient("ACME", "other-user", "p")._limiter is shared  # one pace per tenant
    assert ItrisClient("acme", "u", "p", rate_limit_per_s=2)._limiter.rate_per_s == 2
    default_rate(0)  # as good as unset
    assert ItrisClient("acme", "u", "p")._limiter is None
    with pytest.raises(ValueError):
        default_rate(-1)


def test_threads_without_a_token_log_in_once(sandbox):
    store = InMemoryTokenStore()
    itris = ItrisClient(sandbox.url, sandbox.username, sandbox.password, token_store=store)
    start = threading.Barrier(8)

    def read():
        start.wait()
        assert itris.get_list(c.ListName.SECTORS)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    itris.close()
    stats = sandbox.stats()
    assert stats["requests"].get(f"POST {c.TOKEN_PATH}") == 1
    assert stats["requests"].get(f"GET {c.list_path(c.ListName.SECTORS)}") == 8


def uuid4_hex() -> str:
    import uuid

    return uuid.uuid4().hex


class _KeepAliveItris(BaseHTTPRequestHandler):
    """A server that keeps connections alive, as itris does (the sandbox's development
    server closes each): it notes each request's connection and Cookie header, sets a
    cookie on every answer, and answers a token and any record."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, int, str | None, str]]

    def _answer(self, body: dict) -> None:
        self.seen.append((self.command, self.client_address[1], self.headers["Cookie"], self.path))
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Set-Cookie", f"session={len(self.seen)}; Path=/")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer({c.TOKEN_ACCESS: "tok-live", c.TOKEN_EXPIRES_IN: 3600})

    def do_GET(self):  # noqa: N802
        self._answer({c.ID: 7, c.FIRST_NAME: "Ada"})

    def log_message(self, *args):
        pass


@pytest.fixture
def keep_alive_itris():
    handler = type("Handler", (_KeepAliveItris,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler.seen
    server.shutdown()
    server.server_close()


def test_a_threads_clients_share_its_connections_to_itris_and_no_cookies(keep_alive_itris):
    server, seen = keep_alive_itris
    url = f"http://127.0.0.1:{server.server_port}"
    store = InMemoryTokenStore()
    # One client per lookup or push, one after the other in one thread (a web or queue
    # worker's): one connection, opened once.
    for _ in range(3):
        with ItrisClient(url, "api-user", PASSWORD, token_store=store) as itris:
            assert itris.get("applicants", 7)[c.ID] == 7
    assert [method for method, *_ in seen] == ["POST", "GET", "GET", "GET"]
    assert len({port for _, port, _, _ in seen}) == 1
    # itris set a cookie on each answer: none goes back, to this API user or the next.
    assert [cookie for _, _, cookie, _ in seen] == [None] * 4

    # Another thread has its own connection (requests does not share a session safely).
    def elsewhere():
        ItrisClient(url, "other-user", PASSWORD, token_store=store).get("applicants", 7)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert [method for method, *_ in seen[4:]] == ["POST", "GET"]  # it ran, and asked
    assert seen[4][1] == seen[5][1] != seen[0][1]


def test_the_environments_proxy_still_carries_itris_calls(keep_alive_itris, monkeypatch):
    server, seen = keep_alive_itris
    proxy = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    host = f"http://itris-behind-a-proxy-{uuid4_hex()}.test"  # resolvable only by the proxy
    itris = ItrisClient(host, "api-user", PASSWORD, token_store=InMemoryTokenStore())
    assert itris.get("applicants", 7)[c.ID] == 7
    # The proxy was asked for the absolute URL (a proxy request), token first.
    assert [path for *_, path in seen] == [
        host + c.TOKEN_PATH,
        host + c.record_path(c.RecordType.APPLICANTS, 7),
    ]


def test_a_thread_keeps_connections_to_a_bounded_number_of_itris_addresses(
    keep_alive_itris, monkeypatch
):
    from backend.itris import client as client_module

    server, seen = keep_alive_itris
    monkeypatch.setattr(client_module, "SESSIONS_PER_THREAD", 1)
    store = InMemoryTokenStore()

    def ask(host: str) -> int:
        url = f"http://{host}:{server.server_port}"
        assert ItrisClient(url, "api-user", PASSWORD, token_store=store).get("applicants", 7)
        return seen[-1][1]  # the port the client asked from: its connection

    ports = []

    def in_a_thread():  # a thread of its own: no session any other test left behind
        ports.extend([ask("127.0.0.1"), ask("127.0.0.1")])
        ask("localhost")  # a second address: the first one's connection is closed
        ports.append(ask("127.0.0.1"))

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert len(seen) == 6  # a token for each address, and four reads
    assert ports[0] == ports[1] != ports[2]
