"""What the benchmarks share: a free port, waiting for a server to answer, stopping them,
and loading company names into a mirror table with COPY."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, path: str = "/healthz", timeout: float = 90) -> None:
    """Return once ``url + path`` answers below 500; RuntimeError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{url}{path}", timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.2)


def stop(processes) -> None:
    """Terminate the processes a benchmark started; kill what has not gone in 15 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def cpu_seconds(roles: dict[str, Callable[[str, str], bool]]) -> dict[str, float]:
    """CPU seconds used so far by the live processes of each role.

    ``roles`` maps a name to a test of (process name, command line); the difference of two
    readings around a phase is what each role spent on it (a process that exits meanwhile
    takes its share with it).
    """
    tick = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(roles, 0.0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        for role, test in roles.items():
            if test(name, command):
                used[role] += seconds
                break
    return used


def copy_companies(cursor, table: str, team_id: int, names, *, first_id: int = 0,
                   revision: int = 0) -> None:  # fmt: skip
    """COPY ``names`` into the mirror ``table`` (schema-qualified) with their name columns,
    on a psycopg ``cursor``; the caller commits. Triggers on the table see one statement."""
    from backend.companies.index import columns_for
    from backend.companies.normalise import normalise

    fresh = normalise.__wrapped__  # a million names would only churn its cache
    columns = "team_id, itris_id, name, name_norm, name_core, name_key, revision, synced_at"
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for i, name in enumerate(names):
            cols = columns_for(fresh(name))
            copy.write_row(
                (team_id, first_id + i, name, cols["name_norm"], cols["name_core"],
                 cols["name_key"], revision, "2024-01-01T00:00:00+00:00")
            )  # fmt: skip
