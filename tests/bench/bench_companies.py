"""Company duplicate/similar search at CRM scale: 1,000,000 names, labelled queries, one run.

Run: ``.venv/bin/python tests/bench/bench_companies.py`` (``make bench``); figures are printed
and written to ``bench-results/companies.json``. ``--companies N`` / ``--queries N`` shrink it.

The data: realistic company names from Faker's per-locale word lists (surnames, first names,
towns of en_GB, en_US, en_IE, de_DE, fr_FR, es_ES, it_IT, nl_NL, and their legal suffixes),
an English industry vocabulary and invented brands, decorated with generic words and legal
forms. Each company's identity is its distinctive words (what the generator drew before
decorating); identities are unique in the set.

The queries: variants of names in the set made by real-world rules (legal form changed,
case, ``&``/"and", punctuation, accents, country tags, generic words, "The", abbreviations,
joined or split brands, one typo, typo plus legal change), each labelled with the company it
must find; and names that must NOT be found as duplicates (new companies, one surname swapped
for a near namesake such as Brown/Browne, the same brand in another industry), none of whose
identity is in the set.

Measured: build time, resident memory, p50/p99 latency, recall@5 (the labelled company among
the candidates returned), precision of the warnings, the share of must-not-match queries
flagged ``duplicate`` — for the embedded index, for PostgreSQL (the shared word index, when
127.0.0.1:5432 answers), and for exhaustive ``rapidfuzz.process.extract`` over every name (on
a stated sample of queries: it takes over half a second each). PostgreSQL is timed on every query
(``--pg-sample N`` for a sample), against its own targets (p50 <= 5 ms, p99 <= 30 ms);
``--postgres-only`` skips the rest.

Loading and indexing a million names in PostgreSQL takes minutes. ``--pg-schema NAME`` loads
them into schema ``NAME`` and keeps it after the run; a later run with the same name and
``--companies`` finds the names there and reuses them (the word-index DDL is re-applied, which
builds only what is missing, and the build figures are those of the run that built it), so a
change to the search alone is measured in seconds:
``bench_companies.py --postgres-only --pg-schema bench_keep --out /tmp/pg.json``. Drop it with
``DROP SCHEMA bench_keep CASCADE`` (or ``--pg-drop``), and after a change to the word-index
DDL or to normalisation, to measure the build again (the generator is seeded: the same
``--companies`` gives the same names).

The tail of a small shared machine is mostly its load: the JSON records the load average
(``os.getloadavg()``, at the start and end and around the PostgreSQL timing), this process's
garbage-collector pauses during the timing (``gc_pauses_while_timed``; the generator's garbage
is collected before it) and the ten slowest queries, so a slow figure can be told apart from
a slow query.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import json
import os
import platform
import random
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil  # noqa: E402
from benchkit import copy_companies  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from backend.companies.index import (  # noqa: E402
    DUPLICATE,
    IndexedCompany,
    MemoryCompanyIndex,
    PostgresCompanyIndex,
    postgres_backfill,
    postgres_ddl,
)


def _words(text: str) -> list[str]:
    return text.split()


LOCALES = ("en_GB", "en_US", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")
INDUSTRIES = _words("""
Engineering Logistics Medical Dental Construction Plumbing Electrical Software Consulting
Accountancy Legal Architecture Surveying Catering Hospitality Healthcare Pharmaceuticals
Biotech Analytics Marketing Media Design Print Packaging Plastics Steel Metals Fabrication
Joinery Roofing Scaffolding Glazing Flooring Interiors Landscaping Haulage Freight Shipping
Aviation Motors Automotive Garages Tyres Energy Solar Renewables Utilities Water Telecoms
Networks Security Cleaning Facilities Property Estates Lettings Homes Developments Finance
Capital Investments Insurance Brokers Mortgages Wealth Advisory Training Education Academy
Learning Care Nursing Pharmacy Optics Veterinary Foods Bakery Brewery Distillery Farms Dairy
Textiles Fashion Furniture Lighting Electronics Robotics Automation Instruments Controls
Hydraulics Pumps Valves Chemicals Coatings Paints Labs Diagnostics Imaging Studios Events
Travel Tours Leisure Fitness Sports Recycling Waste Environmental Geotechnical Drilling
Mining Quarries Timber Hardware Tools Machinery Cranes Lifts Doors Windows Kitchens
Bathrooms Heating Ventilation Refrigeration Signs Displays Translation Publishing Software
Digital Cloud Data Cyber Payments Fintech Telematics Medtech Agritech Partners Associates
""")
# Generic words the issue names: decoration, not identity (see normalise.GENERIC_WORDS).
GENERIC = ("Group", "Holdings", "UK", "International", "Services", "Solutions", "Recruitment")
BRAND_HEADS = _words("""
North South East West Bright Blue Green Silver Gold Red Black White Oak Ash Elm Pine Birch
Willow Maple Cedar Stone Iron Copper Kings Queens Crown Castle Bridge River Lake Hill Moor
Fern Heather Thistle Rose Star Sun Moon Sky Cloud Storm Rain Snow Frost Wolf Fox Hawk Eagle
Falcon Kestrel Raven Swan Heron Otter Badger Lion Tiger Bear Stag Hart Apex Summit Peak
Vertex Nova Astra Vista Terra Aqua Pyro Zen Prime True Clear Swift Rapid Smart Bold
""")
BRAND_TAILS = _words("""
water field gate bridge stone well view point line tech soft works hub wood ford ley worth
ham wick dale side haven crest mark path way wave light bay mere brook vale park croft
bank port shore wind fire forge craft spring gen logic ware scape sphere core link net
""")
LEGAL = {
    "en": ("Ltd", "Limited", "Ltd.", "plc", "PLC", "LLP", "Limited", "Ltd"),
    "us": ("Inc", "Inc.", "LLC", "Corp", "Corporation", "Co."),
    "de": ("GmbH", "AG", "GmbH & Co. KG", "KG", "e.V."),
    "fr": ("SA", "S.A.", "SARL", "S.A.S."),
    "es": ("S.A.", "S.L.", "S.L.U."),
    "it": ("S.p.A.", "s.r.l.", "SRL"),
    "nl": ("B.V.", "BV", "N.V."),
}
LOCALE_LEGAL = {
    "en_GB": "en", "en_IE": "en", "en_US": "us", "de_DE": "de", "fr_FR": "fr",
    "es_ES": "es", "it_IT": "it", "nl_NL": "nl",
}  # fmt: skip
ABBREVIATE = {"Brothers": "Bros", "International": "Intl", "Services": "Svcs"}
KEYBOARD = {
    c: n
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i, c in enumerate(row)
    for n in [row[max(i - 1, 0)] + row[min(i + 1, len(row) - 1)]]
}


# --- Word lists from Faker ------------------------------------------------------------------
def faker_words():
    """Surnames, first names and towns from Faker's providers in several locales."""
    surnames, first, towns = {}, set(), set()
    for locale in LOCALES:
        person = importlib.import_module(f"faker.providers.person.{locale}").Provider
        address = importlib.import_module(f"faker.providers.address.{locale}").Provider
        last = person.last_names
        weights = dict(last) if isinstance(last, dict) else dict.fromkeys(last, 1.0)
        total = sum(weights.values())
        for name, weight in weights.items():
            if name.isalpha() or "-" in name or " " in name:
                surnames.setdefault(name, (locale, 0.0))
                loc, w = surnames[name]
                surnames[name] = (loc, w + weight / total)
        first.update(n for n in getattr(person, "first_names", ()) if n.isalpha())
        towns.update(t for t in getattr(address, "cities", ()) or () if len(t) < 20)
    gb = importlib.import_module("faker.providers.address.en_GB").Provider
    for prefix in gb.city_prefixes:
        for suffix in gb.city_suffixes:
            towns.add(f"{prefix} {sorted(first)[hash(suffix) % 50]}{suffix}")
    names = sorted(surnames)
    return (
        names,
        [surnames[n][1] for n in names],
        [surnames[n][0] for n in names],
        sorted(first),
        sorted(towns),
    )


