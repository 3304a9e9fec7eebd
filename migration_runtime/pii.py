"""Personal data handling for logs and stored reasons.

Rule: a log line carries only application_id, customer_id, status, counts and reasons. Names, emails,
phones, tax ids and addresses never appear. Records are therefore never logged; ``log_fields`` picks the
allowed keys, ``masked`` gives a shape-preserving copy for debugging, and ``scrub`` removes a record's
values from free text (exception messages) before it is logged or stored as a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from migration_runtime.safe_text import safe_text

LOGGABLE_FIELDS = ("application_id", "customer_id", "status")
PERSONAL_FIELDS = (
    ("business", "legal_name"),
    ("business", "tax_id"),
    ("contact", "first_name"),
    ("contact", "last_name"),
    ("contact", "email"),
    ("contact", "phone"),
    ("address", "line1"),
    ("address", "line2"),
    ("address", "city"),
    ("address", "postal_code"),
)
MASK = "*****"
MAX_LOGGED_ID_LENGTH = 128
MAX_ERROR_REASON_LENGTH = 500
_MAX_MASKED_DEPTH = 64
# Other text values shorter than this (country codes, enum-like words) are not worth scrubbing.
_MIN_SCRUBBED_OTHER_LENGTH = 4


def log_fields(raw_record: Any) -> dict[str, str]:
    """The only record fields a log line may carry."""
    if not isinstance(raw_record, Mapping):
        return {}
    return {
        key: safe_text(raw_record[key], MAX_LOGGED_ID_LENGTH)
        for key in LOGGABLE_FIELDS
        if isinstance(raw_record.get(key), str)
    }


def masked(raw_record: Any, _depth: int = 0) -> Any:
    """A copy with every value masked except the loggable ids (structure kept, for debugging)."""
    if _depth > _MAX_MASKED_DEPTH:
        return MASK  # deeper structure is not worth a stack overflow
    if isinstance(raw_record, Mapping):
        return {
            key: value if key in LOGGABLE_FIELDS else masked(value, _depth + 1)
            for key, value in raw_record.items()
        }
    if isinstance(raw_record, list):
        return [masked(item, _depth + 1) for item in raw_record]
    return MASK if raw_record is not None else None


def _personal_leaves(raw_record: Mapping[str, Any]) -> Iterator[str]:
    for section, name in PERSONAL_FIELDS:
        part = raw_record.get(section)
        value = part.get(name) if isinstance(part, Mapping) else None
        if isinstance(value, str):
            yield value
            if name in {"tax_id", "phone"}:
                # Other spellings of the same number (12-3456789 / 123456789, +14155550123 / 4155550123).
                # Every digit spelling on purpose (not only ASCII): scrubbing errs on the side of removing.
                digits = re.sub(r"\D", "", value)
                yield digits
                if name == "phone" and digits.startswith("1"):
                    yield digits[1:]


def _other_leaves(value: Any) -> Iterator[str]:
    # Iterative: a hostile record may be nested far deeper than the recursion limit.
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, Mapping):
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)


def sensitive_values(raw_record: Any) -> set[str]:
    """Every text value of a record that must not reach a log line."""
    if not isinstance(raw_record, Mapping):
        return set()
    values = {value for value in _personal_leaves(raw_record) if len(value.strip()) >= 2}
    others = (raw_record[key] for key in raw_record if key not in LOGGABLE_FIELDS)
    values |= {
        value
        for other in others
        for value in _other_leaves(other)
        if len(value) >= _MIN_SCRUBBED_OTHER_LENGTH
    }
    return values


def scrub(text: str, raw_record: Any) -> str:
    for value in sorted(sensitive_values(raw_record), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def safe_error_reason(error: BaseException, raw_record: Any) -> str:
    """An exception's message without any value of the record it was processing."""
    return safe_text(scrub(str(error), raw_record), MAX_ERROR_REASON_LENGTH)
