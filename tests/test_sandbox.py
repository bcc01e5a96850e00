"""The itris sandbox: the modelled contract end to end, validation, paging, filters,
faults, webhooks, resets and bulk loading — all through HTTP, as a client sees it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

import backend.itris.contract as c
from backend.sandbox.fields import RECORD_ID, RECORD_TYPE, SIZE
from backend.sandbox.seed import KNOWN, KNOWN_COMPANIES, LISTS

APPLICANTS, CONTACTS, COMPANIES = c.RecordType


# --- Helpers --------------------------------------------------------------------------
class Api:
    """A signed-in itris API client for the sandbox, thin over ``requests``."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.url = sandbox.url
        self.session = requests.Session()
        self.token = self.login()
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def login(self) -> str:
        answer = requests.post(
            self.url + c.TOKEN_PATH,
            json={c.TOKEN_USERNAME: self.sandbox.username, c.TOKEN_PASSWORD: self.sandbox.password},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()[c.TOKEN_ACCESS]

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)


@pytest.fixture
def api(sandbox):
    client = Api(sandbox)
    yield client
    client.session.close()


def new_record(record_type: str, **extra) -> dict:
    """A valid create body for a record type."""
    bodies = {
        APPLICANTS: {
            c.FIRST_NAME: "Ada",
            c.LAST_NAME: "Lovelace",
            c.EMAIL_ADDRESS: "ada.lovelace@example.co.uk",
        },
        CONTACTS: {
            c.FIRST_NAME: "Grace",
            c.LAST_NAME: "Hopper",
            c.COMPANY_ID: KNOWN.northwind.id,
            c.CONTACT_TYPE_ID: LISTS[c.ListName.CONTACT_TYPES][0][c.ID],
            c.LOCATION: "Leeds",
        },
        COMPANIES: {c.NAME: "Babbage Engines Ltd", c.LOCATION: "London"},
    }
    return {**bodies[c.RecordType(record_type)], **extra}


