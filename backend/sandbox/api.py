"""The modelled itris API (``/api/v2``): every path comes from the contract module.

Routes are registered once per record type (or list) with that type as a default view
argument, so each rule reads as its real path, e.g. ``/api/v2/contacts/<int:record_id>``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

import backend.itris.contract as c
from backend.sandbox.auth import check_credentials
from backend.sandbox.errors import ApiError
from backend.sandbox.fields import catalogue
from backend.sandbox.state import current_state
from backend.sandbox.validation import parse_filters, parse_paging

bp = Blueprint("itris", __name__)

ID = "<int:record_id>"


def json_body() -> Any:
    """The JSON request body (None if empty); 400 if it is something else."""
    body = request.get_json(silent=True)
    if body is None and request.get_data(cache=True):
        raise ApiError(400, "The request body must be JSON (Content-Type: application/json).")
    return body


def page_body(items: list, page: int, page_size: int, total: int) -> dict:
    return {c.ITEMS: items, c.PAGE: page, c.PAGE_SIZE: page_size, c.TOTAL_COUNT: total}


def paged(items: list) -> dict:
    """Page a short list (comments, attachments) the way collections are paged."""
    page, page_size = parse_paging(request.args)
    start = (page - 1) * page_size
    return page_body(items[start : start + page_size], page, page_size, len(items))


# --- Authentication -------------------------------------------------------------------
def issue_token():
    check_credentials(json_body() if request.is_json else request.form.to_dict())
    ttl = current_state().faults.current.token_ttl_s
    token = current_state().tokens.issue(ttl)
    expires_in = int(ttl) if float(ttl).is_integer() else ttl
    return {c.TOKEN_ACCESS: token, c.TOKEN_EXPIRES_IN: expires_in}


# --- Records --------------------------------------------------------------------------
def list_records(record_type: c.RecordType):
    page, page_size = parse_paging(request.args)
    filters = parse_filters(record_type, request.args)
    items, total = current_state().store.list_records(record_type, filters, page, page_size)
    return page_body(items, page, page_size, total)


def create_record(record_type: c.RecordType):
    record = current_state().store.create(record_type, json_body())
    return record, 201, {"Location": c.record_path(record_type, record[c.ID])}


def get_record(record_type: c.RecordType, record_id: int):
    return current_state().store.get(record_type, record_id)


def update_record(record_type: c.RecordType, record_id: int):
    return current_state().store.update(record_type, record_id, json_body())


# --- Comments and attachments ---------------------------------------------------------
def list_comments(record_type: c.RecordType, record_id: int):
    return paged(current_state().store.comments(record_type, record_id))


def add_comment(record_type: c.RecordType, record_id: int):
    return current_state().store.add_comment(record_type, record_id, json_body()), 201


def list_attachments(record_type: c.RecordType, record_id: int):
    return paged(current_state().store.attachments(record_type, record_id))


def add_attachment(record_type: c.RecordType, record_id: int):
    return current_state().store.add_attachment(record_type, record_id, json_body()), 201


# --- Lists, field catalogue, inbox ----------------------------------------------------
def lookup_list(list_name: c.ListName):
    return {c.ITEMS: current_state().store.lookup_list(list_name)}


def field_catalogue(record_type: c.RecordType):
    return {c.ITEMS: catalogue(record_type)}


def applicant_inbox():
    applicant_id, created = current_state().store.submit_inbox(json_body())
    return {c.INBOX_APPLICANT_ID: applicant_id}, 201 if created else 200


# --- Routing --------------------------------------------------------------------------
def _route(path: str, endpoint: str, view, method: str, **defaults) -> None:
    bp.add_url_rule(path, endpoint, view, methods=[method], defaults=defaults)


_route(c.TOKEN_PATH, "token", issue_token, "POST")
for _type in c.RecordType:
    _route(c.collection_path(_type), f"list_{_type}", list_records, "GET", record_type=_type)
    _route(c.collection_path(_type), f"create_{_type}", create_record, "POST", record_type=_type)
    _route(c.record_path(_type, ID), f"get_{_type}", get_record, "GET", record_type=_type)
    _route(c.record_path(_type, ID), f"update_{_type}", update_record, "PATCH", record_type=_type)
for _type in c.PERSON_TYPES:
    _comments, _attachments = c.comments_path(_type, ID), c.attachments_path(_type, ID)
    _route(_comments, f"comments_{_type}", list_comments, "GET", record_type=_type)
    _route(_comments, f"add_comment_{_type}", add_comment, "POST", record_type=_type)
    _route(_attachments, f"attachments_{_type}", list_attachments, "GET", record_type=_type)
    _route(_attachments, f"add_attachment_{_type}", add_attachment, "POST", record_type=_type)
    _fields = c.field_catalogue_path(_type)
    _route(_fields, f"fields_{_type}", field_catalogue, "GET", record_type=_type)
for _name in c.ListName:
    _route(c.list_path(_name), f"list_{_name}", lookup_list, "GET", list_name=_name)
_route(c.INBOX_PATH, "inbox", applicant_inbox, "POST")
