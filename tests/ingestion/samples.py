"""Sample penalty files for ingestion tests: realistic rows with valid codes, and ways to break them (defined in
``tests.factories``)."""

from __future__ import annotations

from tests.factories import AUTHORITY, HEADERS_CN, HEADERS_CODE, company_code, json_fields, row, write_csv

__all__ = ["AUTHORITY", "HEADERS_CN", "HEADERS_CODE", "company_code", "json_fields", "row", "write_csv"]
