"""DynamoDB items kept compact at rest: one ``bytes`` per item instead of a tree of Python objects.

moto keeps every stored item as an ``Item`` whose attributes are ``DynamoType`` objects, one per
attribute, nested map entry and list element, each with its own ``__dict__``. Measured for legacy
records whose wire JSON is ~800 bytes: ~4.0 KB of heap per item (tracemalloc), 5.8 KiB of RSS per item
with 100,000 loaded through the emulator. A migration holds 100,000 legacy records plus the items it
writes in one process, so the items alone took most of the 1 GiB budget. Packed: ~1.1 KB of heap and
1.2 KiB of RSS per item.

Here an item is stored as a ``PackedItem``: its key ``DynamoType`` objects (the table's dicts are keyed
by them, and sorting, segments and LastEvaluatedKey read them), its size as moto counts it, and its
attributes as one ``marshal`` blob of ``(type, value)`` tuples. ``marshal`` keeps ``str``, ``bytes``,
``bool`` and lists apart exactly, so unpacking gives back the very values moto stored (a ``B`` value
stays ``bytes`` or ``str``, as it was). Reading ``attrs`` unpacks a fresh ``LimitedSizeDict``, so every
read-only use of a stored item in moto keeps working unchanged. Writes are handled where moto makes them:

- ``Table.put_item`` stores a plain ``Item``: it is replaced right after by its packed form (the caller
  still gets the plain ``Item`` moto returned);
- ``Table.get_item`` returns a plain, fresh ``Item`` unpacked from the stored one (moto's callers mutate
  what it returns);
- ``DynamoDBBackend.update_item`` mutates the ``Item`` it got from ``table.get_item`` in place: every
  such ``Item`` handed out during the call is stored again, packed, when the call ends (also when it
  fails, as moto keeps whatever an update changed before it failed);
- ``Table.delete_item`` returns the removed item as a plain ``Item``;
- deep copies: a stored item copied on its own (query results, ``copy.deepcopy(item)`` in scans) is a
  plain ``Item``; a whole table copied (transaction rollback state, backups) or the items copied into a
  restored table stay packed and share the immutable bytes;
- an item that cannot be packed exactly (a value of a type this does not round-trip) stays a plain
  ``Item``: every path above accepts both;
- everything else that reads stored items (``all_items()`` for queries, PartiQL, exports, index scans;
  stream records of a delete; condition checks on the copy ``get_item`` returns) only reads ``attrs``,
  ``size()`` and the keys, and gets an unpacked copy per read of ``attrs``.
A packed item refuses the one ``Item`` method that mutates it in place (``update_with_attribute_updates``)
instead of losing the change.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``Item`` with ``hash_key`` / ``range_key`` / ``attrs`` (a ``LimitedSizeDict`` of ``DynamoType`` with
``type`` and ``value``; ``M`` values are dicts and ``L`` values lists of ``DynamoType``), ``Item.size``
and ``DynamoType.size``'s rules (mirrored), ``Item.update_with_attribute_updates`` being the only method
that changes an existing item's attributes;
``BaseModel.__new__`` tracking instances (bypassed) and ``moto.core.model_instances.model_data`` (the
subclass is taken out of it); ``Table.items`` (a ``defaultdict(dict)`` keyed by hash key, then by range
key), ``Table.put_item`` storing and returning the ``Item``, ``Table.get_item`` returning the stored one,
``Table.delete_item`` returning the removed one; ``DynamoDBBackend.update_item`` reading the item with
``table.get_item`` and mutating it; tables deep-copied with the default ``copy`` protocol (no
``__deepcopy__`` / ``__reduce__`` / ``__getstate__`` of their own); ``RestoredTable.__init__`` and
``RestoredPITTable.__init__`` deep-copying the source items.
"""

from __future__ import annotations

import copy
import marshal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.model_instances import model_data
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import RestoredPITTable, RestoredTable, Table

from embedded_aws.moto_internals.patching import PatchSet

_SET_TYPES = frozenset({"SS", "NS", "BS"})
_LEAF_TYPES = (str, bytes, bool)
_new_object = object.__new__


class _Unpackable(Exception):
    """The item holds something the packed form would not give back exactly."""


def _bytesize(value: str | bytes) -> int:
    # moto.dynamodb.models.utilities.bytesize
    return len(value if isinstance(value, bytes) else value.encode("utf-8"))


def _scalar_size(type_name: str, value: Any) -> int:
    # DynamoType.size() for a value that is neither a set, a list nor a map.
    if type_name == "N":
        return len(str(value))
    if isinstance(value, bool):
        return 1
    return _bytesize(value)


