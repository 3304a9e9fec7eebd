"""Table scans (no index) that find their page by bisection in a cached key order, not by sorting.

moto's ``Table.scan`` calls ``Table.all_items()`` for every page: it builds and sorts the list of all N
items (``DynamoType.__lt__`` in Python), then walks it from the start, comparing each item with the
ExclusiveStartKey through ``_item_comes_before_dct``, until it reaches the page. That is O(N log N)
Python work per page and O(N^2) per full scan (and again per segment of a parallel scan).

Here, for a scan without ``index_name``, the order of the table's keys is kept per table and reused:
it is the order ``all_items()`` gives (by hash key, then range key, compared as ``DynamoType`` compares
them, by ``cast_value``), and it changes only when a key is added or removed, so it is dropped then
(``Table.put_item`` storing a key that is not in it, ``Table.delete_item`` removing one), not when an
item is overwritten. A table whose ``items`` dict was replaced gets a new order too. The page starts
right after the ExclusiveStartKey (bisection: the first key that ``_item_comes_before_dct`` would not
skip), and from there the loop is moto's: ``Item.is_within_segment``, the ``Limit`` count, the 1 MB
``RESULT_SIZE_LIMIT`` with ``item.size()``, the legacy ``ScanFilter`` conditions, ``scanned_count``,
a deep copy of each result, then the filter expression and the projection, and the LastEvaluatedKey
from ``_get_last_evaluated_key``. Anything unusual (an index, an ExclusiveStartKey that lacks a key
attribute or has another type, keys that do not compare) goes to moto's own code unchanged.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``Table.scan`` (signature and loop, mirrored), ``Table.all_items`` (its order), ``Table.items``
(``defaultdict(dict)`` by hash key, then range key), ``Table.hash_key_attr`` / ``range_key_attr`` /
``hash_key_type`` / ``range_key_type``, ``Table._item_comes_before_dct`` (its skip rule),
``Table._get_last_evaluated_key``, ``Table.put_item`` returning the stored ``Item``,
``Table.delete_item`` returning the removed item or None, ``Item.is_within_segment``, ``Item.size``,
``DynamoType.cast_value``, ``moto.dynamodb.models.table.RESULT_SIZE_LIMIT``.
"""

from __future__ import annotations

import bisect
import copy
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import moto.dynamodb.models.table as table_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from embedded_aws.moto_internals.patching import PatchSet

ScanResult = tuple[list[Item], int, dict[str, Any] | None]


@dataclass(frozen=True, slots=True)
class KeyOrder:
    """The table's keys in ``all_items()`` order, as of ``version``."""

    version: int
    items: Any  # the table's ``items`` dict this was read from
    sort_keys: list[Any]  # hash cast_value, or (hash, range) cast_values: what bisect compares
    keys: list[Any]  # the dict keys: hash DynamoType, or (hash, range) DynamoTypes


class _TableKeys:
    """Per table: a version bumped whenever a key is added or removed, and the last order read."""

    def __init__(self) -> None:
        self.version = 0
        self.order: KeyOrder | None = None
        self.lock = threading.Lock()

    def key_set_changed(self) -> None:
        with self.lock:
            self.version += 1
            self.order = None


_tables: weakref.WeakKeyDictionary[Table, _TableKeys] = weakref.WeakKeyDictionary()
_tables_lock = threading.Lock()


def _table_keys(table: Table) -> _TableKeys:
    state = _tables.get(table)
    if state is None:
        with _tables_lock:
            state = _tables.get(table)
            if state is None:
                state = _tables[table] = _TableKeys()
    return state