# --- Companies --------------------------------------------------------------------------
def fold_identity(words: list[str]) -> str:
    """The generator's own notion of identity: distinctive words, accents and case folded."""
    text = " ".join(words).replace("&", " and ")
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if ch.isalnum() or ch == " ")
    return "".join(w for w in text.split() if w not in ("and", "the", "of"))


class Generator:
    """Draw companies: distinctive words, then decoration (generic words, legal form)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.surnames, self.weights, self.origin, self.first, self.towns = faker_words()
        self.cum = list(_cumulative(self.weights))
        self.brands = [h + t for h in BRAND_HEADS for t in BRAND_TAILS]
        lorem = importlib.import_module("faker.providers.lorem.en_US").Provider.word_list
        self.words = [w.title() for w in lorem if len(w) > 3]

    def surname(self) -> tuple[str, str]:
        i = self.rng.choices(range(len(self.surnames)), cum_weights=self.cum)[0]
        return self.surnames[i], self.origin[i]

    def company(self) -> tuple[list[str], str]:
        """Return (distinctive words, locale) of one company."""
        rng, roll = self.rng, self.rng.random()
        industry = rng.choice(INDUSTRIES)
        if roll < 0.22:
            last, loc = self.surname()
            return [last, industry], loc
        if roll < 0.32:
            (a, loc), (b, _) = self.surname(), self.surname()
            if rng.random() < 0.3:
                return [a, "&", b, "&", self.surname()[0]], loc
            return [a, "&", b], loc
        if roll < 0.52:
            brand = rng.choice(self.brands)
            if rng.random() < 0.3:
                brand = f"{rng.choice(BRAND_HEADS)} {rng.choice(self.words)}"
            return [*brand.split(), industry], "en_GB"
        if roll < 0.62:
            return [rng.choice(self.towns), industry], "en_GB"
        if roll < 0.70:
            last, loc = self.surname()
            return [rng.choice(self.first), last, industry], loc
        if roll < 0.77:
            letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.choice((2, 3))))
            return [letters, industry], "en_GB"
        if roll < 0.84:
            last, loc = self.surname()
            return [last, rng.choice(("Brothers", "& Sons", "& Daughters", "Family"))], loc
        if roll < 0.92:
            (a, loc), (b, _) = self.surname(), self.surname()
            return [f"{a}-{b}", industry], loc
        return [rng.choice(self.brands)], "en_GB"

    def decorate(self, words: list[str], locale: str) -> str:
        """Dress distinctive words as a company name: maybe a generic word, maybe a legal form."""
        rng = self.rng
        parts = list(words)
        if rng.random() < 0.25:
            parts.append(rng.choice(GENERIC))
        if rng.random() < 0.8:
            parts.append(rng.choice(LEGAL[LOCALE_LEGAL.get(locale, "en")]))
        return " ".join(parts)


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def build_companies(gen: Generator, n: int):
    """Return ``n`` companies with unique identities: names, words, locales, identities."""
    names, words, locales, identity_of = [], [], [], {}
    while len(names) < n:
        core, locale = gen.company()
        identity = fold_identity(core)
        if not identity or identity in identity_of:
            continue
        identity_of[identity] = len(names)
        names.append(gen.decorate(core, locale))
        words.append(core)
        locales.append(locale)
    return names, words, locales, identity_of


# --- Queries ----------------------------------------------------------------------------
def typo(word: str, rng: random.Random) -> str:
    """One realistic typing error in a word of five letters or more."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("sub", "swap", "drop", "double"))
    if kind == "sub":
        c = word[i].lower()
        return word[:i] + rng.choice(KEYBOARD.get(c, "e")) + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def variant(words, locale, rule, rng: random.Random, gen: Generator) -> str | None:
    """A name for the same company under one real-world variation rule, or None."""
    words = list(words)
    legal = LEGAL[LOCALE_LEGAL.get(locale, "en")]
    suffix = [rng.choice(legal)] if rng.random() < 0.7 else []
    if rule == "legal_form":
        return " ".join(words + [rng.choice(legal + ("Limited", "Ltd", "PLC"))])
    if rule == "case":
        text = " ".join(words + suffix)
        return text.upper() if rng.random() < 0.5 else text.lower()
    if rule == "ampersand":
        if "&" in words:
            return " ".join("and" if w == "&" else w for w in words + suffix)
        return None
    if rule == "punctuation":
        if len(words[0]) <= 3 and words[0].isupper():
            words[0] = ".".join(words[0]) + "."
        elif any("-" in w for w in words):
            words = [w.replace("-", " ") for w in words]
        else:
            words[0] = words[0] + ","
        return " ".join(words + suffix)
    if rule == "accents":
        text = " ".join(words + suffix)
        folded = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
        if folded != text:
            return folded
        for plain, accented in (("e", "é"), ("o", "ö"), ("a", "á"), ("u", "ü")):
            if plain in text:
                return text.replace(plain, accented, 1)
        return None
    if rule == "country_tag":
        tag = rng.choice(("(UK)", "(U.K.)", "UK", "(Europe)", "(GB)"))
        return " ".join(words + [tag] + suffix)
    if rule == "generic_word":
        return " ".join(words + [rng.choice(GENERIC)] + suffix)
    if rule == "the":
        return " ".join(["The"] + words + suffix)
    if rule == "abbreviation":
        swapped = [ABBREVIATE.get(w, w) for w in words]
        if swapped != words:
            return " ".join(swapped + suffix)
        return " ".join(words + ["Intl"] + suffix)
    if rule == "joined_or_split":
        for i, w in enumerate(words):
            for tail in BRAND_TAILS:
                if w.endswith(tail) and len(w) > len(tail) + 2:
                    words[i] = w[: -len(tail)] + " " + tail.title()
                    return " ".join(words + suffix)
        if len(words) >= 2 and words[0].isalpha() and words[1].isalpha():
            return " ".join([words[0] + words[1].lower()] + words[2:] + suffix)
        return None
    if rule in ("typo", "typo_and_legal"):
        long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long:
            return None
        i = rng.choice(long)
        words[i] = typo(words[i], rng)
        if rule == "typo_and_legal":
            suffix = [rng.choice(legal + ("Limited", "Group Ltd"))]
        return " ".join(words + suffix)
    raise ValueError(rule)