def _raw(node: Any) -> tuple[tuple[str, Any], int]:
    """(the node as ``(type, value)`` tuples, its size as ``DynamoType.size()`` counts it)."""
    if type(node) is not DynamoType:
        raise _Unpackable
    type_name = node.type
    value = node.value
    if type(type_name) is not str:
        raise _Unpackable
    if type_name == "M":
        if type(value) is not dict:
            raise _Unpackable
        entries = {}
        size = 0
        for key, child in value.items():
            if type(key) is not str:
                raise _Unpackable
            entries[key], child_size = _raw(child)
            size += _bytesize(key) + child_size
        return (type_name, entries), size
    if type_name == "L":
        if type(value) is not list:
            raise _Unpackable
        elements = []
        size = 0
        for child in value:
            element, child_size = _raw(child)
            elements.append(element)
            size += child_size
        return (type_name, elements), size
    if type_name in _SET_TYPES:
        if type(value) is not list or any(type(member) not in (str, bytes) for member in value):
            raise _Unpackable
        member_type = type_name[0]
        return (type_name, value), sum(_scalar_size(member_type, member) for member in value)
    if type(value) not in _LEAF_TYPES:
        raise _Unpackable
    return (type_name, value), _scalar_size(type_name, value)


def _node(type_name: str, value: Any) -> DynamoType:
    """The ``DynamoType`` ``DynamoType({type_name: value})`` builds, from its packed tuples."""
    node = _new_object(DynamoType)
    node.type = type_name
    if type_name == "M":
        value = {key: _node(*child) for key, child in value.items()}
    elif type_name == "L":
        value = [_node(*child) for child in value]
    node.value = value
    return node


def _copy_key(key: DynamoType | None) -> DynamoType | None:
    """A key's own copy (as ``DynamoType.__deepcopy__`` makes it: keys are S, N or B, immutable values)."""
    if type(key) is not DynamoType or type(key.value) not in _LEAF_TYPES:
        return copy.deepcopy(key)
    copied = _new_object(DynamoType)
    copied.type = key.type
    copied.value = key.value
    return copied


class _CompactCopies(threading.local):
    depth = 0


_compact_copies = _CompactCopies()


@contextmanager
def _copying_stored_items() -> Iterator[None]:
    """Within: a packed item deep-copied stays packed (it is being copied into another table's items)."""
    _compact_copies.depth += 1
    try:
        yield
    finally:
        _compact_copies.depth -= 1


class PackedItem(Item):
    """A stored item: keys as ``DynamoType``, attributes packed; ``attrs`` unpacks a fresh copy."""

    hash_key: DynamoType
    range_key: DynamoType | None
    packed_attrs: bytes
    packed_size: int

    def __new__(cls, *_args: Any, **_kwargs: Any) -> PackedItem:
        # Not BaseModel.__new__: moto's dashboard list of instances would keep every stored item alive.
        return _new_object(cls)

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError("PackedItem is made with PackedItem.pack(item)")

    @classmethod
    def pack(cls, item: Item) -> PackedItem | None:
        """The packed form of a plain ``Item``; None if it holds what would not come back exactly."""
        if type(item) is not Item or type(item.attrs) is not LimitedSizeDict:
            return None
        try:
            tree = {}
            size = 0
            for name, attribute in item.attrs.items():
                if type(name) is not str:
                    raise _Unpackable
                tree[name], attribute_size = _raw(attribute)
                size += _bytesize(name) + attribute_size
            blob = marshal.dumps(tree)
        except (_Unpackable, ValueError):
            return None
        packed = _new_object(cls)
        packed.hash_key = item.hash_key
        packed.range_key = item.range_key
        packed.packed_attrs = blob
        packed.packed_size = size
        return packed

    @property
    def attrs(self) -> LimitedSizeDict:  # type: ignore[override]
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        # dict.update inserts directly: the item passed LimitedSizeDict's size check when it was written.
        dict.update(attrs, {name: _node(*raw) for name, raw in marshal.loads(self.packed_attrs).items()})
        return attrs

    def hydrate(self) -> Item:
        """A plain ``Item`` equal to this one, with objects of its own (as moto's deep copy gives)."""
        item = Item.__new__(Item)
        item.hash_key = _copy_key(self.hash_key)
        item.range_key = _copy_key(self.range_key)
        item.attrs = self.attrs
        return item

    def size(self) -> int:
        return self.packed_size

    def project(self, projection_expressions: list[list[str]]) -> Item:
        return self.hydrate().project(projection_expressions)

    def update_with_attribute_updates(self, attribute_updates: dict[str, Any]) -> None:
        raise TypeError("a packed item is read-only: update the Item that Table.get_item returns")

    def __deepcopy__(self, memo: dict[int, Any]) -> Item:
        if id(self) in memo:  # pragma: no cover - items hold no cycles
            return memo[id(self)]
        if _compact_copies.depth:
            copied = _new_object(PackedItem)
            memo[id(self)] = copied
            copied.hash_key = copy.deepcopy(self.hash_key, memo)
            copied.range_key = copy.deepcopy(self.range_key, memo)
            copied.packed_attrs = self.packed_attrs  # immutable: shared
            copied.packed_size = self.packed_size
            return copied
        hydrated = self.hydrate()
        memo[id(self)] = hydrated
        return hydrated


