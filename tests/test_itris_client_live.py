"""The itris client against the live sandbox: auth, token expiry, 429s, faults, safe creates."""

from __future__ import annotations

import time
import uuid

import pytest

from backend.itris import (
    InMemoryTokenStore,
    ItrisAuthError,
    ItrisClient,
    ItrisNotFound,
    ItrisValidationError,
    RetriableItrisError,
    TokenBucket,
)
from backend.itris import contract as c

APPLICANTS = c.RecordType.APPLICANTS
CONTACTS = c.RecordType.CONTACTS
COMPANIES = c.RecordType.COMPANIES


@pytest.fixture
def make_client(sandbox):
    clients = []

    def make(**options):
        options.setdefault("token_store", InMemoryTokenStore())
        options.setdefault("backoff_base", 0.05)
        options.setdefault("backoff_max", 5.0)
        password = options.pop("password", sandbox.password)
        client = ItrisClient(sandbox.url, sandbox.username, password, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    TokenBucket.forget_all()


@pytest.fixture
def itris(make_client):
    return make_client()


def new_applicant():
    email = f"ada.{uuid.uuid4().hex[:8]}@example.com"
    return {c.FIRST_NAME: "Ada", c.LAST_NAME: "Lovelace", c.EMAIL_ADDRESS: email}


def with_email(sandbox, kind, email):
    return [r for r in sandbox.records(kind) if (r.get(c.EMAIL_ADDRESS) or "").lower() == email]


def request_count(stats, method, path_template):
    """Requests the sandbox saw for one "METHOD /path-template"."""
    return stats["requests"].get(f"{method} {path_template}", 0)


def status_count(stats, status):
    return stats["statuses"].get(str(status), 0)


def creates(stats, record_type):
    """POSTs the sandbox saw to one collection (answered, failed or dropped)."""
    return request_count(stats, "POST", c.collection_path(record_type))


# --- Authentication -------------------------------------------------------------------
def test_check_connection_and_bad_password(sandbox, make_client):
    make_client().check_connection()
    wrong = make_client(password="not-the-password")
    with pytest.raises(ItrisAuthError, match="rejected the username or password") as caught:
        wrong.check_connection()
    assert "not-the-password" not in str(caught.value)


def test_expired_token_is_renewed_transparently(sandbox, itris):
    sandbox.faults(token_ttl_s=1)
    first = itris.search(COMPANIES, name="a")
    time.sleep(1.5)
    assert itris.search(COMPANIES, name="a") == first
    assert request_count(sandbox.stats(), "POST", c.TOKEN_PATH) == 2


def test_token_refused_by_itris_is_renewed_once_and_replayed(sandbox, make_client):
    class Forgetful(InMemoryTokenStore):
        """Believes every token lives an hour, so only itris's 401 reveals the expiry."""

        def set(self, key, token, expires_at):
            super().set(key, token, time.time() + 3600)

    itris = make_client(token_store=Forgetful())
    sandbox.faults(token_ttl_s=1)
    itris.authenticate()
    time.sleep(1.5)
    assert itris.get_list(c.ListName.COMMENT_CATEGORIES)
    stats = sandbox.stats()
    assert status_count(stats, 401) == 1
    assert request_count(stats, "POST", c.TOKEN_PATH) == 2


# --- Rate limits and faults -----------------------------------------------------------
def test_itris_429s_are_honoured(sandbox, make_client):
    sandbox.faults(rate_limit_per_s=5)
    itris = make_client(max_attempts=10)
    itris.authenticate()
    for _ in range(20):
        assert itris.get_list(c.ListName.SECTORS)
    stats = sandbox.stats()
    assert status_count(stats, 429) > 0, "without a client limiter the sandbox must push back"
    assert status_count(stats, 200) >= 21


def test_client_limiter_keeps_under_the_tenant_limit(sandbox, make_client):
    sandbox.faults(rate_limit_per_s=5)
    itris = make_client(rate_limit_per_s=4, max_attempts=10)
    started = time.monotonic()
    for _ in range(12):
        assert itris.get_list(c.ListName.SECTORS)
    assert time.monotonic() - started >= 2.75  # 13 requests (with the login) 0.25 s apart
    stats = sandbox.stats()
    assert request_count(stats, "GET", c.list_path(c.ListName.SECTORS)) == 12
    assert status_count(stats, 429) == 0


def test_flaky_itris_succeeds_eventually(sandbox, make_client):
    itris = make_client(max_attempts=12)
    sandbox.faults(error_rate=0.5, error_status=503)
    companies = itris.search(COMPANIES)
    record = new_applicant()
    email = record[c.EMAIL_ADDRESS]

    def find_existing():
        return next(iter(itris.find_by_email(APPLICANTS, email)), None)

    created = itris.create(APPLICANTS, record, find_existing=find_existing)
    sandbox.faults(error_rate=0.0)
    assert len(companies) == len(sandbox.records("companies"))
    assert created[c.EMAIL_ADDRESS] == email
    assert len(with_email(sandbox, "applicants", email)) == 1
    assert status_count(sandbox.stats(), 503) > 0


# --- Creates are never sent twice -----------------------------------------------------
def test_dropped_create_is_found_not_sent_again(sandbox, itris):
    record = new_applicant()
    email = record[c.EMAIL_ADDRESS]
    itris.authenticate()
    sandbox.faults(drop_rate=1.0)
    searched = []

    def find_existing():
        sandbox.faults(drop_rate=0.0)  # the network recovers before the match-before-create
        searched.append(email)
        return next(iter(itris.find_by_email(APPLICANTS, email)), None)

    created = itris.create(APPLICANTS, record, find_existing=find_existing)
    assert searched == [email]
    assert created[c.EMAIL_ADDRESS] == email
    assert len(with_email(sandbox, "applicants", email)) == 1
    stats = sandbox.stats()
    assert stats["dropped"] == 1
    assert creates(stats, APPLICANTS) == 1


def test_dropped_create_without_find_existing_goes_back_to_the_caller(sandbox, itris):
    record = new_applicant()
    itris.authenticate()
    sandbox.faults(drop_rate=1.0)
    with pytest.raises(RetriableItrisError) as caught:
        itris.create(APPLICANTS, record)
    sandbox.faults(drop_rate=0.0)
    assert caught.value.maybe_applied
    assert len(with_email(sandbox, "applicants", record[c.EMAIL_ADDRESS])) == 1
    stats = sandbox.stats()
    assert stats["dropped"] == 1
    assert creates(stats, APPLICANTS) == 1


def test_contact_without_company_is_a_validation_error(sandbox, itris):
    contact = {
        c.FIRST_NAME: "Grace",
        c.LAST_NAME: "Hopper",
        c.CONTACT_TYPE_ID: 1,
        c.LOCATION: "London",
        c.EMAIL_ADDRESS: "grace@example.com",
    }
    with pytest.raises(ItrisValidationError) as caught:
        itris.create(CONTACTS, contact)
    assert caught.value.status in (400, 422)
    assert c.COMPANY_ID in caught.value.errors
    assert creates(sandbox.stats(), CONTACTS) == 1
    assert not with_email(sandbox, "contacts", "grace@example.com")


# --- Reading ----------------------------------------------------------------------------
def test_iterating_companies_with_small_pages_matches_the_sandbox(sandbox, itris):
    seen = list(itris.iter_records(COMPANIES, page_size=7))
    expected = sandbox.records("companies")
    assert len(expected) > 7
    assert sorted(r[c.ID] for r in seen) == sorted(r[c.ID] for r in expected)
    assert len(seen) == len({r[c.ID] for r in seen})
    assert itris.count(COMPANIES) == len(expected)
    assert itris.count(COMPANIES, name="hays") == len(
        [r for r in expected if "hays" in r[c.NAME].lower()]
    )


def test_person_round_trip(sandbox, itris):
    created = itris.create(APPLICANTS, new_applicant())
    record_id = created[c.ID]
    email = created[c.EMAIL_ADDRESS]
    assert [r[c.ID] for r in itris.find_by_email(APPLICANTS, email.upper())] == [record_id]
    updated = itris.update(APPLICANTS, record_id, {c.JOB_TITLE: "Analyst"})
    assert updated[c.JOB_TITLE] == "Analyst"
    assert itris.get(APPLICANTS, record_id)[c.JOB_TITLE] == "Analyst"

    category = itris.get_list(c.ListName.COMMENT_CATEGORIES)[0][c.ID]
    itris.add_comment(APPLICANTS, record_id, "Pushed from campaign", category_id=category)
    texts = [n[c.COMMENT_TEXT] for n in itris.list_comments(APPLICANTS, record_id)]
    assert "Pushed from campaign" in texts

    itris.add_attachment(APPLICANTS, record_id, "cv.pdf", b"%PDF-1.4 test")
    names = [a[c.ATTACHMENT_FILE_NAME] for a in itris.list_attachments(APPLICANTS, record_id)]
    assert names == ["cv.pdf"]

    catalogue = itris.field_catalogue(APPLICANTS)
    assert c.FIRST_NAME in {f[c.CATALOGUE_NAME] for f in catalogue}
    with pytest.raises(ItrisNotFound):
        itris.get(APPLICANTS, 987654321)
