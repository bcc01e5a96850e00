"""Company-name normalisation: real-world pairs that must and must not match."""

import pytest

from backend.companies.index import SIMILAR_MIN_SCORE, score
from backend.companies.normalise import fold, normalise


def relation(a: str, b: str) -> str:
    """How the warning would call ``b`` for ``a``: duplicate, similar or different."""
    left, right = normalise(a), normalise(b)
    if left.key == right.key:
        return "duplicate"
    return "similar" if score(left, right.core_text) >= SIMILAR_MIN_SCORE else "different"


DUPLICATES = [
    ("Hays plc", "Hays Ltd"),
    ("Smith & Sons Ltd", "Smith and Sons"),
    ("Acme UK", "ACME (U.K.) Limited"),
    ("Michael Page International (UK) Ltd", "Michael Page"),
    ("Müller GmbH & Co. KG", "Muller GmbH"),
    ("Société Générale S.A.", "Societe Generale"),
    ("J. P. Morgan Limited", "JP Morgan Ltd"),
    ("Marks & Spencer Group p.l.c.", "Marks and Spencer plc"),
    ("The Co-operative Bank p.l.c.", "Co-operative Bank"),
    ("Bright Water Ltd", "Brightwater Limited"),
    ("Ernst & Young LLP", "Ernst and Young"),
    ("McDonald's Restaurants Ltd", "McDonalds Restaurants Limited"),
    ("Kestrel Engineering Group", "Kestrel Engineering Ltd"),
    ("Amazon.com, Inc.", "Amazon"),
    ("3M United Kingdom PLC", "3M"),
    ("Grimm Bros. Ltd", "Grimm Brothers"),
    ("Acme Limited UK", "Acme Ltd"),
    ("Nestlé S.A.", "NESTLE"),
    ("Oakwood Holdings Limited", "Oakwood Group"),
    ("Tesco Stores Limited", "TESCO STORES LTD."),
    ("Ørsted A/S", "Orsted"),
    ("Smith-Jones Ltd", "Smith Jones Limited"),
    ("Randstad (Europe) B.V.", "Randstad"),
    ("Reed Specialist Recruitment Limited", "Reed Specialist Recruitment"),
    ("PwC LLP", "PWC"),
    ("Shell UK Limited", "Shell International"),
    ("Adecco UK Ltd", "Adecco Recruitment Services"),
    ("Siemens AG", "Siemens plc"),
    ("Straße Bau GmbH", "Strasse Bau"),
    ("Hays Ltd.", "Hays, Ltd"),
    ("Garrido Software S.L.U.", "Garrido Software S.L."),  # cleanco lacks S.L.U.
    ("Tröst & Butler e.V.", "Trost and Butler GmbH"),
]

SIMILAR = [
    ("Hays plc", "Hays Specialist Recruitment Limited"),  # a trading name
    ("Hays plc", "Hayes Recruitment"),
    ("Browne Medical", "Brown Medical"),  # scores 96: a threshold alone would merge them
    ("Kestrel Engneering Ltd", "Kestrel Engineering Group"),  # a typo is never a duplicate
    ("Capita plc", "Capita Business Services Ltd"),
    ("Northwind Logistics Ltd", "Southwind Logistics Ltd"),
    ("Brightwater Software", "Brightwater"),
]

DIFFERENT = [
    ("Smith Recruitment Ltd", "Jones Recruitment Ltd"),  # sharing a generic word is nothing
    ("Global Services Ltd", "Premier Services Ltd"),
    ("Kestrel Engineering", "Kestrel Logistics"),
    ("Bank of Scotland", "Bank of Ireland"),
    ("Hilton Hotels", "Hilton Foods"),
    ("Acme Ltd", "Zenith Holdings"),
]

NOT_DUPLICATES = [
    ("Recruitment Services Ltd", "Services Ltd"),  # all-generic names keep their words
    ("Martin et Fils", "Martin"),
    ("Acme (Cambridge) Ltd", "Acme Ltd"),  # a bracketed place is not a country tag
    ("Browne Medical", "Brown Medical"),
    ("Hays plc", "Hays Travel"),
    ("Global Holdings", "Global Services"),
]


@pytest.mark.parametrize(("a", "b"), DUPLICATES)
def test_same_company_written_differently_is_a_duplicate(a, b):
    assert normalise(a).key == normalise(b).key
    assert relation(a, b) == "duplicate"


@pytest.mark.parametrize(("a", "b"), SIMILAR)
def test_close_names_of_other_companies_are_similar_not_duplicate(a, b):
    assert relation(a, b) == "similar"
    assert relation(b, a) == "similar"


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_unrelated_names_are_neither(a, b):
    assert relation(a, b) == "different"


@pytest.mark.parametrize(("a", "b"), NOT_DUPLICATES)
def test_must_not_be_a_duplicate(a, b):
    assert normalise(a).key != normalise(b).key


def test_the_table_has_at_least_forty_pairs():
    assert len(DUPLICATES) + len(SIMILAR) + len(DIFFERENT) + len(NOT_DUPLICATES) >= 40


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        # cleanco empties this one; we keep the words that are left.
        ("Co-op Company", "co op", "coop"),
        # cleanco returns "Michael Page International (UK"; the bracketed tag goes whole.
        ("Michael Page International (UK) Ltd", "michael page international", "michaelpage"),
        ("Limited", "limited", "limited"),  # a legal form alone is the name
        ("Company Ltd", "company", "company"),
        ("Global Services Ltd", "global services", "globalservices"),
        ("EE Limited", "ee", "ee"),  # "ee" is not taken for an Estonian legal form
        ("The Really Good Company", "the really good", "reallygood"),
        ("Smith & Co", "smith", "smith"),
        ("Müller GmbH & Co. KG", "muller", "muller"),
        ("The Company Ltd", "the company", "company"),  # a legal form kept as the name
    ],
)
def test_normalised_words_and_key(name, text, key):
    normalised = normalise(name)
    assert normalised.text == text
    assert normalised.key == key


def test_generic_words_stay_in_the_words_but_leave_the_key():
    normalised = normalise("Acme Recruitment Group (UK) Ltd")
    assert normalised.tokens == ("acme", "recruitment", "group")
    assert normalised.core == ("acme",)
    assert normalised.key == "acme"


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ÆON Straße", "aeon strasse"),
        ("Łódź Ørsted", "lodz orsted"),
        ("Smith & Sons", "smith and sons"),
        ("A+B", "a and b"),
        ("O'Neill’s", "oneills"),
        ("U.K. Ltd.", "uk ltd"),
        ("ＡＣＭＥ", "acme"),  # full-width letters
        ("  --Acme--  ", "acme"),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize("name", ["", "   ", "&", "()", "---"])
def test_names_without_letters_have_no_key(name):
    assert normalise(name).key == ""
