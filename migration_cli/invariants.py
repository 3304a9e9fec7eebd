"""The invariants a local migration run must show, checked against the data itself (not the report's counts).

1. Every legacy record ends in exactly one of: migrated (an item for it in the new table), ineligible (its
   status is not migrated), rejected (a REJECTED entry in the ledger, in the control table), dead-lettered
   (its message in the migration DLQ).
2. Every intake message sent during the run is in the new table or in the intake DLQ with its reason;
   after a rollback, in the legacy table (the legacy consumer serves again) or in the intake DLQ.
3. Nothing reached the legacy table after the pause (after a rollback: the legacy consumer serves again
   and the new table got nothing from the intake). Online, the legacy backend serves until the cut-over's
   pause: the legacy table may hold intake messages too, but nothing else new and nothing gone.
4. One item per application in the new table: no leftover at an old key after a key moved, no duplicate.
Online, the records to account for (1.) are those of the final legacy table (loaded, and created by the
intake while the legacy backend served), and each is judged by where its *final* version ended (its
pointer's fate; an item must carry the final version's checksum): older copies of a changed record may
legitimately sit in the DLQ or the ledger. An intake message consumed by the legacy backend is accounted
for by its legacy record (2.).
A dry run must leave everything as it was: no new item, no ledger entry, no queued or dead-lettered
message, the legacy consumer still on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from migration_cli.report_model import InvariantOutcome
from migration_cli.stack_data import approximate_depth, peek_messages, scan_items
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.application_writes import Fate, is_pointer_item
from migration_runtime.lookup_tables import NoLookups
from migration_runtime.migration_ledger import REJECTED, LedgerEntry, read_ledger
from migration_runtime.migration_verification import expected_for
from migration_runtime.record_ids import record_id_of
from migration_runtime.record_mapping import Lookups, RecordMapping, load_mapping
from migration_runtime.run_sentinels import is_sentinel
from migration_runtime.timestamps import utc_now

_SHOWN_VIOLATIONS = 10


@dataclass(frozen=True)
class StackSnapshot:
    """Everything the checks read, read once after the run has settled."""

    legacy_items: list[dict[str, Any]]
    new_items: list[dict[str, Any]]
    ledger: list[LedgerEntry]
    """Every ledger entry of the control table."""
    migration_dlq_bodies: list[str]
    intake_dlq: list[tuple[str, str | None]]
    """(body, rejection_reason) of each intake DLQ message."""
    migration_queue_depth: int
    legacy_mapping_state: str
    new_mapping_state: str
    mapping: RecordMapping = field(default_factory=load_mapping)
    """The record mapping of the run: which field is a record's id, which records migrate."""
    lookups: Lookups = field(default_factory=NoLookups)
    """Its lookup tables (an online run recomputes an item's checksum)."""

    def record_id(self, item_or_body: Any) -> str | None:
        """The id of a legacy record, a record item or a message body (pointers: ``application_id``)."""
        return record_id_of(item_or_body, self.mapping.record_id_field)

    def ids(self, items: Iterable[dict[str, Any]]) -> list[str]:
        return [str(item.get(self.mapping.record_id_field)) for item in items]

    def record_items(self) -> list[dict[str, Any]]:
        """The mapping's record items of the new table (not the pointers)."""
        return [item for item in self.new_items if self.mapping.is_item(item)]


# Only the attributes the checks read: a projected scan is about twice as fast on the emulator.
# ``application_id`` is the pointers' (the machine's own name for a record id, whatever the mapping's).
_NEW_ATTRIBUTES = ("pk", "sk", "application_id", "source", "checksum", "fate")


def _legacy_attributes(mapping: RecordMapping) -> tuple[str, ...] | None:
    """What the checks read of a legacy record: its id and what eligibility reads, when the mapping says
    (an optional ``eligibility_fields``); None: every attribute."""
    eligibility_fields = getattr(mapping, "eligibility_fields", None)
    if eligibility_fields is None:
        return None
    return tuple(dict.fromkeys((mapping.record_id_field, *eligibility_fields)))


def _projection(names: tuple[str, ...]) -> dict[str, Any]:
    aliases = {f"#a{index}": name for index, name in enumerate(names)}
    return {"ProjectionExpression": ", ".join(aliases), "ExpressionAttributeNames": aliases}