def _sort_key(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Any:
    if table.range_key_attr is None:
        return hash_key.cast_value
    return (hash_key.cast_value, range_key.cast_value)  # type: ignore[union-attr]


def cached_key_order(table: Table) -> KeyOrder | None:
    """The key order the next scan of ``table`` would use as it is, or None if it must be read again."""
    state = _tables.get(table)
    order = state.order if state is not None else None
    if order is None or order.version != state.version or order.items is not table.items:  # type: ignore[union-attr]
        return None
    return order


def key_order(table: Table) -> KeyOrder:
    """The table's current key order (built now if a key was added or removed since the last one)."""
    order = cached_key_order(table)
    if order is not None:
        return order
    state = _table_keys(table)
    items = table.items
    version = state.version  # read before the keys: a change from here on makes this order stale
    if table.range_key_attr is None:
        entries = [(hash_key.cast_value, hash_key) for hash_key in list(items)]
    else:
        entries = [
            ((hash_key.cast_value, range_key.cast_value), (hash_key, range_key))
            for hash_key, bucket in list(items.items())
            for range_key in list(bucket)
        ]
    entries.sort(key=lambda entry: entry[0])  # raises TypeError where all_items() would too
    order = KeyOrder(version, items, [entry[0] for entry in entries], [entry[1] for entry in entries])
    with state.lock:
        if state.version == version:
            state.order = order
    return order


def _contains(order: KeyOrder, sort_key: Any) -> bool:
    position = bisect.bisect_left(order.sort_keys, sort_key)
    return position < len(order.sort_keys) and order.sort_keys[position] == sort_key


def _wrap_put_item(original: Callable[..., Item]) -> Callable[..., Item]:
    def put_item(self: Table, *args: Any, **kwargs: Any) -> Item:
        item = original(self, *args, **kwargs)
        state = _tables.get(self)
        if state is not None:
            # An overwrite keeps the order; a new key (or anything not provably known) drops it.
            order = cached_key_order(self)
            try:
                known = order is not None and _contains(order, _sort_key(self, item.hash_key, item.range_key))
            except TypeError:
                known = False
            if not known:
                state.key_set_changed()
        return item

    return put_item


def _wrap_delete_item(original: Callable[..., Item | None]) -> Callable[..., Item | None]:
    def delete_item(self: Table, *args: Any, **kwargs: Any) -> Item | None:
        item = original(self, *args, **kwargs)
        if item is not None:
            state = _tables.get(self)
            if state is not None:
                state.key_set_changed()
        return item

    return delete_item


def _start_sort_key(table: Table, exclusive_start_key: Any) -> Any:
    """The ExclusiveStartKey as a sort key, or None when moto's own code should handle it."""
    if not isinstance(exclusive_start_key, dict):
        return None
    wanted = [(table.hash_key_attr, table.hash_key_type)]
    if table.range_key_attr is not None:
        wanted.append((table.range_key_attr, table.range_key_type))
    cast_values = []
    for name, type_name in wanted:
        value = exclusive_start_key.get(name)
        if not isinstance(value, dict) or len(value) != 1 or type_name not in value:
            return None
        try:
            cast_values.append(DynamoType(value).cast_value)
        except Exception:
            return None
    return cast_values[0] if len(cast_values) == 1 else tuple(cast_values)


def _stored(table: Table, key: Any) -> Item | None:
    # dict.get, not []: a defaultdict lookup would add an empty bucket.
    if table.range_key_attr is None:
        return table.items.get(key)
    bucket = table.items.get(key[0])
    return None if bucket is None else bucket.get(key[1])


def _passes_scan_filters(item: Item, filters: dict[str, Any]) -> bool:
    # moto's loop over the legacy ScanFilter conditions, as in Table.scan.
    for attribute_name in filters:
        attribute = item.attrs.get(attribute_name)
        (comparison_operator, comparison_objs) = filters[attribute_name]
        if attribute:
            if not attribute.compare(comparison_operator, comparison_objs):
                return False
        elif comparison_operator == "NULL":
            continue
        else:
            return False
    return True


def _wrap_scan(original: Callable[..., ScanResult]) -> Callable[..., ScanResult]:
    def scan(
        self: Table,
        filters: dict[str, Any],
        limit: int,
        exclusive_start_key: dict[str, Any],
        filter_expression: Any = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        projection_expression: list[list[str]] | None = None,
        segments: tuple[None, None] | tuple[int, int] = (None, None),
    ) -> ScanResult:
        def moto_scan() -> ScanResult:
            return original(
                self,
                filters,
                limit,
                exclusive_start_key,
                filter_expression,
                index_name,
                consistent_read,
                projection_expression,
                segments=segments,
            )

        if index_name:
            return moto_scan()
        try:
            order = key_order(self)
            start = 0
            if exclusive_start_key is not None:
                start_sort_key = _start_sort_key(self, exclusive_start_key)
                if start_sort_key is None:
                    return moto_scan()
                start = bisect.bisect_right(order.sort_keys, start_sort_key)
        except TypeError:
            return moto_scan()

        results: list[Item] = []
        result_size = 0
        scanned_count = 0
        last_evaluated_key = None
        size_limit = table_module.RESULT_SIZE_LIMIT
        keys = order.keys
        for position in range(start, len(keys)):
            item = _stored(self, keys[position])
            if item is None:  # removed since the order was read
                continue
            if not item.is_within_segment(segments):
                continue

            reached_length_limit = len(results) == limit
            reached_size_limit = (result_size + item.size()) > size_limit
            if reached_length_limit or reached_size_limit:
                last_evaluated_key = self._get_last_evaluated_key(results[-1], index_name)
                break

            copied = copy.deepcopy(item)
            if _passes_scan_filters(copied, filters):
                results.append(copied)
                result_size += item.size()

            scanned_count += 1

        if filter_expression is not None:
            results = [item for item in results if filter_expression.expr(item)]

        if projection_expression:
            results = [r.project(projection_expression) for r in results]

        return results, scanned_count, last_evaluated_key

    return scan


def install(patches: PatchSet) -> None:
    patches.replace(Table, "scan", _wrap_scan(Table.scan))
    patches.replace(Table, "put_item", _wrap_put_item(Table.put_item))
    patches.replace(Table, "delete_item", _wrap_delete_item(Table.delete_item))
