"""The company index contract, for the embedded index and the shared PostgreSQL one."""

import uuid

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from backend.companies.index import (
    DUPLICATE,
    SIMILAR,
    IndexedCompany,
    MemoryCompanyIndex,
    PostgresCompanyIndex,
    postgres_ddl,
)
from backend.companies.models import Company, company_vocab, company_words
from backend.models import Team

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# The sandbox's well-known companies (backend/sandbox/seed.py).
KNOWN = {
    30001: "Hays plc",
    30002: "Hays Specialist Recruitment Limited",
    30003: "Hayes Recruitment",
    30004: "Smith & Sons Ltd",
    30005: "Smith and Sons",
    30006: "Acme UK",
    30007: "ACME (U.K.) Limited",
    30008: "Michael Page International (UK) Ltd",
    30009: "Michael Page",
    30010: "Browne Medical",
    30011: "Brown Medical",
    30012: "Northwind Logistics Ltd",
    30013: "Brightwater Software Limited",
    30014: "Kestrel Engineering Group",
}
FILLER = [
    "Oakfield Dental Ltd", "Silverline Roofing", "Patel Pharmacy Ltd", "Jones & Jones LLP",
    "Redbridge Surveying", "Castlegate Catering Ltd", "Harrow Glazing", "Evans Haulage plc",
    "Greenway Landscaping", "Northgate Security Ltd", "Kingsmead Cleaning", "Pine Tree Foods",
]  # fmt: skip


def _postgres_engine():
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001  (any failure to connect means "not here")
        pytest.skip(f"PostgreSQL does not answer on 127.0.0.1:5432 ({type(exc).__name__})")
    return engine


@pytest.fixture(scope="module")
def pg_schema():
    """A private schema with the mirror table and its word index; dropped afterwards."""
    admin = _postgres_engine()
    schema = f"test_companies_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(PG_URL, execution_options={"schema_translate_map": {None: schema}})
    with engine.begin() as conn:
        Team.__table__.create(conn)
        Company.__table__.create(conn)
        conn.execute(Team.__table__.insert(), [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}])
    with admin.begin() as conn:
        for statement in postgres_ddl(f"{schema}.companies"):
            conn.execute(text(statement))
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_index(request):
    """Build an index of the given kind holding ``companies`` (for team 1)."""
    created = []

    def make(companies, team_id=1):
        items = [IndexedCompany(i, name) for i, name in companies.items()]
        if request.param == "memory":
            return MemoryCompanyIndex(items)
        engine = request.getfixturevalue("pg_schema")
        _clear(engine, team_id)
        index = PostgresCompanyIndex(engine, Company.__table__, team_id)
        index.add(items)
        _analyze(engine)
        created.append((engine, team_id))
        return index

    yield make
    for engine, team_id in created:
        _clear(engine, team_id)


def _analyze(engine):
    """The statistics autovacuum would keep of the index's tables (this machine's PostgreSQL
    may run without it): without them the search plans for tables of unknown size, and a
    search of these few companies takes ten times as long."""
    schema = engine.get_execution_options()["schema_translate_map"][None]
    with engine.begin() as conn:
        for table in ("companies", "company_words", "company_vocab", "company_word_deletes"):
            conn.execute(text(f"ANALYZE {schema}.{table}"))


def _clear(engine, team_id):
    table = Company.__table__
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.team_id == team_id))


@pytest.fixture
def known(make_index):
    return make_index({**KNOWN, **{40001 + i: n for i, n in enumerate(FILLER)}})


def ids(candidates):
    return [c.itris_id for c in candidates]


def test_an_empty_index_finds_nothing(make_index):
    index = make_index({})
    assert len(index) == 0
    assert index.search("Hays plc") == []


