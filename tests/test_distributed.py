"""Scale-out mode for real: API processes under gunicorn, separate worker processes,
PostgreSQL and Redis. Runs in the scale-out pass of ``make test`` (both services needed)."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

DATABASE = os.environ.get("ITRIS_SYNC_TEST_DATABASE_URL", "")
QUEUE = os.environ.get("ITRIS_SYNC_TEST_QUEUE_URL", "")
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    not (DATABASE.startswith("postgresql") and QUEUE.startswith("redis")),
    reason="needs ITRIS_SYNC_TEST_DATABASE_URL (PostgreSQL) and ITRIS_SYNC_TEST_QUEUE_URL (Redis);"
    " make test sets them in its scale-out pass",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """Two gunicorn API servers and two worker processes on one PostgreSQL schema + Redis."""

    def __init__(self, tmp_path: Path):
        self.schema = f"d_{uuid.uuid4().hex[:12]}"
        admin = create_engine(DATABASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        admin.dispose()
        separator = "&" if "?" in DATABASE else "?"
        self.env = {
            **os.environ,
            "ITRIS_SYNC_DATABASE_URL": f"{DATABASE}{separator}options=-csearch_path%3D"
            f"{self.schema},public",
            "ITRIS_SYNC_QUEUE_URL": QUEUE.rsplit("/", 1)[0] + "/14",
            "ITRIS_SYNC_SECRET_KEY": "distributed-test-secret",
            "ITRIS_SYNC_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # as the other suites
            "ITRIS_SYNC_INSTANCE_PATH": str(tmp_path),
            "ITRIS_SYNC_PUSH_LEASE_S": "5",
            "ITRIS_SYNC_SWEEP_STALE_S": "5",
            "ITRIS_SYNC_PUSH_RETRY_BASE_S": "0.2",
            "ITRIS_SYNC_ITRIS_MAX_ATTEMPTS": "3",
        }
        import redis

        redis.Redis.from_url(self.env["ITRIS_SYNC_QUEUE_URL"]).flushdb()
        self.logs = tmp_path
        self.processes: dict[str, subprocess.Popen] = {}
        self.cli("db", "upgrade")
        for email, role in (
            ("ada@acme.example", "admin"),
            ("rita@acme.example", "recruiter"),
            ("rob@acme.example", "recruiter"),
        ):
            self.cli(
                "create-user",
                "--email",
                email,
                "--password",
                "correct-horse-9",
                "--name",
                email.split("@")[0].title(),
                "--role",
                role,
                "--team",
                "Acme",
            )
        self.urls = []
        for name in ("api-a", "api-b"):
            port = free_port()
            self.start(
                name,
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    str(ROOT / "deploy/gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                ],
            )
            self.urls.append(f"http://127.0.0.1:{port}")
        for url in self.urls:
            self.wait_up(url)
        for name in ("worker-1", "worker-2"):
            self.start_worker(name)

    def cli(self, *args):
        subprocess.run(
            [str(BIN / "itris-sync"), *args],
            env=self.env,
            check=True,
            capture_output=True,
            cwd=ROOT,
            timeout=120,
        )

    def start(self, name, argv):
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115  (closed with the process)
        self.processes[name] = subprocess.Popen(
            argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def start_worker(self, name):
        self.start(name, [str(BIN / "itris-sync"), "worker", "--workers", "2"])

    def kill(self, name):
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    @staticmethod
    def wait_up(url, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet, or its worker is still booting
            assert time.monotonic() < deadline, f"{url} did not come up"
            time.sleep(0.2)

    def stop(self):
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        admin = create_engine(DATABASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        admin.dispose()


class Api:
    def __init__(self, url, email):
        self.url = url
        self.http = requests.Session()
        token = self.http.post(
            f"{url}/api/auth/login",
            json={"email": email, "password": "correct-horse-9"},
            timeout=10,
        ).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method, path, body=None, expect=None):
        response = self.http.request(method, f"{self.url}{path}", json=body, timeout=30)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        return response.json() if response.content else None


@pytest.fixture
def cluster(tmp_path, sandbox):
    running = Cluster(tmp_path)
    try:
        admin = Api(running.urls[0], "ada@acme.example")
        admin(
            "put",
            "/api/integrations/itris",
            {"username": sandbox.username, "password": sandbox.password, "subdomain": sandbox.url},
            expect=200,
        )
        yield running
    finally:
        running.stop()


def pushes(api, status):
    return api("get", f"/api/pushes?status={status}&limit=500", expect=200)


def wait_until_settled(api, expected, timeout=240):
    deadline = time.monotonic() + timeout
    while True:
        done = len(pushes(api, "succeeded"))
        busy = [s for s in ("queued", "running") if pushes(api, s)]
        if done >= expected and not busy:
            return
        assert time.monotonic() < deadline, f"{done}/{expected} succeeded, still {busy}"
        time.sleep(0.5)


@pytest.mark.timeout(600)
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(cluster, sandbox):
    sandbox.faults(latency_ms=15)  # a batch long enough to kill a worker in the middle of it
    recruiter = Api(cluster.urls[0], "rita@acme.example")
    campaign = recruiter(
        "post",
        "/api/campaigns",
        {"name": "Crash", "type": "candidate", "sync_as": "applicant"},
        expect=201,
    )["id"]
    people = []
    for i in range(500):
        added = recruiter(
            "post",
            f"/api/campaigns/{campaign}/contacts",
            {
                "profile": {
                    "profile_url": f"https://www.linkedin.com/in/crash-{i}/",
                    "first_name": f"Crash{i}",
                    "last_name": "Test",
                },
                "email": f"crash{i}@example.com",
            },
            expect=201,
        )
        people.append(added["contact_id"])
    for contact_id in people[:250]:
        recruiter(
            "post",
            f"/api/contacts/{contact_id}/activities",
            {"type": "email_sent", "campaign_id": campaign, "subject": "Hello"},
            expect=201,
        )
    deadline = time.monotonic() + 120
    while len(pushes(recruiter, "succeeded")) < 100:
        assert time.monotonic() < deadline, "the workers made no progress"
        time.sleep(0.2)
    cluster.kill("worker-1")
    time.sleep(6)  # past the 5-second lease: the restarted worker sweeps up what it left
    cluster.start_worker("worker-1b")
    sandbox.faults(latency_ms=0)
    wait_until_settled(recruiter, 500)

    for status in ("failed", "needs_review", "skipped"):
        assert pushes(recruiter, status) == [], status
    applicants = [r for r in sandbox.records("applicants") if r["lastName"] == "Test"]
    assert len(applicants) == 500
    assert len({r["emailAddress"] for r in applicants}) == 500
    ids = {r["id"] for r in applicants}
    comments = [c for c in sandbox.records("comments") if c["recordId"] in ids]
    assert len(comments) == 250
    assert len({c["recordId"] for c in comments}) == 250


def test_two_recruiters_pushing_one_person_through_two_api_servers_make_one_record(
    cluster, sandbox
):
    rita = Api(cluster.urls[0], "rita@acme.example")
    rob = Api(cluster.urls[1], "rob@acme.example")
    campaign = rita(
        "post",
        "/api/campaigns",
        {"name": "Race", "type": "candidate", "sync_as": "applicant"},
        expect=201,
    )["id"]
    profile = {
        "profile_url": "https://www.linkedin.com/in/race-person/",
        "first_name": "Race",
        "last_name": "Person",
    }
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda api: api(
                    "post",
                    f"/api/campaigns/{campaign}/contacts",
                    {"profile": profile, "email": "race@example.com"},
                    expect=201,
                ),
                (rita, rob),
            )
        )
    assert results[0]["contact_id"] == results[1]["contact_id"]
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda api: api(
                    "post", f"/api/contacts/{results[0]['contact_id']}/push", {}, expect=202
                ),
                (rita, rob),
            )
        )
    wait_until_settled(rita, 1)
    assert (
        len([r for r in sandbox.records("applicants") if r["emailAddress"] == "race@example.com"])
        == 1
    )
