"""Candidate search for company names behind one interface, re-scored with rapidfuzz.

Two implementations answer the same :class:`CompanyIndex` protocol:

- :class:`MemoryCompanyIndex`, the embedded default: a rarity-weighted token index held in
  the process (numpy postings, typo tolerance by symmetric deletion over the vocabulary).
- :class:`PostgresCompanyIndex`: the same word-level design in SQL (postings, vocabulary with
  document frequencies, one-letter deletions for typos), kept current by triggers on the
  mirror table, so every API process shares one index instead of each holding a copy.

Both hand their candidates to :func:`rank`, which decides the reason: ``duplicate`` when the
normalised keys are equal, ``similar`` when the rapidfuzz score of the distinctive words
reaches :data:`SIMILAR_MIN_SCORE`. A fuzzy score alone never makes a duplicate: "Browne
Medical" and "Brown Medical" score 96 and are similar, not the same company.
"""

from __future__ import annotations

import functools
import itertools
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple, Protocol

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from sqlalchemy.engine import Engine, Row

from backend.companies.normalise import (
    GENERIC_WORDS,
    STOP_WORDS,
    NormalisedName,
    core_of,
    normalise,
)
from backend.db import pg_array

DUPLICATE = "duplicate"
SIMILAR = "similar"
SIMILAR_MIN_SCORE = 80.0
DEFAULT_LIMIT = 5


class Candidate(NamedTuple):
    """A company found for a name: why it was found and how close it is (0-100)."""

    itris_id: int
    name: str
    reason: str
    score: float


class IndexedCompany(NamedTuple):
    """A company to index; ``normalised`` saves recomputing what the mirror already stored."""

    itris_id: int
    name: str
    normalised: NormalisedName | None = None


class CompanyIndex(Protocol):
    """Find the companies of one team that duplicate or resemble a name."""

    def add(self, companies: Iterable[IndexedCompany]) -> None:
        """Add companies, replacing any already indexed under the same itris id."""

    def remove(self, itris_ids: Iterable[int]) -> None:
        """Forget companies by itris id (unknown ids are ignored)."""

    def search(self, name: str, limit: int = DEFAULT_LIMIT) -> list[Candidate]:
        """Return up to ``limit`` candidates: duplicates first, then by score."""

    def __len__(self) -> int:
        """Return how many companies are indexed."""


# --- Scoring (shared by every implementation) ---------------------------------------------
def score(query: NormalisedName, core_text: str) -> float:
    """Score how alike two names' distinctive words are, 0-100 (WRatio, 99 at most)."""
    return min(99.0, fuzz.WRatio(query.core_text, core_text))


def rank(
    query: NormalisedName,
    rows: Iterable[tuple[int, str, str]],
    limit: int = DEFAULT_LIMIT,
    min_score: float = SIMILAR_MIN_SCORE,
) -> list[Candidate]:
    """Turn ``(itris_id, name, text)`` rows into ranked candidates for ``query``."""
    if not query.key:
        return []
    scored = []
    seen = set()
    for itris_id, name, text in rows:
        if itris_id in seen:
            continue
        seen.add(itris_id)
        core = core_of(text.split())
        if "".join(core) == query.key:
            scored.append((0, -100.0, 0.0, name, itris_id, DUPLICATE))
            continue
        core_text = " ".join(core)
        value = score(query, core_text)
        if value >= min_score:
            # Ties (a short query inside many longer names) go to the closest overall length.
            closeness = fuzz.ratio(query.core_text, core_text)
            scored.append((1, -value, -closeness, name, itris_id, SIMILAR))
    scored.sort()
    return [
        Candidate(itris_id, name, reason, -negative)
        for _, negative, _, name, itris_id, reason in scored[:limit]
    ]


# --- The embedded index -------------------------------------------------------------------
_GENERIC_WEIGHT = 0.3  # generic words count, a little: they neither make nor hide a match
_TYPO_WEIGHT = 0.8  # a word one edit away counts a bit less than the word itself
_SPLIT_WEIGHT = 0.7  # "brightwater" in a query finding "bright water"
_MIN_TYPO_LEN = 4  # shorter words are too ambiguous to correct
_SEED_BUDGET = 20000  # postings gathered before the rest only re-weight those candidates
_RESCORE = 48  # candidates handed to rapidfuzz per segment


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _hashes(words: Iterable[str]) -> np.ndarray:
    return np.fromiter((hash(w) for w in words), dtype=np.int64)


class _Strings:
    """Many strings in one UTF-8 buffer: a fraction of the memory of a list of ``str``."""

    def __init__(self, strings: Iterable[str] = ()):
        self._buffer = bytearray()
        ends = array("q")
        for text in strings:
            self._buffer += text.encode()
            ends.append(len(self._buffer))
        self._ends = ends

    def append(self, text: str) -> None:
        self._buffer += text.encode()
        self._ends.append(len(self._buffer))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        start = self._ends[i - 1] if i else 0
        return self._buffer[start : self._ends[i]].decode()


