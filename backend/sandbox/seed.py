"""Deterministic demo data for the itris sandbox: look-up lists, companies and people.

The same ``seed`` always gives the same records. Whatever the seed, the sandbox starts
with the well-known records below, in this order and with the same field values, so their
ids never change (only a known company's ``contactCount`` varies, as generated contacts
may join it). Tests and demos may rely on them through :data:`KNOWN`, e.g.
``KNOWN.off_limits_applicant.email`` or ``KNOWN.hays_plc.id``.

Companies (ids from 30001; near-duplicate and similarly named sets first):

====== ============================ ========================================= ==========
id     key                          name                                      location
====== ============================ ========================================= ==========
30001  hays_plc                     Hays plc                                  London
30002  hays_specialist              Hays Specialist Recruitment Limited       Manchester
30003  hayes_recruitment            Hayes Recruitment                         Leeds
30004  smith_and_sons_ltd           Smith & Sons Ltd                          Birmingham
30005  smith_and_sons               Smith and Sons                            Bristol
30006  acme_uk                      Acme UK                                   Reading
30007  acme_uk_limited              ACME (U.K.) Limited                       Slough
30008  michael_page_international   Michael Page International (UK) Ltd       London
30009  michael_page                 Michael Page                              London
30010  browne_medical               Browne Medical                            Edinburgh
30011  brown_medical                Brown Medical                             Glasgow
30012  northwind                    Northwind Logistics Ltd                   Leeds
30013  brightwater                  Brightwater Software Limited              Cambridge
30014  kestrel                      Kestrel Engineering Group                 Derby
====== ============================ ========================================= ==========

Applicants (ids from 10001):

- 10001 ``applicant`` Priya Sharma, priya.sharma@gmail.com, status Available; no flags.
- 10002 ``off_limits_applicant`` Oliver Bennett, oliver.bennett@outlook.com, ``offLimits``.
- 10003 ``opted_out_applicant`` Chloe Davies, chloe.davies@yahoo.co.uk, ``emailOptOut``.
- 10004 ``dual_applicant`` James Whitfield, james.whitfield@brightwater.co.uk — the same
  person (same email, same LinkedIn) is also the contact ``dual_contact``.
- 10005 ``linkedin_only_applicant`` Tom Hughes, no email, LinkedIn
  ``https://www.linkedin.com/in/tom-hughes-5e8b10/``.
- 10006 ``namesake_applicant`` Sarah Mitchell, sarah.mitchell84@gmail.com, current employer
  "Northwind Logistics Ltd" — same name and company as ``namesake_contact``, other email.
- 10007 ``cv_applicant`` Rebecca Hall, rebecca.hall@btinternet.com, already has a CV
  attachment (``Rebecca_Hall_CV.pdf``).

Contacts (ids from 20001):

- 20001 ``contact`` Emma Clarke, emma.clarke@hays.co.uk, Hiring Manager at Hays plc, Client.
- 20002 ``off_limits_contact`` Daniel Okafor at Michael Page International (UK) Ltd,
  ``offLimits``.
- 20003 ``opted_out_contact`` Hannah Wright at Acme UK, ``emailOptOut``.
- 20004 ``dual_contact`` James Whitfield at Brightwater Software Limited (see above).
- 20005 ``namesake_contact`` Sarah Mitchell, sarah.mitchell@northwindlogistics.co.uk, at
  Northwind Logistics Ltd.

Every LinkedIn ``webAddress`` reads ``https://www.linkedin.com/in/<slug>/``. The rest of the
data (``companies``, ``applicants``, ``contacts`` give totals; defaults 60, 40 and 30) is
generated from the seed: British names, legal suffixes, UK towns, Ofcom drama-range phone
numbers, about one person in ten off-limits and one in ten opted out of email. A count
below the number of well-known records still gives all of them.

Look-up list ids never overlap, so an id from the wrong list is refused: comment
categories from 1 ("General Note", "Email Sent", "Email Received", "LinkedIn Message", ...),
applicant statuses from 101 ("New", "Available", ..., "Placed"), contact statuses from 201
("Prospect", "Client", ...; companies use them too), contact types from 301
("Hiring Manager", "HR Contact", ...), sectors from 401. See :data:`LISTS`, :func:`list_id`.
"""

from __future__ import annotations