def test_the_same_key_is_a_duplicate_and_ranks_first(known):
    found = known.search("HAYS Limited")
    assert found[0].itris_id == 30001
    assert found[0].reason == DUPLICATE
    assert found[0].score == 100
    # Hays Specialist Recruitment and Hayes Recruitment are similar, not duplicates.
    rest = {c.itris_id: c for c in found[1:]}
    assert {30002, 30003} <= set(rest)
    assert all(c.reason == SIMILAR and c.score < 100 for c in rest.values())


def test_every_company_with_the_key_is_a_duplicate(known):
    found = known.search("Smith and Sons Limited")
    duplicates = {c.itris_id for c in found if c.reason == DUPLICATE}
    assert duplicates == {30004, 30005}
    found = known.search("Acme")
    assert {c.itris_id for c in found if c.reason == DUPLICATE} == {30006, 30007}


def test_a_near_namesake_is_similar_not_duplicate(known):
    found = known.search("Browne Medical Ltd")
    assert [(c.itris_id, c.reason) for c in found[:2]] == [
        (30010, DUPLICATE),
        (30011, SIMILAR),
    ]
    assert 90 <= found[1].score < 100


def test_a_typo_finds_the_company_as_similar(known):
    found = known.search("Kestrl Engineering")
    assert found[0].itris_id == 30014
    assert found[0].reason == SIMILAR
    assert found[0].score >= 90


def test_results_are_ranked_and_limited(known):
    found = known.search("Hays", limit=2)
    assert len(found) == 2
    found = known.search("Hays", limit=5)
    order = [(c.reason != DUPLICATE, -c.score) for c in found]
    assert order == sorted(order)
    assert all(0 < c.score <= 100 for c in found)


def test_an_unrelated_name_finds_nothing(known):
    assert known.search("Zyxwv Quantum Aerospace") == []
    assert known.search("") == []
    assert known.search("Ltd") == []  # only a legal form: nothing distinctive to look for


def test_add_replaces_a_company_by_itris_id(known):
    known.add([IndexedCompany(30001, "Hays Travel")])
    assert 30001 not in ids(c for c in known.search("Hays plc") if c.reason == DUPLICATE)
    assert known.search("Hays Travel Ltd")[0].itris_id == 30001
    assert len(known) == len(KNOWN) + len(FILLER)


def test_added_companies_are_found_at_once(known):
    known.add([IndexedCompany(50001, "Quillon Ventilation Ltd")])
    assert known.search("Quillon Ventilation")[0].itris_id == 50001
    assert len(known) == len(KNOWN) + len(FILLER) + 1


def test_remove_forgets_a_company(known):
    known.remove([30010, 99999])
    found = known.search("Browne Medical")
    assert 30010 not in ids(found)
    assert found[0].itris_id == 30011  # Brown Medical remains, as similar
    assert len(known) == len(KNOWN) + len(FILLER) - 1


def test_many_names_with_common_words(make_index):
    # Enough companies sharing words that common ones only re-weight the rarer ones' hits.
    names = {
        i: f"{surname} {trade} {suffix}"
        for i, (surname, trade, suffix) in enumerate(
            (s, t, x)
            for s in ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies")
            for t in ("Plumbing", "Electrical", "Roofing", "Dental", "Logistics", "Catering")
            for x in ("Ltd", "Limited", "plc", "Group", "Services")
        )
    }
    names[9999] = "Taylor Wimpey plc"
    index = make_index(names)
    found = index.search("Taylor Wimpy")
    assert found[0].itris_id == 9999
    found = index.search("Wilson Catering")
    assert {c.reason for c in found[:5]} == {DUPLICATE}
    assert all("Wilson Catering" in c.name for c in found[:5])


def test_commoner_words_re_weight_every_candidate_of_the_rarer_ones(make_index, search_budgets):
    # "palmer" seeds 61 candidates, more than are fetched; most have fewer words (a smaller
    # norm) than the one sought. "metals" (typed "metas") is commoner: it must lift the
    # candidate that has it above those, not only re-order those fetched.
    search_budgets(seed=50, read=1000, fetch=20)
    trades = ("Roofing", "Dental", "Logistics", "Catering", "Plumbing", "Glazing")
    names = {i: f"Palmer {trades[i % 6]}{i}" for i in range(60)}
    names |= {1000 + i: f"Rivera{i} Metals" for i in range(200)}
    names[5000] = "Palmer Metals International Ltd"
    index = make_index(names)
    found = index.search("Palmer Metas Ltd")
    assert found[0].itris_id == 5000
    assert found[0].reason == SIMILAR