class _Segment:
    """An immutable token index over some companies: postings, idf, typo neighbours."""

    def __init__(self, companies: Iterable[tuple[int, str, NormalisedName]]):
        ids, key_hashes = array("q"), array("q")
        self.names, self.texts = _Strings(), _Strings()
        vocab: dict[str, int] = {}
        tok_ids, tok_docs = array("i"), array("i")
        # One pass, keeping no per-company objects: at a million names they would cost more
        # than the whole index.
        for doc, (itris_id, name, normalised) in enumerate(companies):
            ids.append(itris_id)
            self.names.append(name)
            self.texts.append(normalised.text)
            key_hashes.append(hash(normalised.key))
            for word in set(normalised.tokens):
                if word not in STOP_WORDS:
                    tok_ids.append(vocab.setdefault(word, len(vocab)))
                    tok_docs.append(doc)
        n = self.size = len(ids)
        self.ids = np.array(ids, dtype=np.int64)
        self.alive = np.ones(n, dtype=bool)
        # The same itris id given twice: the later one wins.
        unique_ids, last = np.unique(self.ids[::-1], return_index=True)
        if len(unique_ids) < n:
            self.alive[:] = False
            self.alive[n - 1 - last] = True
        self.live = int(self.alive.sum())
        self._id_order = np.flatnonzero(self.alive)[np.argsort(self.ids[self.alive], kind="stable")]
        self._sorted_ids = self.ids[self._id_order]

        self.vocab = vocab
        self.words = list(vocab)
        tids = np.array(tok_ids, dtype=np.int32)
        docs = np.array(tok_docs, dtype=np.int32)
        del tok_ids, tok_docs
        order = np.argsort(tids, kind="stable")  # stable: each posting list stays doc-sorted
        self.postings = docs[order]
        del order
        df = np.bincount(tids, minlength=len(vocab))
        self.offsets = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
        self.df = df.astype(np.int32)
        generic = np.fromiter((w in GENERIC_WORDS for w in vocab), dtype=bool, count=len(vocab))
        idf = np.log1p(max(n, 1) / np.maximum(df, 1)) * np.where(generic, _GENERIC_WEIGHT, 1)
        self.idf = idf.astype(np.float32)
        # Cosine-style length norm: a name made only of the query's words ranks first.
        norm2 = np.bincount(docs, weights=idf[tids] ** 2, minlength=n)
        self.inv_norm = (1.0 / np.sqrt(np.maximum(norm2, 1e-9))).astype(np.float32)
        del tids, docs, norm2

        keys = np.array(key_hashes, dtype=np.int64)
        self._key_order = np.argsort(keys, kind="stable").astype(np.int32)
        self._sorted_keys = keys[self._key_order]

        # Symmetric deletion: a word and a typo of it share a one-letter deletion.
        del_hashes, del_tids = array("q"), array("i")
        for word, tid in vocab.items():
            if len(word) >= _MIN_TYPO_LEN:
                for variant in _deletes(word):
                    del_hashes.append(hash(variant))
                    del_tids.append(tid)
        hashes = np.array(del_hashes, dtype=np.int64)
        order = np.argsort(hashes, kind="stable")
        self._del_hashes = hashes[order]
        self._del_tids = np.array(del_tids, dtype=np.int32)[order]

    # -- lookups ---------------------------------------------------------------------------
    def position(self, itris_id: int) -> int | None:
        """Return the position of a live company, or None."""
        at = np.searchsorted(self._sorted_ids, itris_id)
        if at < self.size and self._sorted_ids[at] == itris_id:
            pos = int(self._id_order[at])
            return pos if self.alive[pos] else None
        return None

    def kill(self, pos: int) -> None:
        if self.alive[pos]:
            self.alive[pos] = False
            self.live -= 1

    def same_key(self, key: str) -> list[int]:
        """Return the live positions whose key is ``key``."""
        h = hash(key)
        lo = np.searchsorted(self._sorted_keys, h, side="left")
        hi = np.searchsorted(self._sorted_keys, h, side="right")
        return [int(p) for p in self._key_order[lo:hi] if self.alive[p]]

    def _variants(self, word: str) -> list[tuple[int, float]]:
        """Vocabulary words matching ``word`` exactly or one edit away, with a weight factor."""
        found: dict[int, float] = {}
        tid = self.vocab.get(word)
        if tid is not None:
            found[tid] = 1.0
        if len(word) >= _MIN_TYPO_LEN:
            probes = [word, *_deletes(word)]
            hashes = _hashes(probes)
            lo = np.searchsorted(self._del_hashes, hashes, side="left")
            hi = np.searchsorted(self._del_hashes, hashes, side="right")
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                for other in self._del_tids[a:b].tolist():
                    if other not in found and OSA.distance(word, self.words[other]) <= 1:
                        found[other] = _TYPO_WEIGHT
            for variant in probes[1:]:  # the query has one letter too many
                other = self.vocab.get(variant)
                if other is not None and other not in found:
                    found[other] = _TYPO_WEIGHT
            if tid is None and len(word) >= 6:  # "brightwater" for "bright water"
                for i in range(2, len(word) - 1):
                    left, right = self.vocab.get(word[:i]), self.vocab.get(word[i:])
                    if left is not None and right is not None:
                        found.setdefault(left, _SPLIT_WEIGHT)
                        found.setdefault(right, _SPLIT_WEIGHT)
        return list(found.items())

    def _groups(self, words: Sequence[str]) -> list[tuple[int, list[tuple[int, float]]]]:
        """One group of weighted vocabulary words per query word, with its total postings."""
        groups = []
        for word in words:
            weighted = [
                (tid, float(self.idf[tid]) * factor) for tid, factor in self._variants(word)
            ]
            if weighted:
                total = sum(int(self.df[tid]) for tid, _ in weighted)
                groups.append((total, weighted))
        for left, right in zip(words, words[1:], strict=False):  # "bright water" for "brightwater"
            tid = self.vocab.get(left + right)
            if tid is not None:
                groups.append((int(self.df[tid]), [(tid, float(self.idf[tid]))]))
        groups.sort(key=lambda group: group[0])
        return groups

    def candidates(self, query: NormalisedName, k: int = _RESCORE) -> list[int]:
        """Return up to ``k`` live positions most likely to resemble ``query``."""
        words = [w for w in dict.fromkeys(query.tokens) if w not in STOP_WORDS]
        groups = self._groups(words)
        if not groups:
            return []
        seed_docs, seed_weights, used = [], [], 0
        rest = []
        for i, (total, weighted) in enumerate(groups):
            if i == 0 or used + total <= _SEED_BUDGET:
                for tid, weight in weighted:
                    docs = self.postings[self.offsets[tid] : self.offsets[tid + 1]]
                    seed_docs.append(docs)
                    seed_weights.append(np.full(len(docs), weight, dtype=np.float32))
                used += total
            else:
                rest.append(weighted)
        docs, inverse = np.unique(np.concatenate(seed_docs), return_inverse=True)
        weights = np.bincount(inverse, weights=np.concatenate(seed_weights)).astype(np.float32)
        # Common words only re-weight the seed candidates: a membership test, not a union.
        for weighted in rest:
            for tid, weight in weighted:
                posting = self.postings[self.offsets[tid] : self.offsets[tid + 1]]
                at = np.searchsorted(posting, docs)
                at[at >= len(posting)] = 0
                weights += np.where(posting[at] == docs, weight, 0).astype(np.float32)
        weights *= self.inv_norm[docs] * self.alive[docs]
        if len(docs) > k:
            top = np.argpartition(-weights, k)[:k]
            docs, weights = docs[top], weights[top]
        return [int(d) for d, w in zip(docs.tolist(), weights.tolist(), strict=True) if w > 0]