def known_id(record_type: str) -> int:
    return {APPLICANTS: KNOWN.applicant.id, CONTACTS: KNOWN.contact.id}.get(
        record_type, KNOWN.hays_plc.id
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def error_fields(response: requests.Response) -> dict:
    """Assert an itris-style error answer and return its per-field errors."""
    body = response.json()
    assert set(body) == {c.ERROR_MESSAGE, c.ERROR_FIELDS}, body
    assert isinstance(body[c.ERROR_MESSAGE], str) and body[c.ERROR_MESSAGE]
    return body[c.ERROR_FIELDS]


def by_id(records: list[dict], record_id: int) -> dict:
    return next(r for r in records if r[c.ID] == record_id)


# --- Conformance: every endpoint of the contract, for every type it takes -------------
PLACEHOLDERS = {
    "{recordType}": tuple(c.RecordType),
    "{personType}": c.PERSON_TYPES,
    "{list}": tuple(c.ListName),
}


def _expansions(template: str) -> list[dict]:
    """Every binding of a template's placeholders ({id} is bound at run time)."""
    names = set(re.findall(r"\{\w+\}", template)) - {"{id}"}
    assert names <= set(PLACEHOLDERS), f"conformance test does not know {names} in {template}"
    bindings = [{}]
    for name in names:
        bindings = [{**b, name: value} for b in bindings for value in PLACEHOLDERS[name]]
    return bindings


CASES = [
    pytest.param(endpoint, binding, id=f"{endpoint.method} {endpoint.path} {binding}")
    for endpoint in c.ENDPOINTS
    for binding in _expansions(endpoint.path)
]


def _concrete(template: str, binding: dict) -> tuple[str, str | None]:
    path, kind = template, None
    for name, value in binding.items():
        path = path.replace(name, str(value))
        if name in ("{recordType}", "{personType}"):
            kind = str(value)
    if "{id}" in path:
        path = path.replace("{id}", str(known_id(kind)))
    return path, kind


def check_token(api, path, kind):
    answer = requests.post(
        api.url + path, json={c.TOKEN_USERNAME: "api-user", c.TOKEN_PASSWORD: "sandbox-password"}
    )
    assert answer.status_code == 200
    assert isinstance(answer.json()[c.TOKEN_ACCESS], str)
    assert answer.json()[c.TOKEN_EXPIRES_IN] == 3600
    wrong = requests.post(
        api.url + path, json={c.TOKEN_USERNAME: "api-user", c.TOKEN_PASSWORD: "x"}
    )
    assert wrong.status_code == 401
    error_fields(wrong)


def check_list(api, path, kind):
    answer = api.get(path)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {c.ITEMS, c.PAGE, c.PAGE_SIZE, c.TOTAL_COUNT}
    assert body[c.TOTAL_COUNT] == len(api.sandbox.records(kind))
    assert body[c.PAGE_SIZE] == c.DEFAULT_PAGE_SIZE and body[c.PAGE] == 1
    assert [r[c.ID] for r in body[c.ITEMS]] == sorted(r[c.ID] for r in body[c.ITEMS])


def check_create(api, path, kind):
    answer = api.post(path, json=new_record(kind))
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert record[c.ID] and record[c.CREATED_AT] == record[c.UPDATED_AT]
    assert answer.headers["Location"] == c.record_path(kind, record[c.ID])
    assert by_id(api.sandbox.records(kind), record[c.ID]) == record
    if kind == COMPANIES:
        assert record[c.CONTACT_COUNT] == 0


def check_get(api, path, kind):
    answer = api.get(path)
    assert answer.status_code == 200
    record = answer.json()
    assert record == by_id(api.sandbox.records(kind), record[c.ID])
    assert set(c.WRITABLE_FIELDS[kind]) <= set(record)
    missing = api.get(c.record_path(kind, 999_999))
    assert missing.status_code == 404
    error_fields(missing)


def check_patch(api, path, kind):
    field = c.NAME if kind == COMPANIES else c.JOB_TITLE
    before = api.get(path).json()
    answer = api.patch(path, json={field: "Changed by the test"})
    assert answer.status_code == 200, answer.text
    after = by_id(api.sandbox.records(kind), before[c.ID])
    assert after[field] == "Changed by the test"
    assert after[c.UPDATED_AT] > before[c.UPDATED_AT]
    assert api.patch(c.record_path(kind, 999_999), json={field: "x"}).status_code == 404


def check_list_comments(api, path, kind):
    api.post(path, json={c.COMMENT_TEXT: "First call"})
    answer = api.get(path)
    assert answer.status_code == 200
    assert [item[c.COMMENT_TEXT] for item in answer.json()[c.ITEMS]] == ["First call"]
    assert answer.json()[c.TOTAL_COUNT] == 1


def check_add_comment(api, path, kind):
    category = LISTS[c.ListName.COMMENT_CATEGORIES][1][c.ID]
    body = {
        c.COMMENT_CATEGORY_ID: category,
        c.COMMENT_TEXT: "Sent the role spec",
        c.COMMENT_DATE: "2025-03-01T10:30:00Z",
    }
    answer = api.post(path, json=body)
    assert answer.status_code == 201, answer.text
    comment = answer.json()
    assert comment[c.COMMENT_CATEGORY_ID] == category
    assert comment[c.COMMENT_DATE].startswith("2025-03-01T10:30:00")
    assert comment[RECORD_TYPE] == kind and comment[RECORD_ID] == known_id(kind)
    assert set(comment) == {
        c.ID, RECORD_TYPE, RECORD_ID, c.COMMENT_CATEGORY_ID, c.COMMENT_TEXT, c.COMMENT_DATE,
        c.CREATED_AT,
    }  # fmt: skip
    assert (
        by_id(api.sandbox.records("comments"), comment[c.ID])[c.COMMENT_TEXT]
        == body[c.COMMENT_TEXT]
    )


def check_list_attachments(api, path, kind):
    api.post(path, json={
        c.ATTACHMENT_FILE_NAME: "cv.pdf", c.ATTACHMENT_FILE_CONTENT: b64(b"%PDF cv"),
        c.ATTACHMENT_SYSTEM_TYPE: c.SYSTEM_TYPE_CV,
    })  # fmt: skip
    items = api.get(path).json()[c.ITEMS]
    assert [(i[c.ATTACHMENT_FILE_NAME], i[SIZE]) for i in items] == [("cv.pdf", 7)]
    assert c.ATTACHMENT_FILE_CONTENT not in items[0]


def check_add_attachment(api, path, kind):
    body = {
        c.ATTACHMENT_FILE_NAME: "notes.txt",
        c.ATTACHMENT_FILE_CONTENT: b64(b"hello"),
        c.ATTACHMENT_SYSTEM_TYPE: c.SYSTEM_TYPE_OTHER,
    }
    answer = api.post(path, json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()[SIZE] == 5 and answer.json()[c.ATTACHMENT_SYSTEM_TYPE] == "Other"
    stored = by_id(api.sandbox.records("attachments"), answer.json()[c.ID])
    assert stored[c.ATTACHMENT_FILE_CONTENT] == b64(b"hello")


def check_lookup_list(api, path, kind):
    answer = api.get(path)
    assert answer.status_code == 200
    items = answer.json()[c.ITEMS]
    assert items and all(set(item) == {c.ID, c.NAME} for item in items)
    assert len({item[c.ID] for item in items}) == len(items)


def check_catalogue(api, path, kind):
    items = api.get(path).json()[c.ITEMS]
    assert [i[c.CATALOGUE_NAME] for i in items] == list(c.WRITABLE_FIELDS[kind])
    required = {i[c.CATALOGUE_NAME] for i in items if i[c.CATALOGUE_REQUIRED]}
    assert required == set(c.REQUIRED_ON_CREATE[kind])
    assert all(i[c.CATALOGUE_LABEL] and i[c.CATALOGUE_TYPE] for i in items)


def check_inbox(api, path, kind):
    body = {
        c.FIRST_NAME: "Idris", c.LAST_NAME: "Elba", c.EMAIL_ADDRESS: "idris@example.com",
        c.PHONE_NUMBER: "07700 900001", c.WEB_ADDRESS: "https://www.linkedin.com/in/idris/",
        c.INBOX_CV: {
            c.INBOX_CV_FILE_NAME: "idris.pdf", c.INBOX_CV_FILE_CONTENT: b64(b"%PDF idris"),
            c.INBOX_CV_FILE_DATETIME: "2025-01-02T03:04:05Z",
        },
        c.INBOX_SOURCE: {c.INBOX_SOURCE_MEDIA_NAME: "LinkedIn",
                         c.INBOX_SOURCE_MEDIA_CHANNEL_NAME: "Outreach"},
        c.INBOX_APPLY_TO_JOB_IDS: [], c.INBOX_NOTIFY_USER_IDS: [1],
    }  # fmt: skip
    answer = api.post(path, json=body)
    assert answer.status_code == 201, answer.text
    applicant_id = answer.json()[c.INBOX_APPLICANT_ID]
    applicant = by_id(api.sandbox.records(APPLICANTS), applicant_id)
    assert applicant[c.EMAIL_ADDRESS] == "idris@example.com"
    assert "LinkedIn" in applicant[c.SOURCE]
    cvs = [a for a in api.sandbox.records("attachments") if a[RECORD_ID] == applicant_id]
    assert [(a[c.ATTACHMENT_FILE_NAME], a[c.ATTACHMENT_SYSTEM_TYPE]) for a in cvs] == [
        ("idris.pdf", c.SYSTEM_TYPE_CV)
    ]


CHECKS = {
    ("POST", c.TOKEN_PATH): check_token,
    ("GET", f"{c.API_PREFIX}/{{recordType}}"): check_list,
    ("POST", f"{c.API_PREFIX}/{{recordType}}"): check_create,
    ("GET", f"{c.API_PREFIX}/{{recordType}}/{{id}}"): check_get,
    ("PATCH", f"{c.API_PREFIX}/{{recordType}}/{{id}}"): check_patch,
    ("GET", f"{c.API_PREFIX}/{{personType}}/{{id}}/comments"): check_list_comments,
    ("POST", f"{c.API_PREFIX}/{{personType}}/{{id}}/comments"): check_add_comment,
    ("GET", f"{c.API_PREFIX}/{{personType}}/{{id}}/attachments"): check_list_attachments,
    ("POST", f"{c.API_PREFIX}/{{personType}}/{{id}}/attachments"): check_add_attachment,
    ("GET", f"{c.API_PREFIX}/lists/{{list}}"): check_lookup_list,
    ("GET", f"{c.API_PREFIX}/fields/{{personType}}"): check_catalogue,
    ("POST", c.INBOX_PATH): check_inbox,
}


@pytest.mark.parametrize(("endpoint", "binding"), CASES)
def test_every_contract_endpoint_answers_as_specified(api, endpoint, binding):
    check = CHECKS.get((endpoint.method, endpoint.path))
    assert check, f"no conformance check for {endpoint.method} {endpoint.path}"
    path, kind = _concrete(endpoint.path, binding)
    if endpoint.path != c.TOKEN_PATH:
        anonymous = requests.request(endpoint.method, api.url + path, json={}, timeout=10)
        assert anonymous.status_code == 401
        assert "missing" in anonymous.json()[c.ERROR_MESSAGE]
    check(api, path, kind)


def test_companies_carry_no_comments_attachments_or_catalogue(api):
    company = KNOWN.hays_plc.id
    for path in (f"/companies/{company}/comments", f"/companies/{company}/attachments",
                 "/fields/companies"):  # fmt: skip
        answer = api.get(c.API_PREFIX + path)
        assert answer.status_code == 404
        error_fields(answer)


# --- Validation -----------------------------------------------------------------------
ONE_OF = set(c.CONTACT_LOCATION_ONE_OF)
SECTOR = LISTS[c.ListName.SECTORS][0][c.ID]


def _without(record_type, *names, **extra):
    body = new_record(record_type, **extra)
    return {k: v for k, v in body.items() if k not in names}


@pytest.mark.parametrize(
    ("record_type", "body", "fields"),
    [
        (CONTACTS, _without(CONTACTS, c.COMPANY_ID), {c.COMPANY_ID}),
        (CONTACTS, _without(CONTACTS, c.CONTACT_TYPE_ID), {c.CONTACT_TYPE_ID}),
        (CONTACTS, _without(CONTACTS, c.LOCATION), ONE_OF),
        (CONTACTS, _without(CONTACTS, c.LOCATION, address=" ", postalCode=None), ONE_OF),
        (CONTACTS, new_record(CONTACTS, companyId=999_999), {c.COMPANY_ID}),
        (CONTACTS, new_record(CONTACTS, contactTypeId=SECTOR), {c.CONTACT_TYPE_ID}),
        (
            CONTACTS,
            new_record(CONTACTS, statusId=LISTS[c.ListName.APPLICANT_STATUSES][0][c.ID]),
            {c.STATUS_ID},
        ),
        (APPLICANTS, new_record(APPLICANTS, statusId=9999), {c.STATUS_ID}),
        (APPLICANTS, new_record(APPLICANTS, favouriteColour="blue"), {"favouriteColour"}),
        (APPLICANTS, new_record(APPLICANTS, companyId=KNOWN.hays_plc.id), {c.COMPANY_ID}),
        (APPLICANTS, new_record(APPLICANTS, id=5), {c.ID}),
        (APPLICANTS, new_record(APPLICANTS, keywords="python"), {c.KEYWORDS}),
        (APPLICANTS, new_record(APPLICANTS, keywords=["python", 3]), {c.KEYWORDS}),
        (APPLICANTS, new_record(APPLICANTS, offLimits="yes"), {c.OFF_LIMITS}),
        (APPLICANTS, new_record(APPLICANTS, emailOptOut=1), {c.EMAIL_OPT_OUT}),
        (APPLICANTS, new_record(APPLICANTS, firstName=42), {c.FIRST_NAME}),
        (APPLICANTS, new_record(APPLICANTS, ownerUserId="1"), {c.OWNER_USER_ID}),
        (APPLICANTS, new_record(APPLICANTS, emailAddress="not-an-email"), {c.EMAIL_ADDRESS}),
        (APPLICANTS, _without(APPLICANTS, c.LAST_NAME), {c.LAST_NAME}),
        (COMPANIES, {c.LOCATION: "Leeds"}, {c.NAME}),
        (COMPANIES, new_record(COMPANIES, sectorId=1), {c.SECTOR_ID}),
    ],
)
def test_create_refuses_invalid_records_naming_each_field(api, record_type, body, fields):
    before = len(api.sandbox.records(record_type))
    answer = api.post(c.collection_path(record_type), json=body)
    assert answer.status_code == 400
    assert set(error_fields(answer)) == fields
    assert len(api.sandbox.records(record_type)) == before


@pytest.mark.parametrize(
    ("record_type", "record_id", "body", "field"),
    [
        (APPLICANTS, KNOWN.applicant.id, {c.FIRST_NAME: ""}, c.FIRST_NAME),
        (CONTACTS, KNOWN.contact.id, {c.COMPANY_ID: None}, c.COMPANY_ID),
        (CONTACTS, KNOWN.contact.id, {c.LOCATION: None}, c.LOCATION),
        (COMPANIES, KNOWN.hays_plc.id, {c.CONTACT_COUNT: 3}, c.CONTACT_COUNT),
    ],
)
def test_patch_refuses_to_break_a_record(api, record_type, record_id, body, field):
    before = by_id(api.sandbox.records(record_type), record_id)
    answer = api.patch(c.record_path(record_type, record_id), json=body)
    assert answer.status_code == 400
    assert field in error_fields(answer)
    assert by_id(api.sandbox.records(record_type), record_id) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (c.comments_path(APPLICANTS, KNOWN.applicant.id), {c.COMMENT_TEXT: " "}, c.COMMENT_TEXT),
        (
            c.comments_path(APPLICANTS, KNOWN.applicant.id),
            {c.COMMENT_TEXT: "x", c.COMMENT_CATEGORY_ID: 301},
            c.COMMENT_CATEGORY_ID,
        ),
        (
            c.comments_path(CONTACTS, KNOWN.contact.id),
            {c.COMMENT_TEXT: "x", c.COMMENT_DATE: "yesterday"},
            c.COMMENT_DATE,
        ),
        (
            c.attachments_path(APPLICANTS, KNOWN.applicant.id),
            {
                c.ATTACHMENT_FILE_NAME: "a.pdf",
                c.ATTACHMENT_FILE_CONTENT: "not base64!",
                c.ATTACHMENT_SYSTEM_TYPE: c.SYSTEM_TYPE_CV,
            },
            c.ATTACHMENT_FILE_CONTENT,
        ),
        (
            c.attachments_path(APPLICANTS, KNOWN.applicant.id),
            {
                c.ATTACHMENT_FILE_NAME: "a.pdf",
                c.ATTACHMENT_FILE_CONTENT: b64(b"x"),
                c.ATTACHMENT_SYSTEM_TYPE: "Resume",
            },
            c.ATTACHMENT_SYSTEM_TYPE,
        ),
        (
            c.INBOX_PATH,
            {c.FIRST_NAME: "A", c.LAST_NAME: "B", c.INBOX_APPLICANT_ID: 999_999},
            c.INBOX_APPLICANT_ID,
        ),
        (
            c.INBOX_PATH,
            {c.FIRST_NAME: "A", c.LAST_NAME: "B", c.INBOX_CV: {c.INBOX_CV_FILE_NAME: "a.pdf"}},
            f"{c.INBOX_CV}.{c.INBOX_CV_FILE_CONTENT}",
        ),
        (c.INBOX_PATH, {c.FIRST_NAME: "A"}, c.LAST_NAME),
        (c.INBOX_PATH, {c.FIRST_NAME: "A", c.LAST_NAME: "B", "jobTitle": "x"}, "jobTitle"),
    ],
)
def test_notes_files_and_inbox_validate_their_bodies(api, path, body, field):
    answer = api.post(path, json=body)
    assert answer.status_code == 400
    assert field in error_fields(answer)