RULES = (
    "legal_form", "case", "ampersand", "punctuation", "accents", "country_tag", "generic_word",
    "the", "abbreviation", "joined_or_split", "typo", "typo", "typo_and_legal",
)  # fmt: skip
EXPECT_DUPLICATE = set(RULES) - {"typo", "typo_and_legal"}


def build_queries(gen, companies, n_variants: int, n_negatives: int):
    """Labelled queries: (text, kind, rule, expected position or None)."""
    names, words, locales, identity_of = companies
    rng = random.Random(7)
    queries = []
    while len(queries) < n_variants:
        pos = rng.randrange(len(names))
        rule = rng.choice(RULES)
        text = variant(words[pos], locales[pos], rule, rng, gen)
        if text and fold_identity(text.split()) != "":
            queries.append({"text": text, "kind": "variant", "rule": rule, "expect": pos})
    by_surname = {}
    for name in gen.surnames:
        by_surname.setdefault(len(name), []).append(name)
    negatives = []
    while len(negatives) < n_negatives:
        roll = rng.random()
        if roll < 0.5:
            core, locale = gen.company()
            rule = "new_company"
        else:
            pos = rng.randrange(len(names))
            core, locale = list(words[pos]), locales[pos]
            if roll < 0.8:
                rule = "near_namesake"
                i = 0
                near = [
                    s
                    for s in by_surname.get(len(core[i]), []) + by_surname.get(len(core[i]) + 1, [])
                    if s != core[i] and fuzz.ratio(s, core[i]) >= 75
                ]
                if not near:
                    continue
                core[i] = rng.choice(near)
            else:
                rule = "other_industry"
                if core[-1] not in INDUSTRIES:
                    continue
                core[-1] = rng.choice([i for i in INDUSTRIES if i != core[-1]])
        if fold_identity(core) in identity_of:
            continue
        negatives.append(
            {"text": gen.decorate(core, locale), "kind": "negative", "rule": rule, "expect": None}
        )
    return queries + negatives