@pytest.mark.postgres
def test_a_postgres_search_is_one_statement(pg_schema):
    from sqlalchemy import event

    index = PostgresCompanyIndex(pg_schema, Company.__table__, team_id=1)
    _clear(pg_schema, 1)
    index.add([IndexedCompany(i, n) for i, n in KNOWN.items()])
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(pg_schema, "before_cursor_execute", count)
    try:
        assert index.search("Kestrl Engineering")[0].itris_id == 30014
        assert index.search("Brightwater Software")[0].itris_id == 30013
    finally:
        event.remove(pg_schema, "before_cursor_execute", count)
        _clear(pg_schema, 1)
    assert len(statements) == 2


@pytest.mark.postgres
def test_the_sql_typo_check_is_rapidfuzz_osa(pg_schema):
    import random

    from rapidfuzz.distance import OSA

    from backend.companies.index import _osa_le1

    rng = random.Random(5)
    pairs = []
    for _ in range(3000):
        a = "".join(rng.choice("abcd") for _ in range(rng.randint(1, 6)))
        b = list(a)
        edit = rng.randrange(5)
        if edit == 0 and len(b) > 1:
            i = rng.randrange(len(b) - 1)
            b[i], b[i + 1] = b[i + 1], b[i]
        elif edit == 1:
            b.insert(rng.randrange(len(b) + 1), rng.choice("abcd"))
        elif edit == 2 and len(b) > 1:
            del b[rng.randrange(len(b))]
        elif edit == 3:
            b[rng.randrange(len(b))] = rng.choice("abcd")
        else:
            b = list(rng.choice(("ab", "dcba", "abcdab", "c")))
        pairs.append((a, "".join(b)))
    with pg_schema.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT a, b, {_osa_le1('a', 'b')} FROM unnest(%(a)s::text[], %(b)s::text[]) t(a, b)",
            {"a": [a for a, _ in pairs], "b": [b for _, b in pairs]},
        ).all()
    assert [(a, b) for a, b, near in rows if near != (OSA.distance(a, b) <= 1)] == []
    assert {near for *_, near in rows} == {True, False}


@pytest.mark.postgres
def test_teams_share_the_table_but_not_their_companies(pg_schema):
    # The embedded index holds one team by construction; the shared table holds them all.
    one = PostgresCompanyIndex(pg_schema, Company.__table__, team_id=1)
    two = PostgresCompanyIndex(pg_schema, Company.__table__, team_id=2)
    for team_id in (1, 2):
        _clear(pg_schema, team_id)
    try:
        one.add([IndexedCompany(1, "Hays plc")])
        two.add([IndexedCompany(2, "Hays Specialist Recruitment")])
        assert ids(two.search("Hays")) == [2]
        assert ids(one.search("Hays")) == [1]
        two.remove([1])  # another team's id: nothing of team 1 goes
        assert len(one) == 1
    finally:
        for team_id in (1, 2):
            _clear(pg_schema, team_id)


def test_the_small_segment_merges_into_the_large_one():
    index = MemoryCompanyIndex([IndexedCompany(i, f"Company {i} Widgets") for i in range(50)])
    index.merge_min = 3
    index.merge_ratio = 0.01
    index.add([IndexedCompany(1000 + i, f"Gadget Works {i}") for i in range(5)])
    index.remove([3])
    assert len(index) == 54
    assert index.search("Gadget Works 4")[0].itris_id == 1004
    assert index.search("Company 7 Widgets")[0].itris_id == 7
    assert 3 not in ids(index.search("Company 3 Widgets"))


