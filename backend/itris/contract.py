"""The itris API contract: every path and field itris-sync uses, in one place.

itris documents only part of its API openly: the applicant inbox
(``POST /api/v2/applicant/inbox``) and its camelCase payload. Everything else sits in
each tenant's Swagger and is *modelled* here after that style. Switching to a tenant's
real Swagger means editing this module and nothing else: the client, the push pipeline
and the sandbox all take their names from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

API_PREFIX = "/api/v2"

# --- Authentication -------------------------------------------------------------------
TOKEN_PATH = f"{API_PREFIX}/auth/token"
TOKEN_USERNAME = "username"
TOKEN_PASSWORD = "password"
TOKEN_ACCESS = "accessToken"
TOKEN_EXPIRES_IN = "expiresIn"


# --- Record types ---------------------------------------------------------------------
class RecordType(StrEnum):
    """The itris record collections we read and write."""

    APPLICANTS = "applicants"
    CONTACTS = "contacts"
    COMPANIES = "companies"


PERSON_TYPES = (RecordType.APPLICANTS, RecordType.CONTACTS)

# Our "sync as" values map onto itris collections.
SYNC_AS_TO_RECORD_TYPE = {"applicant": RecordType.APPLICANTS, "contact": RecordType.CONTACTS}
RECORD_TYPE_TO_SYNC_AS = {v: k for k, v in SYNC_AS_TO_RECORD_TYPE.items()}


def collection_path(record_type: str) -> str:
    """Path of a record collection (list, create)."""
    return f"{API_PREFIX}/{RecordType(record_type).value}"


def record_path(record_type: str, record_id: int | str) -> str:
    """Path of one record (get, patch)."""
    return f"{collection_path(record_type)}/{record_id}"


def comments_path(record_type: str, record_id: int | str) -> str:
    """Path of a person's comments (notes)."""
    _require_person(record_type)
    return f"{record_path(record_type, record_id)}/comments"


def attachments_path(record_type: str, record_id: int | str) -> str:
    """Path of a person's attachments (CVs and other files)."""
    _require_person(record_type)
    return f"{record_path(record_type, record_id)}/attachments"


def _require_person(record_type: str) -> None:
    if RecordType(record_type) not in PERSON_TYPES:
        raise ValueError(f"{record_type} records carry no comments or attachments")


# --- Record fields (camelCase, as itris spells them) ----------------------------------
ID = "id"
FIRST_NAME = "firstName"
LAST_NAME = "lastName"
EMAIL_ADDRESS = "emailAddress"
PHONE_NUMBER = "phoneNumber"
MOBILE_NUMBER = "mobileNumber"
WEB_ADDRESS = "webAddress"
JOB_TITLE = "jobTitle"
CURRENT_EMPLOYER = "currentEmployer"
HEADLINE = "headline"
LOCATION = "location"
ADDRESS = "address"
POSTAL_CODE = "postalCode"
STATUS_ID = "statusId"
KEYWORDS = "keywords"
OFF_LIMITS = "offLimits"
EMAIL_OPT_OUT = "emailOptOut"
OWNER_USER_ID = "ownerUserId"
COMPANY_ID = "companyId"
CONTACT_TYPE_ID = "contactTypeId"
SECTOR_ID = "sectorId"
NAME = "name"
WEBSITE = "website"
CONTACT_COUNT = "contactCount"
SOURCE = "source"
CREATED_AT = "createdAt"
UPDATED_AT = "updatedAt"

