"""DynamoDB items built in linear time: moto re-measures the whole item for every attribute it adds.

``moto.dynamodb.models.dynamo_type.Item.__init__`` fills a ``LimitedSizeDict`` one attribute at a time,
and each insertion sums the size of every attribute already there (walking nested maps and lists) to
enforce the 400 KB item limit: quadratic in the number of attributes. Measured with cProfile on PutItem
of legacy records (a dozen attributes, nested maps), building the item was half of moto's time for the
request. The replacement keeps a running total while it builds the item, checks the same limit at the
same attribute, and raises the same ``ItemSizeTooLarge``; later writes to an item's attributes
(UpdateItem) still go through ``LimitedSizeDict.__setitem__`` unchanged.

Internals used (contract tests: tests/runtime/test_runtime_moto_contracts.py):
``Item.__init__(self, hash_key, range_key, attrs)`` setting ``hash_key``, ``range_key`` and ``attrs``
(a ``LimitedSizeDict`` of ``DynamoType``); ``LimitedSizeDict.__setitem__``'s size rule and its 405000
byte limit; ``DynamoType.size()``; ``moto.dynamodb.models.utilities.bytesize``; ``ItemSizeTooLarge``.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

from embedded_aws.moto_internals.patching import PatchSet

# moto's limit (AWS documents 400 KB; moto measured the real one between 409 and 410 KB).
ITEM_SIZE_LIMIT = 405000


def _item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    built = LimitedSizeDict()
    size_so_far = 0
    for key, value in attrs.items():
        attribute = DynamoType(value)
        attribute_size = attribute.size()
        # LimitedSizeDict.__setitem__'s rule, with the sum of what is already there kept, not recomputed.
        if size_so_far + bytesize(key) + attribute_size > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(built, key, attribute)
        size_so_far += bytesize(str(key)) + attribute_size
    self.attrs = built


def install(patches: PatchSet) -> None:
    patches.replace(Item, "__init__", _item_init)
