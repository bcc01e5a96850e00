"""A profile viewed again is answered from the kept lookup until something it shows changes.

Every app the suites build runs with ``LOOKUP_CACHE_VERIFY``: a kept answer served is also
computed afresh and must be the same, or the request fails. These tests check that answers
are kept at all, that each kind of change is seen by the very next view, and that the team
revision (``backend/revision.py``) refuses a write it cannot place.
"""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import event, select, text, update

from backend import person_state, revision
from backend.companies.webhooks import signature, webhook_secret
from backend.db import db, pg_array, utcnow
from backend.itris import contract as c
from backend.lookup_cache import HEADER
from backend.models import (
    ApiToken,
    Campaign,
    CampaignMember,
    Contact,
    Push,
    Team,
    User,
    UserSettings,
)

LOOKUP = "/api/profile/lookup"


def newcomer(**extra) -> dict:
    return {
        "profile_url": "https://www.linkedin.com/in/nadia-okafor-71/",
        "first_name": "Nadia",
        "last_name": "Okafor",
        "company": "Harbour Freight Systems",
        **extra,
    }


def view(engine, body, headers=None) -> tuple[dict, str]:
    response = engine.call("post", LOOKUP, body, headers=headers, expect=200)
    return response.json, response.headers[HEADER]


def itris_calls(engine) -> int:
    return sum(engine.sandbox.stats()["requests"].values())


def revision_of(engine, team_name="Acme Recruitment") -> int:
    with engine.app.app_context():
        return db.session.scalar(select(Team.revision).where(Team.name == team_name))


def person_revision_of(engine, who: str) -> int:
    """A person's revision in the Acme team (``s:<slug>``, ``e:<email>``; 0: never renewed)."""
    with engine.app.app_context():
        return revision.of_people(db.session, _team_id(engine), (who,))[0]


def test_a_repeat_view_is_the_kept_answer_and_asks_itris_nothing(engine):
    first, how = view(engine, newcomer())
    assert how == "miss" and first["itris"]["connected"] is True
    calls = itris_calls(engine)
    again, how = view(engine, newcomer())
    assert how == "hit"
    assert again == first
    assert itris_calls(engine) == calls
    # Another recruiter of the team, or another question, is answered afresh.
    assert view(engine, newcomer(), headers=engine.admin)[1] == "miss"
    assert view(engine, newcomer(title="CTO"))[1] == "miss"


def test_a_kept_view_is_served_without_opening_a_transaction(engine):
    """The sign-in is read alone, outside the request's session: one round trip, not three."""
    begun = []

    def note_begin(session, transaction, connection):
        if threading.get_ident() == here:  # not the queue's consumer threads
            begun.append(connection)

    here = threading.get_ident()
    body, _, _ = _member(engine)  # their rows gave them a revision: read alone, it must match
    body = {**body, "email": "nadia@harbour.example"}  # never renewed: revision 0
    view(engine, body)
    # Verification would compute the view afresh, through the session: off for this test.
    engine.app.config["LOOKUP_CACHE_VERIFY"] = False
    sessions = engine.app.extensions["db"].session
    event.listen(sessions, "after_begin", note_begin)
    try:
        assert view(engine, body)[1] == "hit"
        assert begun == []
        # A view computed afresh signs in and reads through the session as ever.
        assert view(engine, newcomer(company="Tidewater Logistics"))[1] == "miss"
        assert begun
    finally:
        event.remove(sessions, "after_begin", note_begin)