@pytest.mark.postgres
def test_the_migration_creates_the_word_index_on_postgresql():
    from alembic import command

    from backend.db import Database, alembic_config

    admin = _postgres_engine().execution_options(isolation_level="AUTOCOMMIT")
    name = f"itris_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    database = Database(url)
    try:
        # Rows mirrored before 0005 are indexed by it (the backfill).
        database.upgrade("0003")
        with database.engine.begin() as conn:
            # The teams table as 0003 left it (the model has columns added since).
            conn.execute(text("INSERT INTO teams (id, name, created_at) VALUES (1, 'one', now())"))
            conn.execute(
                Company.__table__.insert(),
                [{"team_id": 1, "itris_id": i, "name": n, **_columns(n)} for i, n in KNOWN.items()],
            )
        database.upgrade()
        inspector = inspect(database.engine)
        assert "ix_companies_name_core_trgm" not in {
            i["name"] for i in inspector.get_indexes("companies")
        }
        assert {"company_words", "company_vocab", "company_word_deletes"} <= set(
            inspector.get_table_names()
        )
        assert {"company_aliases", "company_sync_states"} <= set(inspector.get_table_names())
        index = PostgresCompanyIndex(database.engine, Company.__table__, 1)
        assert len(index) == len(KNOWN)
        assert index.search("Kestrl Engineering")[0].itris_id == 30014
        command.downgrade(alembic_config(url), "0001")
        assert "companies" not in inspect(database.engine).get_table_names()
        assert "company_words" not in inspect(database.engine).get_table_names()
    finally:
        database.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _columns(name):
    from backend.companies.index import columns_for
    from backend.companies.normalise import normalise

    return columns_for(normalise(name))


@pytest.mark.postgres
def test_writes_to_the_mirror_table_keep_the_word_index_current(pg_schema):
    # The mirror sync writes rows itself (ORM inserts, updates, deletes): triggers index them.
    table = Company.__table__
    index = PostgresCompanyIndex(pg_schema, table, team_id=1)
    _clear(pg_schema, 1)
    try:
        with pg_schema.begin() as conn:
            conn.execute(
                table.insert(),
                [
                    {"team_id": 1, "itris_id": i, "name": n, "revision": 1, **_columns(n)}
                    for i, n in KNOWN.items()
                ],
            )
        assert len(index) == len(KNOWN)
        assert index.search("Northwind Logistics")[0].itris_id == 30012
        with pg_schema.begin() as conn:  # renamed in itris
            conn.execute(
                table.update()
                .where(table.c.team_id == 1, table.c.itris_id == 30012)
                .values(name="Zephyrine Freight", **_columns("Zephyrine Freight"))
            )
            # An update that leaves the name alone changes nothing in the index.
            conn.execute(
                table.update()
                .where(table.c.team_id == 1, table.c.itris_id == 30013)
                .values(revision=2)
            )
        assert 30012 not in ids(index.search("Northwind Logistics"))
        assert index.search("Zephyrin Freight Ltd")[0].itris_id == 30012
        assert index.search("Brightwater Software")[0].itris_id == 30013
        assert len(index) == len(KNOWN)
        with pg_schema.begin() as conn:
            conn.execute(table.delete().where(table.c.team_id == 1, table.c.itris_id == 30014))
        assert 30014 not in ids(index.search("Kestrel Engineering"))
        assert len(index) == len(KNOWN) - 1
        with pg_schema.begin() as conn:  # word counts never go below zero or drift
            negative = conn.scalar(
                select(func.count()).select_from(company_vocab).where(company_vocab.c.df < 0)
            )
            postings = conn.scalar(
                select(func.count(company_words.c.itris_id.distinct())).where(
                    company_words.c.team_id == 1
                )
            )
        assert negative == 0
        assert postings == len(KNOWN) - 1
    finally:
        _clear(pg_schema, 1)
    assert len(index) == 0
    assert index.search("Hays") == []