# Fields a client may write; the server owns the rest (id, timestamps, contactCount).
APPLICANT_WRITABLE = (
    FIRST_NAME, LAST_NAME, EMAIL_ADDRESS, PHONE_NUMBER, MOBILE_NUMBER, WEB_ADDRESS,
    JOB_TITLE, CURRENT_EMPLOYER, HEADLINE, LOCATION, ADDRESS, POSTAL_CODE, STATUS_ID,
    KEYWORDS, OFF_LIMITS, EMAIL_OPT_OUT, OWNER_USER_ID, SOURCE,
)  # fmt: skip
CONTACT_WRITABLE = (
    FIRST_NAME, LAST_NAME, EMAIL_ADDRESS, PHONE_NUMBER, MOBILE_NUMBER, WEB_ADDRESS,
    JOB_TITLE, HEADLINE, COMPANY_ID, CONTACT_TYPE_ID, LOCATION, ADDRESS, POSTAL_CODE,
    STATUS_ID, KEYWORDS, OFF_LIMITS, EMAIL_OPT_OUT, OWNER_USER_ID,
)  # fmt: skip
COMPANY_WRITABLE = (NAME, LOCATION, WEBSITE, PHONE_NUMBER, SECTOR_ID, STATUS_ID, OWNER_USER_ID)
READ_ONLY = (ID, CREATED_AT, UPDATED_AT, CONTACT_COUNT)

WRITABLE_FIELDS = {
    RecordType.APPLICANTS: APPLICANT_WRITABLE,
    RecordType.CONTACTS: CONTACT_WRITABLE,
    RecordType.COMPANIES: COMPANY_WRITABLE,
}

# Mandatory on create.
REQUIRED_ON_CREATE = {
    RecordType.APPLICANTS: (FIRST_NAME, LAST_NAME),
    RecordType.CONTACTS: (FIRST_NAME, LAST_NAME, COMPANY_ID, CONTACT_TYPE_ID),
    RecordType.COMPANIES: (NAME,),
}
# A contact needs at least one of these.
CONTACT_LOCATION_ONE_OF = (ADDRESS, POSTAL_CODE, LOCATION)

# --- Listing and pagination -----------------------------------------------------------
FILTER_EMAIL = EMAIL_ADDRESS  # exact, case-insensitive
FILTER_WEB = WEB_ADDRESS  # case-insensitive substring (a LinkedIn slug finds its URL)
FILTER_NAME = NAME  # case-insensitive substring of a company name or "first last"
FILTER_COMPANY = COMPANY_ID  # contacts of one company
FILTER_MODIFIED_SINCE = "modifiedSince"  # ISO 8601; records with updatedAt >= it
LIST_FILTERS = {
    RecordType.APPLICANTS: (FILTER_EMAIL, FILTER_WEB, FILTER_NAME, FILTER_MODIFIED_SINCE),
    RecordType.CONTACTS: (
        FILTER_EMAIL,
        FILTER_WEB,
        FILTER_NAME,
        FILTER_COMPANY,
        FILTER_MODIFIED_SINCE,
    ),  # fmt: skip
    RecordType.COMPANIES: (FILTER_NAME, FILTER_WEB, FILTER_MODIFIED_SINCE),
}
PAGE = "page"  # 1-based
PAGE_SIZE = "pageSize"
ITEMS = "items"
TOTAL_COUNT = "totalCount"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# --- Comments (notes) -----------------------------------------------------------------
COMMENT_CATEGORY_ID = "categoryId"
COMMENT_TEXT = "text"
COMMENT_DATE = "commentDate"
COMMENT_WRITABLE = (COMMENT_CATEGORY_ID, COMMENT_TEXT, COMMENT_DATE)

# --- Attachments ----------------------------------------------------------------------
ATTACHMENT_FILE_NAME = "fileName"
ATTACHMENT_FILE_CONTENT = "fileContent"  # base64
ATTACHMENT_SYSTEM_TYPE = "systemType"
SYSTEM_TYPE_CV = "CV"
SYSTEM_TYPE_OTHER = "Other"
SYSTEM_TYPES = (SYSTEM_TYPE_CV, SYSTEM_TYPE_OTHER)


# --- Lists ----------------------------------------------------------------------------
class ListName(StrEnum):
    """Look-up lists the settings UI offers."""

    COMMENT_CATEGORIES = "comment-categories"
    APPLICANT_STATUSES = "applicant-statuses"
    CONTACT_STATUSES = "contact-statuses"
    CONTACT_TYPES = "contact-types"
    SECTORS = "sectors"


def list_path(name: str) -> str:
    """Path of a look-up list; answers ``{items: [{id, name}]}``."""
    return f"{API_PREFIX}/lists/{ListName(name).value}"


