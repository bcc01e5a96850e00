"""What a company search rests on, for kept profile lookups: word buckets of the shared index.

A kept profile lookup shows the company warnings a search gave (``backend/lookup_cache.py``).
Were every change to a team's million-company mirror to renew the team's revision, a big
CRM, whose companies change all day, would leave no view kept. With the shared PostgreSQL
index, a search for a name can only find, or be weighted by, companies that share a word
with it, or a word one edit away, or the halves or the join of its words, or its key
(:func:`backend.companies.index._pg_search_sql`): so

- a company written to the mirror renews the buckets of :func:`company_keys` (its words and
  their one-letter deletions, its key, its id), as it was and as it is;
- a search rests on the buckets of :func:`search_keys` (the query's words, their one-letter
  deletions, the halves of each word and the joins of neighbouring words, its key) and on
  the id of the team's remembered pick for the name, if any (:func:`id_key`).

Any company that could change what a search finds shares a bucket with it: a word one edit
away shares a one-letter deletion (or is one), which is how the index finds it. The rest
the search reads is the team's company count, as a level (:func:`count_level`): a change
of level renews the team.

A bucket is one of :data:`BUCKETS` per team, named ``c:<n>`` in ``person_revisions`` beside
the people's revisions (``backend/revision.py``): a team's buckets stay few whatever its
size, at the cost of a change now and then renewing a search it cannot change.
"""

from __future__ import annotations

import bisect
import functools
import zlib
from collections.abc import Iterable

from backend.companies.index import _COUNT_LEVELS, _MIN_TYPO_LEN, _deletes, _pg_search_params
from backend.companies.normalise import normalise

BUCKETS = 1 << 16
# A write that renews more buckets than this renews the team instead (a full sync's page).
MAX_BUCKETS_PER_COMMIT = 4096


def bucket(word: str) -> str:
    """The bucket a word (or ``k:<key>``, ``i:<id>``) falls in, as ``person_revisions.who``."""
    return f"c:{zlib.crc32(word.encode()) % BUCKETS}"


def id_key(itris_id: int) -> str:
    """The bucket of one company by id: a search rests on its team's pick for the name."""
    return bucket(f"i:{int(itris_id)}")


def company_keys(name: str | None, itris_id: int) -> set[str]:
    """The buckets a mirror write of this company (named ``name``) renews."""
    words = {f"i:{int(itris_id)}"}
    normalised = normalise(name or "")
    for word in normalised.tokens:
        words.add(word)
        if len(word) >= _MIN_TYPO_LEN:
            words.update(_deletes(word))
    if normalised.key:
        words.add(f"k:{normalised.key}")
    return {bucket(word) for word in words}


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


def count_level(count: int) -> int:
    """The company count a search weighs words by: the greatest level at most ``count``, as
    the search's SQL takes it."""
    return _COUNT_LEVELS[max(0, bisect.bisect_right(_COUNT_LEVELS, max(count, 1)) - 1)]


def union(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({key for group in groups for key in group}))
