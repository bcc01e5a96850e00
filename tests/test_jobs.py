"""The queue: an in-process consumer runs tasks against the app's database."""

import pytest

from backend import queue
from backend.jobs import check_connection, check_connections


@pytest.fixture
def consumer(app):
    running = queue.start_consumer(workers=1)
    yield running
    queue.stop_consumer(running)


def test_the_queue_uses_the_configured_storage(app):
    url = app.config["QUEUE_URL"]
    storage = queue.huey.storage
    if url.startswith("redis"):
        assert type(storage).__name__ == "RedisStorage"
    else:
        assert "sqlite:///" + storage.filename == url


def test_connection_check_runs_on_the_consumer_and_records_failure(
    app, client, auth, sandbox, consumer
):
    headers = auth.headers("ada@acme.example", role="admin")
    body = {"username": sandbox.username, "password": sandbox.password, "subdomain": sandbox.url}
    assert client.put("/api/integrations/itris", json=body, headers=headers).status_code == 200
    team_id = client.get("/api/me", headers=headers).json["team_id"]

    assert check_connection(team_id).get(blocking=True, timeout=30) == "connected"

    sandbox.faults(error_rate=1.0, error_status=503)
    assert check_connection(team_id).get(blocking=True, timeout=60) == "error"
    status = client.get("/api/integrations/itris", headers=headers).json
    assert status["status"] == "error"
    assert "503" in status["last_error"] or "itris" in status["last_error"]

    sandbox.faults(error_rate=0.0)
    assert check_connections.call_local() == {team_id: "connected"}
    assert client.get("/api/integrations/itris", headers=headers).json["last_error"] is None


def test_a_disconnected_team_checks_as_disconnected(app, consumer):
    assert check_connection(999).get(blocking=True, timeout=30) == "disconnected"


def test_pushes_keep_under_the_configured_itris_rate(make_app, auth_for, sandbox):
    """With ITRIS_RATE_LIMIT_PER_S at itris's limit, busy consumers never meet a 429."""
    import time

    from backend.itris import ratelimit

    app = make_app(ITRIS_RATE_LIMIT_PER_S=10.0)
    helper = auth_for(app)
    admin = helper.headers("ada@acme.example", role="admin")
    body = {"username": sandbox.username, "password": sandbox.password, "subdomain": sandbox.url}
    client = helper.client
    assert client.put("/api/integrations/itris", json=body, headers=admin).status_code == 200
    campaign = client.post(
        "/api/campaigns",
        json={"name": "Paced", "type": "candidate", "sync_as": "applicant", "tags": []},
        headers=admin,
    ).json["id"]
    sandbox.faults(rate_limit_per_s=10)
    before = sandbox.stats()
    running = queue.start_consumer(workers=4)
    try:
        started = time.monotonic()
        ids = []
        for i in range(8):
            profile = {
                "profile_url": f"https://www.linkedin.com/in/paced-{i}/",
                "first_name": "Paced",
                "last_name": f"Person{i}",
                "company": "Kestrel Labs",
            }
            added = client.post(
                f"/api/campaigns/{campaign}/contacts",
                json={"profile": profile, "email": f"paced-{i}@example.com"},
                headers=admin,
            )
            assert added.status_code == 201, added.json
            ids.append(added.json["push"]["id"])
        deadline = time.monotonic() + 60
        while any(
            client.get(f"/api/pushes/{i}", headers=admin).json["status"] in ("queued", "running")
            for i in ids
        ):
            assert time.monotonic() < deadline, "pushes did not finish"
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        queue.stop_consumer(running)
        ratelimit.configure(None)
    statuses = {client.get(f"/api/pushes/{i}", headers=admin).json["status"] for i in ids}
    assert statuses == {"succeeded"}
    after = sandbox.stats()
    assert after["rate_limited"] == before["rate_limited"] == 0
    calls = sum(after["requests"].values()) - sum(before["requests"].values())
    assert calls >= 8 * 3  # at least: search by email and by LinkedIn, then create
    assert elapsed >= (calls - 1) / 10 - 0.2  # paced at 10 a second, not faster
