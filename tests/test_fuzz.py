"""Fuzzing: schemathesis drives every operation of ``/api/openapi.json`` against the real app.

Generated requests, valid and invalid (schemathesis's positive and negative modes), go to
every operation with path ids generated, taken from rows that exist for the caller's team,
or past what a database integer holds; they carry a live bearer token of an admin, then of
a recruiter, of a team connected to the live sandbox. Then schemathesis's boundary cases
(its coverage phase: each length, range and enum at and past its limit, each required part
missing, each wrong type) go to every operation as the admin. Checks on every response: no
server error (a 502 only where the operation documents itris failing); every error exactly
``{code, message, errors}`` with ``code`` the HTTP status; bodies and content types as
documented; invalid requests refused. Runs are deterministic (derandomized, no database).

Nothing is excluded. Two operations need help to be fuzzed past their first line:
``POST /api/auth/logout`` gets a fresh token for every case (it revokes the one it is sent),
and ``DELETE /api/integrations/itris`` is followed by a re-activation so the rest of the run
stays connected. The webhook takes no bearer token and its body is not in the spec, so the
spec runs only send it unsigned (401); ``test_signed_webhook_payloads_never_fail_the_server``
fuzzes signed payloads.

On PostgreSQL (``ITRIS_SYNC_TEST_DATABASE_URL``) the same runs check what SQLite forgives:
NUL characters, strings longer than their column, integers past int4.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections import defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from backend.accounts import hash_token
from backend.companies.webhooks import signature, webhook_secret
from backend.db import db
from backend.itris import contract as c
from backend.models import ApiToken

# Generated cases per operation and role (an operation without inputs has one): about 800
# as the admin and 400 as the recruiter, then some 2,600 boundary cases as the admin.
EXAMPLES = {"admin": 30, "recruiter": 15}
MIN_CASES = {"admin": 750, "recruiter": 375, "boundaries": 2000}
# Ids at and past what a database integer holds (PostgreSQL's int4, SQLite's int8).
BIG_IDS = [2**31 - 1, 2**31, 2**63, 10**30]
ADMIN_ONLY = {
    "PUT /api/integrations/itris",
    "DELETE /api/integrations/itris",
    "PUT /api/integrations/itris/settings",
    "POST /api/integrations/itris/companies/sync",
}
ERROR_KEYS = {"code", "message", "errors"}


def _settings(max_examples: int):
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )


class Target:
    """The app under fuzz: a team connected to the sandbox, with one row of everything."""

    def __init__(self, make_app, auth_for, sandbox, role):
        # A bare subdomain expands to a sandbox path that does not exist (itris "fails"), so
        # Activate stays on this machine (no generated case is a full URL elsewhere).
        self.app = make_app(ITRIS_URL_TEMPLATE=sandbox.url + "/no-itris-here/{subdomain}")
        self.sandbox = sandbox
        self.role = role
        self.statuses = defaultdict(list)
        auth = auth_for(self.app)
        self.client = auth.client
        self.admin = auth.headers("ada@acme.example", role="admin")
        recruiter = auth.headers("rita@acme.example", role="recruiter")
        self.headers = self.admin if role == "admin" else recruiter
        self.activate()
        campaign = self.call("post", "/api/campaigns", name="Fuzz", type="candidate")
        profile = {"profile_url": "https://www.linkedin.com/in/fuzz-person", "name": "Fuzz Person"}
        added = self.call("post", f"/api/campaigns/{campaign['id']}/contacts", profile=profile)
        me = self.call("get", "/api/me")
        self.user_id = me["id"]
        self.ids = {
            "campaign_id": campaign["id"],
            "contact_id": added["contact_id"],
            "push_id": added["push"]["id"],
            "team_id": me["team_id"],
        }

    def call(self, method, path, headers=None, **body):
        response = getattr(self.client, method)(
            path, json=body or None, headers=headers or self.headers
        )
        assert response.status_code < 300, (path, response.status_code, response.json)
        return response.json

    def activate(self):
        body = {
            "username": self.sandbox.username,
            "password": self.sandbox.password,
            "subdomain": self.sandbox.url,
        }
        self.call("put", "/api/integrations/itris", self.admin, **body)

    def fresh_token(self) -> dict:
        """A new live token of this role's user, without a (slow) password check."""
        token = secrets.token_urlsafe(32)
        with self.app.app_context():
            db.session.add(ApiToken(user_id=self.user_id, token_hash=hash_token(token)))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=sorted(EXAMPLES))
