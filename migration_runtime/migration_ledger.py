"""The migration ledger: per-record issues, kept in the migration's control table (never in the new
service's table) where an operator, ``validate_migration``, ``report`` and the invariant checks read them.

``pk = MIGRATION_ISSUE#<application_id>``; ``sk = REJECTED`` (the record breaks the contract, with its
reason) or ``sk = LAST_ERROR`` (the latest unforeseen failure: error type, reason, receive count, time).
The prefix keeps ledger keys apart from run control's own (``LOCK``, ``SERVING``, ``RUN#...``), so the
two share the control table and a filtered scan finds the ledger alone. A LAST_ERROR is deleted once its
record is finally migrated (or rejected), so what remains always describes a record still in trouble.
Reasons never contain personal data: callers pass reasons built from field names and error kinds, or
scrubbed exception text (see ``pii.safe_error_reason``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from migration_runtime.aws_limits import DYNAMODB_MAX_PARTITION_KEY_BYTES
from migration_runtime.dynamodb_codec import from_attribute_map, to_attribute_map
from migration_runtime.safe_text import is_valid_unicode, safe_text, utf8_size
from migration_runtime.timestamps import to_utc_z

PK_PREFIX = "MIGRATION_ISSUE#"
REJECTED = "REJECTED"
LAST_ERROR = "LAST_ERROR"


@dataclass(frozen=True)
class LedgerEntry:
    application_id: str
    kind: str  # REJECTED or LAST_ERROR
    reason: str


# Every ledger item stays far below DynamoDB's 400 KB: ids are at most 2,048 bytes (the legacy key), and
# reasons are cut to this many characters (4 bytes each at most in UTF-8).
MAX_LEDGER_REASON_LENGTH = 2000
_HASHED = "sha256:"


def ledger_pk(application_id: str) -> str:
    """``MIGRATION_ISSUE#<application_id>`` (see ``application_pk``)."""
    return application_pk(PK_PREFIX, application_id)


def application_pk(prefix: str, application_id: str) -> str:
    """``<prefix><application_id>``; a digest of the id instead when the key could not hold it
    (over DynamoDB's 2,048-byte partition key, or text UTF-8 cannot carry). The id itself is kept in the
    item's ``application_id`` attribute, which is what readers use."""
    pk = f"{prefix}{application_id}"
    if is_valid_unicode(pk) and utf8_size(pk) <= DYNAMODB_MAX_PARTITION_KEY_BYTES:
        return pk
    digest = hashlib.sha256(application_id.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}{_HASHED}{digest}"


def _stored_id(application_id: str) -> str:
    # An id UTF-8 cannot carry is stored escaped (it never came from the legacy table: DynamoDB refuses it).
    return (
        application_id
        if is_valid_unicode(application_id)
        else safe_text(application_id, 7 * len(application_id))
    )


def _stored_reason(reason: str) -> str:
    return safe_text(reason, MAX_LEDGER_REASON_LENGTH)


def record_rejected(
    dynamodb: Any, table_name: str, *, application_id: str, reason: str, at: datetime
) -> None:
    # Unconditional: a redelivered rejected record writes the same reason again, which is harmless.
    item = {
        "pk": ledger_pk(application_id),
        "sk": REJECTED,
        "application_id": _stored_id(application_id),
        "reason": _stored_reason(reason),
    }
    dynamodb.put_item(TableName=table_name, Item=to_attribute_map({**item, "at": to_utc_z(at)}))


def record_last_error(
    dynamodb: Any,
    table_name: str,
    *,
    application_id: str,
    error_type: str,
    reason: str,
    receive_count: int,
    at: datetime,
) -> None:
    item = {
        "pk": ledger_pk(application_id),
        "sk": LAST_ERROR,
        "application_id": _stored_id(application_id),
        "error_type": safe_text(error_type, 200),
        "reason": _stored_reason(reason),
        "receive_count": receive_count,
        "at": to_utc_z(at),
    }
    dynamodb.put_item(TableName=table_name, Item=to_attribute_map(item))


def clear_last_error(dynamodb: Any, table_name: str, *, application_id: str) -> None:
    """Forget a record's last error (deleting an entry that does not exist is not an error)."""
    dynamodb.delete_item(
        TableName=table_name, Key=to_attribute_map({"pk": ledger_pk(application_id), "sk": LAST_ERROR})
    )


def ledger_scan_arguments(kind: str | None = None) -> dict[str, Any]:
    """The Scan filter that keeps ledger items (of one ``kind`` when given) and nothing of run control."""
    expression = "begins_with(pk, :prefix)"
    values: dict[str, Any] = {":prefix": PK_PREFIX}
    if kind is not None:
        expression += " AND sk = :kind"
        values[":kind"] = kind
    return {"FilterExpression": expression, "ExpressionAttributeValues": to_attribute_map(values)}


def read_ledger(
    dynamodb: Any,
    table_name: str,
    *,
    kind: str | None = None,
    segment: int | None = None,
    total_segments: int | None = None,
) -> Iterator[LedgerEntry]:
    """Every ledger entry of the control table (of one ``kind`` when given; of one scan segment when
    given), by a paginated, strongly consistent Scan filtered on the ledger's key prefix.

    A filter does not reduce what a Scan reads (and pays for): the whole table, or segment, is read once.
    """
    request: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True, **ledger_scan_arguments(kind)}
    if segment is not None and total_segments is not None:
        request.update(Segment=segment, TotalSegments=total_segments)
    for page in dynamodb.get_paginator("scan").paginate(**request):
        for item in page.get("Items", []):
            entry = ledger_entry(from_attribute_map(item))
            if entry is not None:
                yield entry


def ledger_entry(item: Mapping[str, Any]) -> LedgerEntry | None:
    """Read a plain control-table item as a ledger entry, or None when it is not one."""
    pk = str(item.get("pk", ""))
    kind = item.get("sk")
    if not pk.startswith(PK_PREFIX) or kind not in {REJECTED, LAST_ERROR}:
        return None
    reason = str(item.get("reason", ""))
    if kind == LAST_ERROR:
        error_type = item.get("error_type") or "Error"
        reason = f"last error {error_type} on receive {item.get('receive_count', '?')}: {reason}"
    stored_id = item.get("application_id")
    application_id = stored_id if isinstance(stored_id, str) and stored_id else pk.removeprefix(PK_PREFIX)
    return LedgerEntry(application_id=application_id, kind=str(kind), reason=reason)