class MemoryCompanyIndex:
    """The embedded index: a large immutable segment plus a small one rebuilt on each write."""

    # The small segment is merged into the large one once it holds this share of it.
    merge_ratio = 0.05
    merge_min = 5000

    def __init__(self, companies: Iterable[IndexedCompany] = ()):
        self._lock = threading.RLock()
        self._main = _Segment(self._prepared(companies))
        self._recent: dict[int, tuple[int, str, NormalisedName]] = {}
        self._small = _Segment(())

    @staticmethod
    def _prepared(
        companies: Iterable[IndexedCompany],
    ) -> Iterator[tuple[int, str, NormalisedName]]:
        fresh = normalise.__wrapped__  # a bulk build would only churn the query cache
        for company in companies:
            normalised = company.normalised or fresh(company.name)
            yield int(company.itris_id), company.name, normalised

    def __len__(self) -> int:
        with self._lock:
            return self._main.live + len(self._recent)

    def add(self, companies: Iterable[IndexedCompany]) -> None:
        """Add or replace companies; they are searchable when this returns."""
        prepared = list(self._prepared(companies))
        if not prepared:
            return
        with self._lock:
            for entry in prepared:
                pos = self._main.position(entry[0])
                if pos is not None:
                    self._main.kill(pos)
                self._recent[entry[0]] = entry
            self._rebuild_small()

    def remove(self, itris_ids: Iterable[int]) -> None:
        """Forget companies by itris id."""
        with self._lock:
            for itris_id in itris_ids:
                pos = self._main.position(int(itris_id))
                if pos is not None:
                    self._main.kill(pos)
                self._recent.pop(int(itris_id), None)
            self._rebuild_small()

    def _rebuild_small(self) -> None:
        if len(self._recent) > max(self.merge_min, self.merge_ratio * self._main.live):
            self._merge()
        else:
            self._small = _Segment(list(self._recent.values()))

    def _merge(self) -> None:
        main = self._main
        kept = (
            (int(main.ids[p]), main.names[p], _from_text(main.texts[p]))
            for p in np.flatnonzero(main.alive).tolist()
        )
        self._main = _Segment(itertools.chain(kept, self._recent.values()))
        self._recent = {}
        self._small = _Segment(())

    def search(self, name: str, limit: int = DEFAULT_LIMIT) -> list[Candidate]:
        """Return up to ``limit`` duplicates and similar companies for ``name``."""
        query = normalise(name)
        if not query.key:
            return []
        with self._lock:
            rows = []
            for segment in (self._main, self._small):
                if not segment.size:
                    continue
                positions = segment.same_key(query.key) + segment.candidates(query)
                rows.extend(
                    (int(segment.ids[p]), segment.names[p], segment.texts[p]) for p in positions
                )
        return rank(query, rows, limit)


def _from_text(text: str) -> NormalisedName:
    """Rebuild a stored normalised name from its words."""
    tokens = tuple(text.split())
    core = core_of(tokens)
    return NormalisedName(tokens=tokens, core=core, key="".join(core))


# --- The shared PostgreSQL index ----------------------------------------------------------
# The postings a search reads, rarest word groups first (as :meth:`_Segment.candidates`):
_PG_SEED_BUDGET = 5000  # the seed: its companies are the candidates (the rarest group always)
_PG_READ_BUDGET = 20000  # the next groups re-weight every seed candidate by their postings
_PG_FETCH = 100  # when commoner groups remain, candidates they re-weight by the names' words


