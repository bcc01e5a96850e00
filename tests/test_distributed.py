"""Scale-out mode for real: API processes under gunicorn, separate worker processes,
PostgreSQL and Redis. Runs in the scale-out pass of ``make test`` (both services needed)."""

import os
import random
import signal
import subprocess
import sys
import time
import uuid
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
                PASSWORD,
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
            wait_up(url)
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

    def workers(self) -> list[str]:
        """The worker processes still running."""
        return [n for n, p in self.processes.items() if n.startswith("worker") and p.poll() is None]

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

    assert_none_failed(recruiter)
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


def test_people_at_new_companies_pushed_by_two_workers_make_each_company_once(cluster, sandbox):
    """30 contacts at 3 companies itris lacks, pushed as they are added: the two workers
    run pushes of the same company at once, and each company is created once."""
    sandbox.faults(latency_ms=30)  # every search and create takes a while: a wide window
    rita = Api(cluster.urls[0], "rita@acme.example")
    campaign = rita(
        "post", "/api/campaigns", {"name": "New co", "type": "client", "sync_as": "contact"},
        expect=201,
    )["id"]  # fmt: skip
    companies = ["Zephyrine Quarks Ltd", "Obelisk Nimbus Partners", "Karstwell Ferrous"]
    for i in range(30):
        profile = {
            "profile_url": f"https://www.linkedin.com/in/new-co-{i}/",
            "first_name": f"Newco{i}",
            "last_name": "Racer",
            "company": companies[i % 3],
            "location": "Leeds",
        }
        body = {"profile": profile, "email": f"new-co-{i}@example.com"}
        rita("post", f"/api/campaigns/{campaign}/contacts", body, expect=201)
    wait_until_idle(rita)

    assert_none_failed(rita)
    assert len(pushes(rita, "succeeded")) == 30
    made = {r["name"]: r["id"] for r in sandbox.records("companies") if r["name"] in companies}
    assert sorted(made) == sorted(companies)
    assert len([r for r in sandbox.records("companies") if r["name"] in companies]) == 3
    for record in sandbox.records("contacts"):
        if record["lastName"] == "Racer":
            i = int(record["firstName"].removeprefix("Newco"))
            assert record["companyId"] == made[companies[i % 3]]


@pytest.mark.timeout(900)
def test_faults_and_workers_killed_again_and_again_lose_and_duplicate_nothing(cluster, sandbox):
    """Both API servers add people at once, some of them twice, applicants and contacts at
    companies itris lacks. itris fails one call in ten and loses one answer in twenty after
    doing the work, limits the rate and expires tokens every 3 s, while a worker is killed
    every few seconds and another started; activities and pushes by hand come in between.
    Once itris recovers, every push has succeeded: one record per person, one company per
    company, one comment per activity."""
    sandbox.faults(
        latency_ms=10, error_rate=0.1, drop_rate=0.05, token_ttl_s=3, rate_limit_per_s=40
    )
    rita = Api(cluster.urls[0], "rita@acme.example")
    rob = Api(cluster.urls[1], "rob@acme.example")
    candidates = rita(
        "post", "/api/campaigns", {"name": "Storm", "type": "candidate", "sync_as": "applicant"},
        expect=201,
    )["id"]  # fmt: skip
    clients = rita(
        "post", "/api/campaigns", {"name": "Storm co", "type": "client", "sync_as": "contact"},
        expect=201,
    )["id"]  # fmt: skip
    companies = ["Brennick Vale Ltd", "Brennick Vale", "Oskarvik Tern", "Pellucid Anchorage"]

    def add(job):
        api, campaign, i = job
        profile = {
            "profile_url": f"https://www.linkedin.com/in/storm-{i}/",
            "first_name": f"Storm{i}",
            "last_name": "Chaser",
        }
        if campaign == clients:
            profile |= {"company": companies[i % len(companies)], "location": "Leeds"}
        body = {"profile": profile, "email": f"storm{i}@example.com"}
        added = api("post", f"/api/campaigns/{campaign}/contacts", body, expect=201)
        return i, added["contact_id"]

    rng = random.Random(5)
    jobs = [(rita, candidates, i) for i in range(160)] + [
        (rob, clients, i) for i in range(160, 200)
    ]
    jobs += [(rob, candidates, i) for i in range(0, 160, 4)]  # the same people, by the other
    rng.shuffle(jobs)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        added = list(pool.map(add, jobs))
    person = {}
    for i, contact_id in added:
        assert person.setdefault(i, contact_id) == contact_id  # one contact, whoever added them
    activities = 0
    for i in range(0, 160, 2):
        body = {"type": "email_sent", "campaign_id": candidates, "subject": f"Storm {i}"}
        rita("post", f"/api/contacts/{person[i]}/activities", body, expect=201)
        activities += 1

    for kill in range(12):
        cluster.kill(rng.choice(cluster.workers()))
        time.sleep(rng.uniform(0.2, 1))
        cluster.start_worker(f"worker-again-{kill}")
        i = rng.randrange(160)
        body = {"type": "email_sent", "campaign_id": candidates, "subject": f"Again {kill}"}
        rita("post", f"/api/contacts/{person[i]}/activities", body, expect=201)
        activities += 1
        rob("post", f"/api/contacts/{person[rng.randrange(200)]}/push", {}, expect=202)
        time.sleep(rng.uniform(0.5, 2))
    sandbox.faults(latency_ms=0, error_rate=0, drop_rate=0, token_ttl_s=3600, rate_limit_per_s=0)
    wait_until_idle(rita)

    assert_none_failed(rita)
    applicants = [r for r in sandbox.records("applicants") if r["lastName"] == "Chaser"]
    assert sorted(r["emailAddress"] for r in applicants) == sorted(
        f"storm{i}@example.com" for i in range(160)
    )
    contacts = [r for r in sandbox.records("contacts") if r["lastName"] == "Chaser"]
    assert sorted(r["emailAddress"] for r in contacts) == sorted(
        f"storm{i}@example.com" for i in range(160, 200)
    )
    made = {}
    for record in sandbox.records("companies"):
        if record["name"] in companies:
            made.setdefault(record["name"].split()[0], []).append(record["id"])
    assert sorted(made) == ["Brennick", "Oskarvik", "Pellucid"]
    assert all(len(ids) == 1 for ids in made.values()), made
    for record in contacts:
        i = int(record["emailAddress"].removeprefix("storm").split("@")[0])
        assert [record["companyId"]] == made[companies[i % len(companies)].split()[0]]
    ids = {r["id"] for r in applicants}
    comments = [c for c in sandbox.records("comments") if c["recordId"] in ids]
    assert len(comments) == activities