def target(request, make_app, auth_for, sandbox):
    return Target(make_app, auth_for, sandbox, request.param)


def _operations(schema) -> list:
    """Every operation in the spec, the destructive ones (DELETE) last."""
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: op.method.upper() == "DELETE")


def _has_inputs(operation) -> bool:
    return bool(list(operation.iter_parameters())) or bool(operation.body)


def _strategy(operation, ids, headers):
    """Positive and negative cases; path ids generated, real ones of the team, or huge."""
    path_names = [parameter.name for parameter in operation.path_parameters]
    real = {name: ids[name] for name in path_names}

    def cases(mode, **fixed):
        # The token is fixed, so negative cases break the request, not the credentials.
        return operation.as_strategy(mode, headers=headers, **fixed)

    strategies = [cases(GenerationMode.POSITIVE)]
    if real:
        strategies.append(cases(GenerationMode.POSITIVE, path_parameters=real))
        strategies.append(
            st.sampled_from(BIG_IDS).flatmap(
                lambda big: cases(
                    GenerationMode.POSITIVE, path_parameters=dict.fromkeys(path_names, big)
                )
            )
        )
    if _has_inputs(operation):
        strategies.append(cases(GenerationMode.NEGATIVE))
    if real and (operation.body or operation.query):
        strategies.append(cases(GenerationMode.NEGATIVE, path_parameters=real))
    return st.one_of(strategies)


def _documented(operation) -> set[int]:
    return {int(code) for code in operation.definition.raw.get("responses", {}) if code.isdigit()}


def assert_error_shape(status: int, text: str) -> None:
    """An error body is exactly ``{code, message, errors}``, its code the HTTP status."""
    body = json.loads(text)
    assert set(body) == ERROR_KEYS, body
    assert body["code"] == status, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["errors"], dict), body


def _check(case, response, operation) -> None:
    status = response.status_code
    if status >= 500:
        # A 502 is itris failing, documented where it can happen; anything else is ours.
        assert status == 502 and 502 in _documented(operation), f"{status}: {response.text[:500]}"
    if status >= 400:
        assert_error_shape(status, response.text)
    case.validate_response(
        response,
        checks=[response_schema_conformance, content_type_conformance, negative_data_rejection],
    )


def _describe(case) -> str:
    body = "" if case.body is NOT_SET else json.dumps(case.body, default=repr)[:1000]
    return f"{case.method.upper()} {case.formatted_path} query={case.query} body={body}"


def _send(target, operation, case) -> None:
    """Send one case (as its operation needs) and check the answer."""
    label = operation.label
    if label == "POST /api/auth/logout":
        case.headers.update(target.fresh_token())
    response = case.call()
    target.statuses[label].append(response.status_code)
    try:
        _check(case, response, operation)
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises an exception group
        raise AssertionError(f"{exc}\nrequest: {_describe(case)}") from None
    finally:
        if label == "DELETE /api/integrations/itris" and response.status_code == 200:
            target.activate()


def _fuzz(target, operation) -> None:
    @_settings(EXAMPLES[target.role])
    @given(case=_strategy(operation, target.ids, target.headers))
    def run(case):
        _send(target, operation, case)

    run()


def test_every_operation_survives_generated_requests(target):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", target.app)
    operations = _operations(schema)
    failures = {}
    started = time.monotonic()
    for operation in operations:
        try:
            _fuzz(target, operation)
        except Exception as exc:  # noqa: BLE001  (every operation's failure, not the first)
            notes = "\n".join(getattr(exc, "__notes__", []))
            failures[operation.label] = f"{type(exc).__name__}: {exc}\n{notes}"
    cases = sum(len(codes) for codes in target.statuses.values())
    print(
        f"\n{target.role}: {cases} cases over {len(operations)} operations"
        f" in {time.monotonic() - started:.1f} s"
    )
    assert not failures, "\n\n".join(f"{label}\n{why}" for label, why in failures.items())
    assert cases >= MIN_CASES[target.role]
    # The run reached the code behind the checks: the token worked, and requests got through.
    succeeded = {label for label, codes in target.statuses.items() if min(codes) < 300}
    permitted = [
        op.label for op in operations if target.role == "admin" or op.label not in ADMIN_ONLY
    ]
    without_inputs = [op.label for op in operations if not _has_inputs(op)]
    assert set(without_inputs) & set(permitted) <= succeeded
    assert len(succeeded) >= len(permitted) * 2 // 3, sorted(set(permitted) - succeeded)


