"""What the stream consumer leaves in the control table for the state machine and the verifier.

- ``SENTINEL#<sentinel id>`` / ``ARRIVED``: a sentinel written to the legacy table has come through the
  stream (``arrived_at``). The state machine's wait reads this key (``SENTINEL_ARRIVAL_*`` below; a test
  checks the definition spells it the same). A sentinel placed as a group, one on each shard of the
  stream (``shard_covering_sentinels``), has a ``PLAN`` item beside it (``members``: how many, absent
  while they are still being placed) and a ``MEMBER#<index, 8 digits>`` item for each member that came
  through;
  the group's ``ARRIVED`` is written only once every member has, by whichever write completes it (the
  capture after a member, or the placement after its plan: each writes, then reads, consistently).
- ``CHANGED_AT#<shard>`` / ``<changed_at, 13-digit epoch ms>#<id digest>``: the application
  ``application_id`` changed in the legacy table while a capture ran, or a verification made while
  serving found it different. The cut-over re-verifies exactly the applications marked since a moment
  instead of both tables in full: Ghostferry's iterative verifier. The marks are sorted by time, so
  reading "marked since T" is ``MARK_SHARDS`` Queries from the mark at T on (O(marks since T)), never a
  scan of a control table that grows with the run (rejections, every earlier mark). An application
  changed twice has two marks; readers keep each id once. The marks are spread over ``MARK_SHARDS``
  partition keys by the id's digest because a partition takes at most 1,000 write units per second
  ("Understanding DynamoDB warm throughput in different scenarios": "each individual partition is
  limited to 1,000 write units per second and 3,000 read units per second"): ~8,000 changes per second.
  ``expires_at`` lets DynamoDB's TTL drop them a week later.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from migration_runtime.dynamodb_codec import from_attribute_map, to_attribute_map
from migration_runtime.run_sentinels import group_of

SENTINEL_ARRIVAL_PK_PREFIX = "SENTINEL#"
SENTINEL_ARRIVAL_SK = "ARRIVED"
SENTINEL_PLAN_SK = "PLAN"
SENTINEL_MEMBER_SK_PREFIX = "MEMBER#"
CHANGED_PK_PREFIX = "CHANGED_AT#"
MARK_SHARDS = 8
TTL_ATTRIBUTE = "expires_at"
KEEP_SECONDS = 7 * 24 * 3600
_BATCH_WRITE_MAX = 25  # BatchWriteItem: at most 25 requests per call
_MAX_ATTEMPTS = 6


class ChangeLogWriteFailed(RuntimeError):
    pass


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def record_sentinel_arrival(dynamodb: Any, table_name: str, *, sentinel_id: str, at: datetime) -> None:
    """A sentinel came through the stream: its group has arrived if it is alone (no plan) or the last of
    its group's planned members."""
    group, index = group_of(sentinel_id)
    _put_sentinel_item(dynamodb, table_name, group, _member_sort_key(index), at)
    plan = _plan(dynamodb, table_name, group)
    if plan is None:
        if index == 0:  # a sentinel written alone (only a group's placement writes further members)
            _put_sentinel_item(dynamodb, table_name, group, SENTINEL_ARRIVAL_SK, at)
        return
    members = plan.get("members")
    if members is not None:
        _complete_if_all_arrived(dynamodb, table_name, group, int(members), at)


def plan_sentinel_group(dynamodb: Any, table_name: str, *, group: str, at: datetime) -> None:
    """Before the first member of a group is written: a member arriving now waits for the others."""
    _put_sentinel_item(dynamodb, table_name, group, SENTINEL_PLAN_SK, at, time_attribute="planned_at")


def close_sentinel_group(
    dynamodb: Any, table_name: str, *, group: str, members: int, shards: int, at: datetime
) -> bool:
    """Every member is written: the group arrives once all ``members`` have (True: they already have)."""
    _put_sentinel_item(
        dynamodb,
        table_name,
        group,
        SENTINEL_PLAN_SK,
        at,
        time_attribute="planned_at",
        members=members,
        shards=shards,
    )
    return _complete_if_all_arrived(dynamodb, table_name, group, members, at)


def sentinel_members_missing(dynamodb: Any, table_name: str, *, group: str) -> list[int] | None:
    """The indexes of a placed group's members the capture has not seen yet (None: no group was placed
    under this id, or its placement has not finished)."""
    plan = _plan(dynamodb, table_name, group)
    members = plan.get("members") if plan else None
    if members is None:
        return None
    arrived = _arrived_members(dynamodb, table_name, group, int(members))
    return [index for index in range(int(members)) if index not in arrived]


