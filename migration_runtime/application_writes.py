"""Every write of a copy of an application to the new table: which copy wins, and no item left behind.

The new table keeps one *pointer* item per record (``pk = <record_kind>#<record id>``, ``sk = POINTER``;
``APPLICATION#<application_id>`` for onboarding) next to its record item. The pointer holds the version
of the copy the table reflects (``copy_versions``), a ``revision`` counter, and the application's fate:
- ``live``: its one onboarding item is at ``item_pk``/``item_sk``, with ``checksum``;
- ``removed`` (the legacy record was deleted: a tombstone, so a late scanned copy cannot resurrect it),
  ``ineligible`` (its status makes it not migrate), ``rejected`` (invalid): no onboarding item.
So the new service finds an application's current item from its id, and a copy that moves the key
(``customer_id`` or ``submitted_at`` changed) or the fate deletes the previous item in the same step.

A write is planned from the pointer (``plan_write``: ``supersedes`` decides) and applied as ONE
TransactWriteItems (``apply_plan``): Put the pointer, conditioned on it still being the one planned from
(``attribute_not_exists(pk)``, or ``revision = :seen``), Put the new item when live, Delete the old item
when the key moved or the fate is no longer live. A condition on the version alone would not do: equal
versions replace at rank 0, so two scanned copies planned from the same pointer could both pass it and
the second would leave the first one's item behind; the revision changes with every pointer write.
A transaction cancelled because the pointer changed meanwhile is planned again from the pointer
DynamoDB returns with the cancellation (``ReturnValuesOnConditionCheckFailure=ALL_OLD``), a bounded
number of times (then ``WriteContended`` is raised and the queue retries the message).

The read is saved in the common case: the first attempt assumes no pointer (most copies are an
application's first), so a first copy costs one transaction, and a redelivery, a key move or a stale copy
one cancelled transaction (whose cancellation carries the pointer) plus, when something is to be written,
one more transaction. Transactional writes cost two write units per KB of each item written
("Amazon DynamoDB pricing for on-demand capacity", https://aws.amazon.com/dynamodb/pricing/on-demand/:
"transactional write requests require 2 write request units to perform one write for items up to 1 KB");
the cost model prices them that way (``migration_cli.cost_model.transaction_write_units``).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from migration_runtime.aws_limits import DYNAMODB_MAX_PARTITION_KEY_BYTES
from migration_runtime.copy_versions import INTAKE_RANK, SCAN_COPY_VERSION, supersedes
from migration_runtime.dynamodb_codec import from_attribute_map, number_value, string_value, to_attribute_map
from migration_runtime.safe_text import utf8_size

DEFAULT_RECORD_KIND = "APPLICATION"
"""The onboarding mapping's ``record_kind``: what a copy's pointer is keyed by unless it says otherwise."""
POINTER_PK_PREFIX = f"{DEFAULT_RECORD_KIND}#"
POINTER_SK = "POINTER"
MAX_POINTER_APPLICATION_ID_BYTES = DYNAMODB_MAX_PARTITION_KEY_BYTES - len(POINTER_PK_PREFIX)
DEFAULT_MAX_ATTEMPTS = 5
_CANCELLED = "TransactionCanceledException"


class Fate(StrEnum):
    LIVE = "live"
    REMOVED = "removed"
    INELIGIBLE = "ineligible"
    REJECTED = "rejected"


class WriteOutcome(StrEnum):
    CREATED = "created"  # the application has an item now and had none (first copy, or live again)
    UPDATED = "updated"  # new content at the same key
    UNCHANGED = "unchanged"  # same content at the same key; only the newer version was recorded
    MOVED = "moved"  # the key changed: the new item written and the old one deleted together
    RETIRED = "retired"  # no longer live: the item deleted, the fate recorded
    RECORDED = "recorded"  # not live and no item to delete: only the fate recorded (e.g. a tombstone)
    DUPLICATE = "duplicate"  # this very copy is already applied (a redelivery): nothing written
    STALE = "stale"  # a newer copy is already applied: nothing written
    SKIPPED = "skipped"  # a scanned copy that is not live, of an application the table does not hold


@dataclass(frozen=True)
class Pointer:
    version: str
    fate: Fate
    revision: int = 0
    item_key: tuple[str, str] | None = None  # where the live item is
    checksum: str | None = None

    @property
    def rank(self) -> str:
        return self.version.partition("#")[0]

    def same_state(self, other: Pointer) -> bool:
        return (self.version, self.fate, self.item_key, self.checksum) == (
            other.version,
            other.fate,
            other.item_key,
            other.checksum,
        )


@dataclass(frozen=True)
class ApplicationCopy:
    """One copy of an application, as a road delivers it: its version and the fate it gives."""

    application_id: str  # the record's id (its mapping's ``record_id_field``)
    version: str
    fate: Fate
    item: Mapping[str, Any] | None = None  # the record item (without ``version``), when live
    record_kind: str = DEFAULT_RECORD_KIND  # its mapping's: the pointer's key prefix

    def __post_init__(self) -> None:
        if (self.fate is Fate.LIVE) != (self.item is not None):
            raise ValueError("a live copy carries its item, and only a live copy does")

    def pointer(self, revision: int) -> Pointer:
        if self.item is None:
            return Pointer(self.version, self.fate, revision)
        key = (str(self.item["pk"]), str(self.item["sk"]))
        return Pointer(self.version, self.fate, revision, key, str(self.item["checksum"]))


@dataclass(frozen=True)
class WritePlan:
    outcome: WriteOutcome
    seen: Pointer | None  # the pointer the plan was made from (None: none)
    transact_items: tuple[dict[str, Any], ...] = field(default=())  # empty: nothing to write


@dataclass(frozen=True)
class WriteResult:
    outcome: WriteOutcome
    previous: Pointer | None
    """The pointer the decision was made from: for a stale copy, the newer one that won."""
    transactions: int = 0
    reads: int = 0

    @property
    def superseded_by_intake(self) -> bool:
        return (
            self.outcome is WriteOutcome.STALE
            and self.previous is not None
            and (self.previous.rank == INTAKE_RANK)
        )


class PointerKeyTooLong(ValueError):
    """An application id the pointer's partition key cannot hold."""