def _osa_le1(a: str, b: str) -> str:
    """SQL: true when the words ``a`` and ``b`` are at most one edit apart (rapidfuzz's OSA).

    Some position ``i`` after an equal prefix is where they differ by one substitution (or
    not at all), by a letter only ``a`` or only ``b`` has, or by two neighbouring letters
    swapped; the rest is equal."""
    return (
        f"EXISTS (SELECT FROM generate_series(1, greatest(length({a}), length({b}))) i "
        f"WHERE left({a}, i - 1) = left({b}, i - 1) AND (substr({a}, i + 1) = substr({b}, i + 1) "
        f"OR substr({a}, i + 1) = substr({b}, i) OR substr({a}, i) = substr({b}, i + 1) "
        f"OR substr({a}, i, 2) = reverse(substr({b}, i, 2)) "
        f"AND substr({a}, i + 2) = substr({b}, i + 2)))"
    )


@functools.lru_cache(maxsize=64)
def _pg_search_sql(
    companies: str,
    words: str,
    vocab: str,
    deletes: str,
    extra: tuple[str, ...] = (),
    tail: tuple[str, ...] = (),
) -> str:
    """The whole search as one statement (one round trip), as :meth:`_Segment.candidates`.

    - ``hits``/``found``: what each group (a query word, or two neighbouring ones joined) may
      stand for in the vocabulary, with a factor: the word itself (1), a word one edit away
      (:data:`_TYPO_WEIGHT`: a shared one-letter deletion, checked by OSA distance), a word
      the query word has one letter too many for (:data:`_TYPO_WEIGHT`), the halves of a
      joined word the vocabulary lacks (:data:`_SPLIT_WEIGHT`).
    - ``groups``: ordered by their postings, then by their place in the query (the stable
      sort of :meth:`_Segment._groups`). The first, and the next while the running total
      stays within :data:`_PG_SEED_BUDGET`, are the *seed*; the next within
      :data:`_PG_READ_BUDGET` are *near*; the commonest are *far*.
    - ``weights``: each word's rarity (idf; generic words x :data:`_GENERIC_WEIGHT`) times
      its factor, summed over the groups it serves in each tier. The rarity is of the
      team's company count as a level (``revisions.count_level``), so a company added or
      removed changes only the searches that share a word with it
      (``backend/companies/revisions.py``).
    - ``seeded``: the candidates, from the seed words' postings (index-only): their summed
      weight and length norm. ``near``: when there are more candidates than
      :data:`_PG_FETCH`, the near words' postings re-weight every one (a scan of those
      postings hashed against the candidates, never a probe per candidate), as the
      segment re-weights its seed by membership; with fewer, every candidate is fetched and
      the near words re-weight it by its name's words, which is the same.
    - ``best``: the :data:`_RESCORE` best by weight over norm, or :data:`_PG_FETCH` when far
      words remain (or the candidates are few): those re-weight the fetched names by their
      words. The companies of the same key come first; :func:`rank` has the last word.

    Each word's company count is weighed, and its group's postings counted, as a level
    (:func:`_pg_level`): a word's postings read only as weights (the near and far tiers)
    change the answer only when its level changes (``backend/companies/revisions.py``).

    Ties break by itris id, so a search gives the same answer every time. ``extra``: more
    columns of the companies found to return after the four :func:`rank` reads; ``tail``:
    SQL expressions over each row found, ``u`` (its ``itris_id``), to return after those
    (they may read the word groups' tiers, ``groups`` (``grp``, ``tier``)).
    """
    more = "".join(f", {column}" for column in extra)
    level = _beside(vocab, "company_word_level")
    sql = f"""WITH hits (grp, word, factor) AS (
  SELECT * FROM unnest(%(l_grp)s::int[], %(l_word)s::text[], %(l_factor)s::float8[])
  UNION ALL
  SELECT p.grp, d.word, {_TYPO_WEIGHT}::float8
  FROM unnest(%(p_grp)s::int[], %(p_probe)s::text[], %(p_query)s::text[]) p(grp, probe, q)
  JOIN {deletes} d ON d.team_id = %(team)s AND d.variant = p.probe
  WHERE {_osa_le1("p.q", "d.word")}
  UNION ALL
  SELECT s.grp, x.word, {_SPLIT_WEIGHT}::float8
  FROM unnest(%(s_grp)s::int[], %(s_query)s::text[], %(s_left)s::text[], %(s_right)s::text[])
    s(grp, query, l, r), LATERAL (VALUES (s.l), (s.r)) x(word)
  WHERE s.query NOT IN (SELECT v.word FROM {vocab} v WHERE v.team_id = %(team)s
                        AND v.word = ANY (%(s_query)s::text[]) AND v.df > 0)
    AND EXISTS (SELECT FROM {vocab} v WHERE v.team_id = %(team)s AND v.word = s.l AND v.df > 0)
    AND EXISTS (SELECT FROM {vocab} v WHERE v.team_id = %(team)s AND v.word = s.r AND v.df > 0)
), found AS (
  SELECT h.grp, h.word, max(h.factor) AS factor, {level}(min(v.df)) AS df
  FROM hits h JOIN {vocab} v ON v.team_id = %(team)s AND v.word = h.word AND v.df > 0
  GROUP BY h.grp, h.word
), groups AS (
  SELECT grp, CASE
    WHEN row_number() OVER w = 1 OR sum(sum(df)) OVER w <= {_PG_SEED_BUDGET} THEN 'seed'
    WHEN sum(sum(df)) OVER w <= {_PG_READ_BUDGET} THEN 'near' ELSE 'far' END AS tier
  FROM found GROUP BY grp
  WINDOW w AS (ORDER BY sum(df), grp ROWS UNBOUNDED PRECEDING)
), weights AS MATERIALIZED (
  SELECT f.word, sum(f.weight) FILTER (WHERE g.tier = 'seed') AS seed,
         sum(f.weight) FILTER (WHERE g.tier = 'near') AS near,
         sum(f.weight) FILTER (WHERE g.tier = 'far') AS far
  FROM (
    SELECT grp, word, factor * ln(1 + greatest(t.n, 1)::float8 / greatest(df, 1))
      * CASE WHEN word = ANY (%(generic)s::text[]) THEN {_GENERIC_WEIGHT} ELSE 1 END AS weight
    FROM found, (SELECT {level}(coalesce(max(df), 0)) AS n FROM {vocab}
                 WHERE team_id = %(team)s AND word = '') AS t
  ) AS f JOIN groups g USING (grp)
  GROUP BY f.word
), seeded AS MATERIALIZED (
  SELECT p.itris_id, sum(s.seed) AS weight, min(p.norm) AS norm
  FROM weights s, LATERAL (
    SELECT w.itris_id, w.norm FROM {words} w WHERE w.team_id = %(team)s AND w.word = s.word
  ) AS p
  WHERE s.seed IS NOT NULL
  GROUP BY p.itris_id
), big AS (
  SELECT count(*) > {_PG_FETCH} AS big FROM (SELECT FROM seeded LIMIT {_PG_FETCH + 1}) AS s
), near AS (
  SELECT p.itris_id, sum(s.near) AS weight
  FROM weights s, LATERAL (
    SELECT w.itris_id FROM {words} w WHERE w.team_id = %(team)s AND w.word = s.word OFFSET 0
  ) AS p
  WHERE s.near IS NOT NULL AND (SELECT big FROM big)
    AND p.itris_id IN (SELECT itris_id FROM seeded)
  GROUP BY p.itris_id
), best AS (
  SELECT s.itris_id, s.weight + coalesce(n.weight, 0) AS weight, s.norm,
         (s.weight + coalesce(n.weight, 0)) / s.norm AS score
  FROM seeded s LEFT JOIN near n USING (itris_id)
  ORDER BY 4 DESC, 1
  LIMIT (SELECT CASE WHEN big AND NOT EXISTS (SELECT FROM weights WHERE far IS NOT NULL)
                THEN {_RESCORE} ELSE {_PG_FETCH} END FROM big)
)
{{found}}"""  # noqa: S608
    found = f"""SELECT itris_id, name, name_norm, -1.0::float8{more} FROM {companies}
WHERE team_id = %(team)s AND name_key = %(key)s
UNION ALL (
  SELECT c.itris_id, c.name, c.name_norm, (b.weight + coalesce((
    SELECT sum(coalesce(r.far, 0) + CASE WHEN x.big THEN 0 ELSE coalesce(r.near, 0) END)
    FROM weights r, big x
    WHERE (r.far IS NOT NULL OR r.near IS NOT NULL AND NOT x.big)
      AND r.word = ANY (string_to_array(c.name_norm, ' '))), 0)) / b.norm{more}
  FROM best b JOIN {companies} c ON c.team_id = %(team)s AND c.itris_id = b.itris_id
  ORDER BY 4 DESC, b.score DESC, 1 LIMIT {_RESCORE})"""  # noqa: S608
    if tail:  # each expression once, over the rows found (rank orders them: order may go)
        found = f"SELECT u.*{''.join(', ' + t for t in tail)} FROM ({found}) AS u"  # noqa: S608
    return _compact(sql.replace("{found}", found, 1))