def test_comments_on_a_missing_person_are_404(api):
    answer = api.post(c.comments_path(CONTACTS, 999_999), json={c.COMMENT_TEXT: "x"})
    assert answer.status_code == 404
    assert api.sandbox.records("comments") == []


def test_malformed_json_is_a_400_in_itris_shape(api):
    answer = api.post(
        c.collection_path(APPLICANTS), data="{nope", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    error_fields(answer)


# --- Records behave ---------------------------------------------------------------------
def test_contact_count_follows_contacts_between_companies(api):
    companies = api.sandbox.records(COMPANIES)
    start = {
        k.id: by_id(companies, k.id)[c.CONTACT_COUNT] for k in (KNOWN.northwind, KNOWN.kestrel)
    }
    contact = api.post(c.collection_path(CONTACTS), json=new_record(CONTACTS)).json()
    assert api.get(c.record_path(COMPANIES, KNOWN.northwind.id)).json()[c.CONTACT_COUNT] == (
        start[KNOWN.northwind.id] + 1
    )
    api.patch(c.record_path(CONTACTS, contact[c.ID]), json={c.COMPANY_ID: KNOWN.kestrel.id})
    companies = api.sandbox.records(COMPANIES)
    assert by_id(companies, KNOWN.northwind.id)[c.CONTACT_COUNT] == start[KNOWN.northwind.id]
    assert by_id(companies, KNOWN.kestrel.id)[c.CONTACT_COUNT] == start[KNOWN.kestrel.id] + 1


def test_contact_count_matches_the_seeded_contacts(sandbox):
    contacts = sandbox.records(CONTACTS)
    for company in sandbox.records(COMPANIES):
        expected = sum(1 for person in contacts if person[c.COMPANY_ID] == company[c.ID])
        assert company[c.CONTACT_COUNT] == expected


def test_inbox_with_applicant_id_updates_and_adds_another_cv(api):
    target = KNOWN.cv_applicant
    body = {
        c.INBOX_APPLICANT_ID: target.id,
        c.PHONE_NUMBER: "07700 900999",
        c.INBOX_CV: {c.INBOX_CV_FILE_NAME: "new.pdf", c.INBOX_CV_FILE_CONTENT: b64(b"%PDF new")},
    }
    answer = api.post(c.INBOX_PATH, json=body)
    assert answer.status_code == 200
    assert answer.json() == {c.INBOX_APPLICANT_ID: target.id}
    record = by_id(api.sandbox.records(APPLICANTS), target.id)
    assert record[c.PHONE_NUMBER] == "07700 900999"
    assert record[c.FIRST_NAME] == target.first_name  # untouched
    files = api.get(c.attachments_path(APPLICANTS, target.id)).json()[c.ITEMS]
    assert [f[c.ATTACHMENT_FILE_NAME] for f in files] == ["Rebecca_Hall_CV.pdf", "new.pdf"]


def test_concurrent_creates_all_land_with_unique_ids(api):
    def create(n):
        body = new_record(APPLICANTS, emailAddress=f"person{n}@example.com")
        return api.post(c.collection_path(APPLICANTS), json=body)

    before = len(api.sandbox.records(APPLICANTS))
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(create, range(120)))
    assert [a.status_code for a in answers] == [201] * 120
    assert len({a.json()[c.ID] for a in answers}) == 120
    assert len(api.sandbox.records(APPLICANTS)) == before + 120
    assert api.sandbox.stats()["creates"][APPLICANTS] == 120