import base64
import random
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import backend.itris.contract as c
from backend.sandbox.fields import RECORD_ID, RECORD_TYPE, blank_record, iso
from backend.sandbox.validation import new_attachment

# --- Ids and timestamps ---------------------------------------------------------------
FIRST_ID = {
    c.RecordType.APPLICANTS: 10001,
    c.RecordType.CONTACTS: 20001,
    c.RecordType.COMPANIES: 30001,
}
DEFAULT_COUNTS = {
    c.RecordType.COMPANIES: 60,
    c.RecordType.APPLICANTS: 40,
    c.RecordType.CONTACTS: 30,
}
# Seeded records were made and last touched between these instants (never "now", so the
# same seed always gives byte-identical data, and anything created later is newer).
SEED_EPOCH = datetime(2023, 6, 1, 9, 0, tzinfo=UTC)
KNOWN_SEED = "itris-sandbox-known-records"
SEED_SPAN_DAYS = 700


# --- Look-up lists (ids are distinct across lists so a mixed-up id is refused) --------
def _items(first_id: int, names: tuple[str, ...]) -> tuple[dict, ...]:
    return tuple({c.ID: first_id + i, c.NAME: name} for i, name in enumerate(names))


LISTS: dict[c.ListName, tuple[dict, ...]] = {
    c.ListName.COMMENT_CATEGORIES: _items(
        1,
        (
            "General Note", "Email Sent", "Email Received", "LinkedIn Message",
            "LinkedIn Connection", "Phone Call", "Meeting", "SMS", "CV Sent", "Interview",
        ),
    ),
    c.ListName.APPLICANT_STATUSES: _items(
        101,
        (
            "New", "Available", "Actively Looking", "Interviewing", "Offered", "Placed",
            "Not Looking", "Do Not Use",
        ),
    ),
    c.ListName.CONTACT_STATUSES: _items(
        201, ("Prospect", "Client", "Lapsed Client", "Target", "Do Not Contact")
    ),
    c.ListName.CONTACT_TYPES: _items(
        301,
        (
            "Hiring Manager", "HR Contact", "Decision Maker", "Finance Contact",
            "Internal Recruiter", "Referee",
        ),
    ),
    c.ListName.SECTORS: _items(
        401,
        (
            "Accountancy & Finance", "Construction & Property", "Education",
            "Engineering & Manufacturing", "Healthcare & Medical", "Hospitality & Leisure",
            "Information Technology", "Legal", "Logistics & Supply Chain",
            "Marketing & Creative", "Public Sector", "Recruitment & HR", "Retail", "Sales",
            "Science & Pharmaceutical", "Energy & Utilities",
        ),
    ),
}  # fmt: skip


def list_id(name: c.ListName, item_name: str) -> int:
    """The id of a named entry of a look-up list."""
    return next(item[c.ID] for item in LISTS[name] if item[c.NAME] == item_name)


# --- The well-known records -----------------------------------------------------------
@dataclass(frozen=True)
class KnownCompany:
    key: str
    name: str
    location: str
    website: str | None
    sector: str
    status: str = "Prospect"
    id: int = 0


@dataclass(frozen=True)
class KnownPerson:
    key: str
    record_type: c.RecordType
    first_name: str
    last_name: str
    email: str | None
    slug: str
    job_title: str
    location: str
    status: str
    company: str | None = None  # the company's name (contacts) or current employer
    contact_type: str | None = None
    off_limits: bool = False
    email_opt_out: bool = False
    keywords: tuple[str, ...] = ()
    id: int = 0

    @property
    def web_address(self) -> str:
        return linkedin_url(self.slug)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def linkedin_url(slug: str) -> str:
    return f"https://www.linkedin.com/in/{slug}/"


def _numbered(records: tuple, first_id: int) -> tuple:
    return tuple(replace(record, id=first_id + i) for i, record in enumerate(records))


