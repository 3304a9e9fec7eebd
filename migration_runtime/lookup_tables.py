"""``Lookups`` over DynamoDB: the read-only tables a mapping's ``transform`` reads (e.g. versioned routines).

Every read is consistent (a definition written just before the record that names it must be seen) and
cached for the life of the instance: a handler builds one per invocation, so a batch that names the same
definition a hundred times reads it once, and a later invocation sees later writes.

``latest_at_or_before`` reads a partition whole the first time it is asked about it (one Query, at most
``partition_cache_items`` items): a versioned definition has a handful of versions, and every record of
the invocation that names it is then answered from memory (a 5,000-completion verification asks about 20
routines, not 5,000 times). A partition larger than that is asked once per value instead: the hash key
equal, the sort key ``<=`` the value, in descending order, ``Limit=1``. Query results are ordered by the
sort key (by UTF-8 bytes for strings, the same order as Python's code point comparison) and
``ScanIndexForward=false`` reverses that order ("Key condition expressions for the Query operation in
DynamoDB", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html),
so the one item returned is the greatest sort key at or before the value. ``Limit`` caps the items
evaluated, and with no filter expression every evaluated item is a match; a ``LastEvaluatedKey`` in the
answer says the partition holds more.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import Any

from migration_runtime import settings
from migration_runtime.dynamodb_codec import from_attribute_map, string_value, to_attribute_map
from migration_runtime.record_mapping import Lookups, LookupTable, RecordMapping

# Versions of one definition read at once; a partition holding more is asked value by value.
DEFAULT_PARTITION_CACHE_ITEMS = 100


class UnknownLookupTable(ValueError):
    """The mapping asked for a table it does not declare in ``lookup_tables``, or by the wrong key."""


class DynamoDbLookups:
    """``Lookups`` reading the deployed tables (names from ``LOOKUP_TABLE_<NAME>`` unless given)."""

    def __init__(
        self,
        dynamodb: Any,
        tables: tuple[LookupTable, ...],
        *,
        table_name: Callable[[str], str] = settings.lookup_table_name,
        partition_cache_items: int = DEFAULT_PARTITION_CACHE_ITEMS,
    ) -> None:
        self._dynamodb = dynamodb
        self._tables = {table.name: table for table in tables}
        # Resolved now: a missing LOOKUP_TABLE_<NAME> fails the cold start, not the hundredth record.
        self._table_names = {table.name: table_name(table.name) for table in tables}
        self._items: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, Any] | None] = {}
        self._latest: dict[tuple[str, str, str], dict[str, Any] | None] = {}
        self._partition_cache_items = partition_cache_items
        # A whole partition, sorted by its sort key; None when it was too large to hold.
        self._partitions: dict[tuple[str, str], tuple[list[str], list[dict[str, Any]]] | None] = {}

    def get(self, table: str, key: Mapping[str, str]) -> dict[str, Any] | None:
        spec = self._table(table)
        expected = {spec.hash_key} | ({spec.range_key} if spec.range_key else set())
        if set(key) != expected:
            raise UnknownLookupTable(
                f"lookup table {table!r} is keyed by {sorted(expected)}, not {sorted(key)}"
            )
        cache_key = (table, tuple(sorted(key.items())))
        if cache_key not in self._items:
            response = self._dynamodb.get_item(
                TableName=self._table_names[table], Key=to_attribute_map(dict(key)), ConsistentRead=True
            )
            item = response.get("Item")
            self._items[cache_key] = from_attribute_map(item) if item else None
        return self._items[cache_key]

    def latest_at_or_before(self, table: str, hash_value: str, range_value: str) -> dict[str, Any] | None:
        spec = self._table(table)
        if spec.range_key is None:
            raise UnknownLookupTable(f"lookup table {table!r} has no sort key to look back along")
        partition_key = (table, hash_value)
        if partition_key not in self._partitions:
            self._partitions[partition_key] = self._whole_partition(spec, table, hash_value)
        partition = self._partitions[partition_key]
        if partition is not None:
            sort_values, items = partition
            position = bisect.bisect_right(sort_values, range_value)
            return items[position - 1] if position else None
        cache_key = (table, hash_value, range_value)
        if cache_key not in self._latest:
            response = self._dynamodb.query(
                TableName=self._table_names[table],
                KeyConditionExpression="#hash = :hash AND #range <= :range",
                ExpressionAttributeNames={"#hash": spec.hash_key, "#range": spec.range_key},
                ExpressionAttributeValues={
                    ":hash": string_value(hash_value),
                    ":range": string_value(range_value),
                },
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
            items = response.get("Items") or []
            self._latest[cache_key] = from_attribute_map(items[0]) if items else None
        return self._latest[cache_key]

    def _whole_partition(
        self, spec: LookupTable, table: str, hash_value: str
    ) -> tuple[list[str], list[dict[str, Any]]] | None:
        """The partition's items in sort key order, or None when it holds more than the cache takes."""
        if self._partition_cache_items <= 0:
            return None
        response = self._dynamodb.query(
            TableName=self._table_names[table],
            KeyConditionExpression="#hash = :hash",
            ExpressionAttributeNames={"#hash": spec.hash_key},
            ExpressionAttributeValues={":hash": string_value(hash_value)},
            ScanIndexForward=True,
            Limit=self._partition_cache_items,
            ConsistentRead=True,
        )
        if response.get("LastEvaluatedKey"):
            # More items, or exactly Limit of them (DynamoDB then still answers with a LastEvaluatedKey).
            return None
        items = [from_attribute_map(item) for item in response.get("Items") or []]
        return [str(item[spec.range_key]) for item in items], items

    def _table(self, table: str) -> LookupTable:
        spec = self._tables.get(table)
        if spec is None:
            known = ", ".join(sorted(self._tables)) or "none"
            raise UnknownLookupTable(f"no lookup table {table!r} in the mapping (its tables: {known})")
        return spec


class NoLookups:
    """The ``Lookups`` of a mapping without lookup tables: any read is the mapping's mistake."""

    def get(self, table: str, key: Mapping[str, str]) -> dict[str, Any] | None:
        raise UnknownLookupTable(f"no lookup table {table!r}: the mapping declares no lookup tables")

    def latest_at_or_before(self, table: str, hash_value: str, range_value: str) -> dict[str, Any] | None:
        raise UnknownLookupTable(f"no lookup table {table!r}: the mapping declares no lookup tables")


def lookups_for(mapping: RecordMapping, dynamodb: Any) -> Lookups:
    """A fresh ``Lookups`` (an empty cache) for one invocation of a function that transforms records."""
    if not mapping.lookup_tables:
        return NoLookups()
    return DynamoDbLookups(dynamodb, mapping.lookup_tables)
