"""Reading what the stack holds: every item of a table, the messages of a queue (peeked, not consumed).

Used by reports, the local run's invariant checks and `--export`. Peeking receives messages with a short
visibility timeout and makes them visible again at once, so a queue is left as it was found (apart from
each message's receive count, which SQS increments on every receive).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from migration_runtime.dynamodb_codec import from_attribute_map

PEEK_VISIBILITY_SECONDS = 30
_EMPTY_RECEIVES_BEFORE_DONE = 3


def scan_items(dynamodb: Any, table_name: str, **scan_arguments: Any) -> Iterator[dict[str, Any]]:
    """Every item of a table as plain JSON values (consistent reads)."""
    paginator = dynamodb.get_paginator("scan")
    for page in paginator.paginate(TableName=table_name, ConsistentRead=True, **scan_arguments):
        for item in page.get("Items", []):
            yield from_attribute_map(item)


def count_items(dynamodb: Any, table_name: str, **scan_arguments: Any) -> int:
    paginator = dynamodb.get_paginator("scan")
    pages = paginator.paginate(TableName=table_name, Select="COUNT", ConsistentRead=True, **scan_arguments)
    return sum(int(page.get("Count", 0)) for page in pages)


@dataclass(frozen=True)
class PeekedMessage:
    message_id: str
    body: str
    attributes: dict[str, str]
    """String message attributes (e.g. rejection_reason and source_queue on the intake DLQ)."""


def approximate_depth(sqs: Any, queue_url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def peek_messages(sqs: Any, queue_url: str, limit: int | None = None) -> list[PeekedMessage]:
    """Up to `limit` messages of a queue (all when None), then every one is made visible again."""
    expected = approximate_depth(sqs, queue_url)
    seen: dict[str, PeekedMessage] = {}
    handles: list[str] = []
    empty = 0
    try:
        while (
            len(seen) < expected
            and (limit is None or len(seen) < limit)
            and empty < _EMPTY_RECEIVES_BEFORE_DONE
        ):
            response = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=PEEK_VISIBILITY_SECONDS,
                WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
            )
            messages = response.get("Messages", [])
            empty = 0 if messages else empty + 1
            for message in messages:
                handles.append(message["ReceiptHandle"])
                attributes = {
                    name: str(value.get("StringValue", ""))
                    for name, value in message.get("MessageAttributes", {}).items()
                }
                seen[message["MessageId"]] = PeekedMessage(message["MessageId"], message["Body"], attributes)
    finally:
        for start in range(0, len(handles), 10):
            entries = [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, handle in enumerate(handles[start : start + 10])
            ]
            sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
    peeked = list(seen.values())
    return peeked if limit is None else peeked[:limit]
