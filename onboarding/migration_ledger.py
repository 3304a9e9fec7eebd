"""The migration ledger: per-record issues kept in the new table where an operator can read them.

``pk = MIGRATION_ISSUE#<application_id>``; ``sk = REJECTED`` (the record breaks the contract, with its
reason) or ``sk = LAST_ERROR`` (the latest unforeseen failure: error type, reason, receive count, time).
Reasons never contain personal data: callers pass reasons built from field names and error kinds, or
scrubbed exception text (see ``pii.safe_error_reason``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from onboarding.dynamodb_codec import to_attribute_map
from onboarding.timestamps import to_utc_z

PK_PREFIX = "MIGRATION_ISSUE#"
REJECTED = "REJECTED"
LAST_ERROR = "LAST_ERROR"


@dataclass(frozen=True)
class LedgerEntry:
    application_id: str
    kind: str  # REJECTED or LAST_ERROR
    reason: str


def ledger_pk(application_id: str) -> str:
    return f"{PK_PREFIX}{application_id}"


def record_rejected(
    dynamodb: Any, table_name: str, *, application_id: str, reason: str, at: datetime
) -> None:
    # Unconditional: a redelivered rejected record writes the same reason again, which is harmless.
    item = {
        "pk": ledger_pk(application_id),
        "sk": REJECTED,
        "application_id": application_id,
        "reason": reason,
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
        "application_id": application_id,
        "error_type": error_type,
        "reason": reason,
        "receive_count": receive_count,
        "at": to_utc_z(at),
    }
    dynamodb.put_item(TableName=table_name, Item=to_attribute_map(item))


def ledger_entry(item: Mapping[str, Any]) -> LedgerEntry | None:
    """Read a plain new-table item as a ledger entry, or None when it is not one."""
    pk = str(item.get("pk", ""))
    kind = item.get("sk")
    if not pk.startswith(PK_PREFIX) or kind not in {REJECTED, LAST_ERROR}:
        return None
    reason = str(item.get("reason", ""))
    if kind == LAST_ERROR:
        error_type = item.get("error_type") or "Error"
        reason = f"last error {error_type} on receive {item.get('receive_count', '?')}: {reason}"
    return LedgerEntry(application_id=pk.removeprefix(PK_PREFIX), kind=str(kind), reason=reason)
