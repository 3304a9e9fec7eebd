"""Items built by the runtime's linear-time ``Item.__init__`` are those moto builds; the size limit is AWS's.

AWS, "Quotas in Amazon DynamoDB": 400 KB per item (409,600 bytes, names and values); moto refuses from
405,000 bytes.
"""

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
        pytest.param(padded(dynamodb_speed.MOTO_ITEM_SIZE_LIMIT), id="exactly at moto's limit"),
    ],
)
def test_items_are_the_same_as_moto_s(attrs):
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


def test_items_up_to_aws_s_400_kb_are_stored_and_one_byte_more_is_refused():
    # GIVEN items of exactly 409,600 bytes and one byte more
    at_limit, over = padded(dynamodb_speed.ITEM_SIZE_LIMIT), padded(dynamodb_speed.ITEM_SIZE_LIMIT + 1)

    # WHEN the runtime builds them / THEN the first is stored, the second refused (as AWS does)
    assert dynamodb_speed.ITEM_SIZE_LIMIT == 400 * 1024
    assert isinstance(build(at_limit, patched=True), Item)
    assert build(over, patched=True) is ItemSizeTooLarge
    # while stock moto refused the first too (its limit is 405,000 bytes)
    assert build(at_limit, patched=False) is ItemSizeTooLarge
    assert isinstance(build(padded(dynamodb_speed.MOTO_ITEM_SIZE_LIMIT), patched=False), Item)


def test_attributes_written_later_are_size_checked_at_aws_s_limit():
    # GIVEN an item built by the runtime, over moto's limit but under AWS's
    patches = PatchSet()
    dynamodb_speed.install(patches)
    try:
        item = Item(HASH_KEY, None, padded(dynamodb_speed.MOTO_ITEM_SIZE_LIMIT + 100))

        # WHEN attributes are added (as UpdateItem does)
        item.attrs["e"] = DynamoType({"S": "y" * 20})

        # THEN one that stays under 400 KB is kept, one that crosses it is refused
        assert item.attrs["e"] == DynamoType({"S": "y" * 20})
        with pytest.raises(ItemSizeTooLarge):
            item.attrs["f"] = DynamoType({"S": "z" * 5000})
    finally:
        patches.restore()