def read_snapshot(
    dynamodb: Any,
    sqs: Any,
    lambda_client: Any,
    outputs: StackOutputs,
    *,
    whole_legacy_records: bool = False,
    mapping: RecordMapping | None = None,
) -> StackSnapshot:
    """Read everything the checks need, once, after the run has settled. ``whole_legacy_records``: read
    every attribute (an online run compares each item with its record's final version). ``mapping``: the
    run's (default: the one the stack outputs name)."""
    mapping = mapping or outputs.mapping()
    legacy_attributes = _legacy_attributes(mapping)
    legacy_projection = (
        {} if whole_legacy_records or legacy_attributes is None else _projection(legacy_attributes)
    )
    new_attributes = tuple(dict.fromkeys((*_NEW_ATTRIBUTES, mapping.record_id_field)))
    return StackSnapshot(
        legacy_items=list(scan_items(dynamodb, outputs.legacy_table_name, **legacy_projection)),
        new_items=list(scan_items(dynamodb, outputs.new_table_name, **_projection(new_attributes))),
        ledger=list(read_ledger(dynamodb, outputs.control_table_name)),
        migration_dlq_bodies=[message.body for message in peek_messages(sqs, outputs.migration_dlq_url)],
        intake_dlq=[
            (message.body, message.attributes.get("rejection_reason"))
            for message in peek_messages(sqs, outputs.intake_dlq_url)
        ],
        migration_queue_depth=approximate_depth(sqs, outputs.migration_queue_url),
        legacy_mapping_state=lambda_client.get_event_source_mapping(UUID=outputs.legacy_mapping_uuid)[
            "State"
        ],
        new_mapping_state=lambda_client.get_event_source_mapping(UUID=outputs.new_mapping_uuid)["State"],
        mapping=mapping,
        lookups=outputs.lookups(dynamodb, mapping),
    )


def _listed(values: Iterable[str]) -> str:
    values = sorted(values)
    shown = ", ".join(values[:_SHOWN_VIOLATIONS])
    return shown + (f" and {len(values) - _SHOWN_VIOLATIONS} more" if len(values) > _SHOWN_VIOLATIONS else "")


def _online_place(
    snapshot: StackSnapshot,
    record: dict[str, Any],
    fate: str | None,
    item: dict[str, Any] | None,
    rejected: bool,
    dead: bool,
) -> str | None:
    """Online, one application can have had several versions (captured changes): its place is where its
    final version ended, read from its pointer (older copies may sit in the DLQ or the ledger)."""
    is_eligible = snapshot.mapping.is_eligible
    if fate == Fate.LIVE:
        if item is not None and item.get("source") == "intake":
            return "migrated"  # resubmitted after the cut-over: the intake's copy is newer than the legacy's
        if (
            item is not None
            and is_eligible(record)
            and item.get("checksum")
            == expected_for(record, utc_now(), snapshot.mapping, snapshot.lookups).checksum
        ):
            return "migrated"
        return "dead-lettered" if dead else None  # the final version failed; an older one is in the table
    if fate == Fate.INELIGIBLE or (fate is None and not is_eligible(record)):
        return "ineligible" if not is_eligible(record) else ("dead-lettered" if dead else None)
    if fate == Fate.REJECTED or (fate is None and rejected):
        return "rejected" if rejected else None
    return "dead-lettered" if dead else None


def legacy_records_accounted_online(snapshot: StackSnapshot, record_ids: set[str]) -> InvariantOutcome:
    record_items = snapshot.record_items()
    items = dict(zip(snapshot.ids(record_items), record_items, strict=True))
    fates = {
        str(item.get("application_id")): item.get("fate")
        for item in snapshot.new_items
        if is_pointer_item(item, snapshot.mapping.record_kind)
    }
    rejected = {entry.application_id for entry in snapshot.ledger if entry.kind == REJECTED}
    dead = {snapshot.record_id(body) for body in snapshot.migration_dlq_bodies}
    by_id = dict(zip(snapshot.ids(snapshot.legacy_items), snapshot.legacy_items, strict=True))
    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    for application_id in record_ids:
        place = _online_place(
            snapshot,
            by_id[application_id],
            fates.get(application_id),
            items.get(application_id),
            application_id in rejected,
            application_id in dead,
        )
        if place is None:
            wrong.append(f"{application_id} (fate {fates.get(application_id) or 'none'})")
        else:
            outcomes[place] += 1
    return _accounted(
        outcomes,
        wrong,
        failed=f"{len(wrong)} of {len(record_ids)} legacy records did not end where their final version "
        "belongs",
        held=f"each of {len(record_ids)} legacy records' final version in exactly one place",
    )


