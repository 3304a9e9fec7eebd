"""The kinds of intake message every demo's ``intake_bodies`` mixes: records, and malformed bodies a
real queue receives (not JSON, a JSON array, an object without the record's id and most fields)."""

from __future__ import annotations

from enum import StrEnum


class IntakeKind(StrEnum):
    RECORD = "record"  # a JSON record (valid or not, per the demo's synthetic record)
    NOT_JSON = "not_json"
    JSON_ARRAY = "json_array"
    MISSING_FIELDS = "missing_fields"  # a JSON object without the record's id and most fields


# The malformed kinds, cycled through in this order.
MALFORMED_KINDS = (IntakeKind.NOT_JSON, IntakeKind.JSON_ARRAY, IntakeKind.MISSING_FIELDS)