# --- Signed webhooks ----------------------------------------------------------------------
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)
_record_value = st.one_of(
    st.integers(),
    st.sampled_from(BIG_IDS + [-1, 0]),
    st.text(),
    st.text(min_size=490, max_size=700),
    st.sampled_from(["2026-01-02T03:04:05+00:00", "2026-01-02", "not a date"]),
    _json,
)
_company_created = st.fixed_dictionaries(
    {
        c.WEBHOOK_EVENT: st.just(c.WEBHOOK_EVENTS[c.RecordType.COMPANIES]),
        c.WEBHOOK_RECORD: st.fixed_dictionaries(
            {c.ID: _record_value, c.NAME: _record_value},
            optional={
                key: _record_value
                for key in (
                    c.LOCATION,
                    c.WEBSITE,
                    c.OWNER_USER_ID,
                    c.STATUS_ID,
                    c.CONTACT_COUNT,
                    c.UPDATED_AT,
                    "other",
                )
            },  # fmt: skip
        ),
    }
)
_webhook_payload = st.one_of(
    _company_created,
    st.fixed_dictionaries(
        {c.WEBHOOK_EVENT: st.sampled_from(list(c.WEBHOOK_EVENTS.values())) | st.text()},
        optional={c.WEBHOOK_RECORD: _json, c.WEBHOOK_RECORD_TYPE: _json},
    ),
    _json,
)


def test_signed_webhook_payloads_never_fail_the_server(app, client, auth):
    auth.user("ada@acme.example", role="admin")
    team_id = client.post(
        "/api/auth/login", json={"email": "ada@acme.example", "password": "correct-horse-9"}
    ).json["user"]["team_id"]
    with app.app_context():
        secret = webhook_secret(team_id)
    seen = []

    @_settings(150)
    @given(payload=_webhook_payload)
    def run(payload):
        body = json.dumps(payload).encode()
        response = client.post(
            f"/api/webhooks/itris/{team_id}",
            data=body,
            headers={c.SIGNATURE_HEADER: signature(secret, body)},
            content_type="application/json",
        )
        seen.append(response.status_code)
        assert response.status_code < 500, (payload, response.json)
        if response.status_code >= 400:
            assert_error_shape(response.status_code, response.get_data(as_text=True))
        else:
            assert set(response.json) == {"event", "result"}

    run()
    assert 200 in seen and len(seen) >= 150


# --- Boundaries ---------------------------------------------------------------------------
def _boundary_cases(target, operation):
    """schemathesis's coverage-phase cases: generated path ids in every mode, then the
    team's real ids with valid boundary values (so they reach the database)."""
    config = operation.schema.config.generation_for(operation=operation, phase="coverage")
    headers = dict(target.headers)
    runs = [(list(GenerationMode), Override(headers=headers))]
    real = {p.name: str(target.ids[p.name]) for p in operation.path_parameters}
    if real:
        runs.append(([GenerationMode.POSITIVE], Override(headers=headers, path_parameters=real)))
    return itertools.chain.from_iterable(
        CoverageGenerator(
            operation=operation,
            generation_modes=modes,
            generation_config=config,
            auth_storage=None,
            override=override,
            feedback=FeedbackSources(),
        )
        for modes, override in runs
    )


def test_every_operation_survives_boundary_requests(make_app, auth_for, sandbox):
    target = Target(make_app, auth_for, sandbox, "admin")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", target.app)
    operations = _operations(schema)
    failures = defaultdict(list)
    started = time.monotonic()
    for operation in operations:
        for case in _boundary_cases(target, operation):
            try:
                _send(target, operation, case)
            except AssertionError as exc:
                failures[operation.label].append(str(exc))
    cases = sum(len(codes) for codes in target.statuses.values())
    print(f"\nboundaries: {cases} cases in {time.monotonic() - started:.1f} s")
    assert not failures, "\n\n".join(
        f"{label} ({len(why)} failures)\n{why[0]}" for label, why in failures.items()
    )
    assert cases >= MIN_CASES["boundaries"]
