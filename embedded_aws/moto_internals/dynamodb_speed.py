"""DynamoDB items built in linear time: moto re-measures the whole item for every attribute it adds.

``moto.dynamodb.models.dynamo_type.Item.__init__`` fills a ``LimitedSizeDict`` one attribute at a time,
and each insertion sums the size of every attribute already there (walking nested maps and lists) to
enforce the 400 KB item limit: quadratic in the number of attributes. Measured with cProfile on PutItem
of legacy records (a dozen attributes, nested maps), building the item was half of moto's time for the
request. The replacement keeps a running total while it builds the item, checks the same limit at the
same attribute, and raises the same ``ItemSizeTooLarge``; later writes to an item's attributes
(UpdateItem) go through ``LimitedSizeDict.__setitem__`` with the same rule.

The limit is AWS's, not moto's: "Quotas in Amazon DynamoDB"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html): "The maximum item
size in DynamoDB is 400 KB, which includes both attribute name binary length (UTF-8 length) and
attribute value lengths", i.e. 409,600 bytes; moto refuses from 405,000, so an item AWS stores was
refused locally. Over the limit, PutItem answers ``ValidationException: Item size has exceeded the
maximum allowed size`` (moto's ``ItemSizeTooLarge``).

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``Item.__init__(self, hash_key, range_key, attrs)`` setting ``hash_key``, ``range_key`` and ``attrs``
(a ``LimitedSizeDict`` of ``DynamoType``); ``LimitedSizeDict.__setitem__``'s size rule (replaced with
the same rule at AWS's limit) and its 405000 byte limit; ``DynamoType.size()``;
``moto.dynamodb.models.utilities.bytesize``; ``ItemSizeTooLarge``.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

from embedded_aws.moto_internals.patching import PatchSet

# The service's limit, 400 KB counted as 400 x 1,024 bytes (measured limits lie between 409 and 410 KB).
# Deliberately not migration_runtime.aws_limits.DYNAMODB_MAX_ITEM_BYTES: the application may read "400 KB"
# more strictly (as 400,000 bytes) to stay safe; the emulator must refuse only what AWS refuses.
ITEM_SIZE_LIMIT = 400 * 1024
# moto's own limit (its comment: "the actual limit is between 409 and 410KB", it picked 405,000).
MOTO_ITEM_SIZE_LIMIT = 405000


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


def _size_of(value: Any) -> int:
    return value.size() if type(value) is DynamoType else bytesize(str(value))


def _limited_setitem(self: LimitedSizeDict, key: str, value: Any) -> None:
    # LimitedSizeDict.__setitem__'s rule (what is there, the replaced value included, plus the new one).
    current = sum(_size_of(item) for item in (list(self.keys()) + list(self.values())))
    if current + bytesize(key) + _size_of(value) > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    dict.__setitem__(self, key, value)


def install(patches: PatchSet) -> None:
    patches.replace(Item, "__init__", _item_init)
    patches.replace(LimitedSizeDict, "__setitem__", _limited_setitem)