# --- Pagination -----------------------------------------------------------------------
def test_pages_cover_every_record_once_in_id_order(api):
    everyone = [r[c.ID] for r in api.sandbox.records(APPLICANTS)]
    seen, page = [], 1
    while True:
        body = api.get(c.collection_path(APPLICANTS), params={c.PAGE: page, c.PAGE_SIZE: 7}).json()
        assert body[c.TOTAL_COUNT] == len(everyone) and body[c.PAGE] == page
        if not body[c.ITEMS]:
            break
        assert len(body[c.ITEMS]) <= 7
        seen += [r[c.ID] for r in body[c.ITEMS]]
        page += 1
    assert seen == sorted(everyone)
    assert page == -(-len(everyone) // 7) + 1


def test_page_size_has_a_maximum(api):
    api.sandbox.reset(applicants=c.MAX_PAGE_SIZE + 20)
    api = Api(api.sandbox)
    path = c.collection_path(APPLICANTS)
    largest = api.get(path, params={c.PAGE_SIZE: c.MAX_PAGE_SIZE}).json()
    assert len(largest[c.ITEMS]) == c.MAX_PAGE_SIZE
    assert largest[c.TOTAL_COUNT] == c.MAX_PAGE_SIZE + 20
    default = api.get(path).json()
    assert len(default[c.ITEMS]) == c.DEFAULT_PAGE_SIZE


@pytest.mark.parametrize(
    "params",
    [
        {c.PAGE_SIZE: c.MAX_PAGE_SIZE + 1},
        {c.PAGE_SIZE: 0},
        {c.PAGE: 0},
        {c.PAGE: "two"},
        {c.PAGE_SIZE: "-"},
    ],
)
def test_bad_paging_is_a_400(api, params):
    answer = api.get(c.collection_path(CONTACTS), params=params)
    assert answer.status_code == 400
    assert set(error_fields(answer)) == set(params)


# --- Filters --------------------------------------------------------------------------
def _ids(api, record_type, **params):
    answer = api.get(c.collection_path(record_type), params=params)
    assert answer.status_code == 200, answer.text
    return [r[c.ID] for r in answer.json()[c.ITEMS]]


def test_email_filter_is_exact_and_case_insensitive(api):
    person = KNOWN.applicant
    assert _ids(api, APPLICANTS, emailAddress=person.email.upper()) == [person.id]
    assert _ids(api, APPLICANTS, emailAddress=person.email[:-1]) == []


def test_dual_person_is_found_as_applicant_and_contact(api):
    email = KNOWN.dual_applicant.email
    assert email == KNOWN.dual_contact.email
    assert _ids(api, APPLICANTS, emailAddress=email) == [KNOWN.dual_applicant.id]
    assert _ids(api, CONTACTS, emailAddress=email) == [KNOWN.dual_contact.id]


def test_web_filter_finds_a_linkedin_slug(api):
    person = KNOWN.linkedin_only_applicant
    assert _ids(api, APPLICANTS, webAddress=person.slug.upper()) == [person.id]
    assert _ids(api, COMPANIES, webAddress="michaelpage.co.uk") == [
        KNOWN.michael_page_international.id,
        KNOWN.michael_page.id,
    ]


def test_name_filter_matches_companies_and_full_names(api):
    assert _ids(api, COMPANIES, name="HAYS") == [KNOWN.hays_plc.id, KNOWN.hays_specialist.id]
    assert _ids(api, COMPANIES, name="smith") == [
        KNOWN.smith_and_sons_ltd.id,
        KNOWN.smith_and_sons.id,
    ]
    assert _ids(api, CONTACTS, name="sarah mitchell") == [KNOWN.namesake_contact.id]
    assert _ids(api, APPLICANTS, name="priya sh") == [KNOWN.applicant.id]


def test_company_filter_lists_its_contacts(api):
    expected = [
        r[c.ID] for r in api.sandbox.records(CONTACTS) if r[c.COMPANY_ID] == KNOWN.brightwater.id
    ]
    assert KNOWN.dual_contact.id in expected
    assert _ids(api, CONTACTS, companyId=KNOWN.brightwater.id) == expected


def test_modified_since_returns_only_newer_changes(api):
    since = datetime.now(UTC).isoformat()
    created = api.post(c.collection_path(APPLICANTS), json=new_record(APPLICANTS)).json()
    api.patch(c.record_path(APPLICANTS, KNOWN.applicant.id), json={c.JOB_TITLE: "Lead Analyst"})
    assert _ids(api, APPLICANTS, modifiedSince=since) == [KNOWN.applicant.id, created[c.ID]]
    assert _ids(api, COMPANIES, modifiedSince=since) == []
    assert len(_ids(api, COMPANIES, modifiedSince="2000-01-01")) == c.DEFAULT_PAGE_SIZE


@pytest.mark.parametrize(
    ("record_type", "params", "field"),
    [
        (APPLICANTS, {c.FILTER_COMPANY: "1"}, c.FILTER_COMPANY),
        (COMPANIES, {c.FILTER_EMAIL: "a@b.co"}, c.FILTER_EMAIL),
        (CONTACTS, {c.FILTER_MODIFIED_SINCE: "last tuesday"}, c.FILTER_MODIFIED_SINCE),
        (CONTACTS, {c.FILTER_COMPANY: "acme"}, c.FILTER_COMPANY),
        (CONTACTS, {c.FILTER_EMAIL: ""}, c.FILTER_EMAIL),
    ],
)
def test_unknown_or_malformed_filters_are_a_400(api, record_type, params, field):
    answer = api.get(c.collection_path(record_type), params=params)
    assert answer.status_code == 400
    assert field in error_fields(answer)


# --- Tokens ---------------------------------------------------------------------------
def test_tokens_expire_after_their_ttl(sandbox):
    sandbox.faults(token_ttl_s=1)
    api = Api(sandbox)
    assert api.get(c.record_path(APPLICANTS, KNOWN.applicant.id)).status_code == 200
    time.sleep(1.2)
    answer = api.get(c.record_path(APPLICANTS, KNOWN.applicant.id))
    assert answer.status_code == 401
    assert "expired" in answer.json()[c.ERROR_MESSAGE]
    assert Api(sandbox).get(c.record_path(APPLICANTS, KNOWN.applicant.id)).status_code == 200


def test_token_needs_both_credentials(sandbox):
    answer = requests.post(sandbox.url + c.TOKEN_PATH, json={c.TOKEN_USERNAME: "api-user"})
    assert answer.status_code == 400
    assert c.TOKEN_PASSWORD in error_fields(answer)


def test_a_made_up_token_is_refused(sandbox):
    answer = requests.get(
        sandbox.url + c.collection_path(APPLICANTS), headers={"Authorization": "Bearer forged"}
    )
    assert answer.status_code == 401
    error_fields(answer)


# --- Faults ---------------------------------------------------------------------------
def test_rate_limit_answers_429_with_retry_after(api):
    api.sandbox.faults(rate_limit_per_s=2)
    answers = [api.get(c.list_path(c.ListName.SECTORS)) for _ in range(10)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and answers[0].status_code == 200
    for answer in limited:
        assert int(answer.headers[c.RETRY_AFTER_HEADER]) >= 1
        assert answer.json()[c.ERROR_MESSAGE]
    assert api.sandbox.stats()["rate_limited"] == len(limited)
    time.sleep(int(limited[-1].headers[c.RETRY_AFTER_HEADER]))
    assert api.get(c.list_path(c.ListName.SECTORS)).status_code == 200


def test_error_rate_fails_before_doing_anything(api):
    api.sandbox.faults(error_rate=1, error_status=502)
    before = len(api.sandbox.records(COMPANIES))
    answer = api.post(c.collection_path(COMPANIES), json=new_record(COMPANIES))
    assert answer.status_code == 502
    error_fields(answer)
    assert len(api.sandbox.records(COMPANIES)) == before
    assert api.sandbox.stats()["injected_errors"] == 1
    api.sandbox.faults(error_rate=0)
    assert api.post(c.collection_path(COMPANIES), json=new_record(COMPANIES)).status_code == 201


def test_default_injected_error_is_503(api):
    api.sandbox.faults(error_rate=1)
    assert api.get(c.list_path(c.ListName.SECTORS)).status_code == 503


def test_faults_apply_only_to_the_methods_and_paths_listed(api):
    contacts = c.collection_path(CONTACTS)
    api.sandbox.faults(error_rate=1, fault_methods=["GET"], fault_paths=[contacts])
    assert api.get(contacts).status_code == 503
    assert api.get(c.record_path(CONTACTS, KNOWN.contact.id)).status_code == 503  # a prefix
    assert api.get(c.collection_path(APPLICANTS)).status_code == 200
    assert api.post(contacts, json=new_record(CONTACTS)).status_code == 201
    assert api.sandbox.stats()["injected_errors"] == 2
    api.sandbox.faults(fault_paths=None)
    assert api.get(c.collection_path(APPLICANTS)).status_code == 503


def test_dropped_connection_still_writes_the_record(api):
    api.sandbox.faults(drop_rate=1)
    body = new_record(APPLICANTS, emailAddress="dropped@example.com")
    with pytest.raises(requests.ConnectionError):
        api.post(c.collection_path(APPLICANTS), json=body)
    emails = [r[c.EMAIL_ADDRESS] for r in api.sandbox.records(APPLICANTS)]
    assert emails.count("dropped@example.com") == 1
    stats = api.sandbox.stats()
    assert stats["dropped"] == 1 and stats["creates"][APPLICANTS] == 1


def test_latency_slows_api_calls_but_not_control_calls(api):
    api.sandbox.faults(latency_ms=300)
    started = time.monotonic()
    assert api.get(c.list_path(c.ListName.SECTORS)).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.sandbox.stats()
    assert time.monotonic() - started < 0.3


def test_faults_update_partially_and_validate(sandbox):
    first = sandbox.http.put(f"{sandbox.url}/_sandbox/faults", json={"latency_ms": 5})
    second = sandbox.http.put(f"{sandbox.url}/_sandbox/faults", json={"error_status": 500})
    assert first.status_code == second.status_code == 200
    assert second.json()["latency_ms"] == 5 and second.json()["error_status"] == 500
    for bad in ({"error_rate": 1.5}, {"drop_rate": -0.1}, {"error_status": 200},
                {"token_ttl_s": 0}, {"rate_limit_per_s": "fast"}, {"chaos": True},
                {"latency_ms": True}, {"fault_paths": "/api"},
                {"fault_paths": ["api"]}):  # fmt: skip
        answer = sandbox.http.put(f"{sandbox.url}/_sandbox/faults", json=bad)
        assert answer.status_code == 400, bad
        assert set(error_fields(answer)) == set(bad)
    assert sandbox.http.get(f"{sandbox.url}/_sandbox/faults").json()["latency_ms"] == 5


def test_faults_repeat_with_the_same_seed(sandbox):
    def outcomes():
        sandbox.reset(seed=3)
        api = Api(sandbox)
        sandbox.faults(error_rate=0.5)
        return [api.get(c.list_path(c.ListName.SECTORS)).status_code for _ in range(30)]

    first = outcomes()
    assert set(first) == {200, 503}
    assert outcomes() == first


# --- Stats ----------------------------------------------------------------------------
def test_stats_count_requests_by_template_and_status(api):
    api.get(c.record_path(CONTACTS, KNOWN.contact.id))
    api.get(c.record_path(CONTACTS, 999_999))
    api.post(c.collection_path(COMPANIES), json=new_record(COMPANIES))
    api.post(c.comments_path(CONTACTS, KNOWN.contact.id), json={c.COMMENT_TEXT: "hi"})
    stats = api.sandbox.stats()
    assert stats["requests"][f"GET {c.record_path(CONTACTS, '{id}')}"] == 2
    assert stats["requests"][f"POST {c.collection_path(COMPANIES)}"] == 1
    assert stats["requests"][f"POST {c.TOKEN_PATH}"] == 1
    assert stats["statuses"] == {"200": 2, "404": 1, "201": 2}
    assert stats["creates"] == {COMPANIES: 1, "comments": 1}


def test_stats_count_the_most_requests_served_at_once(api):
    path = c.list_path(c.ListName.SECTORS)
    api.get(path)
    api.get(path)
    assert api.sandbox.stats()["most_at_once"] == 1  # one after the other
    api.sandbox.faults(latency_ms=300)
    bearer = {"Authorization": f"Bearer {api.token}"}

    def call(_):
        return requests.get(api.url + path, headers=bearer, timeout=10).status_code

    with ThreadPoolExecutor(3) as pool:  # each held 0.3 s: all three are in at once
        statuses = list(pool.map(call, range(3)))
    assert statuses == [200, 200, 200]
    assert api.sandbox.stats()["most_at_once"] == 3
    api.sandbox.reset()
    assert api.sandbox.stats()["most_at_once"] == 0


# --- Webhooks -------------------------------------------------------------------------
class Receiver:
    """A tiny local HTTP server that records the webhooks it is sent."""

    def __init__(self, delay_s: float = 0.0):
        self.deliveries: list[tuple[str | None, bytes]] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay_s)
                with receiver._arrived:
                    receiver.deliveries.append((self.headers.get(c.SIGNATURE_HEADER), body))
                    receiver._arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout_s: float = 10) -> list[tuple[str | None, bytes]]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.deliveries) >= count, timeout=timeout_s)
            return list(self.deliveries)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def settled_webhooks(sandbox, timeout_s: float = 10) -> dict:
    """The webhook stats once nothing is pending any more."""
    deadline = time.monotonic() + timeout_s
    while (stats := sandbox.stats()["webhooks"])["pending"] and time.monotonic() < deadline:
        time.sleep(0.05)
    return stats


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_webhooks_fire_signed_on_every_creation_path(api, receiver):
    secret = "whsec-test"
    api.sandbox.webhook(receiver.url, secret)
    applicant = api.post(c.collection_path(APPLICANTS), json=new_record(APPLICANTS)).json()
    contact = api.post(c.collection_path(CONTACTS), json=new_record(CONTACTS)).json()
    company = api.post(c.collection_path(COMPANIES), json=new_record(COMPANIES)).json()
    inbox = api.post(c.INBOX_PATH, json={c.FIRST_NAME: "In", c.LAST_NAME: "Box"}).json()
    bulk = api.sandbox.http.post(
        f"{api.sandbox.url}/_sandbox/companies", json=[{c.NAME: "Bulk One Ltd"}]
    )
    assert bulk.status_code == 201
    api.post(c.comments_path(APPLICANTS, applicant[c.ID]), json={c.COMMENT_TEXT: "no hook"})

    deliveries = receiver.wait_for(5)
    assert len(deliveries) == 5
    events = []
    for signature, body in deliveries:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert signature == c.SIGNATURE_PREFIX + expected
        event = json.loads(body)
        assert set(event) == {
            c.WEBHOOK_EVENT, c.WEBHOOK_RECORD_TYPE, c.WEBHOOK_RECORD, c.WEBHOOK_OCCURRED_AT
        }  # fmt: skip
        events.append((event[c.WEBHOOK_EVENT], event[c.WEBHOOK_RECORD][c.ID]))
    bulk_id = api.sandbox.records(COMPANIES)[-1][c.ID]
    assert events == [
        (c.WEBHOOK_EVENTS[APPLICANTS], applicant[c.ID]),
        (c.WEBHOOK_EVENTS[CONTACTS], contact[c.ID]),
        (c.WEBHOOK_EVENTS[COMPANIES], company[c.ID]),
        (c.WEBHOOK_EVENTS[APPLICANTS], inbox[c.INBOX_APPLICANT_ID]),
        (c.WEBHOOK_EVENTS[COMPANIES], bulk_id),
    ]
    assert settled_webhooks(api.sandbox) == {"ok": 5, "failed": 0, "pending": 0}