def _beside(table: str, name: str) -> str:
    """``name``, schema-qualified as ``table`` is."""
    schema, _, _ = table.rpartition(".")
    return f"{schema}.{name}" if schema else name


def _pg_level_ddl(function: str) -> str:
    """The SQL function ``function(df)``: the greatest of :data:`_COUNT_LEVELS` at most
    ``df`` (a positive count), as ``revisions.word_level``. Under 14 every count is a level;
    above, it is the rounded power of 2^(1/8) at or just under ``df``, give or take one
    power for the float's error. One expression, so PostgreSQL inlines it."""
    power = "floor(8 * ln(df) / ln(2))"
    powers = [f"round(2 ^ (({power} + {i}) / 8))" for i in (-1, 0, 1)]
    under = ", ".join(f"CASE WHEN {p} <= df THEN {p} END" for p in powers)
    return (
        f"CREATE OR REPLACE FUNCTION {function}(df bigint) RETURNS bigint LANGUAGE sql "
        f"IMMUTABLE PARALLEL SAFE AS $fn$ SELECT CASE WHEN df < 14 THEN df "
        f"ELSE greatest({under})::bigint END $fn$"
    )


def _compact(sql: str) -> str:
    """One space for each run of white space, none after a comma, inside parentheses or
    around most operators: a statement under 4 kB, whose parsing psycopg caches. (The
    statement has no ``--`` comment, and none of its quoted text has those spaces.)"""
    sql = " ".join(sql.split()).replace(", ", ",").replace("( ", "(").replace(" )", ")")
    for operator in ("=", "<=", "<", ">", "+", "*", "/", "||"):
        sql = sql.replace(f" {operator} ", operator)
    return sql