KNOWN_COMPANIES: tuple[KnownCompany, ...] = _numbered(
    (
        KnownCompany("hays_plc", "Hays plc", "London", "https://www.hays.co.uk",
                     "Recruitment & HR", "Client"),
        KnownCompany("hays_specialist", "Hays Specialist Recruitment Limited", "Manchester",
                     "https://www.hays.co.uk", "Recruitment & HR"),
        KnownCompany("hayes_recruitment", "Hayes Recruitment", "Leeds",
                     "https://www.hayesrecruitment.co.uk", "Recruitment & HR"),
        KnownCompany("smith_and_sons_ltd", "Smith & Sons Ltd", "Birmingham",
                     "https://www.smithandsons.co.uk", "Construction & Property"),
        KnownCompany("smith_and_sons", "Smith and Sons", "Bristol", None,
                     "Construction & Property"),
        KnownCompany("acme_uk", "Acme UK", "Reading", "https://www.acme.co.uk",
                     "Engineering & Manufacturing", "Client"),
        KnownCompany("acme_uk_limited", "ACME (U.K.) Limited", "Slough",
                     "https://www.acme-uk.com", "Engineering & Manufacturing"),
        KnownCompany("michael_page_international", "Michael Page International (UK) Ltd",
                     "London", "https://www.michaelpage.co.uk", "Recruitment & HR", "Client"),
        KnownCompany("michael_page", "Michael Page", "London", "https://www.michaelpage.co.uk",
                     "Recruitment & HR"),
        KnownCompany("browne_medical", "Browne Medical", "Edinburgh",
                     "https://www.brownemedical.co.uk", "Healthcare & Medical"),
        KnownCompany("brown_medical", "Brown Medical", "Glasgow", "https://www.brownmedical.com",
                     "Healthcare & Medical"),
        KnownCompany("northwind", "Northwind Logistics Ltd", "Leeds",
                     "https://www.northwindlogistics.co.uk", "Logistics & Supply Chain",
                     "Client"),
        KnownCompany("brightwater", "Brightwater Software Limited", "Cambridge",
                     "https://www.brightwater.co.uk", "Information Technology", "Client"),
        KnownCompany("kestrel", "Kestrel Engineering Group", "Derby",
                     "https://www.kestrelengineering.co.uk", "Engineering & Manufacturing"),
    ),
    FIRST_ID[c.RecordType.COMPANIES],
)  # fmt: skip

_A, _C = c.RecordType.APPLICANTS, c.RecordType.CONTACTS
KNOWN_APPLICANTS: tuple[KnownPerson, ...] = _numbered(
    (
        KnownPerson("applicant", _A, "Priya", "Sharma", "priya.sharma@gmail.com",
                    "priya-sharma-4b21a7", "Senior Data Analyst", "Manchester", "Available",
                    company="Pennine Analytics Ltd", keywords=("SQL", "Python", "Power BI")),
        KnownPerson("off_limits_applicant", _A, "Oliver", "Bennett", "oliver.bennett@outlook.com",
                    "oliver-bennett-91c3d2", "Financial Controller", "London", "Placed",
                    company="Kestrel Engineering Group", off_limits=True, keywords=("ACCA",)),
        KnownPerson("opted_out_applicant", _A, "Chloe", "Davies", "chloe.davies@yahoo.co.uk",
                    "chloe-davies-uk", "Registered Nurse", "Cardiff", "Actively Looking",
                    company="Severn Healthcare", email_opt_out=True, keywords=("NMC",)),
        KnownPerson("dual_applicant", _A, "James", "Whitfield",
                    "james.whitfield@brightwater.co.uk", "james-whitfield-0a7f3e",
                    "Engineering Manager", "Cambridge", "Not Looking",
                    company="Brightwater Software Limited", keywords=("Java", "AWS")),
        KnownPerson("linkedin_only_applicant", _A, "Tom", "Hughes", None, "tom-hughes-5e8b10",
                    "Quantity Surveyor", "Bristol", "New", company="Smith & Sons Ltd",
                    keywords=("CSCS",)),
        KnownPerson("namesake_applicant", _A, "Sarah", "Mitchell", "sarah.mitchell84@gmail.com",
                    "sarah-mitchell-2d6c44", "Warehouse Supervisor", "Leeds", "Available",
                    company="Northwind Logistics Ltd"),
        KnownPerson("cv_applicant", _A, "Rebecca", "Hall", "rebecca.hall@btinternet.com",
                    "rebecca-hall-8c1f07", "Solicitor", "Birmingham", "Interviewing",
                    company="Castlegate Solicitors LLP", keywords=("Employment law",)),
    ),
    FIRST_ID[_A],
)  # fmt: skip

