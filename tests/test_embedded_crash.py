"""The embedded default for real: ``itris-sync serve`` on SQLite with its queue consumer in
the same process, killed with SIGKILL in the middle of a batch and started again."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import (
    PASSWORD,
    Api,
    assert_none_failed,
    free_port,
    pushes,
    wait_until_idle,
    wait_up,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


class Embedded:
    """One ``itris-sync serve`` (API + consumer threads) on its own SQLite files."""

    def __init__(self, tmp_path: Path):
        self.env = {
            name: value for name, value in os.environ.items() if not name.startswith("ITRIS_SYNC")
        }
        self.env.update(
            {
                "ITRIS_SYNC_INSTANCE_PATH": str(tmp_path),  # SQLite data and queue there
                "ITRIS_SYNC_SECRET_KEY": "embedded-test-secret",
                "ITRIS_SYNC_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # as the other suites
                "ITRIS_SYNC_PUSH_LEASE_S": "5",
                "ITRIS_SYNC_PUSH_RETRY_BASE_S": "0.2",
                "ITRIS_SYNC_ITRIS_MAX_ATTEMPTS": "3",
            }
        )
        self.log = tmp_path / "serve.log"
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process = None
        self.cli("db", "upgrade")
        for email, role in (("ada@acme.example", "admin"), ("rita@acme.example", "recruiter")):
            self.cli(
                "create-user", "--email", email, "--password", PASSWORD, "--name", "Someone",
                "--role", role, "--team", "Acme",
            )  # fmt: skip

    def cli(self, *args):
        command = [str(BIN / "itris-sync"), *args]
        subprocess.run(command, env=self.env, check=True, capture_output=True, timeout=120)

    def start(self):
        port = self.url.rsplit(":", 1)[1]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "itris-sync"), "serve", "--port", port],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_up(self.url)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def embedded(tmp_path, sandbox):
    running = Embedded(tmp_path)
    running.start()
    try:
        admin = Api(running.url, "ada@acme.example")
        body = {
            "username": sandbox.username,
            "password": sandbox.password,
            "subdomain": sandbox.url,
        }
        admin("put", "/api/integrations/itris", body, expect=200)
        yield running
    finally:
        running.stop()


@pytest.mark.timeout(600)
def test_serve_killed_twice_mid_batch_under_itris_faults_loses_and_duplicates_nothing(
    embedded, sandbox
):
    """60 people and 20 activities; itris fails one call in ten and loses one answer in
    twenty; the one process is killed twice while it pushes them, and started again: every
    push ends succeeded, one applicant per person, one comment per activity."""
    sandbox.faults(latency_ms=20, error_rate=0.1, drop_rate=0.05)
    rita = Api(embedded.url, "rita@acme.example")
    campaign = rita(
        "post", "/api/campaigns", {"name": "Crash", "type": "candidate", "sync_as": "applicant"},
        expect=201,
    )["id"]  # fmt: skip
    people = []
    for i in range(60):
        profile = {
            "profile_url": f"https://www.linkedin.com/in/embedded-{i}/",
            "first_name": f"Emb{i}",
            "last_name": "Edded",
        }
        body = {"profile": profile, "email": f"embedded{i}@example.com"}
        people.append(rita("post", f"/api/campaigns/{campaign}/contacts", body, expect=201))
    for added in people[::3]:
        body = {"type": "email_sent", "campaign_id": campaign, "subject": "Hello"}
        rita("post", f"/api/contacts/{added['contact_id']}/activities", body, expect=201)

    for done in (15, 35):
        deadline = time.monotonic() + 120
        while len(pushes(rita, "succeeded")) < done:
            assert time.monotonic() < deadline, "no progress"
            time.sleep(0.1)
        embedded.kill()  # its consumer threads die mid-push with it
        time.sleep(5.5)  # past the lease: starting again, it sweeps up the pushes it left
        embedded.start()
        rita = Api(embedded.url, "rita@acme.example")
    sandbox.faults(latency_ms=0, error_rate=0, drop_rate=0)
    wait_until_idle(rita)

    assert_none_failed(rita)
    applicants = [r for r in sandbox.records("applicants") if r["lastName"] == "Edded"]
    assert sorted(r["emailAddress"] for r in applicants) == sorted(
        f"embedded{i}@example.com" for i in range(60)
    )
    ids = {r["id"] for r in applicants}
    comments = [c for c in sandbox.records("comments") if c["recordId"] in ids]
    assert len(comments) == 20
    assert len({c["recordId"] for c in comments}) == 20