def _accounted(outcomes: Counter[str], wrong: list[str], *, failed: str, held: str) -> InvariantOutcome:
    if wrong:
        return InvariantOutcome("legacy_records_accounted", False, f"{failed}: {_listed(wrong)}")
    summary = ", ".join(
        f"{name} {outcomes[name]}" for name in ("migrated", "ineligible", "rejected", "dead-lettered")
    )
    return InvariantOutcome("legacy_records_accounted", True, f"{held}: {summary}")


def legacy_records_accounted(snapshot: StackSnapshot, loaded_ids: set[str]) -> InvariantOutcome:
    migrated = set(snapshot.ids(snapshot.record_items()))
    rejected = {entry.application_id for entry in snapshot.ledger if entry.kind == REJECTED}
    dead = Counter(snapshot.record_id(body) for body in snapshot.migration_dlq_bodies)
    by_id = dict(zip(snapshot.ids(snapshot.legacy_items), snapshot.legacy_items, strict=True))
    is_eligible = snapshot.mapping.is_eligible

    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    for application_id in loaded_ids:
        record = by_id.get(application_id)
        places = [
            name
            for name, present in (
                ("migrated", application_id in migrated),
                ("ineligible", record is not None and not is_eligible(record)),
                ("rejected", application_id in rejected),
                ("dead-lettered", dead[application_id] > 0),
            )
            if present
        ]
        if len(places) == 1 and dead[application_id] <= 1:
            outcomes[places[0]] += 1
        else:
            wrong.append(f"{application_id} ({'+'.join(places) or 'nowhere'})")
    return _accounted(
        outcomes,
        wrong,
        failed=f"{len(wrong)} of {len(loaded_ids)} legacy records are not in exactly one place",
        held=f"each of {len(loaded_ids)} legacy records in exactly one place",
    )


def intake_messages_accounted(
    snapshot: StackSnapshot, sent_bodies: list[str], rolled_back: bool, online: bool = False
) -> InvariantOutcome:
    if rolled_back:
        served = set(snapshot.ids(snapshot.legacy_items))
        where = "the legacy table"
    elif online:
        served = set(snapshot.ids(snapshot.legacy_items)) | set(snapshot.ids(snapshot.record_items()))
        where = "the new table or (consumed before the cut-over) the legacy table"
    else:
        served = set(snapshot.ids(item for item in snapshot.record_items() if item.get("source") == "intake"))
        where = "the new table"
    dlq_bodies = Counter(body for body, reason in snapshot.intake_dlq if reason)
    lost: list[str] = []
    delivered = rejected = 0
    for index, body in enumerate(sent_bodies):
        application_id = snapshot.record_id(body)
        if dlq_bodies[body] > 0:
            dlq_bodies[body] -= 1
            rejected += 1
        elif application_id is not None and application_id in served:
            delivered += 1
        else:
            lost.append(application_id or f"message #{index}")
    if lost:
        return InvariantOutcome(
            "intake_messages_accounted",
            False,
            f"{len(lost)} of {len(sent_bodies)} intake messages are neither in {where} nor in the intake DLQ "
            f"with a reason: {_listed(lost)}",
        )
    return InvariantOutcome(
        "intake_messages_accounted",
        True,
        f"{len(sent_bodies)} intake messages: {delivered} in {where}, "
        f"{rejected} in the intake DLQ with a reason",
    )


