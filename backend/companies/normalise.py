"""Company-name normalisation: the folded tokens, the distinctive core and the duplicate key.

Two names are duplicates when their *keys* are equal. The key keeps what tells a company
apart and drops what does not:

- Unicode is folded to lower-case ASCII ("Müller" = "Muller", "Æon" = "Aeon").
- ``&`` and ``+`` read as "and"; apostrophes vanish ("McDonald's" = "McDonalds"); dots inside
  abbreviations join ("U.K." = "UK"); other punctuation separates words.
- Legal forms at the end of a name are removed (cleanco's term data is the reference, minus
  short terms that are ordinary words in British names, plus UK forms it lacks), also behind a
  trailing country tag ("Acme Limited UK"), but never the last word ("Co-op Company" keeps
  "co op", "Limited" alone stays "limited").
- A bracketed part that only tags a country, a legal form or a generic word goes
  ("Michael Page International (UK) Ltd" -> "michael page international"); any other bracketed
  part stays as words.
- A few abbreviations are spelled out ("Bros" = "Brothers", "Intl" = "International").
- Generic words (group, holdings, uk, international, recruitment, services, ...) and the
  connectives "the", "and", "of" are left out of the key, unless nothing else is left, so
  "Acme UK" = "ACME (U.K.) Limited" while "Global Services Ltd" keeps a key of its own.
- The key joins the remaining words without spaces ("Bright Water" = "Brightwater",
  "J. P. Morgan" = "JP Morgan").

A typo never gives an equal key: typos make a name *similar*, which the index scores.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from cleanco.non_nfkd_map import NON_NFKD_MAP
from cleanco.termdata import terms_by_country, terms_by_type


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that describe rather than name a company: weighted low in similarity and left out of
# the key. Industry words (engineering, medical, logistics) are NOT generic: "Kestrel
# Engineering" and "Kestrel Logistics" are different companies.
GENERIC_WORDS = _words(
    """
    group groups holding holdings uk gb usa us eu emea europe european international global
    worldwide services service solutions recruitment recruiting resourcing trading
    enterprises
    """
)
# Connectives carry no identity ("Smith & Sons" = "Smith Sons", "Bank of X" = "Bank X").
STOP_WORDS = frozenset({"the", "and", "of", "und", "et"})

# Country and region names dropped only when they stand alone in brackets: "Acme (France)".
_BRACKET_TAGS = GENERIC_WORDS | _words(
    """
    england scotland wales ireland northern britain great united kingdom states america
    france deutschland germany espana spain italia italy nederland netherlands belgium
    canada australia india asia pacific apac africa emea nordics benelux dach
    branch formerly trading as ta in administration liquidation
    """
)

# Spelled-out forms of common abbreviations, so either spelling gives the same key.
ABBREVIATIONS = {
    "bros": "brothers",
    "intl": "international",
    "int": "international",
    "svcs": "services",
    "svc": "services",
    "mgmt": "management",
    "assoc": "associates",
    "mfg": "manufacturing",
    "natl": "national",
    "grp": "group",
    "hldgs": "holdings",
    "hldg": "holding",
}

# cleanco's short terms that are ordinary words or initials in British company names
# ("EE Limited", "Ok Taxis", "Martin et Fils", "PT Solutions") rather than legal forms.
_NOT_LEGAL_FORMS = _words(
    """
    et og da pt mb sp ok ba bl ee ad ud fa ps ik ij ks kt hf sf xt gp ep pp sd hb ay ky kb
    kd ks ee ei ec e.c. s.f. s.s. s.p. k.s. e.u. fie ans teo cpt dat vat zat sal aj
    etat iks kf rhf fkf ba bm ok ep sem sep sca sem sgr bt. tov ood ohf ij mb private
    """
)
# UK forms cleanco does not know, and Spanish ones it misses ("S.L.U.", "S.A.U.").
_EXTRA_LEGAL_FORMS = (
    "s.l.u.",
    "s.a.u.",
    "s.l.l.",
    "s.coop.",
    "s.com.",
    "cic",
    "c.i.c.",
    "cyf",
    "cyfyngedig",
    "ccc",
    "plc ltd",
    "pvt ltd",
    "private limited",
    "limited liability partnership",
    "ltd liability partnership",
    "public limited company",
    "llc",
    "lllp",
)

_FOLD_TABLE = str.maketrans(
    {
        **{ord(k): v.lower() for k, v in NON_NFKD_MAP.items() if len(k) == 1},
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "&": " and ",
        "+": " and ",
        "'": "",
        "’": "",
        "‘": "",
        "`": "",
        "´": "",
    }
)
# Multi-word country names that stand for a generic tag ("3M United Kingdom PLC" = "3M UK").
_PHRASES = {"united kingdom": "uk", "great britain": "gb", "united states": "us"}
_PHRASE = re.compile(r"\b(" + "|".join(_PHRASES) + r")\b")
# A web-address ending is not part of the name: "Amazon.com Inc" = "Amazon".
_DOMAIN_END = re.compile(r"\.(?:com|co\.uk|org\.uk|net|org|io|ai)\b", re.IGNORECASE)
_BRACKETED = re.compile(r"[(\[{]([^)\]}]*)[)\]}]?")
_INNER_DOT = re.compile(r"(?<=[a-z0-9])\.(?=[a-z0-9])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class NormalisedName:
    """A company name made comparable: its words, its distinctive words and its key."""

    tokens: tuple[str, ...]  # folded words, legal forms removed, generic words kept
    core: tuple[str, ...]  # the distinctive words (all words when every one is generic)
    key: str  # equal keys mean the same company

    @property
    def text(self) -> str:
        """Every word, space-separated."""
        return " ".join(self.tokens)

    @property
    def core_text(self) -> str:
        """The distinctive words, space-separated."""
        return " ".join(self.core)


def fold(text: str) -> str:
    """Fold to lower-case ASCII letters, digits and single spaces, ``&`` read as "and"."""
    text = text.casefold().translate(_FOLD_TABLE)
    if not text.isascii():
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        ).translate(_FOLD_TABLE)
    text = _INNER_DOT.sub("", text)
    return _NON_WORD.sub(" ", text).strip()


def _terms(raw_terms) -> frozenset[tuple[str, ...]]:
    skip = {fold(term) for term in _NOT_LEGAL_FORMS}
    terms = set()
    for term in raw_terms:
        folded = fold(term)
        if folded and folded not in skip:
            terms.add(tuple(folded.split()))
    return frozenset(terms)


def _cleanco_terms():
    for group in (terms_by_type, terms_by_country):
        for terms in group.values():
            yield from terms


LEGAL_FORMS = _terms([*_cleanco_terms(), *_EXTRA_LEGAL_FORMS])
_LONGEST_FORM = max(len(form) for form in LEGAL_FORMS)


def _is_tag(words: list[str]) -> bool:
    """True when a bracketed part only tags a country, a legal form or a generic word."""
    rest = [w for w in words if w not in _BRACKET_TAGS and not w.isdigit()]
    return not rest or _strip_legal_forms(rest, keep_one=False) == []


def _expand_brackets(text: str) -> str:
    def replace(match: re.Match) -> str:
        inner = fold(match.group(1))
        return " " if _is_tag(inner.split()) else f" {inner} "

    return _BRACKETED.sub(replace, text) if ("(" in text or "[" in text or "{" in text) else text


def _strip_legal_forms(words: list[str], keep_one: bool = True) -> list[str]:
    """Remove legal forms from the end, looking past trailing generic words and connectives."""
    words = list(words)
    end = len(words)
    while end > 0:
        # Country tags, generic words and a dangling "and" may follow a legal form.
        tail = end
        while tail > 0 and (words[tail - 1] in GENERIC_WORDS or words[tail - 1] in STOP_WORDS):
            tail -= 1
        for size in range(min(_LONGEST_FORM, tail), 0, -1):
            if tuple(words[tail - size : tail]) in LEGAL_FORMS:
                left = words[: tail - size] + words[tail:]
                if keep_one and all(w in STOP_WORDS for w in left):  # "The Company Ltd"
                    return words
                del words[tail - size : tail]
                end = tail - size
                break
        else:
            break
    while len(words) > 1 and words[-1] in STOP_WORDS:
        words.pop()
    return words


@functools.lru_cache(maxsize=65536)
def normalise(name: str) -> NormalisedName:
    """Normalise a company name into its words, distinctive words and duplicate key."""
    text = _expand_brackets(_DOMAIN_END.sub(" ", name or ""))
    folded = fold(text)
    if "united" in folded or "great" in folded:
        folded = _PHRASE.sub(lambda m: _PHRASES[m.group(1)], folded)
    words = [ABBREVIATIONS.get(word, word) for word in folded.split()]
    tokens = tuple(_strip_legal_forms(words)) if words else ()
    core = core_of(tokens)
    return NormalisedName(tokens=tokens, core=core, key="".join(core))


def core_of(tokens: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Return the distinctive words of normalised words (all of them if every one is generic)."""
    core = tuple(w for w in tokens if w not in GENERIC_WORDS and w not in STOP_WORDS)
    if not core:  # every word is generic: they are the name, keep them
        core = tuple(w for w in tokens if w not in STOP_WORDS)
    return core


def key(name: str) -> str:
    """Return the duplicate key of a company name."""
    return normalise(name).key