def test_a_slow_webhook_receiver_never_delays_the_api(api):
    slow = Receiver(delay_s=1.5)
    try:
        api.sandbox.webhook(slow.url, "s")
        started = time.monotonic()
        answer = api.post(c.collection_path(COMPANIES), json=new_record(COMPANIES))
        assert answer.status_code == 201
        assert time.monotonic() - started < 1.0
        assert len(slow.wait_for(1)) == 1
    finally:
        slow.close()


def test_failed_webhook_deliveries_are_counted_not_raised(api):
    closed = Receiver()
    closed.close()  # nothing listens there any more
    api.sandbox.webhook(closed.url, "s")
    assert api.post(c.collection_path(COMPANIES), json=new_record(COMPANIES)).status_code == 201
    assert settled_webhooks(api.sandbox) == {"ok": 0, "failed": 1, "pending": 0}


def test_webhook_url_null_switches_them_off(api, receiver):
    api.sandbox.webhook(receiver.url, "s")
    api.sandbox.webhook(None)
    assert api.post(c.collection_path(COMPANIES), json=new_record(COMPANIES)).status_code == 201
    api.sandbox.webhook(receiver.url, "s")
    marker = api.post(c.collection_path(APPLICANTS), json=new_record(APPLICANTS)).json()
    (only,) = receiver.wait_for(1)
    assert json.loads(only[1])[c.WEBHOOK_RECORD][c.ID] == marker[c.ID]
    assert len(receiver.wait_for(2, timeout_s=0.3)) == 1


