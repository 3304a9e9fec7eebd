"""Validate a raw legacy record into a mapping's pydantic model, or reject it with a reason safe to log.

A reason names the field(s) and the kind of error, e.g. ``business.tax_id: must be 9 digits or
NN-NNNNNNN``, and never the offending value: pydantic messages can quote their input, so messages are
rewritten per error type and any remaining trace of the input is scrubbed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from migration_runtime.dynamodb_storable import field_path, storage_problem
from migration_runtime.json_values import plain
from migration_runtime.safe_text import safe_text

MAX_REASON_LENGTH = 1000
REDACTED = "<redacted>"
Model = TypeVar("Model", bound=BaseModel)


class RecordRejected(Exception):
    """The record breaks the contract; retrying cannot fix data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validated_model(model: type[Model], raw_record: Any, *, context: dict[str, Any]) -> Model:
    """The record as ``model``, or ``RecordRejected``: whatever the input, nothing else is raised.

    What a mapping's ``validate`` builds on, for the intake and the migration alike: first what DynamoDB
    can store at all (numbers, text, nesting, attribute names: see ``dynamodb_storable``), then the fields.
    """
    if not isinstance(raw_record, Mapping):
        raise RecordRejected("record: must be a JSON object")
    problem = storage_problem(raw_record)
    if problem:
        raise RecordRejected(bounded_reason(problem))
    try:
        return model.model_validate(plain(raw_record), context=context)
    except ValidationError as error:
        raise RecordRejected(rejection_reason(error)) from None
    except (RecursionError, TypeError, ValueError, OverflowError, ArithmeticError) as error:
        # Defence in depth: the storability check above should leave nothing pydantic cannot handle.
        raise RecordRejected(f"record: cannot be validated ({type(error).__name__})") from None


def bounded_reason(reason: str) -> str:
    """A reason safe to log, store and send as an SQS attribute, and bounded in length."""
    return safe_text(reason, MAX_REASON_LENGTH)


def rejection_reason(error: ValidationError) -> str:
    parts = [f"{field_path(detail['loc'])}: {_message(detail)}" for detail in error.errors()]
    reason = "; ".join(dict.fromkeys(parts))  # de-duplicated, order kept
    return bounded_reason(reason)


_MESSAGES: dict[str, str] = {
    "missing": "field required",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be a boolean",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "timezone_aware": "must include a UTC offset",
    "datetime_type": "must be an ISO 8601 date-time",
    "datetime_parsing": "must be an ISO 8601 date-time",
    "datetime_from_date_parsing": "must be an ISO 8601 date-time",
    "date_type": "must be an ISO 8601 date",
    "date_parsing": "must be an ISO 8601 date",
    "date_from_datetime_parsing": "must be an ISO 8601 date",
    "date_from_datetime_inexact": "must be an ISO 8601 date",
}


def _message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    context = detail.get("ctx") or {}
    if kind in _MESSAGES:
        message = _MESSAGES[kind]
    elif kind in {"enum", "literal_error"}:
        message = f"must be one of {context.get('expected', 'the allowed values')}"
    elif kind == "greater_than_equal":
        message = f"must be >= {context.get('ge')}"
    elif kind == "value_error":
        message = str(context.get("error", detail["msg"]))
    else:
        message = detail["msg"]
    return _scrub(message, detail.get("input"))


def _scrub(message: str, offending: Any) -> str:
    # Defence in depth: whatever the message, the offending value itself never survives.
    if isinstance(offending, str | int | float) and not isinstance(offending, bool):
        text = str(offending)
        if len(text) >= 2 and text in message:
            message = message.replace(text, REDACTED)
    return message