def test_the_migration_matches_the_models_on_sqlite(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from backend.db import Base, Database

    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    database.upgrade()
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    database.dispose()
    ours = [d for d in diff if "compan" in repr(d)]
    assert ours == []


# --- What a search rests on (backend/companies/revisions.py) ------------------------------
def _variants(name: str, rng) -> list[str]:
    """Names a recruiter may type for ``name``: a letter swapped, dropped, doubled or
    changed, two words joined, a word split, a legal form added."""
    words = name.split()
    out = [name, f"{name} Ltd"]
    for i, word in enumerate(words):
        if len(word) >= 5:
            j = rng.randrange(1, len(word) - 2)
            for typo in (
                word[:j] + word[j + 1] + word[j] + word[j + 2 :],
                word[:j] + word[j + 1 :],
                word[:j] + word[j] + word[j:],
                word[:j] + "x" + word[j + 1 :],
                f"{word[:j]} {word[j:]}",
            ):
                out.append(" ".join([*words[:i], typo, *words[i + 1 :]]))
    out += [" ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])
            for i in range(len(words) - 1)]  # fmt: skip
    return out


def _rested(index, query: str, limit: int = 10):
    """A shared index's search, and the buckets it rests on (``revisions.rested_keys``)."""
    from backend.companies import revisions

    seed_groups = revisions.rested_sql("person_revisions")[0]  # reads no table
    found, _, returned = index.search_with(query, limit, (), (seed_groups,))
    seed = returned[0][4] if returned else None
    keys = revisions.rested_keys(query, seed or ()) if returned else revisions.search_keys(query)
    return found, set(keys)


# Budgets at which a test's few companies fill every tier: one posting seeds, three are read.
TIERED = {"seed": 1, "read": 3, "fetch": 20}


@pytest.mark.postgres
@pytest.mark.parametrize("tiered", [False, True], ids=["budgets", "tiered"])
def test_a_search_finds_only_companies_that_share_a_bucket_with_it(
    make_index, search_budgets, tiered
):
    """A kept lookup is renewed by the buckets a company writes: every company a search
    finds must share one with those the search rests on, or a change to it would go
    unseen."""
    import random

    from backend.companies.revisions import company_keys

    if tiered:
        search_budgets(**TIERED)
    companies = {**KNOWN, **{40001 + i: n for i, n in enumerate(FILLER)}}
    index = make_index(companies)
    if not isinstance(index, PostgresCompanyIndex):
        pytest.skip("the in-process index renews the team for every company")
    rng = random.Random(7)
    checked = 0
    for name in companies.values():
        for query in _variants(name, rng):
            found, keys = _rested(index, query)
            for candidate in found:
                checked += 1
                assert keys & company_keys(candidate.name, candidate.itris_id), (query, candidate)
    assert checked > 300


@pytest.mark.postgres
def test_companies_sharing_no_bucket_with_a_search_leave_its_answer_alone(
    make_index, search_budgets
):
    """Within a company-count level, companies that share no bucket with those a search
    rests on, added and removed, and move no word's level it rests on, leave its answer
    exactly as it was: those that share only words it weighs by their level among them."""
    import random

    from backend.companies.index import _COUNT_LEVELS, normalise
    from backend.companies.revisions import (
        company_keys,
        count_level,
        crossing_keys,
        indexed_words,
        search_keys,
        word_level,
    )

    search_budgets(**TIERED)
    companies = {**KNOWN, **{40001 + i: n for i, n in enumerate(FILLER)}}
    # As many companies as a level, with room for one more before the next; the padding
    # makes the searches' commoner words common enough that one company more or less
    # often leaves their level (at 14 and above, levels are more than one apart).
    level = next(
        n for n, after in zip(_COUNT_LEVELS, _COUNT_LEVELS[1:], strict=False)
        if n >= 200 and after > n + 1
    )  # fmt: skip
    trades = ("Recruitment", "Medical", "Logistics", "Software", "Engineering", "Roofing")
    padding = {
        50001 + i: f"Orrery {i} {trades[i % len(trades)]}" for i in range(level - len(companies))
    }
    index = make_index({**companies, **padding})
    if not isinstance(index, PostgresCompanyIndex):
        pytest.skip("the in-process index renews the team for every company")

    def crossings(names: list[str]) -> dict[str, set[str]]:
        """The buckets adding a company of each name renews by moving a word's level."""
        words = {name: indexed_words(normalise(name).text) for name in names}
        every = set().union(*words.values())
        with index.bind.connect() as conn:
            counts = dict(
                conn.execute(
                    select(company_vocab.c.word, company_vocab.c.df).where(
                        company_vocab.c.team_id == 1, company_vocab.c.word.in_(every)
                    )
                ).all()
            )
        moved = {
            w for w in every if word_level(counts.get(w, 0) + 1) != word_level(counts.get(w, 0))
        }
        return {
            name: set().union(*(crossing_keys(w) for w in words[name] if w in moved))
            for name in names
        }

    rng = random.Random(11)
    queries = [q for name in list(companies.values())[:20] for q in _variants(name, rng)[:4]]
    # Other companies' names, retyped: each one written and removed again around the search.
    pool = [v for name in companies.values() for v in _variants(name, rng)]
    pool += [f"{first} {trade}" for first in ("Tamsin", "Ulverby") for trade in trades]
    # Read once: each company added below is removed again before the next search.
    crossed = crossings(pool)
    changed = weighed = 0
    for query in queries:
        before, keys = _rested(index, query)
        unrelated = [n for n in pool if not keys & (company_keys(n, 90000) | crossed[n])]
        # Those sharing a word the search only weighs first: the ones its tiers leave out.
        static = set(search_keys(query))
        name = rng.choice([n for n in unrelated if static & company_keys(n, 90000)] or unrelated)
        level = count_level(len(index))
        index.add([IndexedCompany(90000, name)])
        if count_level(len(index)) == level:
            assert index.search(query, limit=10) == before, (query, name)
            changed += 1
            weighed += bool(set(search_keys(query)) & company_keys(name, 90000))
        index.remove([90000])
    assert changed > 20
    assert weighed > 10  # companies that share a word the search only weighs


def test_the_search_statement_fits_the_parse_cache_of_psycopg():
    """With the app's own table names, psycopg parses the search once per process, not per
    search: its cache takes statements of 4 kB at most."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    from backend.companies.index import _pg_search_sql
    from backend.companies.warnings import _FACT_COLUMNS, search_tail

    names = ("companies", "company_words", "company_vocab", "company_word_deletes")
    # As a profile lookup sends it: with the facts its warnings show and their revisions.
    statement = _pg_search_sql(*names, _FACT_COLUMNS, search_tail("person_revisions"))
    assert len(statement) <= MAX_CACHED_STATEMENT_LENGTH


@pytest.mark.postgres
def test_the_levels_in_sql_are_the_levels_kept_views_renew_on(pg_schema):
    """The search weighs the team's company count and each word's by the level its SQL
    function gives; a new level renews the team, or the word's buckets
    (``revisions.count_level``, ``revisions.word_level``): the two must agree, at every
    count up to 300,000 and around every level above."""
    from backend.companies.index import _COUNT_LEVELS
    from backend.companies.revisions import count_level, word_level

    counts = sorted(
        set(range(300_001))
        | {n + d for n in _COUNT_LEVELS for d in (-1, 0, 1) if 0 <= n + d < 2**31}
    )
    schema = pg_schema.get_execution_options()["schema_translate_map"][None]
    with pg_schema.connect() as conn:
        levels = conn.exec_driver_sql(
            f"SELECT {schema}.company_word_level(n) FROM unnest(%(counts)s::bigint[]) AS n",
            {"counts": counts},
        ).scalars()
        assert [int(level) for level in levels] == [word_level(n) for n in counts]
    assert [word_level(n) for n in counts if n] == [count_level(n) for n in counts if n]