def test_webhook_config_is_validated(sandbox):
    answer = sandbox.http.put(f"{sandbox.url}/_sandbox/webhook", json={"url": "ftp://x"})
    assert answer.status_code == 400
    assert "url" in error_fields(answer)


# --- Reset, seed data, control endpoints ----------------------------------------------
KINDS = (*c.RecordType, "comments", "attachments")


def test_same_seed_gives_the_same_data(sandbox):
    sandbox.reset(seed=7)
    first = {kind: sandbox.records(kind) for kind in KINDS}
    Api(sandbox).post(c.collection_path(APPLICANTS), json=new_record(APPLICANTS))
    sandbox.reset(seed=7)
    assert {kind: sandbox.records(kind) for kind in KINDS} == first
    sandbox.reset(seed=8)
    other = sandbox.records(APPLICANTS)
    assert other != first[APPLICANTS]
    known_ids = {p.id for p in (KNOWN.applicant, KNOWN.off_limits_applicant)}
    assert [r for r in other if r[c.ID] in known_ids] == [
        r for r in first[APPLICANTS] if r[c.ID] in known_ids
    ]


def test_reset_clears_faults_tokens_stats_and_webhook(api, receiver):
    api.sandbox.faults(latency_ms=10, error_status=500)
    api.sandbox.webhook(receiver.url, "s")
    api.get(c.list_path(c.ListName.SECTORS))
    api.sandbox.reset()
    assert api.sandbox.http.get(f"{api.url}/_sandbox/faults").json()["latency_ms"] == 0
    assert api.get(c.list_path(c.ListName.SECTORS)).status_code == 401
    assert api.sandbox.stats()["requests"] == {
        f"GET {c.list_path(c.ListName.SECTORS)}": 1  # only the 401 just now
    }
    Api(api.sandbox).post(c.collection_path(COMPANIES), json=new_record(COMPANIES))
    assert receiver.wait_for(1, timeout_s=0.5) == []