class PointerChanged(Exception):
    """The transaction was cancelled because the pointer is no longer the one planned from."""

    def __init__(self, current: Pointer | None, *, known: bool) -> None:
        super().__init__("the application's pointer changed meanwhile")
        self.current = current
        self.known = known  # False: cancelled for another reason (a conflict); read the pointer again


class WriteContended(RuntimeError):
    """The pointer kept changing under every attempt: the message is retried by its queue."""


def pointer_prefix(record_kind: str) -> str:
    return f"{record_kind}#"


def pointer_key_problem(
    application_id: str, record_kind: str = DEFAULT_RECORD_KIND, id_field: str = "application_id"
) -> str | None:
    """Why the pointer of this record could not be stored (its id too long for the key), or None."""
    prefix = pointer_prefix(record_kind)
    max_bytes = DYNAMODB_MAX_PARTITION_KEY_BYTES - len(prefix)
    if utf8_size(application_id) > max_bytes:
        return (
            f"{id_field}: longer than {max_bytes} bytes in UTF-8 "
            f"(DynamoDB's {DYNAMODB_MAX_PARTITION_KEY_BYTES}-byte partition key limit, with the "
            f"{prefix!r} prefix)"
        )
    return None


def pointer_key(application_id: str, record_kind: str = DEFAULT_RECORD_KIND) -> dict[str, str]:
    problem = pointer_key_problem(application_id, record_kind)
    if problem:
        raise PointerKeyTooLong(problem)
    return {"pk": f"{pointer_prefix(record_kind)}{application_id}", "sk": POINTER_SK}


def is_pointer_item(item: Mapping[str, Any], record_kind: str = DEFAULT_RECORD_KIND) -> bool:
    return str(item.get("pk", "")).startswith(pointer_prefix(record_kind)) and item.get("sk") == POINTER_SK


def pointer_from_item(item: Mapping[str, Any]) -> Pointer:
    item_pk, item_sk = item.get("item_pk"), item.get("item_sk")
    return Pointer(
        version=str(item["version"]),
        fate=Fate(str(item["fate"])),
        revision=int(item.get("revision", 0)),
        item_key=(str(item_pk), str(item_sk)) if item_pk is not None and item_sk is not None else None,
        checksum=str(item["checksum"]) if item.get("checksum") is not None else None,
    )


def application_id_of_pointer(item: Mapping[str, Any], record_kind: str = DEFAULT_RECORD_KIND) -> str:
    return str(item["pk"]).removeprefix(pointer_prefix(record_kind))


def _pointer_item(application_id: str, pointer: Pointer, record_kind: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        **pointer_key(application_id, record_kind),
        # The machine's own attribute name for the record's id, whatever the mapping calls it.
        "application_id": application_id,
        "version": pointer.version,
        "revision": pointer.revision,
        "fate": pointer.fate.value,
    }
    if pointer.item_key is not None:
        item["item_pk"], item["item_sk"] = pointer.item_key
        item["checksum"] = pointer.checksum
    return item


def plan_write(table_name: str, copy: ApplicationCopy, seen: Pointer | None) -> WritePlan:
    """What writing ``copy`` over ``seen`` takes: pure, so a test can interleave plans and transactions."""
    if seen is None:
        if copy.fate is not Fate.LIVE and copy.version == SCAN_COPY_VERSION:
            # A rank-0 pointer that holds no item protects nothing (any copy replaces it): the bulk copy
            # of an ineligible or invalid record writes nothing, as before pointers existed.
            return WritePlan(WriteOutcome.SKIPPED, seen)
        outcome = WriteOutcome.CREATED if copy.fate is Fate.LIVE else WriteOutcome.RECORDED
        return _plan(table_name, copy, seen, outcome)
    if not supersedes(copy.version, seen.version):
        return WritePlan(WriteOutcome.DUPLICATE if copy.version == seen.version else WriteOutcome.STALE, seen)
    wanted = copy.pointer(seen.revision + 1)
    if wanted.same_state(seen):
        return WritePlan(WriteOutcome.DUPLICATE, seen)  # a rank-0 redelivery of the same content
    return _plan(table_name, copy, seen, _outcome(seen, wanted))


