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
- a write that moves a word's company count to another level (:func:`word_level`, 8 per
  doubling, none to some included) renews its :func:`crossing_keys`: the level buckets of
  the word and of each of its deletions (by which typo probes find it);
- a search rests on the level buckets of every word it looks up or probes for typos
  (:func:`level_key`), its key's bucket, and the buckets of the words of its *seed* groups
  alone (:func:`rested_keys`): the rarest, whose companies are its candidates. Its
  commoner words only weigh those candidates, by their level, and a candidate's words
  change only with a write to it, which renews a seed word's bucket. So a new "Bar
  Holdings" leaves a view of "Foo Holdings" kept unless it moves "holdings" to a new
  level. The search's own statement reports its seed groups and reads these buckets'
  revisions, and the id buckets of the companies whose facts it returns
  (:func:`id_revision_sql`), in its own snapshot; a view rests on those, and on the id of
  the team's remembered pick for the name, if any.

Any company that could change what a search finds shares a bucket with it: a word one edit
away shares a one-letter deletion (or is one), which is how the index finds it. The rest
the search reads is the team's company count, as a level (:func:`count_level`): a change
of level renews the team.

The buckets a search came to rest on are remembered by name in this process
(:func:`search_basis`), so the next view of the company reads them with the sign-in, before
the rows they guard (``backend/lookup_cache.py``).

