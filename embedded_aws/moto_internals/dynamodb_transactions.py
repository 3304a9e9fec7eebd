"""TransactWriteItems in O(items touched): an undo log of the touched items instead of table copies.

moto 5.2.5's ``DynamoDBBackend.transact_write_items`` deep-copies every table a transaction names before
it starts, to put the copies back if it is cancelled: O(table size) per call, so a migration writing
each of N records in a transaction costs O(N^2) (and a cancelled one also swapped out the table object
under any concurrent writer). Here the stored value of each touched key is read before its operation
and exactly those keys are restored on cancel. Everything else is moto's: the same operations in the same
order through the same backend methods (so conditions, validation, item size and the packed items of
``dynamodb_compact_items`` behave as for single writes), every condition evaluated, the cancellation
reasons in request order (``Item`` with ``ReturnValuesOnConditionCheckFailure=ALL_OLD``), the 100-item
limit, one operation per item and one item per transaction. A transaction's stream records are written
only once it succeeded, one per item (``dynamodb_streams.recording_one_request``): a cancelled
transaction leaves no stream record, as on DynamoDB
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html: the items of a
TransactWriteItems are written "in an all-or-nothing operation").

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts_dynamodb_streams.py):
``DynamoDBBackend.transact_write_items(transact_items)``, ``get_table``, ``get_keys_value``,
``get_item``, ``put_item`` / ``delete_item`` / ``update_item`` with the keyword arguments moto's own
transaction passes; ``Table.items`` (a dict keyed by hash key, then by range key), ``hash_key_attr`` /
``range_key_attr``; ``moto.dynamodb.comparisons.get_filter_expression(...).expr(item)``; the exceptions
``TooManyTransactionsException``, ``TransactWriteSingleOpException``, ``MultipleTransactionsException``,
``MockValidationException``, ``ConditionalCheckFailed(item=...)`` with ``.message`` and
``TransactionCanceledException(errors)`` taking ``(code, message, item)`` triples.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from embedded_aws.moto_internals.dynamodb_compact_items import PackedItem
from embedded_aws.moto_internals.dynamodb_streams import recording_one_request
from embedded_aws.moto_internals.patching import PatchSet

# DynamoDB's limit: "up to 100 action requests" per TransactWriteItems (moto's exception says the same).
MAX_TRANSACTION_ITEMS = 100
# DynamoDB isolates transactions from each other ("serializable isolation" between TransactWriteItems and
# other transactions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html).
# The server runs requests on many threads: without this lock two transactions could both pass the same
# condition and both write (the new table's pointer protocol relies on exactly that condition).
_TRANSACTIONS = threading.Lock()
_OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
_ABSENT = object()


class _ConditionFailed(ConditionalCheckFailed):
    """The transaction's own condition check failed; ``old`` is the item for ALL_OLD, if asked."""

    def __init__(self, old: dict[str, Any] | None) -> None:
        super().__init__(item=old)
        self.old = old


@dataclass(frozen=True)
class _Undo:
    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    stored: Any  # the stored item as it was (a PackedItem is immutable), or _ABSENT


def _stored(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Any:
    # .get only: indexing the defaultdict would create an entry.
    if range_key is None:
        stored = table.items.get(hash_key, _ABSENT)
    else:
        stored = table.items.get(hash_key, {}).get(range_key, _ABSENT)
    if stored is _ABSENT or type(stored) is PackedItem:
        return stored
    # A plain Item is updated in place by UpdateItem: keep a copy of it as it is now.
    return copy.deepcopy(stored)


def _restore(undo: _Undo) -> None:
    items = undo.table.items
    if undo.range_key is None:
        if undo.stored is _ABSENT:
            items.pop(undo.hash_key, None)
        else:
            items[undo.hash_key] = undo.stored
        return
    bucket = items.get(undo.hash_key)
    if undo.stored is _ABSENT:
        if bucket is not None:
            bucket.pop(undo.range_key, None)
            if not bucket:
                items.pop(undo.hash_key, None)
    else:
        items[undo.hash_key][undo.range_key] = undo.stored


def _operation(entry: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if len(entry) > 1:
        raise TransactWriteSingleOpException
    return next(iter(entry.items()))


def _key(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _apply(backend: DynamoDBBackend, op_type: str, op: dict[str, Any], key: dict[str, Any]) -> None:
    """One operation, exactly as moto's transaction runs it (its condition checked first)."""
    table_name = op["TableName"]
    condition_expression = op.get("ConditionExpression")
    names = op.get("ExpressionAttributeNames")
    values = op.get("ExpressionAttributeValues")
    current = backend.get_item(table_name, key)
    if condition_expression is not None:
        condition = get_filter_expression(condition_expression, names, values)
        if not condition.expr(current):
            old = None
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            raise _ConditionFailed(old)
    if op_type == "Put":
        backend.put_item(
            table_name,
            op["Item"],
            condition_expression=condition_expression,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )
    elif op_type == "Delete":
        backend.delete_item(
            table_name,
            key,
            condition_expression=condition_expression,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )
    elif op_type == "Update":
        backend.update_item(
            table_name,
            key,
            update_expression=op["UpdateExpression"],
            condition_expression=condition_expression,
            expression_attribute_names=names,
            expression_attribute_values=values,
        )


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > MAX_TRANSACTION_ITEMS:
        raise TooManyTransactionsException()
    with _TRANSACTIONS:
        _transact(self, transact_items)


def _transact(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    undo_log: list[_Undo] = []
    touched: set[tuple[str, str]] = set()

    def roll_back() -> None:
        for undo in reversed(undo_log):
            _restore(undo)

    with recording_one_request(discard_on_error=True):
        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        for entry in transact_items:
            try:
                op_type, op = _operation(entry)
            except TransactWriteSingleOpException:
                roll_back()
                raise
            try:
                if op_type not in _OPERATIONS:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                key = _key(self, op_type, op)
                identity = (str(table_name), str(dict(sorted(key.items()))))
                if identity in touched:
                    raise MultipleTransactionsException()
                touched.add(identity)
                table = self.get_table(table_name)
                hash_key, range_key = self.get_keys_value(table, key)
                if op_type != "ConditionCheck":
                    undo_log.append(_Undo(table, hash_key, range_key, _stored(table, hash_key, range_key)))
                _apply(self, op_type, op, key)
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                roll_back()
                raise
            except ConditionalCheckFailed as failed:
                old = failed.old if isinstance(failed, _ConditionFailed) else None
                errors.append(("ConditionalCheckFailed", str(failed.message), old))
            except Exception as error:  # moto's rule: any other failure is this item's cancellation reason
                errors.append((type(error).__name__, str(error), None))
        if any(code is not None for code, _, _ in errors):
            roll_back()
            raise TransactionCanceledException(errors)


def install(patches: PatchSet) -> None:
    patches.replace(DynamoDBBackend, "transact_write_items", transact_write_items)