def _outcome(seen: Pointer, wanted: Pointer) -> WriteOutcome:
    if wanted.fate is not Fate.LIVE:
        return WriteOutcome.RETIRED if seen.fate is Fate.LIVE else WriteOutcome.RECORDED
    if seen.fate is not Fate.LIVE:
        return WriteOutcome.CREATED
    if seen.item_key != wanted.item_key:
        return WriteOutcome.MOVED
    return WriteOutcome.UNCHANGED if seen.checksum == wanted.checksum else WriteOutcome.UPDATED


def _plan(table_name: str, copy: ApplicationCopy, seen: Pointer | None, outcome: WriteOutcome) -> WritePlan:
    wanted = copy.pointer(seen.revision + 1 if seen else 1)
    pointer_put: dict[str, Any] = {
        "TableName": table_name,
        "Item": to_attribute_map(_pointer_item(copy.application_id, wanted, copy.record_kind)),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if seen is None:
        pointer_put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        pointer_put["ConditionExpression"] = "#revision = :seen"
        pointer_put["ExpressionAttributeNames"] = {"#revision": "revision"}
        pointer_put["ExpressionAttributeValues"] = {":seen": number_value(seen.revision)}
    # The pointer goes first: its cancellation reason is read from position 0.
    actions: list[dict[str, Any]] = [{"Put": pointer_put}]
    if copy.item is not None:
        item = {**copy.item, "version": copy.version}
        actions.append({"Put": {"TableName": table_name, "Item": to_attribute_map(item)}})
    old_key = seen.item_key if seen is not None and seen.fate is Fate.LIVE else None
    if old_key is not None and old_key != wanted.item_key:
        key = {"pk": string_value(old_key[0]), "sk": string_value(old_key[1])}
        actions.append({"Delete": {"TableName": table_name, "Key": key}})
    return WritePlan(outcome, seen, tuple(actions))


def read_pointer(
    dynamodb: Any, table_name: str, application_id: str, record_kind: str = DEFAULT_RECORD_KIND
) -> Pointer | None:
    key = {name: string_value(value) for name, value in pointer_key(application_id, record_kind).items()}
    item = dynamodb.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item")
    return pointer_from_item(from_attribute_map(item)) if item else None


def apply_plan(dynamodb: Any, plan: WritePlan) -> None:
    """Run the plan's transaction; ``PointerChanged`` when it was cancelled by the pointer's condition."""
    if not plan.transact_items:
        return
    try:
        dynamodb.transact_write_items(TransactItems=list(plan.transact_items))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != _CANCELLED:
            raise
        reasons = error.response.get("CancellationReasons") or []
        pointer_reason = reasons[0] if reasons else {}
        if pointer_reason.get("Code") != "ConditionalCheckFailed":
            # A conflict with a concurrent transaction (or an unexplained cancellation): read again.
            raise PointerChanged(None, known=False) from error
        old = pointer_reason.get("Item")
        raise PointerChanged(
            pointer_from_item(from_attribute_map(old)) if old else None, known=True
        ) from error


def write_copy(
    dynamodb: Any, table_name: str, copy: ApplicationCopy, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS
) -> WriteResult:
    """Apply ``copy`` if it wins: the one write path of the migration (scan and stream) and the intake."""
    steps = write_steps(dynamodb, table_name, copy, max_attempts=max_attempts)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def write_steps(
    dynamodb: Any, table_name: str, copy: ApplicationCopy, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS
) -> Generator[WritePlan, None, WriteResult]:
    """``write_copy`` one step at a time: yields each plan just before its transaction is sent.

    Between a plan and its transaction another writer may change the pointer; a test drives several of
    these generators in an interleaved order to check that the pointer's condition makes that harmless.
    """
    pointer_key(copy.application_id, copy.record_kind)  # raises PointerKeyTooLong before anything is sent
    seen: Pointer | None = None  # assumed first: most copies are their application's first
    transactions = reads = 0
    for _ in range(max_attempts):
        plan = plan_write(table_name, copy, seen)
        if not plan.transact_items:
            return WriteResult(plan.outcome, seen, transactions, reads)
        yield plan
        transactions += 1
        try:
            apply_plan(dynamodb, plan)
        except PointerChanged as changed:
            if changed.known:
                seen = changed.current
            else:
                reads += 1
                seen = read_pointer(dynamodb, table_name, copy.application_id, copy.record_kind)
            continue
        return WriteResult(plan.outcome, seen, transactions, reads)
    raise WriteContended(
        f"the pointer of the application changed under each of {max_attempts} attempts; retried later"
    )
