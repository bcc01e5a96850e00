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