class PostgresCompanyIndex:
    """The embedded index's word-level design, in SQL: one index shared by every API process.

    ``table`` is the mirror table (``team_id``, ``itris_id``, ``name``, ``name_norm``,
    ``name_core``, ``name_key``); ``bind`` an engine or connection to PostgreSQL. Triggers on
    the mirror table (:func:`postgres_ddl`) keep three tables beside it current, whoever
    writes the mirror: ``company_words`` (each company's words: the postings),
    ``company_vocab`` (each team's words with their document frequency; the empty word
    counts the team's companies) and ``company_word_deletes`` (every one-letter deletion of
    each vocabulary word of four letters or more: typo tolerance by symmetric deletion, an
    exact btree probe instead of a trigram scan). A search is one statement, one round trip
    (:func:`_pg_search_sql`): it looks up the query's words and their typo, split and joined
    variants in the vocabulary, weights them by rarity like :class:`_Segment`, takes its
    candidates from the postings of the rarest words, re-weights every candidate by the
    postings of the next commonest (within a budget of postings read) and the best of them
    by the commonest words their names hold, and returns them with the companies of the
    same key; :func:`rank` has the last word. Python only spells out the variants to look
    up and scores the few names returned.
    """

    def __init__(self, bind, table, team_id: int, reader=None):
        self.bind = bind
        self.table = table
        self.team_id = team_id
        # Searches only read: no transaction to open and roll back around them. ``reader``:
        # the engine's AUTOCOMMIT twin, if the caller keeps one (making it costs a little).
        self._reader = reader or bind
        if reader is None and isinstance(bind, Engine):
            self._reader = bind.execution_options(isolation_level="AUTOCOMMIT")

    def qualified(self, name: str) -> str:
        """A table beside the mirror table, schema-qualified as the bind names that one."""
        schema = self.table.schema
        translate = self.bind.get_execution_options().get("schema_translate_map") or {}
        schema = translate.get(schema, schema)
        return f"{schema}.{name}" if schema else name

    def _names(self) -> tuple[str, str, str, str]:
        """The schema-qualified names of the mirror table and of the word tables."""
        return tuple(
            self.qualified(name)
            for name in (self.table.name, "company_words", "company_vocab", "company_word_deletes")
        )

    def add(self, companies: Iterable[IndexedCompany]) -> None:
        """Insert or update the name columns of companies (the triggers index their words)."""
        from sqlalchemy.dialects.postgresql import insert

        rows = {}
        for company in companies:
            normalised = company.normalised or normalise(company.name)
            rows[int(company.itris_id)] = {
                "team_id": self.team_id,
                "itris_id": int(company.itris_id),
                "name": company.name,
                **columns_for(normalised),
            }
        if not rows:
            return
        values = list(rows.values())
        with self.bind.begin() as connection:
            for start in range(0, len(values), 5000):  # 65535 parameters at most
                statement = insert(self.table).values(values[start : start + 5000])
                statement = statement.on_conflict_do_update(
                    index_elements=[self.table.c.team_id, self.table.c.itris_id],
                    set_={
                        name: statement.excluded[name]
                        for name in ("name", "name_norm", "name_core", "name_key")
                    },
                )
                connection.execute(statement)

    def remove(self, itris_ids: Iterable[int]) -> None:
        """Delete companies by itris id."""
        from sqlalchemy import delete

        ids = [int(i) for i in itris_ids]
        with self.bind.begin() as connection:
            for start in range(0, len(ids), 10000):  # PostgreSQL takes 65535 parameters at most
                connection.execute(
                    delete(self.table).where(
                        self.table.c.team_id == self.team_id,
                        self.table.c.itris_id.in_(ids[start : start + 10000]),
                    )
                )

    def __len__(self) -> int:
        with self.bind.connect() as connection:
            return self.count(connection)

    def count(self, connection) -> int:
        """The team's companies, as the index counts them, read on ``connection``."""
        _, _, vocab, _ = self._names()
        total = connection.exec_driver_sql(
            f"SELECT df FROM {vocab} WHERE team_id = %s AND word = ''",  # noqa: S608
            (self.team_id,),
        ).scalar()
        return int(total or 0)

    def search(self, name: str, limit: int = DEFAULT_LIMIT) -> list[Candidate]:
        """Return up to ``limit`` duplicates and similar companies for ``name``."""
        return self.search_with(name, limit)[0]

    def search_with(
        self,
        name: str,
        limit: int = DEFAULT_LIMIT,
        columns: tuple[str, ...] = (),
        tail: tuple[str, ...] = (),
        params: dict | None = None,
    ) -> tuple[list[Candidate], dict[int, Row], list[Row]]:
        """:meth:`search`, and more of each company found read by the same statement
        (:func:`_pg_search_sql`): its row's ``columns``, then ``tail``, SQL expressions over
        the row found ``u``, which may read ``params``. Returns the candidates, each one's
        row by itris id, and every row the statement returned."""
        query = normalise(name)
        if not query.key:
            return [], {}, []
        sql = _pg_search_sql(*self._names(), columns, tail)
        bound = {**_pg_search_params(query), **(params or {}), "team": self.team_id}
        bound = {name: pg_array(v) if isinstance(v, list) else v for name, v in bound.items()}
        with self._reader.connect() as connection:
            rows = connection.exec_driver_sql(sql, bound).all()
        # The same key first, then the re-weighted candidates, best first (SQL ordered them).
        candidates = rank(query, [row[:3] for row in rows], limit)
        chosen = {candidate.itris_id for candidate in candidates}
        return candidates, {row[0]: row for row in rows if row[0] in chosen}, rows


