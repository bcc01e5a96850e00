"""Helpers for tests that run the real programs (gunicorn, ``itris-sync serve``, workers) as
processes and talk to them over HTTP, as the extension and the outreach engine do."""

import socket
import time

import requests

PASSWORD = "correct-horse-9"  # every user the process tests make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url, timeout=60):
    """Wait until ``url`` answers ``/healthz``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or its worker is still booting
        assert time.monotonic() < deadline, f"{url} did not come up"
        time.sleep(0.2)


class Api:
    """One user signed in to one API server: ``api(method, path, body, expect=status)``."""

    def __init__(self, url, email):
        self.url = url
        self.http = requests.Session()
        token = self.http.post(
            f"{url}/api/auth/login",
            json={"email": email, "password": PASSWORD},
            timeout=10,
        ).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method, path, body=None, expect=None):
        response = self.http.request(method, f"{self.url}{path}", json=body, timeout=30)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        return response.json() if response.content else None


def pushes(api, status):
    """The team's pushes in ``status`` (500 at most), newest first."""
    return api("get", f"/api/pushes?status={status}&limit=500", expect=200)


def wait_until_idle(api, timeout=300):
    """Wait until none of the team's pushes (500 at most) is queued or running, as one read
    sees them all: two reads by status could each miss a push moving between them."""
    deadline = time.monotonic() + timeout
    while True:
        every = api("get", "/api/pushes?limit=500", expect=200)
        assert len(every) < 500, "too many pushes to see them all at once"
        busy = [p["id"] for p in every if p["status"] in ("queued", "running")]
        if not busy:
            return
        assert time.monotonic() < deadline, f"pushes still pending: {busy}"
        time.sleep(0.5)


def assert_none_failed(api):
    """No push of the team ended failed, waiting for review, or skipped."""
    for status in ("failed", "needs_review", "skipped"):
        assert pushes(api, status) == [], status