# InstanceTrackerMeta registered the subclass for moto's dashboard under this module's "service".
_registered = model_data.get(PackedItem.__module__.split(".")[1])
if _registered is not None and _registered.get(PackedItem.__name__) is PackedItem:
    del _registered[PackedItem.__name__]
    if not _registered:
        del model_data[PackedItem.__module__.split(".")[1]]


def _replace_stored(table: Table, item: Item, replacement: Item, only_if: Item | None) -> None:
    """Put ``replacement`` where ``item``'s key is stored, if the key is there (and holds ``only_if``)."""
    items = table.items
    if item.range_key is not None:
        bucket = items.get(item.hash_key)
        if bucket is None or item.range_key not in bucket:
            return
        if only_if is None or bucket[item.range_key] is only_if:
            bucket[item.range_key] = replacement
    elif item.hash_key in items and (only_if is None or items[item.hash_key] is only_if):
        items[item.hash_key] = replacement


class _Checkout:
    """The items ``table.get_item`` handed out during one ``update_item`` call (stored again after it)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.items: list[Item] = []


class _Checkouts(threading.local):
    def __init__(self) -> None:
        self.stack: list[_Checkout] = []


_checkouts = _Checkouts()


def _store_again(table: Table, item: Item) -> None:
    _replace_stored(table, item, PackedItem.pack(item) or item, only_if=None)


def _wrap_put_item(original: Callable[..., Item]) -> Callable[..., Item]:
    def put_item(self: Table, *args: Any, **kwargs: Any) -> Item:
        item = original(self, *args, **kwargs)
        packed = PackedItem.pack(item)
        if packed is not None:
            _replace_stored(self, item, packed, only_if=item)
        return item

    return put_item


def _wrap_get_item(original: Callable[..., Item | None]) -> Callable[..., Item | None]:
    def get_item(self: Table, *args: Any, **kwargs: Any) -> Item | None:
        item = original(self, *args, **kwargs)
        if type(item) is not PackedItem:
            # None, a projection (a new Item), or a stored item that could not be packed (moto's own).
            return item
        hydrated = item.hydrate()
        stack = _checkouts.stack
        if stack and stack[-1].table is self:
            stack[-1].items.append(hydrated)
        return hydrated

    return get_item


def _wrap_delete_item(original: Callable[..., Item | None]) -> Callable[..., Item | None]:
    def delete_item(self: Table, *args: Any, **kwargs: Any) -> Item | None:
        item = original(self, *args, **kwargs)
        return item.hydrate() if type(item) is PackedItem else item

    return delete_item


def _wrap_update_item(original: Callable[..., Item]) -> Callable[..., Item]:
    def update_item(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Item:
        try:
            table = self.get_table(args[0] if args else kwargs["table_name"])
        except Exception:
            return original(self, *args, **kwargs)  # moto raises its own error for it
        checkout = _Checkout(table)
        _checkouts.stack.append(checkout)
        try:
            return original(self, *args, **kwargs)
        finally:
            _checkouts.stack.pop()
            for item in checkout.items:
                _store_again(table, item)

    return update_item


def _table_deepcopy(self: Table, memo: dict[int, Any]) -> Table:
    # What copy.deepcopy does for a Table without this method (copyreg.__newobj__, then the deep-copied
    # __dict__ applied), with the stored items copied packed.
    cls = type(self)
    copied = cls.__new__(cls)
    memo[id(self)] = copied
    with _copying_stored_items():
        state = copy.deepcopy(self.__dict__, memo)
    copied.__dict__.update(state)
    return copied


def _wrap_restored_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Table, *args: Any, **kwargs: Any) -> None:
        with _copying_stored_items():
            original(self, *args, **kwargs)

    return __init__


def install(patches: PatchSet) -> None:
    patches.replace(Table, "put_item", _wrap_put_item(Table.put_item))
    patches.replace(Table, "get_item", _wrap_get_item(Table.get_item))
    patches.replace(Table, "delete_item", _wrap_delete_item(Table.delete_item))
    patches.replace(Table, "__deepcopy__", _table_deepcopy)
    patches.replace(DynamoDBBackend, "update_item", _wrap_update_item(DynamoDBBackend.update_item))
    for restored in (RestoredTable, RestoredPITTable):
        patches.replace(restored, "__init__", _wrap_restored_init(vars(restored)["__init__"]))