A bucket is one of :data:`BUCKETS` per team for words, named ``c:<n>`` in
``person_revisions`` beside the people's revisions (``backend/revision.py``), and one of
:data:`ID_BUCKETS` more for ids (``c:<BUCKETS + id mod ID_BUCKETS>``, which SQL can spell):
a team's buckets stay bounded whatever its size, at the cost of a change now and then
renewing a search it cannot change. A search rests on some 40 to 70 word buckets and a
new company renews about 20, so each view meets one of them by chance alone with odds of
about 1,000 / :data:`BUCKETS`: over 1 % at 2**16 (a quarter of the views new companies
renewed in ``tests/bench/bench_api.py``, before searches rested on levels), about 0.1 % at
2**20. A view rests on a few id buckets and
a fact change renews one, so 2**16 of those suffice.
"""

from __future__ import annotations

import bisect
import functools
import zlib
from collections.abc import Iterable

from backend.companies.index import _COUNT_LEVELS, _MIN_TYPO_LEN, _deletes, _pg_search_params
from backend.companies.normalise import STOP_WORDS, normalise
from backend.lru import LRU, app_lru
from backend.revision import BUCKET_SPAN

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


def indexed_words(name_norm: str | None) -> set[str]:
    """The words of a company's normalised name the word index counts it under (as its
    triggers split ``name_norm``, ``index._tokens_sql``)."""
    return {word for word in (name_norm or "").split(" ") if word and word not in STOP_WORDS}


def level_key(text: str) -> str:
    """The bucket renewed when the company count of the word ``text``, or of a word one
    deletion of which is ``text``, crosses a level (:func:`word_level`), from none to some
    and back included: what a search that looks ``text`` up, or probes it for typos, rests
    on, whether or not it found such a word and reads none of its postings."""
    return bucket(f"l:{text}")


def word_level(df: int) -> int:
    """The company count a search weighs a word by: 0 for a word no company has, else the
    greatest level at most ``df`` (in SQL, ``company_word_level``: ``index._pg_level_ddl``)."""
    return count_level(df) if df > 0 else 0


def crossing_keys(word: str) -> set[str]:
    """The buckets a change of ``word``'s level renews: its :func:`level_key`, and that of
    each of its deletions, by which typo probes find it."""
    keys = {level_key(word)}
    if len(word) >= _MIN_TYPO_LEN:
        keys.update(level_key(variant) for variant in _deletes(word))
    return keys


@functools.lru_cache(maxsize=20_000)
def _search_groups(name: str | None) -> tuple[frozenset[str], dict[int, frozenset[str]]]:
    """What a search for ``name`` may rest on: (the keys it always rests on, the membership
    keys of each word group of its statement's, ``_pg_search_params``)."""
    normalised = normalise(name or "")
    if not normalised.key:
        return frozenset(), {}
    params = _pg_search_params(normalised)
    common = {bucket(f"k:{normalised.key}")}
    groups: dict[int, set[str]] = {}
    for group, word in zip(params["l_grp"], params["l_word"], strict=True):
        common.add(level_key(word))
        groups.setdefault(group, set()).add(bucket(word))
    for group, probe in zip(params["p_grp"], params["p_probe"], strict=True):
        common.add(level_key(probe))
        groups.setdefault(group, set()).add(bucket(probe))
    for group, *words in zip(
        params["s_grp"], params["s_query"], params["s_left"], params["s_right"], strict=True
    ):
        common.update(level_key(word) for word in words)
        groups.setdefault(group, set()).update(bucket(word) for word in words)
    return frozenset(common), {group: frozenset(keys) for group, keys in groups.items()}


@functools.lru_cache(maxsize=20_000)
def search_keys(name: str | None) -> tuple[str, ...]:
    """Every bucket a search for ``name`` may rest on, sorted (none for a name without a
    key): the levels of the words it looks up and of its typo probes, and the membership
    of them all."""
    return rested_keys(name, None)


def rested_keys(name: str | None, seed: Iterable[int] | None) -> tuple[str, ...]:
    """The buckets a search for ``name`` rests on once its ``seed`` word groups are known
    (None: not known, so all): the levels of every word it looks up or probes, its key's,
    and the membership of the seed groups' words alone, the only ones whose companies it
    reads (the others only weigh those companies, by their level)."""
    common, groups = _search_groups(name)
    chosen = groups.keys() if seed is None else set(seed) & groups.keys()
    return tuple(sorted(common.union(*(groups[group] for group in chosen))))


def common_keys(name: str | None) -> frozenset[str]:
    """The buckets every search for ``name`` rests on, whatever it finds (a basis that
    holds them all is one of this name's)."""
    return _search_groups(name)[0]


def basis_params(name: str | None) -> dict[str, list]:
    """What :func:`rested_sql` reads: every key a search for ``name`` may rest on."""
    return {"b_key": list(search_keys(name))}


def rested_sql(revisions: str) -> tuple[str, str]:
    """SQL a search returns with the rows it finds (``index._pg_search_sql``'s ``tail``):
    on each, its seed word groups; on one, the revision of each key of
    :func:`basis_params`, in order, read in the search's own snapshot. With them,
    :func:`rested` sums the buckets the search rests on."""
    seed = "(SELECT array_agg(grp) FROM groups WHERE tier = 'seed')"
    each = (  # on one row only: an array of some 100 numbers on each would cost its parsing
        f"CASE WHEN row_number() OVER () = 1 THEN (SELECT array_agg((SELECT r.revision"  # noqa: S608
        f" FROM {revisions} r WHERE r.team_id = %(team)s AND r.who = k.key) ORDER BY k.n)"
        f" FROM unnest(%(b_key)s::text[]) WITH ORDINALITY k(key, n)) END"
    )
    return seed, each


def rested(name: str | None, seed, revisions) -> tuple[tuple[str, ...], int]:
    """The buckets a search for ``name`` rests on, given its seed groups and the revisions
    of :func:`basis_params`' keys that :func:`rested_sql` read, and their summed revision."""
    keys = rested_keys(name, seed or ())
    chosen = set(keys)
    values = zip(search_keys(name), revisions or (), strict=False)
    return keys, sum((value or 0) % BUCKET_SPAN for key, value in values if key in chosen)


def search_basis(name: str | None) -> tuple[str, ...]:
    """The buckets to read before a search for ``name``: those the last search for it here
    came to rest on (:func:`remember_basis`: its :func:`rested_keys` and the id buckets of
    the companies it found), or else :func:`common_keys` (all a search that finds no
    company rests on; one that finds some reads its own)."""
    static = search_keys(name)
    if not static:
        return static
    return _bases().get(static) or tuple(sorted(common_keys(name)))


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
