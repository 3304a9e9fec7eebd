"""Personal data handling for logs and stored reasons, for any record mapping.

Rule: a log line carries only the mapping's ``loggable_fields`` (ids and a status), counts and reasons;
the values at its ``personal_fields`` (names, emails, phones, tax ids, addresses for onboarding) never
appear. Records are therefore never logged; ``log_fields`` picks the allowed keys, ``masked`` gives a
shape-preserving copy for debugging, and ``scrub`` removes a record's values from free text (exception
messages) before it is logged or stored as a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from migration_runtime.safe_text import safe_text

MASK = "*****"
MAX_LOGGED_ID_LENGTH = 128
MAX_ERROR_REASON_LENGTH = 500
_MAX_MASKED_DEPTH = 64
# Other text values shorter than this (country codes, enum-like words) are not worth scrubbing.
_MIN_SCRUBBED_OTHER_LENGTH = 4
# A personal value with at least this many digits is a number (a tax id, a phone): its other spellings
# (12-3456789 / 123456789, +14155550123 / 4155550123) are scrubbed too.
_MIN_NUMBER_DIGITS = 7


class PersonalData(Protocol):
    """What a record mapping says about personal data (``RecordMapping`` has both attributes)."""

    @property
    def loggable_fields(self) -> tuple[str, ...]: ...

    @property
    def personal_fields(self) -> tuple[tuple[str, ...], ...]: ...


def log_fields(raw_record: Any, policy: PersonalData) -> dict[str, str]:
    """The only record fields a log line may carry."""
    if not isinstance(raw_record, Mapping):
        return {}
    return {
        key: safe_text(raw_record[key], MAX_LOGGED_ID_LENGTH)
        for key in policy.loggable_fields
        if isinstance(raw_record.get(key), str)
    }


def masked(raw_record: Any, policy: PersonalData, _depth: int = 0) -> Any:
    """A copy with every value masked except the loggable ids (structure kept, for debugging)."""
    if _depth > _MAX_MASKED_DEPTH:
        return MASK  # deeper structure is not worth a stack overflow
    if isinstance(raw_record, Mapping):
        return {
            key: value if key in policy.loggable_fields else masked(value, policy, _depth + 1)
            for key, value in raw_record.items()
        }
    if isinstance(raw_record, list):
        return [masked(item, policy, _depth + 1) for item in raw_record]
    return MASK if raw_record is not None else None


def _value_at(raw_record: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = raw_record
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _personal_leaves(raw_record: Mapping[str, Any], policy: PersonalData) -> Iterator[str]:
    for path in policy.personal_fields:
        value = _value_at(raw_record, path)
        if isinstance(value, str):
            yield value
            # Every digit spelling on purpose (not only ASCII): scrubbing errs on the side of removing.
            digits = re.sub(r"\D", "", value)
            if len(digits) >= _MIN_NUMBER_DIGITS:
                yield digits
                if digits.startswith("1"):
                    yield digits[1:]  # a North American number without its country code


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


def sensitive_values(raw_record: Any, policy: PersonalData) -> set[str]:
    """Every text value of a record that must not reach a log line."""
    if not isinstance(raw_record, Mapping):
        return set()
    values = {value for value in _personal_leaves(raw_record, policy) if len(value.strip()) >= 2}
    others = (raw_record[key] for key in raw_record if key not in policy.loggable_fields)
    values |= {
        value
        for other in others
        for value in _other_leaves(other)
        if len(value) >= _MIN_SCRUBBED_OTHER_LENGTH
    }
    return values


def scrub(text: str, raw_record: Any, policy: PersonalData) -> str:
    for value in sorted(sensitive_values(raw_record, policy), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def safe_error_reason(error: BaseException, raw_record: Any, policy: PersonalData) -> str:
    """An exception's message without any value of the record it was processing."""
    return safe_text(scrub(str(error), raw_record, policy), MAX_ERROR_REASON_LENGTH)
