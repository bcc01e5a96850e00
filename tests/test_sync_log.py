"""The sync log's API: pushes with the person's and campaign's names, and a per-day summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from backend.db import db
from backend.models import Push


def alter(engine, push_id: int, **values) -> None:
    """Set a push's columns: when it was made, its status (what the log counts by)."""
    with engine.app.app_context():
        db.session.execute(
            update(Push)
            .where(Push.id == push_id)
            .values(**values)
            .execution_options(teams_revised=())
        )
        db.session.commit()


def test_each_push_names_its_person_and_campaign(engine):
    campaign = engine.campaign(name="Data engineers, Leeds")
    named = engine.add(
        campaign, profile=engine.person("log-ann", "Ann", "Lee"), email="ann.lee@example.com"
    )
    nameless = engine.add(campaign, profile={"profile_url": "https://www.linkedin.com/in/x-1/"})
    engine.wait_all()

    listed = {p["id"]: p for p in engine.call("get", "/api/pushes").json}

    first = listed[named["push"]["id"]]
    assert first["contact_name"] == "Ann Lee"
    assert first["contact_email"] == "ann.lee@example.com"
    assert first["campaign_name"] == "Data engineers, Leeds"
    second = listed[nameless["push"]["id"]]
    assert (second["contact_name"], second["contact_email"]) == (None, None)
    one = engine.call("get", f"/api/pushes/{named['push']['id']}").json
    assert one["contact_name"] == "Ann Lee" and one["campaign_name"] == "Data engineers, Leeds"


def summary(engine, **query) -> list[dict]:
    path = "/api/pushes/summary?" + "&".join(f"{k}={v}" for k, v in query.items())
    return engine.call("get", path, expect=200).json["days"]


def test_the_summary_counts_each_days_outcomes(engine):
    campaign = engine.campaign()
    ids = [
        engine.add(campaign, profile=engine.person(f"log-{i}", "Per", f"Son{i}"))["push"]["id"]
        for i in range(4)
    ]
    engine.wait_all()
    now = datetime.now(UTC)
    alter(engine, ids[0], created_at=now - timedelta(days=2))
    alter(engine, ids[1], created_at=now - timedelta(days=20))  # outside the 14 days
    alter(engine, ids[2], status="queued")
    alter(engine, ids[3], status="failed")

    days = summary(engine)

    assert len(days) == 14
    today = now.date()
    assert [d["date"] for d in days] == [
        (today - timedelta(days=13 - i)).isoformat() for i in range(14)
    ]
    assert days[-1] == {"date": today.isoformat(), "succeeded": 0, "failed": 1,
                        "needs_review": 0, "skipped": 0, "pending": 1}  # fmt: skip
    assert days[-3]["succeeded"] == 1
    assert sum(d["succeeded"] for d in days) == 1
    assert sum(d["succeeded"] for d in summary(engine, days=30)) == 2
    # Another team sees none of them.
    other = engine.auth.headers("bob@globex.example", team="Globex")
    response = engine.client.get("/api/pushes/summary", headers=other)
    assert sum(sum(v for k, v in d.items() if k != "date") for d in response.json["days"]) == 0


def test_the_summary_counts_days_where_the_user_is(engine):
    campaign = engine.campaign()
    push = engine.add(campaign, profile=engine.person("log-tz", "Tim", "Zone"))["push"]["id"]
    engine.wait_all()
    # 23:30 UTC yesterday: yesterday in London, today in Paris (+60), still yesterday at -300.
    today = datetime.now(UTC).date()
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
    alter(engine, push, created_at=midnight - timedelta(minutes=30))

    def day_of(**query):
        return [d["date"] for d in summary(engine, **query) if d["succeeded"]]

    yesterday = (today - timedelta(days=1)).isoformat()
    assert day_of(days=3) == [yesterday]
    # From 23:00 UTC, Paris is already a day on: the push was made yesterday there too.
    paris = (datetime.now(UTC) + timedelta(minutes=60)).date()
    assert day_of(days=1) == []
    assert day_of(days=1, utc_offset_minutes=60) == ([today.isoformat()] if paris == today else [])
    assert day_of(days=3, utc_offset_minutes=60) == [today.isoformat()]
    assert day_of(days=3, utc_offset_minutes=-300) == [yesterday]


CLOCKS_CHANGE = {
    # London leaves summer time at 01:00 UTC on 25 October 2026: a day of 25 hours.
    "back": (
        "Europe/London", "2026-10-27T12:00",
        ["2026-10-24T22:30", "2026-10-24T23:30", "2026-10-25T23:30", "2026-10-26T00:30"],
        ["2026-10-24", "2026-10-25", "2026-10-25", "2026-10-26"],
    ),
    # ... and goes back to it at 01:00 UTC on 28 March 2027: a day of 23 hours.
    "forward": (
        "Europe/London", "2027-03-30T12:00",
        ["2027-03-27T23:30", "2027-03-28T22:30", "2027-03-28T23:30"],
        ["2027-03-27", "2027-03-28", "2027-03-29"],
    ),
    # Santiago skips midnight on 6 September 2026: that day begins at 01:00 (04:00 UTC).
    "midnight skipped": (
        "America/Santiago", "2026-09-08T12:00",
        ["2026-09-06T03:30", "2026-09-06T04:30", "2026-09-07T02:30", "2026-09-07T03:30"],
        ["2026-09-05", "2026-09-06", "2026-09-06", "2026-09-07"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("change", CLOCKS_CHANGE)
def test_the_summary_counts_days_in_the_users_time_zone_as_its_clocks_change(
    engine, monkeypatch, change
):
    zone, now, made, local_days = CLOCKS_CHANGE[change]
    campaign = engine.campaign()
    for n, instant in enumerate(made):
        person = engine.person(f"log-dst-{n}", "Dee", f"Ess{n}")
        push = engine.add(campaign, profile=person)["push"]["id"]
        engine.wait(push)
        alter(engine, push, created_at=datetime.fromisoformat(f"{instant}+00:00"))
    monkeypatch.setattr("backend.api.pushes.utcnow", lambda: datetime.fromisoformat(f"{now}+00:00"))

    days = summary(engine, days=5, time_zone=zone)

    today = datetime.fromisoformat(now).date()
    assert [d["date"] for d in days] == [
        (today - timedelta(days=4 - i)).isoformat() for i in range(5)
    ]
    counted = {d["date"]: d["succeeded"] for d in days if d["succeeded"]}
    assert counted == {day: local_days.count(day) for day in local_days}


@pytest.mark.parametrize(
    "query",
    [
        "days=0", "days=91", "days=x", "utc_offset_minutes=900", "utc_offset_minutes=-841",
        "time_zone=Mars/Olympus_Mons", "time_zone=../../etc/passwd", "time_zone=zone.tab",
        "time_zone=" + "A" * 300,
    ],
)  # fmt: skip
def test_a_bad_summary_query_is_a_clear_4xx(engine, query):
    response = engine.client.get(f"/api/pushes/summary?{query}", headers=engine.recruiter)
    assert 400 <= response.status_code < 500
    assert set(response.json) == {"code", "message", "errors"}
    assert response.json["errors"]