def _plan(dynamodb: Any, table_name: str, group: str) -> dict[str, Any] | None:
    item = dynamodb.get_item(
        TableName=table_name, Key=_sentinel_key(group, SENTINEL_PLAN_SK), ConsistentRead=True
    ).get("Item")
    return from_attribute_map(item) if item else None


def _arrived_members(dynamodb: Any, table_name: str, group: str, members: int) -> set[int]:
    """The indexes among 0 .. members - 1 the capture has seen (a placement run again, a retried call,
    may plan fewer members than an earlier attempt wrote)."""
    request = {
        "TableName": table_name,
        "ConsistentRead": True,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
        "ExpressionAttributeValues": to_attribute_map(
            {
                ":pk": f"{SENTINEL_ARRIVAL_PK_PREFIX}{group}",
                ":first": _member_sort_key(0),
                ":last": _member_sort_key(members - 1),
            }
        ),
        "ProjectionExpression": "sk",
    }
    return {
        int(str(from_attribute_map(item)["sk"]).removeprefix(SENTINEL_MEMBER_SK_PREFIX))
        for page in dynamodb.get_paginator("query").paginate(**request)
        for item in page.get("Items", [])
    }


def _complete_if_all_arrived(dynamodb: Any, table_name: str, group: str, members: int, at: datetime) -> bool:
    if len(_arrived_members(dynamodb, table_name, group, members)) < members:
        return False
    _put_sentinel_item(dynamodb, table_name, group, SENTINEL_ARRIVAL_SK, at)
    return True


def _member_sort_key(index: int) -> str:
    # Zero-padded, so a range of indexes is a range of sort keys.
    return f"{SENTINEL_MEMBER_SK_PREFIX}{index:08d}"


def _sentinel_key(group: str, sort_key: str) -> dict[str, Any]:
    return to_attribute_map({"pk": f"{SENTINEL_ARRIVAL_PK_PREFIX}{group}", "sk": sort_key})


def _put_sentinel_item(
    dynamodb: Any,
    table_name: str,
    group: str,
    sort_key: str,
    at: datetime,
    time_attribute: str = "arrived_at",
    **attributes: int,
) -> None:
    item = {
        "pk": f"{SENTINEL_ARRIVAL_PK_PREFIX}{group}",
        "sk": sort_key,
        time_attribute: epoch_ms(at),
        **attributes,
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
    """Mark each application as changed at ``at`` (one mark per application and call)."""
    items = [_changed_item(application_id, at) for application_id in dict.fromkeys(application_ids)]
    for start in range(0, len(items), _BATCH_WRITE_MAX):
        _write_all(dynamodb, table_name, items[start : start + _BATCH_WRITE_MAX], sleep)
    return len(items)


def changed_since(
    dynamodb: Any, table_name: str, *, since: datetime, until: datetime | None = None
) -> Iterator[str]:
    """The applications marked changed at or after ``since`` (and no later than ``until``, when given),
    each once: one consistent Query per shard, from the mark at ``since`` on."""
    upper = f"{epoch_ms(until):013d}#~" if until else "~"  # "~" sorts after every digit and digest
    seen: set[str] = set()
    for shard in range(MARK_SHARDS):
        request = {
            "TableName": table_name,
            "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
            "ExpressionAttributeValues": to_attribute_map(
                {":pk": f"{CHANGED_PK_PREFIX}{shard}", ":from": f"{epoch_ms(since):013d}#", ":to": upper}
            ),
            "ProjectionExpression": "application_id",
        }
        for page in dynamodb.get_paginator("query").paginate(**request):
            for item in page.get("Items", []):
                application_id = from_attribute_map(item).get("application_id")
                if isinstance(application_id, str) and application_id not in seen:
                    seen.add(application_id)
                    yield application_id


def _digest(application_id: str) -> str:
    return hashlib.sha256(application_id.encode("utf-8", "surrogatepass")).hexdigest()


def _changed_item(application_id: str, at: datetime) -> dict[str, Any]:
    digest = _digest(application_id)
    return {
        "pk": f"{CHANGED_PK_PREFIX}{int(digest[:8], 16) % MARK_SHARDS}",
        "sk": f"{epoch_ms(at):013d}#{digest}",
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
