"""What a company search rests on, for kept profile lookups: word buckets of the shared index.

A kept profile lookup shows the company warnings a search gave (``backend/lookup_cache.py``).
Were every change to a team's million-company mirror to renew the team's revision, a big
CRM, whose companies change all day, would leave no view kept. With the shared PostgreSQL
index, a search for a name can only find, or be weighted by, companies that share a word
with it, or a word one edit away, or the halves or the join of its words, or its key
(:func:`backend.companies.index._pg_search_sql`): so

- a company added, removed or renamed in the mirror renews the buckets of
  :func:`company_keys` (its words and their one-letter deletions, its key, its id), as it
  was and as it is; one whose name stays renews its id's bucket alone (:func:`id_key`:
  its facts changed, which only views showing it show);
- a search rests on the buckets of :func:`search_keys` (the query's words, their one-letter
  deletions, the halves of each word and the joins of neighbouring words, its key), on the
  id buckets of the companies whose facts it returns, read by the search's own statement
  (:func:`id_revision_sql`), and on the id of the team's remembered pick for the name, if
  any.

Any company that could change what a search finds shares a bucket with it: a word one edit
away shares a one-letter deletion (or is one), which is how the index finds it. The rest
the search reads is the team's company count, as a level (:func:`count_level`): a change
of level renews the team.

A view's buckets are read before the rows they guard, with the sign-in where they can be
(``backend/lookup_cache.py``): the id buckets a search came to rest on are remembered by
name in this process (:func:`search_basis`), so the next view of the company reads them
beforehand too.

A bucket is one of :data:`BUCKETS` per team for words, named ``c:<n>`` in
``person_revisions`` beside the people's revisions (``backend/revision.py``), and one of
:data:`ID_BUCKETS` more for ids (``c:<BUCKETS + id mod ID_BUCKETS>``, which SQL can spell):
a team's buckets stay bounded whatever its size, at the cost of a change now and then
renewing a search it cannot change. A search rests on about 40 word buckets and a new
company renews about 20, so each view meets one of them by chance alone with odds of about
800 / :data:`BUCKETS`: 1.2 % at 2**16 (a quarter of the views new companies renewed in
``tests/bench/bench_api.py``), under 0.1 % at 2**20. A view rests on a few id buckets and
a fact change renews one, so 2**16 of those suffice.
"""

from __future__ import annotations

import bisect
import functools
import zlib
from collections.abc import Iterable

from backend.companies.index import _COUNT_LEVELS, _MIN_TYPO_LEN, _deletes, _pg_search_params
from backend.companies.normalise import normalise
from backend.lru import LRU, app_lru

BUCKETS = 1 << 20  # word buckets: at most a row each in person_revisions, once renewed
ID_BUCKETS = 1 << 16
# A write that renews more buckets than this renews the team instead (a full sync's page).
MAX_BUCKETS_PER_COMMIT = 4096
_BASES = "company_search_bases"
BASES_SIZE = 20_000  # names whose search's buckets this process remembers


def bucket(word: str) -> str:
    """The bucket a word (or ``k:<key>``) falls in, as ``person_revisions.who``."""
    return f"c:{zlib.crc32(word.encode()) % BUCKETS}"


def id_key(itris_id: int) -> str:
    """The bucket of one company by id: a change to its facts renews it alone."""
    return f"c:{BUCKETS + int(itris_id) % ID_BUCKETS}"


def id_revision_sql(revisions: str) -> str:
    """SQL over a company found ``u`` (its ``itris_id``): the revision of its id's bucket
    (:func:`id_key`) in the ``revisions`` table, or NULL if never renewed (sum it modulo
    ``revision.BUCKET_SPAN``). A search returns it with the facts it reads, from one
    snapshot."""
    return (
        f"(SELECT r.revision FROM {revisions} r WHERE r.team_id = %(team)s"  # noqa: S608
        f" AND r.who = 'c:' || {BUCKETS} + mod(u.itris_id, {ID_BUCKETS}))"
    )


def company_keys(name: str | None, itris_id: int) -> set[str]:
    """The buckets a mirror write that adds, removes or renames this company (named
    ``name``) renews; a write that leaves its name renews :func:`id_key` alone."""
    words = set()
    normalised = normalise(name or "")
    for word in normalised.tokens:
        words.add(word)
        if len(word) >= _MIN_TYPO_LEN:
            words.update(_deletes(word))
    if normalised.key:
        words.add(f"k:{normalised.key}")
    return {bucket(word) for word in words} | {id_key(itris_id)}


@functools.lru_cache(maxsize=20_000)
def search_keys(name: str | None) -> tuple[str, ...]:
    """The buckets a search for ``name`` rests on, sorted (none for a name without a key):
    those of every word the search's statement looks up (``_pg_search_params``)."""
    normalised = normalise(name or "")
    if not normalised.key:
        return ()
    params = _pg_search_params(normalised)
    words = {f"k:{normalised.key}"}
    for looked_up in ("l_word", "p_probe", "s_query", "s_left", "s_right"):
        words.update(params[looked_up])
    return tuple(sorted({bucket(word) for word in words}))


def search_basis(name: str | None) -> tuple[str, ...]:
    """The buckets to read before a search for ``name``: those of :func:`search_keys`, and
    the id buckets the last search for it here came to rest on (:func:`remember_basis`)."""
    static = search_keys(name)
    if not static:
        return static
    return _bases().get(static) or static


def remember_basis(name: str | None, keys: Iterable[str]) -> None:
    """A search for ``name`` rests on ``keys``: read them all before the next one. (The
    companies a search once found stay among them while the name is remembered, found or
    not: each costs a probe with the sign-in, and a view renewed when its facts change.)"""
    static = search_keys(name)
    if static:
        _bases().put(static, tuple(sorted(set(keys))))


def _bases() -> LRU:
    return app_lru(_BASES, BASES_SIZE)


def count_level(count: int) -> int:
    """The company count a search weighs words by: the greatest level at most ``count``, as
    the search's SQL takes it."""
    return _COUNT_LEVELS[max(0, bisect.bisect_right(_COUNT_LEVELS, max(count, 1)) - 1)]


def union(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({key for group in groups for key in group}))