# --- Measuring --------------------------------------------------------------------------
def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def evaluate(queries, results, ids_of_expected):
    """Recall@5, precision of warnings and false duplicates, from per-query candidate lists."""
    variants = [(q, r) for q, r in zip(queries, results, strict=True) if q["kind"] == "variant"]
    negatives = [(q, r) for q, r in zip(queries, results, strict=True) if q["kind"] == "negative"]
    found = [ids_of_expected(q) in {c[0] for c in r[:5]} for q, r in variants]
    top1 = [bool(r) and r[0][0] == ids_of_expected(q) for q, r in variants]
    dup_flags = [(q, c) for q, r in variants + negatives for c in r if c[2] == DUPLICATE]
    dup_right = sum(1 for q, c in dup_flags if q["expect"] is not None and c[0] == q["expect"])
    per_rule = {}
    for (q, _), hit in zip(variants, found, strict=True):
        per_rule.setdefault(q["rule"], []).append(hit)
    exp_dup = [(q, r) for q, r in variants if q["rule"] in EXPECT_DUPLICATE]
    return {
        "queries": len(queries),
        "variant_queries": len(variants),
        "negative_queries": len(negatives),
        "recall_at_5": round(sum(found) / max(len(found), 1), 4),
        "top1_precision": round(sum(top1) / max(len(top1), 1), 4),
        "duplicate_precision": round(dup_right / max(len(dup_flags), 1), 4),
        "duplicate_recall_on_key_preserving_variants": round(
            sum(any(c[0] == q["expect"] and c[2] == DUPLICATE for c in r) for q, r in exp_dup)
            / max(len(exp_dup), 1),
            4,
        ),
        "negatives_flagged_duplicate": round(
            sum(any(c[2] == DUPLICATE for c in r) for _, r in negatives) / max(len(negatives), 1),
            4,
        ),
        "negatives_flagged_similar": round(
            sum(bool(r) for _, r in negatives) / max(len(negatives), 1), 4
        ),
        "recall_at_5_by_rule": {k: round(sum(v) / len(v), 4) for k, v in sorted(per_rule.items())},
    }


