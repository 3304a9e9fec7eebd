"""What the stream consumer leaves in the control table for the state machine and the verifier.

- ``SENTINEL#<sentinel id>`` / ``ARRIVED``: a sentinel written to the legacy table has come through the
  stream (``arrived_at``). The state machine's wait reads this key (``SENTINEL_ARRIVAL_*`` below; a test
  checks the definition spells it the same).
- ``CHANGED#<application_id>`` / ``CHANGED``: the application changed in the legacy table while a capture
  ran (``changed_at``, epoch milliseconds). The cut-over re-verifies exactly these (and the suspects the
  verification found while the service kept serving) instead of both tables in full: Ghostferry's
  iterative verifier. ``expires_at`` lets DynamoDB's TTL drop them a week later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from migration_runtime.dynamodb_codec import from_attribute_map, to_attribute_map
from migration_runtime.migration_ledger import application_pk

SENTINEL_ARRIVAL_PK_PREFIX = "SENTINEL#"
SENTINEL_ARRIVAL_SK = "ARRIVED"
CHANGED_PK_PREFIX = "CHANGED#"
CHANGED_SK = "CHANGED"
TTL_ATTRIBUTE = "expires_at"
KEEP_SECONDS = 7 * 24 * 3600
_BATCH_WRITE_MAX = 25  # BatchWriteItem: at most 25 requests per call
_MAX_ATTEMPTS = 6


class ChangeLogWriteFailed(RuntimeError):
    pass


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def record_sentinel_arrival(dynamodb: Any, table_name: str, *, sentinel_id: str, at: datetime) -> None:
    item = {
        "pk": f"{SENTINEL_ARRIVAL_PK_PREFIX}{sentinel_id}",
        "sk": SENTINEL_ARRIVAL_SK,
        "arrived_at": epoch_ms(at),
        TTL_ATTRIBUTE: int(at.timestamp()) + KEEP_SECONDS,
    }
    dynamodb.put_item(TableName=table_name, Item=to_attribute_map(item))


def record_changed(
    dynamodb: Any,
    table_name: str,
    *,
    application_ids: Iterable[str],
    at: datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Mark each application as changed at ``at`` (one item per application; a later mark replaces it)."""
    items = [_changed_item(application_id, at) for application_id in dict.fromkeys(application_ids)]
    for start in range(0, len(items), _BATCH_WRITE_MAX):
        _write_all(dynamodb, table_name, items[start : start + _BATCH_WRITE_MAX], sleep)
    return len(items)


def changed_since(dynamodb: Any, table_name: str, *, since: datetime) -> Iterator[str]:
    """The applications marked changed at or after ``since`` (a consistent, filtered scan: the control
    table holds runs, the ledger and these marks, never the records themselves)."""
    request = {
        "TableName": table_name,
        "ConsistentRead": True,
        "FilterExpression": "begins_with(pk, :prefix) AND sk = :sk AND changed_at >= :since",
        "ExpressionAttributeValues": to_attribute_map(
            {":prefix": CHANGED_PK_PREFIX, ":sk": CHANGED_SK, ":since": epoch_ms(since)}
        ),
    }
    for page in dynamodb.get_paginator("scan").paginate(**request):
        for item in page.get("Items", []):
            application_id = from_attribute_map(item).get("application_id")
            if isinstance(application_id, str):
                yield application_id


def _changed_item(application_id: str, at: datetime) -> dict[str, Any]:
    return {
        "pk": application_pk(CHANGED_PK_PREFIX, application_id),
        "sk": CHANGED_SK,
        "application_id": application_id,
        "changed_at": epoch_ms(at),
        TTL_ATTRIBUTE: int(at.timestamp()) + KEEP_SECONDS,
    }


def _write_all(
    dynamodb: Any, table_name: str, items: list[dict[str, Any]], sleep: Callable[[float], None]
) -> None:
    requests = [{"PutRequest": {"Item": to_attribute_map(item)}} for item in items]
    for attempt in range(_MAX_ATTEMPTS):
        response = dynamodb.batch_write_item(RequestItems={table_name: requests})
        requests = response.get("UnprocessedItems", {}).get(table_name, [])
        if not requests:
            return
        sleep(min(0.05 * 2**attempt, 1.0))
    raise ChangeLogWriteFailed(f"{len(requests)} change marks not written after {_MAX_ATTEMPTS} attempts")