KNOWN_CONTACTS: tuple[KnownPerson, ...] = _numbered(
    (
        KnownPerson("contact", _C, "Emma", "Clarke", "emma.clarke@hays.co.uk",
                    "emma-clarke-hays", "Head of Talent Acquisition", "London", "Client",
                    company="Hays plc", contact_type="Hiring Manager"),
        KnownPerson("off_limits_contact", _C, "Daniel", "Okafor", "daniel.okafor@michaelpage.co.uk",
                    "daniel-okafor-7f2a19", "Regional Director", "London", "Client",
                    company="Michael Page International (UK) Ltd", contact_type="Decision Maker",
                    off_limits=True),
        KnownPerson("opted_out_contact", _C, "Hannah", "Wright", "hannah.wright@acme.co.uk",
                    "hannah-wright-3c9e51", "HR Manager", "Reading", "Prospect",
                    company="Acme UK", contact_type="HR Contact", email_opt_out=True),
        KnownPerson("dual_contact", _C, "James", "Whitfield", "james.whitfield@brightwater.co.uk",
                    "james-whitfield-0a7f3e", "Engineering Manager", "Cambridge", "Client",
                    company="Brightwater Software Limited", contact_type="Hiring Manager"),
        KnownPerson("namesake_contact", _C, "Sarah", "Mitchell",
                    "sarah.mitchell@northwindlogistics.co.uk", "sarah-mitchell-logistics",
                    "Operations Director", "Leeds", "Client", company="Northwind Logistics Ltd",
                    contact_type="Hiring Manager"),
    ),
    FIRST_ID[_C],
)  # fmt: skip

KNOWN = SimpleNamespace(
    **{r.key: r for r in (*KNOWN_COMPANIES, *KNOWN_APPLICANTS, *KNOWN_CONTACTS)}
)
"""Every well-known record by key, e.g. ``KNOWN.hays_plc.id``, ``KNOWN.dual_contact.email``."""

_CV_BYTES = b"%PDF-1.4\n% Rebecca Hall - CV\n"
KNOWN_CV = {
    RECORD_TYPE: KNOWN.cv_applicant.record_type.value,
    RECORD_ID: KNOWN.cv_applicant.id,
    **new_attachment(
        "Rebecca_Hall_CV.pdf",
        base64.b64encode(_CV_BYTES).decode(),
        c.SYSTEM_TYPE_CV,
        len(_CV_BYTES),
    ),
    c.CREATED_AT: iso(SEED_EPOCH),
}