def test_reset_takes_record_counts(sandbox):
    sandbox.reset(seed=2, companies=100, applicants=55, contacts=45)
    assert [len(sandbox.records(k)) for k in c.RecordType] == [55, 45, 100]
    answer = sandbox.http.post(f"{sandbox.url}/_sandbox/reset", json={"companies": -1})
    assert answer.status_code == 400


def test_seeded_data_has_the_documented_well_known_records(sandbox):
    companies = {r[c.NAME] for r in sandbox.records(COMPANIES)}
    assert {k.name for k in KNOWN_COMPANIES} <= companies
    for name in ("Hays plc", "Hays Specialist Recruitment Limited", "Hayes Recruitment",
                 "Smith & Sons Ltd", "Smith and Sons", "Acme UK", "ACME (U.K.) Limited",
                 "Michael Page International (UK) Ltd", "Michael Page", "Browne Medical",
                 "Brown Medical"):  # fmt: skip
        assert name in companies
    applicants = sandbox.records(APPLICANTS)
    contacts = sandbox.records(CONTACTS)
    assert by_id(applicants, KNOWN.off_limits_applicant.id)[c.OFF_LIMITS] is True
    assert by_id(applicants, KNOWN.opted_out_applicant.id)[c.EMAIL_OPT_OUT] is True
    assert by_id(contacts, KNOWN.off_limits_contact.id)[c.OFF_LIMITS] is True
    assert by_id(contacts, KNOWN.opted_out_contact.id)[c.EMAIL_OPT_OUT] is True
    assert by_id(contacts, KNOWN.contact.id)[c.COMPANY_ID] == KNOWN.hays_plc.id
    assert by_id(applicants, KNOWN.linkedin_only_applicant.id)[c.EMAIL_ADDRESS] is None
    assert (len(applicants), len(contacts), len(companies)) == (40, 30, 60)
    for person in applicants + contacts:
        if person[c.WEB_ADDRESS]:
            assert re.fullmatch(r"https://www\.linkedin\.com/in/[a-z0-9-]+/", person[c.WEB_ADDRESS])
    emails = [p[c.EMAIL_ADDRESS] for p in applicants if p[c.EMAIL_ADDRESS]]
    assert len(emails) == len(set(emails))
    assert sum(p[c.OFF_LIMITS] for p in applicants) >= 2