def timed_search(search, queries):
    results, latencies = [], []
    for q in queries:
        start = time.perf_counter()
        found = search(q["text"])
        latencies.append((time.perf_counter() - start) * 1000)
        results.append([(c.itris_id, c.name, c.reason, c.score) for c in found])
    return results, latencies


class GcPauses:
    """The garbage collector's pauses while timing: this process's heap, not the index's."""

    def __init__(self):
        self.pauses: list[tuple[int, float]] = []
        self._start = 0.0

    def _callback(self, phase, info):
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((info["generation"], (time.perf_counter() - self._start) * 1000))

    def __enter__(self):
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self._callback)

    def summary(self) -> dict:
        return {
            f"gen{g}": {
                "collections": len(ms),
                "max_ms": round(max(ms), 1),
                "total_ms": round(sum(ms), 1),
            }
            for g in (0, 1, 2)
            if (ms := [t for gen, t in self.pauses if gen == g])
        }


def latency_summary(latencies):
    return {
        "p50_ms": round(percentile(latencies, 50), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "mean_ms": round(statistics.fmean(latencies), 3),
        "max_ms": round(max(latencies), 3),
    }


def bench_embedded(companies, queries):
    names = companies[0]
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    index = MemoryCompanyIndex(IndexedCompany(i, name) for i, name in enumerate(names))
    build_s = time.perf_counter() - start
    gc.collect()
    after = rss_mb()
    structures = index_structures_mb(index)
    for q in queries[:50]:  # warm caches the way a running server has them
        index.search(q["text"] + " warm")
    results, latencies = timed_search(index.search, queries)
    return index, {
        "build_s": round(build_s, 2),
        "rss_index_mb": round(after - before, 1),
        "index_structures_mb": structures,
        "rss_process_mb": round(after, 1),
        **latency_summary(latencies),
        **evaluate(queries, results, lambda q: q["expect"]),
    }


def index_structures_mb(index) -> float:
    """What the embedded index's own arrays, buffers and vocabulary occupy."""
    import numpy as np

    total = 0
    for segment in (index._main, index._small):
        for value in vars(segment).values():
            if isinstance(value, np.ndarray):
                total += value.nbytes
        for strings in (segment.names, segment.texts):
            total += len(strings._buffer) + strings._ends.itemsize * len(strings._ends)
        total += sys.getsizeof(segment.vocab) + sys.getsizeof(segment.words)
        total += sum(sys.getsizeof(word) for word in segment.words)
    return round(total / 2**20, 1)


def bench_exhaustive(companies, queries, sample: int, scorer=fuzz.token_sort_ratio):
    """Exhaustive rapidfuzz over every name; a score of 90+ taken as a duplicate."""
    names = companies[0]
    chosen = stratified(queries, sample, seed=11)
    choices = [name.lower() for name in names]

    def search(text):
        hits = process.extract(text.lower(), choices, scorer=scorer, limit=5, processor=None)
        return [
            _Hit(pos, names[pos], DUPLICATE if score >= 90 else "similar", score)
            for _, score, pos in hits
        ]

    results, latencies = timed_search(search, chosen)
    return chosen, {
        "method": f"rapidfuzz.process.extract({scorer.__name__}) over all lower-cased names, "
        "limit 5; score >= 90 counted as duplicate",
        "sampled_queries": sample,
        **latency_summary(latencies),
        **evaluate(chosen, results, lambda q: q["expect"]),
    }


class _Hit(tuple):
    def __new__(cls, itris_id, name, reason, score):
        return super().__new__(cls, (itris_id, name, reason, score))

    itris_id = property(lambda self: self[0])
    name = property(lambda self: self[1])
    reason = property(lambda self: self[2])
    score = property(lambda self: self[3])


def stratified(queries, sample: int, seed: int):
    """A sample of the queries keeping the share of variants and must-not-match ones."""
    rng = random.Random(seed)
    variants = [q for q in queries if q["kind"] == "variant"]
    negatives = [q for q in queries if q["kind"] == "negative"]
    n_var = min(len(variants), round(sample * len(variants) / len(queries)))
    return rng.sample(variants, n_var) + rng.sample(negatives, min(len(negatives), sample - n_var))


def bench_postgres(
    companies, queries, url: str, sample: int, keep: str | None = None, drop: bool = False
):
    """Bulk-load the names into the mirror table in a scratch schema, index, query a sample.

    With ``keep`` the schema is that name, reused when it already holds these names (same
    count), and left in place afterwards unless ``drop``.
    """
    try:
        import psycopg
        from sqlalchemy import create_engine, text
    except ImportError as exc:  # pragma: no cover
        return {"skipped": f"missing driver: {exc}"}
    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        return {"skipped": f"PostgreSQL does not answer at {url}: {exc}".strip()}

    from backend.companies.models import Company

    names = companies[0]
    schema = keep or f"bench_companies_{os.getpid()}"
    table = f"{schema}.companies"
    admin = create_engine(url)
    engine = create_engine(url, execution_options={"schema_translate_map": {None: schema}})
    reused = _reusable(admin, schema, len(names)) if keep else None
    kept = False  # a schema is kept only once fully built
    try:
        if reused is not None:
            print(f"  reusing the names loaded in schema {schema}", flush=True)
            with admin.begin() as conn:  # builds only what a changed DDL added
                start = time.perf_counter()
                for statement in postgres_ddl(table):
                    conn.execute(text(statement))
                ddl_s = time.perf_counter() - start
            build = {**reused, "reused_schema": schema, "ddl_reapplied_s": round(ddl_s, 2)}
        else:
            build = _load_postgres(admin, engine, schema, table, names, Company)
            if keep:
                with admin.begin() as conn:
                    literal = json.dumps(build).replace("'", "''")
                    conn.execute(text(f"COMMENT ON SCHEMA {schema} IS '{literal}'"))
        kept = bool(keep)
        index = PostgresCompanyIndex(engine, Company.__table__, team_id=1)
        for q in queries[:20]:
            index.search(q["text"])
        chosen = stratified(queries, sample, seed=13)
        gc.collect()  # the generator's garbage, not the searches': collected before timing
        load_before = os.getloadavg()
        with GcPauses() as pauses:
            results, latencies = timed_search(index.search, chosen)
        load_after = os.getloadavg()
        slowest = sorted(zip(latencies, chosen, strict=True), key=lambda x: -x[0])[:10]
        with admin.connect() as conn:
            sizes = {
                name: round(
                    float(
                        conn.scalar(
                            text(f"SELECT pg_total_relation_size('{schema}.{name}') / 1048576.0")
                        )
                    ),
                    1,
                )
                for name in ("companies", "company_words", "company_vocab", "company_word_deletes")
            }
            vocabulary = conn.scalar(text(f"SELECT count(*) FROM {schema}.company_vocab"))
        return {
            "method": "word index: postings + vocabulary (df) + one-letter deletions, kept by "
            "statement triggers on the mirror table; rarest words aggregated in SQL, rank()",
            **build,
            "table_and_indexes_mb": round(sum(sizes.values()), 1),
            "relation_mb": sizes,
            "vocabulary_words": vocabulary,
            "sampled_queries": len(chosen),
            **latency_summary(latencies),
            "loadavg_1_5_15_before": [round(x, 2) for x in load_before],
            "loadavg_1_5_15_after": [round(x, 2) for x in load_after],
            "gc_pauses_while_timed": pauses.summary(),
            "slowest": [
                {"ms": round(ms, 1), "text": q["text"], "kind": q["kind"], "rule": q["rule"]}
                for ms, q in slowest
            ],
            **evaluate(chosen, results, lambda q: q["expect"]),
        }
    finally:
        if not kept or drop:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
        admin.dispose()


def _reusable(admin, schema: str, n: int) -> dict | None:
    """The build figures of a kept schema holding ``n`` indexed names, or None."""
    from sqlalchemy import text

    with admin.connect() as conn:
        comment = conn.scalar(
            text(
                "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = :s"
            ),
            {"s": schema},
        )
        if comment is None:
            if conn.scalar(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}):
                raise SystemExit(f"schema {schema} exists but was not kept by this bench")
            return None
        count = conn.scalar(text(f"SELECT count(*) FROM {schema}.companies"))  # noqa: S608
    if count != n:
        raise SystemExit(f"schema {schema} holds {count} names, not {n}: drop it or use another")
    return json.loads(comment)