# --- Vocabulary for generated data ----------------------------------------------------
# Names used by the well-known sets (Hays, Smith, Acme, Page, Brown...) stay out of these
# lists so the near-duplicate sets remain exactly what the docstring says.
FIRST_NAMES = (
    "Oliver", "George", "Harry", "Jack", "Noah", "Charlie", "Jacob", "Alfie", "Freddie",
    "Thomas", "William", "Joshua", "Samuel", "Daniel", "Matthew", "Ryan", "Liam", "Connor",
    "Callum", "Aidan", "Rhys", "Owen", "Ewan", "Mohammed", "Arjun", "Ravi", "Kwame", "Tariq",
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Ella", "Mia",
    "Jessica", "Lucy", "Charlotte", "Megan", "Holly", "Bethany", "Eleanor", "Niamh", "Siobhan",
    "Fiona", "Aisha", "Zara", "Anjali", "Fatima", "Mei", "Chiamaka", "Katie", "Laura", "Rachel",
    "Victoria",
)  # fmt: skip
LAST_NAMES = (
    "Jones", "Williams", "Taylor", "Wilson", "Johnson", "Roberts", "Robinson", "Thompson",
    "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
    "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward",
    "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James",
    "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
    "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw",
    "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis",
    "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers",
    "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer",
    "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher",
    "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "O'Brien", "McDonald", "Nwosu", "Okoro",
    "Chen", "Nowak", "Kowalski",
)  # fmt: skip
TOWNS = {
    # town: (postcode areas, phone prefix in Ofcom's drama range)
    "London": (("EC1A", "EC2M", "SE1", "W1D", "N1", "E14"), "020 7946 0"),
    "Manchester": (("M1", "M2", "M4", "M15"), "0161 496 0"),
    "Birmingham": (("B1", "B2", "B3", "B15"), "0121 496 0"),
    "Leeds": (("LS1", "LS2", "LS11"), "0113 496 0"),
    "Bristol": (("BS1", "BS2", "BS8"), "0117 496 0"),
    "Glasgow": (("G1", "G2", "G3"), "0141 496 0"),
    "Edinburgh": (("EH1", "EH2", "EH3"), "0131 496 0"),
    "Cardiff": (("CF10", "CF11"), "029 2018 0"),
    "Liverpool": (("L1", "L2", "L3"), "0151 496 0"),
    "Newcastle upon Tyne": (("NE1", "NE2"), "0191 498 0"),
    "Sheffield": (("S1", "S2", "S3"), "0114 496 0"),
    "Nottingham": (("NG1", "NG2"), "0115 496 0"),
    "Leicester": (("LE1", "LE2"), "0116 496 0"),
    "Reading": (("RG1", "RG2"), "0118 496 0"),
    "Cambridge": (("CB1", "CB2", "CB4"), "01632 960"),
    "Oxford": (("OX1", "OX2", "OX4"), "01632 960"),
    "Milton Keynes": (("MK9", "MK10"), "01632 960"),
    "Southampton": (("SO14", "SO15"), "01632 960"),
    "Belfast": (("BT1", "BT2"), "028 9649 6"),
    "Brighton": (("BN1", "BN2"), "01632 960"),
    "York": (("YO1", "YO10"), "01632 960"),
    "Aberdeen": (("AB10", "AB11"), "01632 960"),
    "Norwich": (("NR1", "NR2"), "01632 960"),
    "Exeter": (("EX1", "EX2"), "01632 960"),
    "Derby": (("DE1", "DE22"), "01632 960"),
    "Slough": (("SL1", "SL2"), "01632 960"),
}
TOWN_NAMES = tuple(TOWNS)
STREETS = (
    "High Street", "Station Road", "Church Street", "Victoria Road", "Park Road",
    "Queen Street", "King Street", "Mill Lane", "London Road", "The Parade", "Market Place",
    "Albert Road", "Castle Street", "Bridge Street", "Wellington Road", "Canal Side",
)  # fmt: skip
SECTOR_WORDS = (
    ("Logistics", "Logistics & Supply Chain"), ("Freight", "Logistics & Supply Chain"),
    ("Engineering", "Engineering & Manufacturing"),
    ("Manufacturing", "Engineering & Manufacturing"), ("Software", "Information Technology"),
    ("Technologies", "Information Technology"), ("Digital", "Marketing & Creative"),
    ("Consulting", "Sales"), ("Healthcare", "Healthcare & Medical"),
    ("Care", "Healthcare & Medical"), ("Construction", "Construction & Property"),
    ("Homes", "Construction & Property"), ("Recruitment", "Recruitment & HR"),
    ("Accountants", "Accountancy & Finance"), ("Financial Services", "Accountancy & Finance"),
    ("Solicitors", "Legal"), ("Foods", "Hospitality & Leisure"), ("Energy", "Energy & Utilities"),
    ("Pharma", "Science & Pharmaceutical"), ("Retail", "Retail"), ("Media", "Marketing & Creative"),
    ("Education", "Education"),
)  # fmt: skip
BRAND_WORDS = (
    "Apex", "Northgate", "Bluebell", "Summit", "Harbour", "Meridian", "Oakwood", "Pennine",
    "Thames", "Severn", "Cotswold", "Granite", "Beacon", "Lighthouse", "Evergreen", "Falcon",
    "Red Kite", "Heron", "Silverstone", "Riverside", "Ironbridge", "Highland", "Cobalt",
    "Sterling", "Wessex", "Mercia", "Albion", "Caledonian", "Castlegate", "Saxon",
)  # fmt: skip
SUFFIXES = ("Ltd", "Limited", "plc", "LLP", "Group", "UK", "(UK) Ltd", "", "")
APPLICANT_TITLES = (
    "Software Engineer", "Senior Accountant", "Registered Nurse", "Project Manager",
    "Data Analyst", "Quantity Surveyor", "Marketing Executive", "HR Business Partner",
    "Site Manager", "Mechanical Engineer", "Payroll Administrator", "Solicitor",
    "Sales Manager", "DevOps Engineer", "Warehouse Supervisor", "Care Assistant",
    "Financial Controller", "Business Analyst", "Electrician", "Pharmacist",
)  # fmt: skip
CONTACT_TITLES = (
    "Head of Talent Acquisition", "HR Manager", "Engineering Manager", "Finance Director",
    "Operations Director", "Managing Director", "Head of People", "Talent Partner", "CTO",
    "Practice Manager", "Recruitment Manager", "Head of Finance", "Ward Manager",
)  # fmt: skip
SKILLS = (
    "Python", "Java", "AWS", "ACCA", "CIMA", "NMC", "PRINCE2", "CSCS", "SAP", "Excel", "Agile",
    "NEBOSH", "Sage", "Xero", "Kubernetes", "React", "CIPD", "AutoCAD", "SQL", "Salesforce",
)  # fmt: skip
EMAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "hotmail.co.uk",
    "yahoo.co.uk",
    "btinternet.com",
    "icloud.com",
)
OWNER_USER_IDS = (1, 2, 3, 4, 5)