def test_a_kept_view_is_refused_to_a_revoked_token_and_to_a_body_that_is_not_json(engine):
    headers = engine.auth.headers("vera@acme.example")
    view(engine, newcomer(), headers=headers)
    assert view(engine, newcomer(), headers=headers)[1] == "hit"
    # The same bytes after {}: a body the lookup refuses is refused, not served as kept.
    view(engine, {}, headers=headers)
    assert view(engine, {}, headers=headers)[1] == "hit"
    broken = engine.client.post(
        LOOKUP, data="{", headers={**headers, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and HEADER not in broken.headers, broken.json
    assert engine.call("post", "/api/auth/logout", headers=headers).status_code == 204
    refused = engine.call("post", LOOKUP, newcomer(), headers=headers)
    assert refused.status_code == 401 and HEADER not in refused.headers, refused.json


def test_keeping_can_be_turned_off(engine):
    engine.app.config["LOOKUP_CACHE_S"] = 0
    assert view(engine, newcomer())[1] == "off"
    assert view(engine, newcomer())[1] == "off"


def test_an_unanswered_itris_is_not_kept(engine):
    engine.sandbox.faults(error_rate=1.0, error_status=503)
    failed, how = view(engine, newcomer())
    assert failed["itris"]["error"] and how == "miss"
    engine.sandbox.faults(error_rate=0.0)
    healed, how = view(engine, newcomer())
    assert how == "miss" and healed["itris"]["error"] is None


def test_a_forgotten_itris_answer_is_not_served(engine):
    view(engine, newcomer())
    assert view(engine, newcomer())[1] == "hit"
    with engine.app.app_context():
        # What a person-created webhook does: the kept answer may be wrong now.
        assert person_state.forget(_team_id(engine), slug="nadia-okafor-71") == 1
        db.session.commit()
    assert view(engine, newcomer())[1] == "miss"


def announce(engine, event: str, record_type: str, record: dict) -> str:
    """itris announces a created record, signed as itris signs it: what the hook did."""
    payload = json.dumps(
        {c.WEBHOOK_EVENT: event, c.WEBHOOK_RECORD_TYPE: record_type, c.WEBHOOK_RECORD: record}
    ).encode()
    team = _team_id(engine)
    with engine.app.app_context():
        header = signature(webhook_secret(team), payload)
    response = engine.client.post(
        f"/api/webhooks/itris/{team}",
        data=payload,
        headers={"Content-Type": "application/json", c.SIGNATURE_HEADER: header},
    )
    assert response.status_code == 200, response.json
    return response.json["result"]


def person_created(engine, record: dict) -> str:
    return announce(engine, c.WEBHOOK_EVENTS[c.RecordType.APPLICANTS], "applicants", record)


def test_a_webhook_about_someone_nobody_viewed_leaves_kept_views_kept(engine):
    view(engine, newcomer())
    start = revision_of(engine)
    stranger = {c.ID: 70001, c.FIRST_NAME: "Ivo", c.LAST_NAME: "Petrov"}
    person_created(engine, {**stranger, c.EMAIL_ADDRESS: "ivo.petrov@elsewhere.example"})
    assert revision_of(engine) == start
    assert view(engine, newcomer())[1] == "hit"
    # One about the person viewed forgets their kept answer, and so the view: theirs alone.
    person_created(engine, {c.ID: 70002, c.FIRST_NAME: "Nadia", c.LAST_NAME: "Okafor"})
    assert revision_of(engine) == start
    assert view(engine, newcomer())[1] == "miss"


def test_other_peoples_first_views_leave_a_kept_view_kept(engine):
    view(engine, newcomer())
    start = revision_of(engine)
    other, how = view(engine, newcomer(profile_url="https://www.linkedin.com/in/someone-else/"))
    assert how == "miss" and other["itris"]["checked_at"] is not None  # itris asked, kept
    assert revision_of(engine) == start
    assert view(engine, newcomer())[1] == "hit"


def test_another_persons_push_leaves_a_kept_view_kept(engine):
    """A busy team pushes all day: one person's push must not make every view afresh."""
    campaign = engine.campaign()
    view(engine, newcomer())
    assert view(engine, newcomer())[1] == "hit"
    start = revision_of(engine)
    other = engine.person("busy-bee", "Bea", "Busy")
    added = engine.add(campaign, profile=other, email="bea@busy.example")
    engine.wait(added["push"]["id"])
    engine.activity(added["contact_id"], campaign, "email_replied", subject="Yes")
    engine.wait_all()

    assert view(engine, newcomer())[1] == "hit"
    assert revision_of(engine) == start
    seen, how = view(engine, {**other, "email": "bea@busy.example"})
    assert how == "miss" and seen["sync"]["status"] == "succeeded"
    assert view(engine, {**other, "email": "bea@busy.example"})[1] == "hit"


def _member(engine, sync_as="applicant") -> tuple[dict, int, int]:
    """The newcomer in a campaign, their first push done: (lookup body, contact, campaign)."""
    campaign = engine.campaign(sync_as=sync_as)
    added = engine.add(campaign, profile=newcomer())
    if added.get("push"):
        engine.wait(added["push"]["id"])
    return newcomer(), added["contact_id"], campaign


def _team_tags(engine, body, _ids):
    engine.settings(default_tags=["kept-lookups"])
    return lambda seen: seen["effective"]["tags"] == ["kept-lookups"]


def _own_sync_as(engine, body, _ids):
    engine.call("put", "/api/me/settings", {"default_sync_as": "contact"}, expect=200)
    return lambda seen: seen["effective"] == {**seen["effective"], "sync_as": "contact"}


def _added_to_campaign(engine, body, _ids):
    campaign = engine.campaign(name="Later")
    added = engine.add(campaign, profile=body)
    return lambda seen: seen["contact"] and seen["contact"]["id"] == added["contact_id"]


def _campaign_edited(engine, body, ids):
    _, campaign = ids
    engine.call("patch", f"/api/campaigns/{campaign}", {"sync_as": "contact"}, expect=200)
    return lambda seen: seen["effective"]["sync_as"] == "contact"


def _override(engine, body, ids):
    contact, campaign = ids
    engine.call(
        "put",
        f"/api/contacts/{contact}/sync-override",
        {"campaign_id": campaign, "sync_as": "contact"},
        expect=200,
    )
    return lambda seen: seen["effective"]["source"] == "contact"


def _contact_edited(engine, body, ids):
    contact, _ = ids
    engine.call("patch", f"/api/contacts/{contact}", {"title": "Head of Ports"}, expect=200)
    return lambda seen: seen["contact"]["title"] == "Head of Ports"


def _pushed(engine, body, ids):
    contact, _ = ids
    push = engine.call("post", f"/api/contacts/{contact}/push", {}, expect=202).json
    return lambda seen: seen["sync"]["push_id"] == push["id"]


def _disconnected(engine, body, _ids):
    engine.call("delete", "/api/integrations/itris", headers=engine.admin, expect=200)
    return lambda seen: seen["itris"]["connected"] is False


def _company_picked(engine, body, ids):
    contact, _ = ids
    engine.call("post", f"/api/contacts/{contact}/company", {"itris_company_id": 38001}, expect=200)
    return lambda seen: (
        seen["company"]["info"]
        == {
            "itris_id": 38001,
            "matched_by": "alias",
            "name": None,
        }
    )


def _company_mirrored(engine, body, _ids):
    record = {c.ID: 39001, "name": f"{body['company']} Ltd", "location": "Felixstowe"}
    assert announce(engine, "company.created", "companies", record) == "created"
    return lambda seen: (seen["company"]["info"] or {}).get("itris_id") == 39001


CHANGES = {
    "team settings": (_team_tags, False),
    "the recruiter's own settings": (_own_sync_as, False),
    "the person added to a campaign": (_added_to_campaign, False),
    "the campaign edited": (_campaign_edited, True),
    "the person's sync override": (_override, True),
    "the person edited": (_contact_edited, True),
    "a push": (_pushed, True),
    "itris disconnected": (_disconnected, False),
    "the team's pick of a company": (_company_picked, True),
    "a company mirrored": (_company_mirrored, False),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_every_change_a_lookup_shows_is_seen_by_the_next_view(engine, change):
    make_change, needs_member = CHANGES[change]
    ids = (None, None)
    body = newcomer()
    if needs_member:
        body, *ids = _member(engine)
    before, _ = view(engine, body)
    assert view(engine, body)[1] == "hit"
    shows = make_change(engine, body, ids)
    after, how = view(engine, body)
    assert how == "miss"
    assert shows(after), after
    assert not shows(before), before
    engine.wait_all()


def test_a_write_the_revision_never_heard_of_is_caught_by_verification(engine):
    body, contact, _ = _member(engine)
    view(engine, body)
    assert view(engine, body)[1] == "hit"
    with engine.app.app_context():
        # Plain SQL on the connection: no session event sees it, so the revision stays.
        db.session.connection().execute(
            text("UPDATE contacts SET title = 'Unseen' WHERE id = :id"), {"id": contact}
        )
        db.session.commit()
    response = engine.client.post(LOOKUP, json=body, headers=engine.recruiter)
    assert response.status_code == 500


# --- The team's and people's revisions ---------------------------------------------------
def campaign_row(engine, name="Revised") -> Campaign:
    return Campaign(team_id=_team_id(engine), name=name, type="candidate", sync_as="applicant")


def test_only_commits_that_change_what_lookups_show_change_the_revision(engine):
    start = revision_of(engine)
    other = engine.auth.user("omar@other.example", team="Other Team")
    other_start = revision_of(engine, "Other Team")
    with engine.app.app_context():
        db.session.add(campaign_row(engine))
        db.session.add(Contact(team_id=_team_id(engine), email="kim@example.com"))
        db.session.rollback()
    assert revision_of(engine) == start  # rolled back: nothing changed
    assert person_revision_of(engine, "e:kim@example.com") == 0
    engine.auth.login("rita@acme.example")  # a new token: no lookup shows it
    with engine.app.app_context():
        token = db.session.scalars(select(ApiToken)).first()
        token.last_used_at = utcnow()
        db.session.commit()
    assert revision_of(engine) == start
    with engine.app.app_context():
        db.session.add(campaign_row(engine))
        db.session.commit()
    changed = revision_of(engine)
    assert changed != start
    assert revision_of(engine, "Other Team") == other_start  # one team's write is its own
    assert other


def test_a_persons_rows_renew_their_revision_as_they_were_and_are_not_the_teams(engine):
    start = revision_of(engine)
    with engine.app.app_context():
        db.session.add(Contact(team_id=_team_id(engine), email="kim@example.com"))
        db.session.commit()
    kim = person_revision_of(engine, "e:kim@example.com")
    assert kim != 0
    assert revision_of(engine) == start
    with engine.app.app_context():  # a new email: a lookup by either finds another answer
        contact = db.session.scalar(select(Contact).where(Contact.email == "kim@example.com"))
        contact.email, contact.linkedin_slug = "kim@new.example", "kim-new"
        db.session.commit()
    assert person_revision_of(engine, "e:kim@example.com") not in (0, kim)
    assert person_revision_of(engine, "e:kim@new.example") != 0
    assert person_revision_of(engine, "s:kim-new") != 0
    assert revision_of(engine) == start


def test_a_savepoint_leaves_the_renewal_to_the_outer_commit(engine):
    start = revision_of(engine)
    team = _team_id(engine)
    for row, renewed in (
        (Contact(team_id=team, email="sam@example.com"), "person"),
        (campaign_row(engine), "team"),
    ):
        with engine.app.app_context():
            with db.session.begin_nested():
                db.session.add(row)
            # Renewing at the savepoint would lock the row for the rest of the transaction.
            assert db.session.scalar(select(Team.revision).where(Team.id == team)) == start
            if renewed == "person":
                assert revision.of_people(db.session, team, ("e:sam@example.com",)) == [0]
            db.session.commit()
        if renewed == "person":
            assert person_revision_of(engine, "e:sam@example.com") != 0
            assert revision_of(engine) == start
    assert revision_of(engine) != start


def test_rows_without_a_team_of_their_own_change_their_parents_person_or_team(engine):
    body, contact, campaign = _member(engine)
    start = revision_of(engine)
    person = revision.keys_of_profile(body["profile_url"], None)[0]
    before = person_revision_of(engine, person)
    with engine.app.app_context():
        membership = db.session.get(CampaignMember, (campaign, contact))
        membership.tags_override = ["via-parent"]
        db.session.commit()
    assert person_revision_of(engine, person) != before
    assert revision_of(engine) == start
    with engine.app.app_context():
        user = db.session.scalar(select(User).where(User.email == "rita@acme.example"))
        db.session.add(UserSettings(user_id=user.id, data={"tags": ["mine"]}))
        db.session.commit()
    assert revision_of(engine) != start


def test_a_bulk_statement_must_name_the_teams_or_people_it_changes(engine):
    body, contact, _ = _member(engine)
    person = revision.keys_of_profile(body["profile_url"], None)[0]
    start, before = revision_of(engine), person_revision_of(engine, person)
    with engine.app.app_context():
        statement = update(Push).where(Push.contact_id == contact).values(last_error="x")
        with pytest.raises(RuntimeError, match="teams_revised"):
            db.session.execute(statement)
        db.session.rollback()
        db.session.execute(statement.execution_options(contacts_revised=[contact]))
        db.session.commit()
    assert person_revision_of(engine, person) != before
    assert revision_of(engine) == start
    with engine.app.app_context():
        db.session.execute(statement.execution_options(teams_revised=_team_id(engine)))
        db.session.commit()
    assert revision_of(engine) != start


def test_every_table_is_placed_in_a_team():
    assert revision.untracked_tables() == []


def test_processes_share_kept_lookups_through_redis(engine, make_app):
    """A second API process on the same database: with Redis it serves the first one's view."""
    view(engine, newcomer())
    second = make_app(DATABASE_URL=engine.app.config["DATABASE_URL"])
    response = second.test_client().post(LOOKUP, json=newcomer(), headers=engine.recruiter)
    assert response.status_code == 200
    shared = engine.app.config["QUEUE_URL"].startswith("redis")
    assert response.headers[HEADER] == ("hit" if shared else "miss")


def test_a_view_computed_afresh_looks_for_a_kept_answer_once(engine, make_app):
    """Looked for with the sign-in read alone and not found, an answer is not looked for
    again by the view that goes on to compute it: one read of Redis, not two."""
    url = engine.app.config["QUEUE_URL"]
    if not url.startswith("redis"):
        pytest.skip("the embedded mode keeps answers in the process alone")
    import redis

    server = redis.Redis.from_url(url)

    def reads() -> int:
        return server.info("commandstats").get("cmdstat_get", {}).get("calls", 0)

    before = reads()
    first, how = view(engine, newcomer())
    assert how == "miss"
    assert reads() - before == 1
    # What it computed was kept all the same, and is what a second process is served.
    second = make_app(DATABASE_URL=engine.app.config["DATABASE_URL"])
    response = second.test_client().post(LOOKUP, json=newcomer(), headers=engine.recruiter)
    assert response.headers[HEADER] == "hit"
    assert response.json == first


def _team_id(engine) -> int:
    with engine.app.app_context():
        return db.session.scalar(select(User.team_id).where(User.email == "ada@acme.example"))


# --- The company mirror -------------------------------------------------------------------
# With the shared PostgreSQL index a company renews only the buckets of its words
# (backend/companies/revisions.py); with the in-process index, the team's revision.
def _buckets(engine) -> bool:
    with engine.app.app_context():
        from backend.companies import lookup

        return lookup.uses_postgres()


def company(engine, itris_id: int, name: str, **facts) -> str:
    """itris announces a company (created or changed): what the mirror did."""
    return announce(engine, "company.created", "companies", {c.ID: itris_id, "name": name, **facts})


def company_count(engine) -> int:
    from backend.companies.index import PostgresCompanyIndex
    from backend.companies.models import Company

    with engine.app.app_context():
        index = PostgresCompanyIndex(db.engine, Company.__table__, _team_id(engine))
        return index.count(db.session.connection())


def settle_company_count(engine, room: int = 10) -> None:
    """With the shared index, fill the mirror to a company-count level with ``room`` more
    companies before the next: writes within it renew buckets alone, whatever the seed."""
    from backend.companies import mirror, revisions
    from backend.companies.index import _COUNT_LEVELS

    if not _buckets(engine):
        return
    now = company_count(engine)
    target = next(
        level for level, after in zip(_COUNT_LEVELS, _COUNT_LEVELS[1:], strict=False)
        if level >= now + 1 and after - level > room
    )  # fmt: skip
    records = [{c.ID: 60000 + i, "name": f"Zephyr Quarry {i} Works"} for i in range(target - now)]
    with engine.app.app_context():
        mirror.upsert(_team_id(engine), records)
    assert revisions.count_level(company_count(engine)) == target


def warned(seen) -> dict[int, str | None]:
    return {w["itris_id"]: w["detail"] for w in seen["company"]["warnings"]}


def test_a_company_renews_only_the_views_whose_search_it_can_change(engine):
    settle_company_count(engine)
    body = newcomer()  # at "Harbour Freight Systems"
    view(engine, body)
    assert view(engine, body)[1] == "hit"
    start = revision_of(engine)

    assert company(engine, 39101, "Quillon Biotech") == "created"  # no word in common
    if _buckets(engine):
        assert view(engine, body)[1] == "hit"
        assert revision_of(engine) == start
    else:
        assert view(engine, body)[1] == "miss"
        assert revision_of(engine) != start

    assert company(engine, 39102, "Harbour Frieght Systems", location="Tilbury") == "created"
    seen, how = view(engine, body)  # two letters swapped: a similar company to warn about
    assert how == "miss" and warned(seen).get(39102) == "Tilbury", seen["company"]
    assert view(engine, body)[1] == "hit"

    assert company(engine, 39102, "Harbour Frieght Systems", location="Grays") == "updated"
    seen, how = view(engine, body)  # a fact shown beside a warning
    assert how == "miss" and warned(seen).get(39102) == "Grays", seen["company"]
    assert view(engine, body)[1] == "hit"

    assert company(engine, 39102, "Quillon Labs", location="Grays") == "updated"
    seen, how = view(engine, body)  # renamed away: no longer similar
    assert how == "miss" and 39102 not in warned(seen), seen["company"]

    assert company(engine, 39103, "HarbourFreight Systems Limited") == "created"
    seen, how = view(engine, body)  # two words joined, a legal form: the same company
    assert how == "miss" and seen["company"]["info"]["itris_id"] == 39103, seen["company"]
    assert view(engine, body)[1] == "hit"
    if _buckets(engine):
        assert revision_of(engine) == start  # only buckets were renewed throughout


def test_a_change_to_a_companys_facts_renews_only_the_views_that_show_it(engine):
    """A company whose name stays renews its id's bucket alone: a view sharing words with
    it but not showing it stays kept; a view showing it, or another person's at the same
    company (the search this process kept), sees the new facts at once."""
    from backend.companies import revisions

    settle_company_count(engine)
    assert company(engine, 39401, "Harbour Frieght Systems", location="Tilbury") == "created"
    assert company(engine, 39402, "Freight Quillon Tidewater Kiln", location="Leeds") == "created"
    body = newcomer()  # at "Harbour Freight Systems"
    seen, _ = view(engine, body)
    assert warned(seen) == {39401: "Tilbury"}, seen["company"]  # 39402 shares a word alone
    assert view(engine, body)[1] == "hit"
    words = revisions.search_keys(body["company"])
    before = {key: person_revision_of(engine, key) for key in words}
    start = revision_of(engine)

    assert company(engine, 39402, "Freight Quillon Tidewater Kiln", location="York") == "updated"
    if _buckets(engine):
        assert person_revision_of(engine, revisions.id_key(39402)) != 0
        assert {key: person_revision_of(engine, key) for key in words} == before
        assert revision_of(engine) == start
        assert view(engine, body)[1] == "hit"
    else:
        assert view(engine, body)[1] == "miss"

    assert company(engine, 39401, "Harbour Frieght Systems", location="Grays") == "updated"
    seen, how = view(engine, body)
    assert how == "miss" and warned(seen) == {39401: "Grays"}, seen["company"]
    assert view(engine, body)[1] == "hit"

    assert company(engine, 39401, "Harbour Frieght Systems", location="Purfleet") == "updated"
    colleague = newcomer(profile_url="https://www.linkedin.com/in/omar-reyes-72/")
    seen, how = view(engine, colleague)
    assert how == "miss" and warned(seen) == {39401: "Purfleet"}, seen["company"]
    seen, how = view(engine, body)
    assert how == "miss" and warned(seen) == {39401: "Purfleet"}, seen["company"]


def word_count(engine, word: str) -> int:
    """How many of the Acme team's companies have ``word`` (the word index's count)."""
    with engine.app.app_context():
        return (
            db.session.execute(
                text("SELECT df FROM company_vocab WHERE team_id = :t AND word = :w"),
                {"t": _team_id(engine), "w": word},
            ).scalar()
            or 0
        )


def test_a_company_sharing_only_a_word_a_search_weighs_renews_no_view_until_its_level_moves(
    engine, search_budgets
):
    """A search reads the companies of its rarest words; its commoner ones only weigh
    those, by their company count's level. A company that shares only a commoner word
    leaves the view kept, unless it moves that word's count to another level."""
    from backend.companies import mirror, revisions
    from backend.companies.index import _COUNT_LEVELS

    if not _buckets(engine):
        pytest.skip("the in-process index renews the team for every company")
    search_budgets(seed=5, read=10, fetch=20)  # "holdings", past 10 postings: a weight alone
    holdings = word_count(engine, "holdings")
    # The word's count at a level with room for two more before the next.
    level = next(
        n for n, after in zip(_COUNT_LEVELS, _COUNT_LEVELS[1:], strict=False)
        if n > max(holdings, 10) and after - n >= 3
    )  # fmt: skip
    more = level - holdings - 1
    records = [{c.ID: 61000 + i, "name": f"Fenwold {i} Holdings"} for i in range(more)]
    records.append({c.ID: 61999, "name": "Vexmoor Ostrand Holdings", "location": "Hull"})
    with engine.app.app_context():
        mirror.upsert(_team_id(engine), records)
    assert word_count(engine, "holdings") == level
    settle_company_count(engine)
    body = newcomer(company="Vexmoor Ostrand Holdings Ltd")
    seen, _ = view(engine, body)
    assert seen["company"]["info"]["itris_id"] == 61999, seen["company"]
    assert view(engine, body)[1] == "hit"
    start = revision_of(engine)
    common = revisions.bucket("holdings")

    for n, itris_id in enumerate((61501, 61502), start=1):  # within the level: kept
        renewed = person_revision_of(engine, common)
        assert company(engine, itris_id, f"Brindlewick {n} Holdings") == "created"
        assert person_revision_of(engine, common) != renewed  # the word's own bucket moved
        assert view(engine, body)[1] == "hit"  # and the kept view equals one computed afresh

    assert company(engine, 61503, "Tallisker Holdings") == "created"  # the next level
    assert revisions.word_level(word_count(engine, "holdings")) != level
    assert view(engine, body)[1] == "miss"
    assert view(engine, body)[1] == "hit"

    assert company(engine, 61504, "Vexmoor Tidewater Kiln") == "created"  # a word it reads
    seen, how = view(engine, body)
    assert how == "miss"
    assert view(engine, body)[1] == "hit"
    assert revision_of(engine) == start  # buckets alone were renewed throughout


def statements_of(engine, body, app=None) -> tuple[int, str]:
    """The statements one view sends to the database from this thread, and how it answered."""
    app = app or engine.app
    here, sent = threading.get_ident(), []

    def count(*_args):
        if threading.get_ident() == here:
            sent.append(1)

    with app.app_context():
        bind = db.engine
    event.listen(bind, "before_cursor_execute", count)
    try:
        response = app.test_client().post(LOOKUP, json=body, headers=engine.recruiter)
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)
    return len(sent), response.headers[HEADER]


def test_a_repeat_view_reads_the_buckets_of_the_companies_it_shows_with_the_sign_in(
    engine, make_app
):
    """The companies a view shows rest on their id buckets: read with the sign-in by the
    next view of the company, in this process and, once, in another sharing the views."""
    assert company(engine, 39501, "Harbour Frieght Systems", location="Tilbury") == "created"
    body = newcomer()
    seen, _ = view(engine, body)
    assert warned(seen) == {39501: "Tilbury"}, seen["company"]
    engine.app.config["LOOKUP_CACHE_VERIFY"] = False  # one view, one computation
    assert statements_of(engine, body) == (1, "hit")
    if engine.app.config["QUEUE_URL"].startswith("redis") and _buckets(engine):
        second = make_app(DATABASE_URL=engine.app.config["DATABASE_URL"])
        second.config["LOOKUP_CACHE_VERIFY"] = False
        assert statements_of(engine, body, second) == (2, "hit")  # it learns the buckets
        assert statements_of(engine, body, second) == (1, "hit")


def test_a_bucket_read_probes_each_key_whatever_postgresql_knows_of_the_table(engine):
    """Every repeat view reads its company buckets with the sign-in. With no statistics on
    a grown person_revisions (autovacuum off, or behind), ``who = ANY (keys)`` was planned
    as a filter over all of the team's rows; each key is a primary-key probe instead."""
    from sqlalchemy.dialects import postgresql

    if not _buckets(engine):
        pytest.skip("only the shared PostgreSQL index has buckets")
    team = _team_id(engine)
    with engine.app.app_context():
        rows = [{"t": team, "w": f"c:{n}", "r": n + 1} for n in range(5000)]
        db.session.execute(
            text("INSERT INTO person_revisions (team_id, who, revision) VALUES (:t, :w, :r)"),
            rows,
        )
        db.session.commit()
        compiled = revision._BUCKETS.compile(dialect=postgresql.dialect())
        params = {**compiled.params, "team_id": team, "keys": pg_array(["c:10", "c:20", "c:99999"])}
        connection = db.session.connection()
        assert connection.exec_driver_sql(str(compiled), params).scalar() == 11 + 21
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", params).scalar()
        db.session.rollback()

    def scans(node):
        if node.get("Relation Name") == "person_revisions":
            yield node
        for child in node.get("Plans", []):
            yield from scans(child)

    found = list(scans(plan[0]["Plan"]))
    assert found and all("who" in node.get("Index Cond", "") for node in found), plan


def test_the_teams_pick_for_a_name_is_watched_by_id(engine):
    """A picked company may share no word with the name: its own changes still show."""
    body, contact, _ = _member(engine)
    assert company(engine, 39201, "Quillon Biotech", location="Leeds") == "created"
    engine.call("post", f"/api/contacts/{contact}/company", {"itris_company_id": 39201}, expect=200)
    engine.wait_all()  # the pick is pushed to itris: the person's rows settle first
    seen, _ = view(engine, body)
    assert seen["company"]["info"]["location"] == "Leeds", seen["company"]
    assert view(engine, body)[1] == "hit"
    assert company(engine, 39201, "Quillon Biotech", location="York") == "updated"
    seen, how = view(engine, body)
    assert how == "miss" and seen["company"]["info"]["location"] == "York", seen["company"]


def test_a_contacts_own_company_is_watched_when_the_profile_shows_another(engine):
    settle_company_count(engine)
    body, _, _ = _member(engine)  # stored at "Harbour Freight Systems"
    moved = {**body, "company": "Quillon Biotech"}  # the page shows a newer employer
    seen, _ = view(engine, moved)
    assert view(engine, moved)[1] == "hit"
    assert company(engine, 39301, "Tidewater Logistics") == "created"
    assert view(engine, moved)[1] == ("hit" if _buckets(engine) else "miss")
    assert company(engine, 39302, "Harbour Freight Systems", location="Hull") == "created"
    seen, how = view(engine, moved)
    assert how == "miss" and seen["company"]["info"]["itris_id"] == 39302, seen["company"]


def test_a_new_company_count_level_or_a_big_write_renews_the_team(engine):
    """Every search weighs its words by the team's company count, as a level: a write that
    reaches a new level renews the team, as does a write too big to name its buckets."""
    from backend.companies import mirror, revisions

    if not _buckets(engine):
        pytest.skip("the in-process index renews the team for every company")
    team = _team_id(engine)
    start = revision_of(engine)
    records = [{c.ID: 40000 + i, "name": f"Zephyr Quarry {i} Works"} for i in range(300)]
    with engine.app.app_context():
        assert mirror.upsert(team, records)[0] == 300
    assert revision_of(engine) != start  # more buckets than one commit may name

    view(engine, newcomer())
    next_id, crossed = 41000, 0
    while crossed < 2:
        before, level = revision_of(engine), revisions.count_level(company_count(engine))
        assert company(engine, next_id, f"Orrery Kiln {next_id}") == "created"
        next_id += 1
        if revisions.count_level(company_count(engine)) != level:
            crossed += 1
            assert revision_of(engine) != before
            assert view(engine, newcomer())[1] == "miss"
        else:
            assert revision_of(engine) == before
            assert view(engine, newcomer())[1] == "hit"
    assert next_id - 41000 > 2  # some writes stayed within a level
