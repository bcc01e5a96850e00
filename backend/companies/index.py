"""Candidate search for company names behind one interface, re-scored with rapidfuzz.

Two implementations answer the same :class:`CompanyIndex` protocol:

- :class:`MemoryCompanyIndex`, the embedded default: a rarity-weighted token index held in
  the process (numpy postings, typo tolerance by symmetric deletion over the vocabulary).
- :class:`PostgresCompanyIndex`: the mirror table itself, searched through ``pg_trgm``, so
  every API process shares one index instead of each holding a copy.

Both hand their candidates to :func:`rank`, which decides the reason: ``duplicate`` when the
normalised keys are equal, ``similar`` when the rapidfuzz score of the distinctive words
reaches :data:`SIMILAR_MIN_SCORE`. A fuzzy score alone never makes a duplicate: "Browne
Medical" and "Brown Medical" score 96 and are similar, not the same company.
"""

from __future__ import annotations

import itertools
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple, Protocol

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from backend.companies.normalise import (
    GENERIC_WORDS,
    STOP_WORDS,
    NormalisedName,
    core_of,
    normalise,
)

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
TRGM_THRESHOLD = 0.3  # pg_trgm similarity a candidate needs before rapidfuzz looks at it
_PG_RESCORE = 60


class PostgresCompanyIndex:
    """The mirror table searched with pg_trgm: one index shared by every API process.

    ``table`` is the mirror table (``team_id``, ``itris_id``, ``name``, ``name_norm``,
    ``name_core``, ``name_key``); ``bind`` an engine or connection to PostgreSQL.
    """

    def __init__(self, bind, table, team_id: int):
        self.bind = bind
        self.table = table
        self.team_id = team_id

    def add(self, companies: Iterable[IndexedCompany]) -> None:
        """Insert or update the name columns of companies."""
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
        statement = insert(self.table).values(list(rows.values()))
        statement = statement.on_conflict_do_update(
            index_elements=[self.table.c.team_id, self.table.c.itris_id],
            set_={
                name: statement.excluded[name]
                for name in ("name", "name_norm", "name_core", "name_key")
            },
        )
        with self.bind.begin() as connection:
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
        from sqlalchemy import func, select

        with self.bind.connect() as connection:
            return connection.scalar(
                select(func.count())
                .select_from(self.table)
                .where(self.table.c.team_id == self.team_id)
            )

    def search(self, name: str, limit: int = DEFAULT_LIMIT) -> list[Candidate]:
        """Return up to ``limit`` duplicates and similar companies for ``name``."""
        from sqlalchemy import desc, func, or_, select

        query = normalise(name)
        if not query.key:
            return []
        t = self.table
        similarity = func.similarity(t.c.name_core, query.core_text)
        statement = (
            select(t.c.itris_id, t.c.name, t.c.name_norm)
            .where(
                t.c.team_id == self.team_id,
                or_(t.c.name_key == query.key, t.c.name_core.op("%")(query.core_text)),
            )
            .order_by(desc(t.c.name_key == query.key), desc(similarity))
            .limit(_PG_RESCORE)
        )
        with self.bind.begin() as connection:
            connection.exec_driver_sql(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                (str(TRGM_THRESHOLD),),
            )
            rows = connection.execute(statement).all()
        return rank(query, rows, limit)


def postgres_ddl(table: str = "companies") -> list[str]:
    """The statements that give a mirror table its trigram index (as migration 0002 does)."""
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE EXTENSION IF NOT EXISTS btree_gin",
        f"CREATE INDEX IF NOT EXISTS ix_companies_name_core_trgm ON {table} "
        "USING gin (team_id, name_core gin_trgm_ops)",
    ]


def columns_for(normalised: NormalisedName) -> dict[str, str]:
    """The stored name columns of a normalised name (what both indexes read back)."""
    return {
        "name_norm": normalised.text,
        "name_core": normalised.core_text,
        "name_key": normalised.key,
    }
