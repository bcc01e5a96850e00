"""Load benchmark of the profile lookup under gunicorn: PostgreSQL + Redis, 1M companies.

Run: ``.venv/bin/python tests/bench/bench_api.py`` (``make bench``); figures are printed and
written to ``bench-results/api.json``. ``--companies N`` / ``--contacts N`` shrink it.

Set-up, all on loopback: a fresh PostgreSQL schema migrated by ``itris-sync db upgrade``, an
admin made by ``itris-sync create-user``, ``--companies`` realistic company names (the
generator of ``bench_companies.py``) COPY'd into the team's mirror (the word-index triggers
index them in the same statement), ``--contacts`` contacts COPY'd into ``contacts``, a live
itris sandbox in its own process connected to the team, and gunicorn with
``ITRIS_SYNC_WEB_WORKERS`` (2) workers from ``deploy/gunicorn.conf.py``.

Measured with a bounded load generator (``--concurrency`` threads, a fixed request count per
phase and a time cap): throughput and p50/p99 of the trivial ``GET /healthz`` (a JSON answer
after ``SELECT 1``) and of a JSON 404 (no database at all); of ``POST /api/profile/lookup``
for 500 profiles viewed for the first time (itris is asked live: a linked GET and email/slug
searches per record type), then for the same profiles viewed again (the kept lookup,
``backend/lookup_cache.py``: the revisions of the team and of the person come with the
sign-in read, so one small read), then again while other people are added to a campaign at
``--busy-rate`` a second (a busy team: each add commits a person and a push, which must
leave these views kept), then again while itris announces ``--mirror-rate`` companies a
second for ``--mirror-seconds`` (signed webhooks: half new companies, half changed ones, as
a big CRM's users add and edit them; each renews only the views whose search reads companies
with one of its words, or weighs a word whose level it moves,
``backend/companies/revisions.py``, so the views they renew add up over the phase), then for
200 profiles never viewed with every itris call held ``--itris-latency-ms`` (100 ms) by the
sandbox, as a CRM across the internet answers (the two record types are asked at once: a
first view waits for the calls about one, not both), then with itris disconnected for 500
profiles never viewed (every answer computed afresh: our own work only), for 500 more people
we do not know, with no company on the profile (the same without the company search: the
floor of a lookup computed afresh), and for the first 500 again (each answered afresh once,
the disconnect having renewed the revision, then kept); how many answers were kept
(``X-Lookup-Cache``) and the latency of each kind; the CPU each process spent per request;
the sandbox's call count per lookup for each itris phase; the app's and PostgreSQL's CPU per
lookup for 950 more computed afresh in this process one at a time (steadier than under
load); how many of the first 500 views one announced company renews, by kind (new, or its
facts changed), each sent alone in this process; and a cProfile of where one lookup spends
its time.

Before each lookup phase ``/healthz`` is measured again (1000 requests), and each phase's
share of it is given too (``…_share_beside``): a shared host's speed drifts within a run,
so the share of the moment's trivial endpoint is the steadier figure.

Every process of the run (gunicorn, PostgreSQL, Redis, the sandbox, the load generator)
shares the machine's cores, and the load keeps them busy, so a phase's throughput follows
the CPU its requests cost them all: ``goals.share_the_cpu_allows`` is /healthz's total CPU
per request over the phase's, beside the share measured, and
``goals.cpu_ms_per_request_at_target_share`` is the most a lookup may cost to reach half of
/healthz here.

``--keep`` leaves the loaded schema behind and prints its name; ``--schema NAME`` reuses it
(and leaves it) and skips the set-up (minutes at 1M companies) while iterating.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchkit  # noqa: E402
import requests  # noqa: E402
from benchkit import cpu_seconds, free_port, stop, wait_up  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

PASSWORD = "correct-horse-9"
FIRST_COMPANY_ID = 100000  # the mirrored companies' itris ids start here
TARGET_SHARE = 0.5  # the lookup's load goal: this share of /healthz's throughput
ANNOUNCED_ID = 40_000_000  # and those announced while measuring (a kept schema holds both)
ROLES = {
    "gunicorn": lambda name, command: "gunicorn" in command,
    "postgres": lambda name, command: name == "postgres",
    "redis": lambda name, command: name == "redis-server",
    "sandbox": lambda name, command: "backend.sandbox.server" in command,
    "load_generator": lambda name, command: "bench_api.py" in command,
}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def load(url, method, path, bodies, token, requests_total, concurrency, time_cap, expect=200):
    """Send ``requests_total`` requests from ``concurrency`` threads (or stop at the cap);
    ``requests_total`` None: for ``time_cap`` seconds."""
    latencies: list[float] = []
    errors: list[str] = []
    kept: dict[str, list[float]] = {}  # latencies by X-Lookup-Cache: hit / miss
    lock = threading.Lock()
    counter = itertools.count() if requests_total is None else iter(range(requests_total))
    deadline = time.monotonic() + time_cap

    def run():
        session = requests.Session()
        if token:
            session.headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            body = bodies[i % len(bodies)] if bodies else None
            start = time.perf_counter()
            try:
                response = session.request(method, f"{url}{path}", json=body, timeout=30)
                ok = response.status_code == expect
                reason = f"{response.status_code} {response.text[:200]}"
                how = response.headers.get("X-Lookup-Cache")
            except requests.RequestException as exc:
                ok, reason, how = False, type(exc).__name__, None
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if how:
                    kept.setdefault(how, []).append(elapsed)
                if not ok:
                    errors.append(reason)

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    cpu_before = cpu_seconds(ROLES)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = cpu_seconds(ROLES)
    done = max(len(latencies), 1)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 2) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "capped": requests_total is not None and len(latencies) < requests_total,
        **({"kept_lookups": {how: len(times) for how, times in kept.items()}} if kept else {}),
        # A kept answer (hit) and one computed afresh (miss) cost very different amounts.
        **(
            {
                "latency_by_kind": {
                    how: {
                        "p50_ms": round(percentile(times, 50), 2),
                        "p99_ms": round(percentile(times, 99), 2),
                    }
                    for how, times in kept.items()
                }
            }
            if kept
            else {}
        ),
        # Where the machine's two cores went, per request.
        "cpu_ms_per_request": {
            role: round((cpu[role] - cpu_before[role]) * 1000 / done, 3) for role in ROLES
        },
        "cpu_ms_per_request_total": round(
            sum(cpu[role] - cpu_before[role] for role in ROLES) * 1000 / done, 3
        ),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000, help="per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--time-cap", type=float, default=60.0, help="seconds per phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile-lookups", type=int, default=100)
    parser.add_argument(
        "--busy-rate", type=float, default=10.0,
        help="people added to a campaign per second while the 'busy team' phase views",
    )  # fmt: skip
    parser.add_argument(
        "--mirror-rate", type=float, default=5.0,
        help="companies itris announces per second while the 'mirror changing' phase views",
    )  # fmt: skip
    parser.add_argument(
        "--mirror-seconds", type=float, default=30.0,
        help="how long the 'mirror changing' phase views (renewals add up: not a burst)",
    )  # fmt: skip
    parser.add_argument(
        "--itris-latency-ms", type=float, default=100.0,
        help="what each itris call takes in the 'itris far away' phase (sandbox latency)",
    )  # fmt: skip
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--queue-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "api.json"))
    parser.add_argument(
        "--keep", action="store_true", help="leave the loaded schema behind (name printed)"
    )
    parser.add_argument("--schema", help="reuse a schema left by --keep: no set-up")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    schema = args.schema or f"bench_api_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not args.schema:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        elif not conn.scalar(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": args.schema}
        ):
            # Migrating "into" a missing schema would fill the next one on the search path.
            parser.error(f"schema {args.schema!r} does not exist: run with --keep first")
    separator = "&" if "?" in args.pg_url else "?"
    database_url = f"{args.pg_url}{separator}options=-csearch_path%3D{schema},public"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ITRIS_SYNC_DATABASE_URL": database_url,
        "ITRIS_SYNC_QUEUE_URL": args.queue_url,
        "ITRIS_SYNC_SECRET_KEY": "bench-api-secret",
        "ITRIS_SYNC_INSTANCE_PATH": f"/tmp/{schema}",
        "ITRIS_SYNC_BIND": f"127.0.0.1:{port}",
        "ITRIS_SYNC_WEB_WORKERS": str(args.workers),
    }
    processes: list[subprocess.Popen] = []
    logs = Path(f"/tmp/{schema}")
    logs.mkdir(parents=True, exist_ok=True)
    result: dict = {}
    try:
        import redis

        redis.Redis.from_url(args.queue_url).flushdb()
        cli = [str(BIN / "itris-sync")]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        if not args.schema:
            subprocess.run(
                [*cli, "create-user", "--email", "ada@acme.example", "--password", PASSWORD,
                 "--name", "Ada", "--role", "admin", "--team", "Acme"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip

        sandbox_port = free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        processes.append(
            subprocess.Popen(
                [str(BIN / "python"), "-c",
                 f"from backend.sandbox.server import serve; serve(port={sandbox_port})"],
                cwd=ROOT, stdout=open(logs / "sandbox.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
            )
        )  # fmt: skip

        engine = create_engine(database_url)
        with engine.connect() as conn:
            team_id = conn.scalar(text("SELECT id FROM teams WHERE name = 'Acme'"))
        if args.schema:
            print(f"reusing schema {schema}: no set-up", flush=True)
            names, contacts = read_back(engine, team_id)
            timings = {"reused_schema": schema}
            # Earlier runs grew its small tables (the revisions above all): their statistics,
            # as autovacuum would keep them (this machine's PostgreSQL runs without it).
            with admin.connect() as conn:
                conn.execute(text(f'ANALYZE "{schema}".person_revisions'))
        else:
            print(f"generating {args.companies:,} company names ...", flush=True)
            t0 = time.perf_counter()
            import bench_companies

            gen = bench_companies.Generator(seed=20240601)
            names = bench_companies.build_companies(gen, args.companies)[0]
            del gen
            timings = {"generate_s": round(time.perf_counter() - t0, 1)}
            t0 = time.perf_counter()
            copy_companies(engine, schema, team_id, names)
            timings["companies_copy_and_index_s"] = round(time.perf_counter() - t0, 1)
            print(f"  companies mirrored and indexed in {timings['companies_copy_and_index_s']} s")
            t0 = time.perf_counter()
            contacts = copy_contacts(engine, schema, team_id, names, args.contacts)
            timings["contacts_copy_s"] = round(time.perf_counter() - t0, 1)
            t0 = time.perf_counter()
            with admin.connect() as conn:
                for table in ("companies", "company_words", "company_vocab",
                              "company_word_deletes", "contacts"):  # fmt: skip
                    conn.execute(text(f'VACUUM ANALYZE "{schema}".{table}'))
            timings["vacuum_analyze_s"] = round(time.perf_counter() - t0, 1)

        processes.append(
            subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"),
                 "--access-logfile", "/dev/null"],
                env=env, cwd=ROOT, stdout=open(logs / "gunicorn.log", "ab"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        wait_up(url)
        wait_up(sandbox_url, "/")
        token = requests.post(
            f"{url}/api/auth/login",
            json={"email": "ada@acme.example", "password": PASSWORD},
            timeout=10,
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        response = requests.put(
            f"{url}/api/integrations/itris",
            json={"username": "api-user", "password": "sandbox-password", "subdomain": sandbox_url},
            headers=auth,
            timeout=30,
        )
        response.raise_for_status()

        # The campaign the busy team adds people to: made now, as it renews the team's revision.
        busy_campaign = requests.post(
            f"{url}/api/campaigns",
            json={"name": "Busy team", "type": "candidate", "sync_as": "applicant", "tags": []},
            headers=auth,
            timeout=30,
        ).json()["id"]

        # 500 profiles measured, 100 more only to warm both workers' pools and caches.
        every = lookup_bodies(contacts, names, 3300)
        bodies, warm, unseen = every[:500], every[500:600], every[600:1100]
        # People we do not know (a known contact's own company is searched), never viewed,
        # with no company on the profile: a lookup computed afresh without the search.
        bare = [
            {**body, "company": None}
            for body in every[1100:2100]
            if "/in/new-" in body["profile_url"]
        ]
        alone = every[2100:3100]  # never viewed: computed afresh in this process, one at a time
        distant = every[3100:]  # never viewed: first views with itris far away
        phase = {
            "requests_total": args.requests,
            "concurrency": args.concurrency,
            "time_cap": args.time_cap,
        }
        load(url, "GET", "/healthz", None, None, 100, args.concurrency, 30)
        load(url, "POST", "/api/profile/lookup", warm, token, len(warm), args.concurrency, 60)

        print("GET /healthz ...", flush=True)
        health = load(url, "GET", "/healthz", None, None, **phase)
        print(f"  {health}")
        # /healthz checks the database (SELECT 1); a JSON 404 touches nothing: the floor.
        print("GET /api/no-such-path (a JSON 404, no database) ...", flush=True)
        floor = load(url, "GET", "/api/no-such-path", None, None, **phase, expect=404)
        print(f"  {floor}")
        print(f"POST /api/profile/lookup, first views of {len(bodies)} profiles ...", flush=True)

        def beside_healthz(measure):
            """``measure()``'s figures with /healthz measured just before them: the host's
            speed drifts within a run, so each share is also taken of that moment's."""
            just_before = load(url, "GET", "/healthz", None, None, 1000, args.concurrency, 30)
            figures = measure()
            kept = {k: just_before[k] for k in ("throughput_rps", "p50_ms", "p99_ms", "errors")}
            return {**figures, "healthz_just_before": kept}

        def first_views(views):
            """Profiles viewed for the first time, and the itris calls each lookup made."""
            before = sandbox_stats(sandbox_url)
            answered = load(
                url, "POST", "/api/profile/lookup", views, token, len(views),
                args.concurrency, args.time_cap,
            )  # fmt: skip
            calls = per_lookup(before, sandbox_stats(sandbox_url), answered)
            return {**answered, "itris_calls_per_lookup": calls}

        first = beside_healthz(lambda: first_views(bodies))
        print(f"  {first}")
        print("POST /api/profile/lookup, the same profiles viewed again ...", flush=True)
        stats = sandbox_stats(sandbox_url)
        repeat = beside_healthz(
            lambda: load(url, "POST", "/api/profile/lookup", bodies, token, **phase)
        )
        repeat["itris_calls_per_lookup"] = per_lookup(stats, sandbox_stats(sandbox_url), repeat)
        print(f"  {repeat}")
        print(
            f"POST /api/profile/lookup, the same profiles again while {args.busy_rate:g} other "
            "people a second are added to a campaign (a busy team) ...",
            flush=True,
        )

        def busy_views():
            with adding_people(url, auth, busy_campaign, args.busy_rate) as added:
                busy = load(url, "POST", "/api/profile/lookup", bodies, token, **phase)
            return {**busy, "people_added": added}

        busy = beside_healthz(busy_views)
        print(f"  {busy}")
        print(
            f"POST /api/profile/lookup, the same profiles again while itris announces "
            f"{args.mirror_rate:g} companies a second (the mirror changing) ...",
            flush=True,
        )

        def changing_views():
            with announcing_companies(url, team_id, names, args.mirror_rate) as announced:
                # For a while, not a request count: each company renews more views as they
                # add up.
                changing = load(
                    url, "POST", "/api/profile/lookup", bodies, token, None,
                    args.concurrency, args.mirror_seconds,
                )  # fmt: skip
            return {**changing, "companies_announced": announced}

        changing = beside_healthz(changing_views)
        print(f"  {changing}")
        print(
            f"POST /api/profile/lookup, first views of {len(distant)} profiles with each itris "
            f"call taking {args.itris_latency_ms:g} ms (sandbox latency) ...",
            flush=True,
        )
        requests.put(
            f"{sandbox_url}/_sandbox/faults", json={"latency_ms": args.itris_latency_ms}, timeout=10
        ).raise_for_status()
        far = {**first_views(distant), "itris_latency_ms": args.itris_latency_ms}
        requests.put(
            f"{sandbox_url}/_sandbox/faults", json={"latency_ms": 0}, timeout=10
        ).raise_for_status()
        print(f"  {far}")
        requests.delete(f"{url}/api/integrations/itris", headers=auth, timeout=30)
        print("POST /api/profile/lookup, 500 profiles never viewed, itris disconnected", flush=True)
        print("  (every answer computed afresh: our own work only) ...", flush=True)
        fresh = beside_healthz(
            lambda: load(
                url, "POST", "/api/profile/lookup", unseen, token, len(unseen),
                args.concurrency, args.time_cap,
            )
        )  # fmt: skip
        print(f"  {fresh}")
        print(f"POST /api/profile/lookup, {len(bare)} new people with no company (no search) ...")
        bare_fresh = beside_healthz(
            lambda: load(
                url, "POST", "/api/profile/lookup", bare, token, len(bare),
                args.concurrency, args.time_cap,
            )
        )  # fmt: skip
        print(f"  {bare_fresh}")
        print("POST /api/profile/lookup (the 500 again, itris disconnected) ...", flush=True)
        local = beside_healthz(
            lambda: load(url, "POST", "/api/profile/lookup", bodies, token, **phase)
        )
        print(f"  {local}")
        company = time_company_search(database_url, team_id, bodies)
        print(f"  company search alone, in-process: {company}")
        cpu = lookup_cpu(env, alone)
        print(f"  lookups computed afresh in-process, one at a time: {cpu}")
        renewed = renewals(env, team_id, names, bodies)
        print(f"  views one announced company renews, in-process: {renewed}")
        parts = profile_lookup(env, bodies, args.profile_lookups)
        print("  where a lookup computed afresh spends its time (in-process cProfile, itris")
        print("  disconnected, keeping off):")
        for row in parts:
            print(f"    {row['ms_per_lookup']:8.2f} ms  {row['function']}")

        share = lambda phase: round(phase["throughput_rps"] / health["throughput_rps"], 3)  # noqa: E731

        def cpu_allows(phase) -> float:
            """The share of /healthz's throughput a phase's CPU per request allows when the
            host's cores are the limit: /healthz's total CPU per request over the phase's."""
            return round(health["cpu_ms_per_request_total"] / phase["cpu_ms_per_request_total"], 3)

        def beside(phase) -> float:
            return round(
                phase["throughput_rps"] / phase["healthz_just_before"]["throughput_rps"], 3
            )

        cpu_phases = {
            "healthz": health,
            "repeat_view": repeat,
            "first_view": first,
            "computed_afresh": fresh,
            "computed_afresh_no_company": bare_fresh,
        }
        result = {
            "benchmark": "profile lookup under gunicorn (PostgreSQL + Redis)",
            "command": "python tests/bench/bench_api.py " + " ".join(argv or sys.argv[1:]),
            "machine": {"cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0]},
            "gunicorn": {"workers": args.workers, "threads": 4, "worker_class": "gthread"},
            "companies": len(names),
            "contacts": len(contacts),
            "setup": timings,
            "healthz": health,
            "json_404_no_database": floor,
            "lookup_first_view": first,
            "lookup_repeat_view": repeat,
            "lookup_repeat_view_busy_team": busy,
            "lookup_repeat_view_mirror_changing": changing,
            "lookup_first_view_itris_far_away": far,
            "lookup_computed_afresh_itris_disconnected": fresh,
            "lookup_computed_afresh_no_company": bare_fresh,
            "lookup_itris_disconnected": local,
            "company_search_in_process": company,
            "lookup_computed_afresh_in_process": cpu,
            "views_renewed_by_one_announced_company": renewed,
            "lookup_profile_ms_per_call": parts,
            "goals": {
                "target_throughput_share": f">= {TARGET_SHARE}",
                "target_p99_ms": "<= 30",
                "share_of": "GET /healthz (a JSON answer after SELECT 1)",
                "share_beside_of": "GET /healthz measured just before the phase (1000 requests)",
                "repeat_view_throughput_share": share(repeat),
                "repeat_view_throughput_share_beside": beside(repeat),
                "repeat_view_share_of_a_json_404": round(
                    repeat["throughput_rps"] / floor["throughput_rps"], 3
                ),
                "repeat_view_p99_ms": repeat["p99_ms"],
                "repeat_view_busy_team_throughput_share": share(busy),
                "repeat_view_busy_team_throughput_share_beside": beside(busy),
                "repeat_view_busy_team_p99_ms": busy["p99_ms"],
                "repeat_view_busy_team_kept_share": kept_share(busy),
                "repeat_view_mirror_changing_throughput_share": share(changing),
                "repeat_view_mirror_changing_throughput_share_beside": beside(changing),
                "repeat_view_mirror_changing_p99_ms": changing["p99_ms"],
                "repeat_view_mirror_changing_kept_share": kept_share(changing),
                "first_view_throughput_share": share(first),
                "first_view_throughput_share_beside": beside(first),
                "first_view_p99_ms": first["p99_ms"],
                "first_view_itris_far_away_p50_ms": far["p50_ms"],
                "itris_disconnected_throughput_share": share(local),
                "itris_disconnected_throughput_share_beside": beside(local),
                "itris_disconnected_p99_ms": local["p99_ms"],
                "computed_afresh_throughput_share": share(fresh),
                "computed_afresh_throughput_share_beside": beside(fresh),
                "computed_afresh_p99_ms": fresh["p99_ms"],
                "computed_afresh_no_company_throughput_share": share(bare_fresh),
                "computed_afresh_no_company_throughput_share_beside": beside(bare_fresh),
                "computed_afresh_no_company_p99_ms": bare_fresh["p99_ms"],
                # Every process here shares the machine's cores, so throughput follows the CPU a
                # request costs them all: what each phase's costs allow, beside its share.
                "cpu_ms_per_request_total": {
                    name: phase["cpu_ms_per_request_total"] for name, phase in cpu_phases.items()
                },
                "share_the_cpu_allows": {
                    name: cpu_allows(phase)
                    for name, phase in cpu_phases.items()
                    if phase is not health
                },
                "cpu_ms_per_request_at_target_share": round(
                    health["cpu_ms_per_request_total"] / TARGET_SHARE, 3
                ),
            },
            "push_throughput": "tests/bench/bench_push.py (bench-results/push.json)",
            "total_s": round(time.perf_counter() - started, 1),
        }
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result["goals"], indent=2))
        print(f"written to {out} in {result['total_s']} s")
    finally:
        stop(processes)
        if args.keep or args.schema:
            print(f"schema kept: rerun with --schema {schema}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return 0


def read_back(engine, team_id) -> tuple[list[str], list[dict]]:
    """The names and contacts a kept schema holds, as the set-up made them."""
    with engine.connect() as conn:
        names = conn.scalars(
            text(
                "SELECT name FROM companies WHERE team_id = :t AND itris_id < :a ORDER BY itris_id"
            ),
            {"t": team_id, "a": ANNOUNCED_ID},
        ).all()
        rows = conn.execute(
            text(
                "SELECT first_name, last_name, email, company, linkedin_url FROM contacts "
                "WHERE team_id = :t ORDER BY id"
            ),
            {"t": team_id},
        ).all()
    contacts = [
        {"first_name": first, "last_name": last, "email": e, "company": co, "profile_url": u}
        for first, last, e, co, u in rows
    ]
    return names, contacts


def copy_companies(engine, schema, team_id, names) -> None:
    """COPY the names into the mirror: the statement trigger indexes their words."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        benchkit.copy_companies(
            cursor, f'"{schema}".companies', team_id, names, first_id=FIRST_COMPANY_ID, revision=1
        )
        cursor.execute(
            f'INSERT INTO "{schema}".company_sync_states (team_id, revision, total) '
            "VALUES (%s, 1, %s)",
            (team_id, len(names)),
        )
        raw.commit()
    finally:
        raw.close()


FIRST = [
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "Jack",
    "Ava",
    "George",
    "Mia",
    "Noah",
    "Ivy",
    "Leo",
    "Grace",
    "Arthur",
    "Freya",
]
LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Walker",
]


def copy_contacts(engine, schema, team_id, names, count) -> list[dict]:
    """COPY ``count`` contacts working at companies of the mirror; return them."""
    rng = random.Random(7)
    contacts = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        columns = (
            "team_id, first_name, last_name, email, company, linkedin_url, linkedin_slug, "
            "fields, stage, created_at, updated_at"
        )
        with cursor.copy(f'COPY "{schema}".contacts ({columns}) FROM STDIN') as copy:
            for i in range(count):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                slug = f"{first.lower()}-{last.lower()}-{i}"
                contact = {
                    "first_name": first,
                    "last_name": last,
                    "email": f"{slug}@example.com",
                    "company": rng.choice(names),
                    "profile_url": f"https://www.linkedin.com/in/{slug}",
                }
                contacts.append(contact)
                copy.write_row(
                    (team_id, first, last, contact["email"], contact["company"],
                     contact["profile_url"], slug, "{}", "new",
                     "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00")
                )  # fmt: skip
        raw.commit()
    finally:
        raw.close()
    return contacts


@contextlib.contextmanager
def paced(rate, act):
    """Call ``act(n)`` for n = 0, 1, ... at ``rate`` a second, in a thread, until the block
    ends. Yields a dict that then holds how many calls were made, and their rate."""
    done = {"count": 0, "per_s": 0.0}
    stop_event = threading.Event()

    def run():
        started = time.monotonic()
        while not stop_event.is_set():
            act(done["count"])
            done["count"] += 1
            stop_event.wait(max(0.0, started + done["count"] / rate - time.monotonic()))
        done["per_s"] = round(done["count"] / (time.monotonic() - started), 1)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield done
    finally:
        stop_event.set()
        thread.join()


def adding_people(url, auth, campaign_id, rate):
    """Add new people to a campaign at ``rate`` a second (a busy team: each add commits a
    person and a push), as :func:`paced`."""
    session = requests.Session()
    session.headers.update(auth)

    def add(n):
        profile = {"profile_url": f"https://www.linkedin.com/in/busy-{n}-{os.getpid()}/",
                   "first_name": "Busy", "last_name": f"Person{n}"}  # fmt: skip
        response = session.post(
            f"{url}/api/campaigns/{campaign_id}/contacts", json={"profile": profile}, timeout=30
        )
        if response.status_code != 201:
            raise RuntimeError(f"adding a person: {response.status_code} {response.text}")

    return paced(rate, add)


def announcing_companies(url, team_id, names, rate):
    """itris announces companies at ``rate`` a second (signed ``company.created`` webhooks,
    as a big CRM's users add and edit companies): half new companies named after random
    mirrored ones, half mirrored ones with a new contact count; as :func:`paced`."""
    session = requests.Session()
    announcement = announcements(team_id, names, seed=5)

    def announce(n):
        body, headers = announcement(n)
        response = session.post(
            f"{url}/api/webhooks/itris/{team_id}", data=body, headers=headers, timeout=30
        )
        if response.status_code != 200 or response.json().get("result") == "unchanged":
            raise RuntimeError(f"announcing a company: {response.status_code} {response.text}")

    return paced(rate, announce)


def announcements(team_id, names, seed):
    """The ``n``-th signed webhook itris sends about a company, as (body, headers): even
    ``n``, a new company named after a random mirrored one; odd, a mirrored one with a new
    contact count (one no earlier run of a kept schema gave it: a change every time)."""
    from backend.companies.webhooks import signature, webhook_secret
    from backend.itris import contract as c

    secret = webhook_secret(team_id, "bench-api-secret")
    rng = random.Random(seed)
    first_new = ANNOUNCED_ID + int(time.time()) % 10_000 * 1000  # new in a reused schema

    def announcement(n):
        i = rng.randrange(len(names))
        if n % 2:
            count = 500 + (first_new // 1000 + n) % 10_000
            record = {c.ID: FIRST_COMPANY_ID + i, c.NAME: names[i], c.CONTACT_COUNT: count}
        else:
            record = {c.ID: first_new + n, c.NAME: f"{names[i]} Holdings"}
        body = json.dumps(
            {
                c.WEBHOOK_EVENT: c.WEBHOOK_EVENTS[c.RecordType.COMPANIES],
                c.WEBHOOK_RECORD_TYPE: "companies",
                c.WEBHOOK_RECORD: record,
            }
        ).encode()
        signed = {"Content-Type": "application/json", c.SIGNATURE_HEADER: signature(secret, body)}
        return body, signed

    return announcement


def kept_share(phase) -> float:
    return round(phase.get("kept_lookups", {}).get("hit", 0) / max(phase["requests"], 1), 3)


def lookup_bodies(contacts, names, count) -> list[dict]:
    """Half known contacts, half new profiles at a company variant (typo, legal form)."""
    rng = random.Random(11)
    bodies = []
    for i in range(count):
        if i % 2 == 0:
            c = rng.choice(contacts)
            bodies.append(
                {
                    "profile_url": c["profile_url"],
                    "name": f"{c['first_name']} {c['last_name']}",
                    "first_name": c["first_name"],
                    "last_name": c["last_name"],
                    "company": c["company"],
                    "title": "Engineer",
                }
            )
        else:
            name = rng.choice(names)
            variant = name + " Ltd" if rng.random() < 0.5 else name.replace("a", "e", 1)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            bodies.append(
                {
                    "profile_url": f"https://www.linkedin.com/in/new-{first.lower()}-{i}",
                    "name": f"{first} {last}",
                    "first_name": first,
                    "last_name": last,
                    "company": variant,
                    "title": "Director",
                }
            )
    return bodies


def time_company_search(database_url, team_id, bodies) -> dict:
    """The shared company index alone, as one API process calls it."""
    from backend.companies.index import PostgresCompanyIndex
    from backend.companies.models import Company

    engine = create_engine(database_url)
    index = PostgresCompanyIndex(engine, Company.__table__, team_id)
    for body in bodies[:20]:
        index.search(body["company"])
    latencies = []
    for body in bodies:
        start = time.perf_counter()
        index.search(body["company"])
        latencies.append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return {
        "queries": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
    }


def signed_in_app(env):
    """The app in this process on ``env``, a test client, and the admin's bearer headers."""
    os.environ.update(env)
    from backend import create_app

    app = create_app()
    client = app.test_client()
    token = client.post(
        "/api/auth/login", json={"email": "ada@acme.example", "password": PASSWORD}
    ).get_json()["token"]
    return app, client, {"Authorization": f"Bearer {token}"}


def lookup_cpu(env, bodies) -> dict:
    """Lookups computed afresh in this process, one at a time, as gunicorn's workers run
    them (keeping on, itris disconnected): the app's and PostgreSQL's CPU per lookup, with
    no load generator or other requests sharing the two cores (steadier than under load)."""
    app, client, headers = signed_in_app(env)
    warm, measured = bodies[:50], bodies[50:]
    for body in warm:
        client.post("/api/profile/lookup", json=body, headers=headers)
    kinds: dict[str, int] = {}
    postgres = {"postgres": ROLES["postgres"]}
    before, started, wall = cpu_seconds(postgres), time.process_time(), time.perf_counter()
    for body in measured:
        response = client.post("/api/profile/lookup", json=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"lookup: {response.status_code} {response.get_data(as_text=True)}")
        how = response.headers.get("X-Lookup-Cache", "?")
        kinds[how] = kinds.get(how, 0) + 1
    app_ms = (time.process_time() - started) * 1000 / len(measured)
    wall_ms = (time.perf_counter() - wall) * 1000 / len(measured)
    pg_ms = (cpu_seconds(postgres)["postgres"] - before["postgres"]) * 1000 / len(measured)
    app.extensions["db"].dispose()
    return {
        "lookups": len(measured),
        "kept_lookups": kinds,
        "app_cpu_ms_per_lookup": round(app_ms, 3),
        "postgres_cpu_ms_per_lookup": round(pg_ms, 3),
        "wall_ms_per_lookup": round(wall_ms, 3),
    }


def renewals(env, team_id, names, bodies, announced=40) -> dict:
    """How many of the ``bodies``' kept views one announced company renews, by kind: each
    announcement (:func:`announcements`) sent alone, in this process, then every view
    again (itris disconnected). Exact, where the mirror-changing phase under load shows
    renewals only as the kept share of views they happen to fall between."""
    app, client, headers = signed_in_app(env)

    def view_all() -> int:
        renewed = 0
        for body in bodies:
            response = client.post("/api/profile/lookup", json=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"lookup: {response.status_code} {response.get_data()}")
            renewed += response.headers.get("X-Lookup-Cache") == "miss"
        return renewed

    view_all()
    if view_all():
        raise RuntimeError("views not kept before any announcement")
    announcement = announcements(team_id, names, seed=6)
    by_kind: dict[str, list[int]] = {"new_company": [], "facts_changed": []}
    for n in range(announced):
        body, signed = announcement(n)
        response = client.post(f"/api/webhooks/itris/{team_id}", data=body, headers=signed)
        if response.status_code != 200 or response.get_json()["result"] == "unchanged":
            raise RuntimeError(f"announcing a company: {response.get_data(as_text=True)}")
        by_kind["facts_changed" if n % 2 else "new_company"].append(view_all())
    app.extensions["db"].dispose()
    return {
        "views": len(bodies),
        "views_renewed_per_announcement": {
            kind: round(statistics.fmean(counts), 1) for kind, counts in by_kind.items()
        },
        "each": by_kind,
    }


def profile_lookup(env, bodies, count) -> list[dict]:
    """Run lookups in this process under cProfile: cumulative ms per lookup by function.

    Keeping is off here: this is where a lookup computed afresh spends its time.
    """
    import cProfile
    import pstats

    app, client, headers = signed_in_app({**env, "ITRIS_SYNC_LOOKUP_CACHE_S": "0"})
    for body in bodies[:10]:
        client.post("/api/profile/lookup", json=body, headers=headers)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for body in bodies[:count]:
        client.post("/api/profile/lookup", json=body, headers=headers)
    profiler.disable()
    total = (time.perf_counter() - start) * 1000 / count
    stats = pstats.Stats(profiler).stats
    rows = [{"function": "whole request (test client, profiled)", "ms_per_lookup": total}]
    for (filename, line, name), (_, _, _, cumulative, _) in stats.items():
        if "/backend/" in filename and "/sandbox/" not in filename:
            where = filename.split("/backend/", 1)[1]
            rows.append({"function": f"backend/{where}:{line} {name}", "ms_per_lookup": cumulative})
    for row in rows[1:]:
        row["ms_per_lookup"] = row["ms_per_lookup"] * 1000 / count
    rows.sort(key=lambda row: -row["ms_per_lookup"])
    return [{**row, "ms_per_lookup": round(row["ms_per_lookup"], 2)} for row in rows[:16]]


def sandbox_stats(sandbox_url):
    try:
        return requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    except (requests.RequestException, ValueError):
        return None


def per_lookup(before, after, phase) -> float | None:
    """itris calls the sandbox counted between two snapshots, per lookup of the phase."""
    calls = calls_between(before, after)
    return round(calls / max(phase["requests"], 1), 2) if calls is not None else None


def calls_between(before, after):
    """Total itris API calls the sandbox counted between two stats snapshots, if it says."""

    def total(stats):
        if not isinstance(stats, dict):
            return None
        for key in ("requests", "calls", "total_requests", "api_calls"):
            value = stats.get(key)
            if isinstance(value, int):
                return value
            if isinstance(value, dict):
                return sum(v for v in value.values() if isinstance(v, int))
        return None

    b, a = total(before), total(after)
    return a - b if a is not None and b is not None else None


if __name__ == "__main__":
    sys.exit(main())