# The company counts a search weighs words by: 8 levels per doubling (rounded powers of
# 2^(1/8)), so weights move by under 5 % before a new level renews the team's kept views.
_COUNT_LEVELS = sorted({round(2 ** (k / 8)) for k in range(8 * 32)})
_GENERIC_LIST = sorted(GENERIC_WORDS)


def _pg_search_params(query: NormalisedName) -> dict:
    """The arrays :func:`_pg_search_sql` reads: what each query word group may stand for."""
    words = [w for w in dict.fromkeys(query.tokens) if w not in STOP_WORDS]
    lookups: list[tuple[int, str, float]] = []
    probes: list[tuple[int, str, str]] = []
    splits: list[tuple[int, str, str, str]] = []
    for group, word in enumerate(words):
        lookups.append((group, word, 1.0))
        if len(word) >= _MIN_TYPO_LEN:
            variants = sorted(_deletes(word))
            lookups += [(group, variant, _TYPO_WEIGHT) for variant in variants]
            probes += [(group, probe, word) for probe in (word, *variants)]
            if len(word) >= 6:  # "brightwater" for "bright water"
                splits += [(group, word, word[:i], word[i:]) for i in range(2, len(word) - 1)]
    joined = zip(words, words[1:], strict=False)  # "bright water" for "brightwater"
    lookups += [(len(words) + i, left + right, 1.0) for i, (left, right) in enumerate(joined)]
    l_grp, l_word, l_factor = zip(*lookups, strict=True) if lookups else ((), (), ())
    p_grp, p_probe, p_query = zip(*probes, strict=True) if probes else ((), (), ())
    s_grp, s_query, s_left, s_right = zip(*splits, strict=True) if splits else ((), (), (), ())
    return {
        "key": query.key,
        "generic": _GENERIC_LIST,
        "l_grp": list(l_grp),
        "l_word": list(l_word),
        "l_factor": list(l_factor),
        "p_grp": list(p_grp),
        "p_probe": list(p_probe),
        "p_query": list(p_query),
        "s_grp": list(s_grp),
        "s_query": list(s_query),
        "s_left": list(s_left),
        "s_right": list(s_right),
    }