def legacy_table_after_pause(
    snapshot: StackSnapshot,
    loaded_ids: set[str],
    rolled_back: bool,
    online: bool = False,
    sent_bodies: list[str] | None = None,
) -> InvariantOutcome:
    legacy_ids = set(snapshot.ids(snapshot.legacy_items))
    if rolled_back:
        from_intake = snapshot.ids(item for item in snapshot.record_items() if item.get("source") == "intake")
        serving = snapshot.legacy_mapping_state == "Enabled" and snapshot.new_mapping_state == "Disabled"
        holds = serving and not from_intake
        detail = (
            f"legacy consumer {snapshot.legacy_mapping_state}, new consumer {snapshot.new_mapping_state}; "
            f"{len(from_intake)} intake items in the new table"
        )
        return InvariantOutcome("legacy_serving_again", holds, detail)
    if online:
        sent_ids = {snapshot.record_id(body) for body in sent_bodies or []}
        extra = sorted(legacy_ids - loaded_ids - sent_ids)
        missing = sorted(loaded_ids - legacy_ids)
        holds = not extra and not missing
        detail = (
            f"the legacy table holds the {len(loaded_ids)} loaded records and "
            f"{len(legacy_ids - loaded_ids)} written by the intake before the cut-over, nothing else"
            if holds
            else f"legacy table changed other than by the intake: {len(extra)} new ({_listed(extra)}), "
            f"{len(missing)} gone ({_listed(missing)})"
        )
        return InvariantOutcome("legacy_table_changed_only_by_intake", holds, detail)
    extra = sorted(legacy_ids - loaded_ids)
    missing = sorted(loaded_ids - legacy_ids)
    holds = not extra and not missing
    detail = (
        f"the legacy table still holds exactly the {len(loaded_ids)} loaded records"
        if holds
        else f"legacy table changed: {len(extra)} new ({_listed(extra)}), "
        f"{len(missing)} gone ({_listed(missing)})"
    )
    return InvariantOutcome("legacy_table_untouched_after_pause", holds, detail)


def one_item_per_application(snapshot: StackSnapshot) -> InvariantOutcome:
    counts = Counter(snapshot.ids(snapshot.record_items()))
    doubled = sorted(application_id for application_id, count in counts.items() if count > 1)
    if doubled:
        return InvariantOutcome(
            "one_item_per_application",
            False,
            f"{len(doubled)} records have more than one item in the new table (a leftover at an old "
            f"key): {_listed(doubled)}",
        )
    return InvariantOutcome(
        "one_item_per_application", True, f"{len(counts)} records, one item each in the new table"
    )


def dry_run_changed_nothing(snapshot: StackSnapshot, loaded_ids: set[str]) -> InvariantOutcome:
    legacy_ids = set(snapshot.ids(snapshot.legacy_items))
    problems = []
    if snapshot.new_items:
        problems.append(f"{len(snapshot.new_items)} items in the new table")
    if snapshot.ledger:
        problems.append(f"{len(snapshot.ledger)} ledger entries in the control table")
    if snapshot.migration_queue_depth or snapshot.migration_dlq_bodies:
        problems.append("messages in the migration queue or its DLQ")
    if legacy_ids != loaded_ids:
        problems.append("the legacy table changed")
    if snapshot.legacy_mapping_state != "Enabled" or snapshot.new_mapping_state != "Disabled":
        problems.append(
            f"consumers changed (legacy {snapshot.legacy_mapping_state}, new {snapshot.new_mapping_state})"
        )
    return InvariantOutcome(
        "dry_run_changed_nothing",
        not problems,
        "; ".join(problems) or "no item written, no message queued, both consumers as they were",
    )


def check_invariants(
    snapshot: StackSnapshot,
    *,
    loaded_ids: set[str],
    sent_bodies: list[str],
    status: str,
    dry_run: bool,
    validated: bool,
    online: bool = False,
) -> list[InvariantOutcome]:
    """The invariants that apply to this outcome (see the module docstring)."""
    if dry_run:
        return [dry_run_changed_nothing(snapshot, loaded_ids)]
    rolled_back = status == "ROLLED_BACK"
    results = []
    if validated:
        # Online, the legacy backend served during the run: account for what its table holds at the end.
        if online and rolled_back:
            # The legacy backend never stopped and still serves; the capture stopped with the rollback, so
            # the new table (not serving) may be behind on changes made since: nothing to account there.
            results.append(
                InvariantOutcome(
                    "legacy_records_accounted",
                    True,
                    "not applicable: an online run that rolled back leaves every record with the legacy "
                    "backend, which never stopped serving",
                )
            )
        elif online:
            results.append(legacy_records_accounted_online(snapshot, _record_ids(snapshot)))
        else:
            results.append(legacy_records_accounted(snapshot, loaded_ids))
    else:
        results.append(
            InvariantOutcome(
                "legacy_records_accounted",
                True,
                "not applicable: the run ended before the migration was validated",
            )
        )
    results.append(intake_messages_accounted(snapshot, sent_bodies, rolled_back, online))
    results.append(legacy_table_after_pause(snapshot, loaded_ids, rolled_back, online, sent_bodies))
    results.append(one_item_per_application(snapshot))
    return results


def _record_ids(snapshot: StackSnapshot) -> set[str]:
    ids = set(snapshot.ids(snapshot.legacy_items))
    return {application_id for application_id in ids if not is_sentinel(application_id)}