# --- Generation -----------------------------------------------------------------------
@dataclass
class SeedData:
    """Complete records, ids and timestamps set, ready for the store."""

    companies: list[dict] = field(default_factory=list)
    applicants: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)  # each names its recordType/Id

    def records(self, record_type: c.RecordType) -> list[dict]:
        return getattr(self, c.RecordType(record_type).value)


def generate(
    seed: int = 1,
    companies: int | None = None,
    applicants: int | None = None,
    contacts: int | None = None,
) -> SeedData:
    """Build the sandbox's starting records for ``seed``; counts are totals (known included)."""
    return _Generator(seed).run(
        companies=DEFAULT_COUNTS[c.RecordType.COMPANIES] if companies is None else companies,
        applicants=DEFAULT_COUNTS[c.RecordType.APPLICANTS] if applicants is None else applicants,
        contacts=DEFAULT_COUNTS[c.RecordType.CONTACTS] if contacts is None else contacts,
    )


class _Generator:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(KNOWN_SEED)
        self.data = SeedData()
        self.company_names: set[str] = set()
        self.emails: set[str] = set()
        self.known_names = {p.full_name for p in (*KNOWN_APPLICANTS, *KNOWN_CONTACTS)}
        self.blanks = {record_type: blank_record(record_type) for record_type in c.RecordType}

    def run(self, companies: int, applicants: int, contacts: int) -> SeedData:
        # The well-known records come from their own dice: the same whatever the seed.
        for known in KNOWN_COMPANIES:
            self._add_company(self._known_company(known))
        for known in (*KNOWN_APPLICANTS, *KNOWN_CONTACTS):
            self._add_person(known.record_type, self._known_person(known))
        self.rng = random.Random(self.seed)
        for _ in range(companies - len(KNOWN_COMPANIES)):
            self._add_company(self._company())
        for _ in range(applicants - len(KNOWN_APPLICANTS)):
            self._add_person(c.RecordType.APPLICANTS, self._applicant())
        for _ in range(contacts - len(KNOWN_CONTACTS)):
            self._add_person(c.RecordType.CONTACTS, self._contact())
        self.data.attachments.append(dict(KNOWN_CV))
        return self.data

    # Records -------------------------------------------------------------------------
    def _stamp(self, record_type: c.RecordType, record: dict) -> dict:
        # Everything not given is blank; only `keywords` (a list) must not be shared.
        blank = {**self.blanks[record_type], **record}
        if c.KEYWORDS in blank and c.KEYWORDS not in record:
            blank[c.KEYWORDS] = []
        created = SEED_EPOCH + timedelta(minutes=self.rng.randrange(SEED_SPAN_DAYS * 24 * 60))
        updated = created + timedelta(minutes=self.rng.randrange(60 * 24 * 90))
        return {
            c.ID: FIRST_ID[record_type] + len(self.data.records(record_type)),
            **blank,
            c.CREATED_AT: iso(created),
            c.UPDATED_AT: iso(updated),
        }

    def _add_company(self, record: dict) -> None:
        self.company_names.add(record[c.NAME])
        stamped = self._stamp(c.RecordType.COMPANIES, record)
        stamped[c.CONTACT_COUNT] = 0
        self.data.companies.append(stamped)

    def _add_person(self, record_type: c.RecordType, record: dict) -> None:
        if record.get(c.EMAIL_ADDRESS):
            self.emails.add(record[c.EMAIL_ADDRESS])
        self.data.records(record_type).append(self._stamp(record_type, record))
        if record_type == c.RecordType.CONTACTS:
            company = self.data.companies[record[c.COMPANY_ID] - FIRST_ID[c.RecordType.COMPANIES]]
            company[c.CONTACT_COUNT] += 1

    def _known_company(self, known: KnownCompany) -> dict:
        return {
            c.NAME: known.name,
            c.LOCATION: known.location,
            c.WEBSITE: known.website,
            c.PHONE_NUMBER: self._phone(known.location),
            c.SECTOR_ID: list_id(c.ListName.SECTORS, known.sector),
            c.STATUS_ID: list_id(c.ListName.CONTACT_STATUSES, known.status),
            c.OWNER_USER_ID: OWNER_USER_IDS[0],
        }

    def _known_person(self, known: KnownPerson) -> dict:
        record = {
            c.FIRST_NAME: known.first_name,
            c.LAST_NAME: known.last_name,
            c.EMAIL_ADDRESS: known.email,
            c.MOBILE_NUMBER: self._mobile(),
            c.WEB_ADDRESS: known.web_address,
            c.JOB_TITLE: known.job_title,
            c.HEADLINE: f"{known.job_title} at {known.company}" if known.company else None,
            c.LOCATION: known.location,
            c.STATUS_ID: list_id(c.STATUS_LIST_FOR[known.record_type], known.status),
            c.KEYWORDS: list(known.keywords),
            c.OFF_LIMITS: known.off_limits,
            c.EMAIL_OPT_OUT: known.email_opt_out,
            c.OWNER_USER_ID: OWNER_USER_IDS[0],
        }
        if known.record_type == c.RecordType.APPLICANTS:
            record[c.CURRENT_EMPLOYER] = known.company
            record[c.SOURCE] = "LinkedIn"
        else:
            company = next(k for k in KNOWN_COMPANIES if k.name == known.company)
            record[c.COMPANY_ID] = company.id
            record[c.CONTACT_TYPE_ID] = list_id(c.ListName.CONTACT_TYPES, known.contact_type)
        return record

    def _company(self) -> dict:
        rng = self.rng
        town = rng.choice(TOWN_NAMES)
        word, sector = rng.choice(SECTOR_WORDS)
        name = self._unique_company_name(word, town)
        core = re.sub(r"\s+(Ltd|Limited|plc|LLP|Group|UK|\(UK\) Ltd)$", "", name)
        slug = re.sub(r"[^a-z0-9]", "", core.lower().replace("&", "and"))
        website = None
        if rng.random() < 0.9:
            website = f"https://www.{slug}.{'co.uk' if rng.random() < 0.75 else 'com'}"
        return {
            c.NAME: name,
            c.LOCATION: town,
            c.WEBSITE: website,
            c.PHONE_NUMBER: self._phone(town),
            c.SECTOR_ID: list_id(c.ListName.SECTORS, sector),
            c.STATUS_ID: rng.choice(LISTS[c.ListName.CONTACT_STATUSES])[c.ID],
            c.OWNER_USER_ID: rng.choice(OWNER_USER_IDS),
        }

    def _unique_company_name(self, word: str, town: str) -> str:
        for _ in range(5):
            name = self._company_name(word, town)
            if name not in self.company_names:
                return name
        base = candidate = f"{name} ({town})"
        number = 2
        while candidate in self.company_names:
            candidate, number = f"{base} {number}", number + 1
        return candidate

    def _company_name(self, word: str, town: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            stem = f"{rng.choice(LAST_NAMES)} {word}"
        elif roll < 0.55:
            first, second = rng.sample(LAST_NAMES, 2)
            stem = f"{first} {rng.choice(('&', 'and'))} {second}"
        elif roll < 0.75:
            stem = f"{town.split()[0]} {word}"
        else:
            stem = f"{rng.choice(BRAND_WORDS)} {word}"
        return f"{stem} {rng.choice(SUFFIXES)}".strip()

    def _applicant(self) -> dict:
        rng = self.rng
        first, last = self._name()
        town = rng.choice(TOWN_NAMES)
        title = rng.choice(APPLICANT_TITLES)
        employer = rng.choice(self.data.companies)[c.NAME] if rng.random() < 0.7 else None
        return {
            c.FIRST_NAME: first,
            c.LAST_NAME: last,
            c.EMAIL_ADDRESS: self._email(first, last, rng.choice(EMAIL_DOMAINS)),
            c.MOBILE_NUMBER: self._mobile(),
            c.WEB_ADDRESS: linkedin_url(self._slug(first, last)),
            c.JOB_TITLE: title,
            c.CURRENT_EMPLOYER: employer,
            c.HEADLINE: f"{title} at {employer}" if employer else f"{title} | {town}",
            c.LOCATION: town,
            c.POSTAL_CODE: self._postcode(town) if rng.random() < 0.5 else None,
            c.STATUS_ID: rng.choice(LISTS[c.ListName.APPLICANT_STATUSES])[c.ID],
            c.KEYWORDS: rng.sample(SKILLS, rng.randrange(5)),
            c.OFF_LIMITS: rng.random() < 0.1,
            c.EMAIL_OPT_OUT: rng.random() < 0.1,
            c.OWNER_USER_ID: rng.choice(OWNER_USER_IDS),
            c.SOURCE: rng.choice(("LinkedIn", "Indeed", "CV-Library", "Referral", "Website")),
        }

    def _contact(self) -> dict:
        rng = self.rng
        first, last = self._name()
        company = rng.choice(self.data.companies)
        domain = (company[c.WEBSITE] or "https://www.example.co.uk").split("www.", 1)[-1]
        town = company[c.LOCATION]
        return {
            c.FIRST_NAME: first,
            c.LAST_NAME: last,
            c.EMAIL_ADDRESS: self._email(first, last, domain),
            c.PHONE_NUMBER: company[c.PHONE_NUMBER],
            c.MOBILE_NUMBER: self._mobile() if rng.random() < 0.6 else None,
            c.WEB_ADDRESS: linkedin_url(self._slug(first, last)),
            c.JOB_TITLE: rng.choice(CONTACT_TITLES),
            c.COMPANY_ID: company[c.ID],
            c.CONTACT_TYPE_ID: rng.choice(LISTS[c.ListName.CONTACT_TYPES])[c.ID],
            c.LOCATION: town,
            c.ADDRESS: self._street() if rng.random() < 0.4 else None,
            c.POSTAL_CODE: self._postcode(town) if rng.random() < 0.4 else None,
            c.STATUS_ID: rng.choice(LISTS[c.ListName.CONTACT_STATUSES])[c.ID],
            c.KEYWORDS: rng.sample(SKILLS, rng.randrange(3)),
            c.OFF_LIMITS: rng.random() < 0.1,
            c.EMAIL_OPT_OUT: rng.random() < 0.1,
            c.OWNER_USER_ID: rng.choice(OWNER_USER_IDS),
        }

    # Details -------------------------------------------------------------------------
    def _name(self) -> tuple[str, str]:
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            if f"{first} {last}" not in self.known_names:
                return first, last

    def _email(self, first: str, last: str, domain: str) -> str:
        local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
        email, number = f"{local}@{domain}", 2
        while email in self.emails:
            email, number = f"{local}{number}@{domain}", number + 1
        return email

    def _slug(self, first: str, last: str) -> str:
        name = re.sub(r"[^a-z-]", "", f"{first}-{last}".lower())
        return f"{name}-{self.rng.getrandbits(24):06x}"

    def _mobile(self) -> str:
        return f"07700 900{self.rng.randrange(1000):03d}"

    def _phone(self, town: str) -> str:
        prefix = TOWNS.get(town, ((), "01632 960"))[1]
        width = 11 - len(prefix.replace(" ", ""))  # UK numbers have 11 digits
        return f"{prefix}{self.rng.randrange(10**width):0{width}d}"

    def _postcode(self, town: str) -> str:
        area = self.rng.choice(TOWNS[town][0])
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        inward = f"{self.rng.randrange(10)}{self.rng.choice(letters)}{self.rng.choice(letters)}"
        return f"{area} {inward}"

    def _street(self) -> str:
        return f"{self.rng.randrange(1, 200)} {self.rng.choice(STREETS)}"