def _sql_words(words: Iterable[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{w}'" for w in sorted(words)) + "]::text[]"


def postgres_ddl(table: str = "companies") -> list[str]:
    """The statements that index a mirror table's words in PostgreSQL (migration 0005; the
    function the search weighs their counts by, :func:`postgres_level_ddl`, migration 0009).

    ``table`` may be schema-qualified; the word tables are made beside it if missing, and
    triggers on it keep them current on every insert, update, delete and truncate, so rows
    written by the mirror sync, the webhook or :meth:`PostgresCompanyIndex.add` are found at
    once by every process. Idempotent; run :func:`postgres_backfill` for rows already there.
    """
    schema, _, name = table.rpartition(".")
    prefix = f"{schema}." if schema else ""
    words, vocab, deletes = (
        f"{prefix}company_words",
        f"{prefix}company_vocab",
        f"{prefix}company_word_deletes",
    )
    function = f"{prefix}{name}_index_words"
    statements = [
        *postgres_level_ddl(table),
        f"CREATE TABLE IF NOT EXISTS {words} (team_id integer NOT NULL, "
        "word varchar(500) NOT NULL, itris_id integer NOT NULL, norm float NOT NULL)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS ix_company_words_lookup ON {words} "
        "(team_id, word, itris_id) INCLUDE (norm)",
        f"CREATE TABLE IF NOT EXISTS {vocab} (team_id integer NOT NULL, "
        "word varchar(500) NOT NULL, df integer NOT NULL, "
        "CONSTRAINT pk_company_vocab PRIMARY KEY (team_id, word))",
        f"CREATE TABLE IF NOT EXISTS {deletes} (team_id integer NOT NULL, "
        "variant varchar(500) NOT NULL, word varchar(500) NOT NULL, "
        "CONSTRAINT pk_company_word_deletes PRIMARY KEY (team_id, variant, word))",
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM {words}; DELETE FROM {vocab}; DELETE FROM {deletes};
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    {_remove_sql("old_rows", None, words, vocab)}
  ELSIF TG_OP = 'INSERT' THEN
    {_add_sql("new_rows", None, words, vocab, deletes)}
  ELSE
    {_remove_sql("old_rows", "new_rows", words, vocab)}
    {_add_sql("new_rows", "old_rows", words, vocab, deletes)}
  END IF;
  RETURN NULL;
END $fn$""",  # noqa: S608
    ]
    for event, tables in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        trigger = f"{name}_index_words_{event.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    statements += [
        f"DROP TRIGGER IF EXISTS {name}_index_words_truncate ON {table}",
        f"CREATE TRIGGER {name}_index_words_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]
    return statements


def postgres_level_ddl(table: str = "companies") -> list[str]:
    """The SQL function the search weighs words' counts by (migration 0009), beside
    ``table``."""
    return [_pg_level_ddl(_beside(table, "company_word_level"))]


def postgres_drop_ddl(table: str = "companies") -> list[str]:
    """Undo :func:`postgres_ddl`."""
    schema, _, name = table.rpartition(".")
    prefix = f"{schema}." if schema else ""
    statements = [
        f"DROP TRIGGER IF EXISTS {name}_index_words_{event} ON {table}"
        for event in ("insert", "update", "delete", "truncate")
    ]
    return [
        *statements,
        f"DROP FUNCTION IF EXISTS {prefix}{name}_index_words()",
        f"DROP TABLE IF EXISTS {prefix}company_words",
        f"DROP TABLE IF EXISTS {prefix}company_vocab",
        f"DROP TABLE IF EXISTS {prefix}company_word_deletes",
        f"DROP FUNCTION IF EXISTS {prefix}company_word_level(bigint)",
    ]


def postgres_backfill(table: str = "companies") -> list[str]:
    """Rebuild the word tables from every row of the mirror table (after a bulk load)."""
    schema, _, _ = table.rpartition(".")
    prefix = f"{schema}." if schema else ""
    words, vocab, deletes = (
        f"{prefix}company_words",
        f"{prefix}company_vocab",
        f"{prefix}company_word_deletes",
    )
    return [
        f"TRUNCATE {words}, {vocab}, {deletes}",
        f"WITH r AS (SELECT team_id, itris_id, name_norm FROM {table}), "  # noqa: S608
        + _add_statement("r", None, words, vocab, deletes),
    ]


def _tokens_sql(rows: str, other: str | None) -> str:
    """The distinct (team, company, word) of ``rows`` whose words changed (vs ``other``)."""
    changed = ""
    if other is not None:
        changed = (
            f"AND NOT EXISTS (SELECT 1 FROM {other} o WHERE o.team_id = r.team_id "  # noqa: S608
            f"AND o.itris_id = r.itris_id AND o.name_norm = r.name_norm)"
        )
    return (
        f"SELECT DISTINCT r.team_id, r.itris_id, t.word FROM {rows} r, "  # noqa: S608
        f"unnest(string_to_array(r.name_norm, ' ')) AS t(word) "
        f"WHERE t.word <> '' AND t.word <> ALL ({_sql_words(STOP_WORDS)}) {changed}"
    )


def _docs_sql(rows: str, other: str | None) -> str:
    changed = ""
    if other is not None:
        changed = (
            f"WHERE NOT EXISTS (SELECT 1 FROM {other} o WHERE o.team_id = r.team_id "  # noqa: S608
            f"AND o.itris_id = r.itris_id AND o.name_norm = r.name_norm)"
        )
    return f"SELECT r.team_id, '' AS word, count(*)::int AS n FROM {rows} r {changed} GROUP BY 1"  # noqa: S608


def _add_statement(rows: str, other: str | None, words: str, vocab: str, deletes: str) -> str:
    return f"""toks AS ({_tokens_sql(rows, other)}),
norms AS (
  SELECT team_id, itris_id,
         sqrt(sum(CASE WHEN word = ANY ({_sql_words(GENERIC_WORDS)})
                  THEN {_GENERIC_WEIGHT**2} ELSE 1 END)) AS norm
  FROM toks GROUP BY 1, 2),
posted AS (
  INSERT INTO {words} (team_id, word, itris_id, norm)
  SELECT t.team_id, t.word, t.itris_id, n.norm FROM toks t JOIN norms n USING (team_id, itris_id)
  ON CONFLICT (team_id, word, itris_id) DO UPDATE SET norm = excluded.norm),
counted AS (
  SELECT team_id, word, count(*)::int AS n FROM toks GROUP BY 1, 2
  UNION ALL {_docs_sql(rows, other)}),
upserted AS (
  INSERT INTO {vocab} AS v (team_id, word, df)
  SELECT team_id, word, n FROM counted ORDER BY team_id, word
  ON CONFLICT (team_id, word) DO UPDATE SET df = v.df + excluded.df
  RETURNING team_id, word, (xmax = 0) AS fresh)
INSERT INTO {deletes} (team_id, variant, word)
SELECT DISTINCT u.team_id, substr(u.word, 1, i - 1) || substr(u.word, i + 1), u.word
FROM upserted u, generate_series(1, length(u.word)) AS i
WHERE u.fresh AND length(u.word) >= {_MIN_TYPO_LEN}
ON CONFLICT DO NOTHING"""  # noqa: S608


def _add_sql(rows: str, other: str | None, words: str, vocab: str, deletes: str) -> str:
    return "WITH " + _add_statement(rows, other, words, vocab, deletes) + ";"


def _remove_sql(rows: str, other: str | None, words: str, vocab: str) -> str:
    return f"""WITH toks AS ({_tokens_sql(rows, other)}),
    unposted AS (
      DELETE FROM {words} w USING toks t
      WHERE w.team_id = t.team_id AND w.word = t.word AND w.itris_id = t.itris_id),
    counted AS (
      SELECT team_id, word, count(*)::int AS n FROM toks GROUP BY 1, 2
      UNION ALL {_docs_sql(rows, other)})
    UPDATE {vocab} v SET df = v.df - c.n FROM counted c
    WHERE v.team_id = c.team_id AND v.word = c.word;"""  # noqa: S608


def columns_for(normalised: NormalisedName) -> dict[str, str]:
    """The stored name columns of a normalised name (what both indexes read back)."""
    return {
        "name_norm": normalised.text,
        "name_core": normalised.core_text,
        "name_key": normalised.key,
    }
