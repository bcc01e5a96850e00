"""Marshmallow schemas: every request body and response is one."""