def _load_postgres(admin, engine, schema, table, names, Company) -> dict:  # noqa: N803
    """Create the schema, COPY the names in, build the word index, VACUUM ANALYZE."""
    from sqlalchemy import text

    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {schema}.teams (id integer PRIMARY KEY)"))
        conn.execute(text(f"INSERT INTO {schema}.teams VALUES (1)"))
        Company.__table__.create(conn)
    start = time.perf_counter()
    raw = admin.raw_connection()
    try:
        copy_companies(raw.cursor(), f"{schema}.companies", 1, names)
        raw.commit()
    finally:
        raw.close()
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    with admin.begin() as conn:  # the word tables and triggers, then index what is there
        for statement in [*postgres_ddl(table), *postgres_backfill(table)]:
            conn.execute(text(statement))
    index_s = time.perf_counter() - start
    start = time.perf_counter()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # What autovacuum does after a bulk load: statistics and the visibility map.
        for name in ("companies", "company_words", "company_vocab", "company_word_deletes"):
            conn.execute(text(f"VACUUM ANALYZE {schema}.{name}"))
    vacuum_s = time.perf_counter() - start
    return {
        "build_s": round(load_s + index_s + vacuum_s, 2),
        "bulk_load_s": round(load_s, 2),
        "index_s": round(index_s, 2),
        "vacuum_analyze_s": round(vacuum_s, 2),
    }