STATUS_LIST_FOR = {
    RecordType.APPLICANTS: ListName.APPLICANT_STATUSES,
    RecordType.CONTACTS: ListName.CONTACT_STATUSES,
}


# --- Field catalogue ------------------------------------------------------------------
def field_catalogue_path(record_type: str) -> str:
    """Path of a person type's field catalogue: ``{items: [{name, label, type, required}]}``."""
    _require_person(record_type)
    return f"{API_PREFIX}/fields/{RecordType(record_type).value}"


CATALOGUE_NAME = "name"
CATALOGUE_LABEL = "label"
CATALOGUE_TYPE = "type"
CATALOGUE_REQUIRED = "required"

# --- Applicant inbox (documented by itris) --------------------------------------------
INBOX_PATH = f"{API_PREFIX}/applicant/inbox"
INBOX_CV = "cv"
INBOX_CV_FILE_NAME = "fileName"
INBOX_CV_FILE_CONTENT = "fileContent"
INBOX_CV_FILE_DATETIME = "fileDatetime"
INBOX_SOURCE = "source"
INBOX_SOURCE_MEDIA_NAME = "mediaName"
INBOX_SOURCE_MEDIA_CHANNEL_NAME = "mediaChannelName"
INBOX_APPLICANT_ID = "applicantId"
INBOX_APPLY_TO_JOB_IDS = "applyToJobIds"
INBOX_NOTIFY_USER_IDS = "notifyUserIds"
INBOX_FIELDS = (
    FIRST_NAME, LAST_NAME, EMAIL_ADDRESS, PHONE_NUMBER, WEB_ADDRESS, INBOX_CV, INBOX_SOURCE,
    INBOX_APPLICANT_ID, INBOX_APPLY_TO_JOB_IDS, INBOX_NOTIFY_USER_IDS,
)  # fmt: skip

# --- Errors ---------------------------------------------------------------------------
ERROR_MESSAGE = "message"
ERROR_FIELDS = "errors"
RETRY_AFTER_HEADER = "Retry-After"

# --- Webhooks (fired on creation of applicants, companies and contacts) ---------------
SIGNATURE_HEADER = "X-Itris-Signature"
SIGNATURE_PREFIX = "sha256="
WEBHOOK_EVENT = "event"
WEBHOOK_RECORD_TYPE = "recordType"
WEBHOOK_RECORD = "record"
WEBHOOK_OCCURRED_AT = "occurredAt"
WEBHOOK_EVENTS = {
    RecordType.APPLICANTS: "applicant.created",
    RecordType.CONTACTS: "contact.created",
    RecordType.COMPANIES: "company.created",
}


# --- The whole surface, for conformance tests and the README ---------------------------
@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # a template: {recordType}, {id}, {list}
    documented: bool  # True only where itris publishes the shape openly
    purpose: str


ENDPOINTS = (
    Endpoint("POST", TOKEN_PATH, False, "exchange username/password for a bearer token"),
    Endpoint("GET", f"{API_PREFIX}/{{recordType}}", False, "list/search with paging"),
    Endpoint("POST", f"{API_PREFIX}/{{recordType}}", False, "create a record (201)"),
    Endpoint("GET", f"{API_PREFIX}/{{recordType}}/{{id}}", False, "read one record"),
    Endpoint("PATCH", f"{API_PREFIX}/{{recordType}}/{{id}}", False, "update some fields"),
    Endpoint("GET", f"{API_PREFIX}/{{personType}}/{{id}}/comments", False, "read notes"),
    Endpoint("POST", f"{API_PREFIX}/{{personType}}/{{id}}/comments", False, "add a note"),
    Endpoint("GET", f"{API_PREFIX}/{{personType}}/{{id}}/attachments", False, "list files"),
    Endpoint("POST", f"{API_PREFIX}/{{personType}}/{{id}}/attachments", False, "add a file"),
    Endpoint("GET", f"{API_PREFIX}/lists/{{list}}", False, "a look-up list"),
    Endpoint("GET", f"{API_PREFIX}/fields/{{personType}}", False, "field catalogue"),
    Endpoint("POST", INBOX_PATH, True, "the applicant inbox (documented payload)"),
)