def test_seeded_records_pass_the_sandboxs_own_validation(api):
    """Patching each seeded record with its own values must be accepted."""
    for kind in c.RecordType:
        for record in api.sandbox.records(kind)[:40]:
            writable = {k: v for k, v in record.items() if k in c.WRITABLE_FIELDS[kind]}
            answer = api.patch(c.record_path(kind, record[c.ID]), json=writable)
            assert answer.status_code == 200, (record, answer.text)


def test_unknown_record_kind_is_404(sandbox):
    assert sandbox.http.get(f"{sandbox.url}/_sandbox/records/jobs").status_code == 404


def test_bulk_load_of_ten_thousand_companies_is_fast(api):
    rows = [
        {c.NAME: f"Bulk Company {n} Ltd", c.LOCATION: "Leeds", c.WEBSITE: f"https://b{n}.co.uk"}
        for n in range(10_000)
    ]
    started = time.monotonic()
    answer = api.sandbox.http.post(f"{api.url}/_sandbox/companies", json=rows, timeout=60)
    elapsed = time.monotonic() - started
    assert answer.status_code == 201
    assert answer.json() == {"created": 10_000}
    assert elapsed < 10, f"bulk load took {elapsed:.1f}s"
    assert len(api.sandbox.records(COMPANIES)) == 60 + 10_000
    found = api.get(c.collection_path(COMPANIES), params={c.FILTER_NAME: "bulk company 9999"})
    assert found.json()[c.TOTAL_COUNT] == 1


def test_bulk_load_is_all_or_nothing(sandbox):
    rows = [{c.NAME: "Fine Ltd"}, {c.LOCATION: "Leeds"}, {c.NAME: "Also Fine", "colour": "red"}]
    answer = sandbox.http.post(f"{sandbox.url}/_sandbox/companies", json=rows)
    assert answer.status_code == 400
    assert set(error_fields(answer)) == {f"[1].{c.NAME}", "[2].colour"}
    assert len(sandbox.records(COMPANIES)) == 60
