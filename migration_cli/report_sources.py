"""What the report reads from the stack at report time: the ledger, both DLQs and the new table.

- the ledger in the control table: every rejected record with its reason (a paginated Scan filtered on
  REJECTED; on AWS a filtered Scan still reads, and is billed for, the whole control table once);
- the migration DLQ: dead-lettered records, each with the last error the ledger kept for it;
- the intake DLQ: rejected intake messages with their `rejection_reason`;
- the new table: intake messages delivered to the new backend.
A record's id is read by the stack's record mapping (``record_id_field``). Every list holds every entry,
sorted by application id (the report is not bound by the state machine's
256 KiB).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from migration_cli.report_model import ListedRecord
from migration_cli.stack_data import count_items, peek_messages
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.dynamodb_codec import from_attribute_map
from migration_runtime.migration_ledger import (
    LAST_ERROR,
    REJECTED,
    LedgerEntry,
    ledger_entry,
    ledger_pk,
    read_ledger,
)
from migration_runtime.new_items import Source
from migration_runtime.record_ids import record_id_of


def _sorted(entries: Iterable[ListedRecord]) -> list[ListedRecord]:
    return sorted(entries, key=lambda entry: (entry.application_id or "", entry.reason))


def listed_rejections(entries: Iterable[LedgerEntry]) -> list[ListedRecord]:
    """The REJECTED entries among ledger entries already read, by application id."""
    return _sorted(
        ListedRecord(application_id=entry.application_id, reason=entry.reason)
        for entry in entries
        if entry.kind == REJECTED
    )


def rejected_records(dynamodb: Any, outputs: StackOutputs) -> list[ListedRecord]:
    """Every REJECTED entry of the ledger (control table), by application id."""
    return listed_rejections(read_ledger(dynamodb, outputs.control_table_name, kind=REJECTED))


def _last_error(dynamodb: Any, outputs: StackOutputs, application_id: str) -> LedgerEntry | None:
    response = dynamodb.get_item(
        TableName=outputs.control_table_name,
        Key={"pk": {"S": ledger_pk(application_id)}, "sk": {"S": LAST_ERROR}},
        ConsistentRead=True,
    )
    return ledger_entry(from_attribute_map(response["Item"])) if "Item" in response else None


def dead_lettered_records(
    sqs: Any, dynamodb: Any, outputs: StackOutputs, ledger: list[LedgerEntry] | None = None
) -> list[ListedRecord]:
    """Each message of the migration DLQ: its record id and the last error the ledger kept for it (from
    ``ledger`` when the caller has read it already, otherwise one read per message)."""
    last_errors = (
        None
        if ledger is None
        else {entry.application_id: entry for entry in ledger if entry.kind == LAST_ERROR}
    )
    entries = []
    id_field = outputs.mapping().record_id_field
    for message in peek_messages(sqs, outputs.migration_dlq_url):
        application_id = record_id_of(message.body, id_field)
        reason = "no error recorded for this record"
        if application_id is not None:
            entry = (
                _last_error(dynamodb, outputs, application_id)
                if last_errors is None
                else last_errors.get(application_id)
            )
            if entry is not None:
                reason = entry.reason
        else:
            reason = f"the message is not a record with an {id_field}"
        entries.append(ListedRecord(application_id=application_id, reason=reason))
    return sorted(entries, key=lambda entry: entry.application_id or "")


def rejected_intake_messages(sqs: Any, outputs: StackOutputs) -> list[ListedRecord]:
    """Each message of the intake DLQ: its record id (when the body has one) and its rejection reason."""
    id_field = outputs.mapping().record_id_field
    return _sorted(
        ListedRecord(
            application_id=record_id_of(message.body, id_field),
            reason=message.attributes.get("rejection_reason")
            or "no rejection_reason: dead-lettered by SQS after repeated failures (see the consumer's logs)",
        )
        for message in peek_messages(sqs, outputs.intake_dlq_url)
    )


def intake_delivered_count(dynamodb: Any, outputs: StackOutputs) -> int:
    """Items the new backend wrote from intake messages (source = intake)."""
    return count_items(
        dynamodb,
        outputs.new_table_name,
        FilterExpression="#source = :intake",
        ExpressionAttributeNames={"#source": "source"},
        ExpressionAttributeValues={":intake": {"S": Source.INTAKE.value}},
    )