TARGETS = {
    "p50_ms": ("<=", 2.0),
    "p99_ms": ("<=", 10.0),
    "recall_at_5": (">=", 0.98),
    "negatives_flagged_duplicate": ("<=", 0.05),
    "speed_ratio": (">=", 150.0),
    "build_s": ("<=", 60.0),
    "rss_process_mb": ("<=", 1024.0),
}


def check_targets(embedded: dict, ratio: float) -> dict:
    figures = {**embedded, "speed_ratio": ratio}
    verdicts = {}
    for key, (op, bound) in TARGETS.items():
        value = figures[key]
        ok = value <= bound if op == "<=" else value >= bound
        verdicts[key] = {"value": value, "target": f"{op} {bound}", "met": ok}
    return verdicts


# The shared PostgreSQL index (issue 7): a round trip or two per search, so looser bounds.
POSTGRES_TARGETS = {
    "p50_ms": ("<=", 5.0),
    "p99_ms": ("<=", 30.0),
    "recall_at_5": (">=", 0.98),
    "negatives_flagged_duplicate": ("<=", 0.05),
}


def check_postgres_targets(postgres: dict) -> dict:
    if "skipped" in postgres:
        return {}
    verdicts = {}
    for key, (op, bound) in POSTGRES_TARGETS.items():
        value = postgres[key]
        ok = value <= bound if op == "<=" else value >= bound
        verdicts[f"postgres_{key}"] = {"value": value, "target": f"{op} {bound}", "met": ok}
    return verdicts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--negatives", type=int, default=500)
    parser.add_argument("--exhaustive-sample", type=int, default=100)
    parser.add_argument("--wratio-sample", type=int, default=10)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--pg-sample", type=int, default=0, help="queries timed on PostgreSQL (0: every one)"
    )
    parser.add_argument(
        "--postgres-only", action="store_true", help="skip the embedded and exhaustive runs"
    )
    parser.add_argument(
        "--pg-schema",
        help="load into this schema and keep it; reuse it when a run finds it already loaded",
    )
    parser.add_argument(
        "--pg-drop", action="store_true", help="with --pg-schema: drop it after the run"
    )
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "companies.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load_start = os.getloadavg()

    print(f"generating {args.companies:,} company names ...", flush=True)
    t0 = time.perf_counter()
    gen = Generator(seed=20240601)
    companies = build_companies(gen, args.companies)
    queries = build_queries(gen, companies, args.variants, args.negatives)
    gen_s = time.perf_counter() - t0
    print(f"  {gen_s:.1f} s; {len(queries)} labelled queries; e.g. {companies[0][:4]}")
    companies = (companies[0],)  # only the names from here on: free the generator's tables
    del gen
    gc.collect()

    if args.postgres_only:
        embedded = exhaustive = wratio = {"skipped": "--postgres-only"}
        ratio = ratio_p50 = None
    else:
        print("embedded index ...", flush=True)
        index, embedded = bench_embedded(companies, queries)
        print(_line("embedded", embedded))
        del index
        gc.collect()

        print(f"exhaustive rapidfuzz on {args.exhaustive_sample} sampled queries ...", flush=True)
        _, exhaustive = bench_exhaustive(companies, queries, args.exhaustive_sample)
        print(_line("exhaustive", exhaustive))
        # WRatio (the scorer the index re-ranks with) is ~4x slower again: timed on a few.
        _, wratio = bench_exhaustive(companies, queries, args.wratio_sample, scorer=fuzz.WRatio)
        print(_line("exhaustive WRatio", wratio))
        ratio = round(exhaustive["mean_ms"] / embedded["mean_ms"], 1)
        ratio_p50 = round(exhaustive["p50_ms"] / embedded["p50_ms"], 1)

    postgres = {"skipped": "--no-postgres"}
    if not args.no_postgres:
        print("PostgreSQL (shared word index) ...", flush=True)
        sample = args.pg_sample or len(queries)
        postgres = bench_postgres(
            companies, queries, args.pg_url, sample, keep=args.pg_schema, drop=args.pg_drop
        )
        print(_line("postgres", postgres))

    result = {
        "benchmark": "company duplicate/similar search",
        "command": "python tests/bench/bench_companies.py " + " ".join(argv or sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_1_5_15_at_start": [round(x, 2) for x in load_start],
            "loadavg_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "companies": len(companies[0]),
        "generation_s": round(gen_s, 1),
        "embedded": embedded,
        "exhaustive": exhaustive,
        "exhaustive_wratio": wratio,
        "speed_ratio_mean": ratio,
        "speed_ratio_p50": ratio_p50,
        "postgres": postgres,
        "targets": {} if args.postgres_only else check_targets(embedded, ratio),
        "postgres_targets": check_postgres_targets(postgres),
        "total_s": round(time.perf_counter() - started, 1),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"speed ratio (mean) {ratio}x, (p50) {ratio_p50}x")
    for key, verdict in [*result["targets"].items(), *result["postgres_targets"].items()]:
        mark = "ok " if verdict["met"] else "MISS"
        print(f"  [{mark}] {key}: {verdict['value']} (target {verdict['target']})")
    print(f"written to {out} in {result['total_s']} s")
    return 0


def _line(label: str, figures: dict) -> str:
    if "skipped" in figures:
        return f"  {label}: skipped — {figures['skipped']}"
    buf = io.StringIO()
    keys = (
        "build_s", "index_structures_mb", "rss_index_mb", "rss_process_mb", "p50_ms",
        "p99_ms", "recall_at_5", "top1_precision", "duplicate_precision",
        "negatives_flagged_duplicate", "negatives_flagged_similar",
    )  # fmt: skip
    buf.write(f"  {label}: ")
    buf.write(", ".join(f"{k}={figures[k]}" for k in keys if k in figures))
    if "recall_at_5_by_rule" in figures:
        buf.write("\n    recall@5 by rule: " + json.dumps(figures["recall_at_5_by_rule"]))
    return buf.getvalue()


if __name__ == "__main__":
    sys.exit(main())
