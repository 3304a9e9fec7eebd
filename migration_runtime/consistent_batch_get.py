"""Read many items by key with strongly consistent BatchGetItem calls, unprocessed keys retried.

BatchGetItem takes at most 100 keys per call, and a key at most once ("BatchGetItem", DynamoDB API
reference: "A single operation can retrieve up to 16 MB of data, which can contain as many as 100
items"; duplicate keys are a ValidationException); ``ConsistentRead`` is set per table. A call may return
part of its keys as ``UnprocessedKeys`` (throttling, or the 16 MB response limit): those are asked again
with a short backoff. Used where a verification reads a known set of records (O(set), not O(table)):
one call per 100 keys instead of one GetItem each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from migration_runtime.dynamodb_codec import from_attribute_map, to_attribute_map

BATCH_GET_MAX_KEYS = 100
_MAX_ROUNDS_WITHOUT_PROGRESS = 8


class BatchGetIncomplete(RuntimeError):
    """Some keys stayed unprocessed after every retry (sustained throttling)."""


def key_identity(key: Mapping[str, Any]) -> Hashable:
    """A hashable identity of a plain key (attribute name to value), independent of its order."""
    return tuple(sorted((name, str(value)) for name, value in key.items()))


def consistent_get_many(
    dynamodb: Any,
    table_name: str,
    keys: Iterable[Mapping[str, Any]],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[Hashable, dict[str, Any]]:
    """The items found for ``keys`` (plain values), by ``key_identity`` of their key; a key without an
    item is absent from the result. ``keys`` may repeat a key (asked once)."""
    unique = {key_identity(key): dict(key) for key in keys}
    key_names = {name for key in unique.values() for name in key}
    found: dict[Hashable, dict[str, Any]] = {}
    pending = [to_attribute_map(key) for key in unique.values()]
    while pending:
        chunk, pending = pending[:BATCH_GET_MAX_KEYS], pending[BATCH_GET_MAX_KEYS:]
        rounds_without_progress = 0
        while chunk:
            response = dynamodb.batch_get_item(
                RequestItems={table_name: {"Keys": chunk, "ConsistentRead": True}}
            )
            items = response.get("Responses", {}).get(table_name, [])
            for raw in items:
                item = from_attribute_map(raw)
                found[key_identity({name: item[name] for name in key_names if name in item})] = item
            unprocessed = response.get("UnprocessedKeys", {}).get(table_name, {}).get("Keys", [])
            if unprocessed and (items or len(unprocessed) < len(chunk)):
                rounds_without_progress = 0
            elif unprocessed:
                rounds_without_progress += 1
                if rounds_without_progress >= _MAX_ROUNDS_WITHOUT_PROGRESS:
                    raise BatchGetIncomplete(f"{len(unprocessed)} keys of {table_name} stayed unprocessed")
                sleep(min(0.05 * 2**rounds_without_progress, 2.0))
            chunk = unprocessed
    return found
