"""Items built by the runtime's linear-time ``Item.__init__`` are those moto builds, size limit included."""

from __future__ import annotations

from typing import Any

import pytest
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from embedded_aws.moto_internals import dynamodb_speed
from embedded_aws.moto_internals.patching import PatchSet

HASH_KEY = DynamoType({"S": "id-1"})


def nested_record() -> dict[str, Any]:
    return {
        "application_id": {"S": "id-1"},
        "business": {"M": {"name": {"S": "Zoë's Bakery"}, "tags": {"SS": ["a", "b"]}, "n": {"N": "1.5"}}},
        "steps": {"L": [{"S": "x"}, {"M": {"done": {"BOOL": True}}}, {"NULL": True}]},
        "blob": {"B": b"\x00\x01"},
        "numbers": {"NS": ["1", "22"]},
    }


def padded(total_bytes: int) -> dict[str, Any]:
    """Attributes "a".."d" whose sizes as moto counts them (name + value bytes) add up to ``total_bytes``."""
    quarter = total_bytes // 4
    sizes = [quarter, quarter, quarter, total_bytes - 3 * quarter]
    return {name: {"S": "x" * (size - len(name))} for name, size in zip("abcd", sizes, strict=True)}


def build(attrs: dict[str, Any], patched: bool) -> Item | type[Exception]:
    patches = PatchSet()
    if patched:
        dynamodb_speed.install(patches)
    try:
        return Item(HASH_KEY, None, attrs)
    except ItemSizeTooLarge:
        return ItemSizeTooLarge
    finally:
        patches.restore()


@pytest.mark.parametrize(
    "attrs",
    [
        pytest.param(nested_record(), id="nested record"),
        pytest.param({}, id="no attributes"),
        pytest.param(padded(dynamodb_speed.ITEM_SIZE_LIMIT), id="exactly at the limit"),
        pytest.param(padded(dynamodb_speed.ITEM_SIZE_LIMIT + 1), id="one byte over"),
    ],
)
def test_items_and_size_errors_are_the_same_as_moto_s(attrs):
    # GIVEN attributes / WHEN moto and the runtime each build an item from them
    stock = build(attrs, patched=False)
    fast = build(attrs, patched=True)

    # THEN both give the same item (same attributes, same order, same types) or both refuse it
    if stock is ItemSizeTooLarge:
        assert fast is ItemSizeTooLarge
    else:
        assert isinstance(fast, Item) and isinstance(stock, Item)
        assert type(fast.attrs) is type(stock.attrs)
        assert list(fast.attrs) == list(stock.attrs)
        assert fast == stock and fast.to_json() == stock.to_json()
        assert (fast.hash_key, fast.range_key) == (stock.hash_key, stock.range_key)


def test_the_limit_cases_really_straddle_moto_s_limit():
    # GIVEN the two padded items / WHEN stock moto builds them / THEN one fits exactly and the other does not
    assert isinstance(build(padded(dynamodb_speed.ITEM_SIZE_LIMIT), patched=False), Item)
    assert build(padded(dynamodb_speed.ITEM_SIZE_LIMIT + 1), patched=False) is ItemSizeTooLarge


def test_attributes_written_later_are_still_size_checked():
    # GIVEN an item built by the runtime, just under the limit
    patches = PatchSet()
    dynamodb_speed.install(patches)
    try:
        item = Item(HASH_KEY, None, padded(dynamodb_speed.ITEM_SIZE_LIMIT - 10))
    finally:
        patches.restore()

    # WHEN an attribute that crosses the limit is added (as UpdateItem does) / THEN moto refuses it
    with pytest.raises(ItemSizeTooLarge):
        item.attrs["e"] = DynamoType({"S": "y" * 20})
