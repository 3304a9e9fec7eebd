"""Verify a migration: compare the legacy table with the new table, record by record.

Both tables, and the ledger in the control table, are scanned in parallel segments. For each eligible
legacy record the expected item is recomputed by its record mapping (validate + transform, with the
mapping's lookups, + checksum) and looked up in the new table:
- found, written by the migration: migrated; its checksum must equal the recomputed one, and must also
  match the stored content itself (so a changed attribute is caught, not only a changed checksum);
- found, written by the intake: superseded_by_intake (live data is newer; not compared);
- not found, REJECTED in the ledger: rejected (reported with its reason, does not make the run unclean);
- otherwise: missing, with the last error from the ledger when there is one.
So eligible == migrated + superseded_by_intake + rejected + missing. DLQ depths count visible and
in-flight messages. The applications' pointer items (``application_writes``) are read, not compared:
an onboarding item that is not its application's pointer's current item (a leftover at an old key, or
an item of an application whose pointer says removed, ineligible or rejected) counts in
``stale_items``; an item without a pointer (written before pointers existed) is not judged. Sentinel
records of an online run (``run_sentinels``) are not records: skipped on both sides.
clean = no missing, no checksum mismatch, no stale item, empty migration DLQ.

The result goes into the state machine's state, so it stays bounded whatever N and the records hold:
every count, and a bounded sample of each list (see ``bounded_sample``: at most 20 entries, texts cut to
300 characters, ``truncated`` when anything was cut). The full lists are in the ledger, read by ``report``.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from migration_runtime.application_writes import (
    Fate,
    Pointer,
    is_pointer_item,
    pointer_from_item,
    pointer_key,
    pointer_key_problem,
)
from migration_runtime.bounded_sample import bounded_sample
from migration_runtime.change_log import changed_since, record_changed
from migration_runtime.checksum import checksum
from migration_runtime.consistent_batch_get import consistent_get_many, key_identity
from migration_runtime.execution_input import DEFAULT_SEGMENTS, MAX_SEGMENTS
from migration_runtime.legacy_scan import scan_segment
from migration_runtime.lookup_tables import NoLookups
from migration_runtime.migration_ledger import (
    LAST_ERROR,
    REJECTED,
    LedgerEntry,
    ledger_entry,
    ledger_pk,
    read_ledger,
)
from migration_runtime.new_items import Source, content_of, fitting_content
from migration_runtime.record_ids import record_id_of
from migration_runtime.record_mapping import Lookups, RecordMapping
from migration_runtime.record_validation import RecordRejected
from migration_runtime.run_sentinels import is_sentinel
from migration_runtime.timestamps import utc_now
from migration_runtime.validation_result import (
    Finding,
    RecordRef,
    ValidationCounts,
    ValidationResult,
    ValidationScope,
)


@dataclass(frozen=True)
class _Expected:
    application_id: str
    key: tuple[str, str] | None  # None when the record no longer validates
    checksum: str | None
    invalid_reason: str | None


@dataclass
class _LegacySide:
    legacy: int = 0
    ineligible: int = 0
    expected: list[_Expected] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    source: str
    checksum: str
    content_checksum: str


@dataclass
class _NewSide:
    targets: dict[tuple[str, str], _Target] = field(default_factory=dict)
    target_app_ids: set[str] = field(default_factory=set)
    item_apps: dict[tuple[str, str], str] = field(default_factory=dict)  # item key -> its application
    current_items: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # pointer: live key
    ledger: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)


def verify_migration(
    *,
    dynamodb: Any,
    sqs: Any,
    legacy_table_name: str,
    new_table_name: str,
    control_table_name: str,
    migration_dlq_url: str,
    intake_dlq_url: str,
    mapping: RecordMapping,
    lookups: Lookups | None = None,
    segments: int = DEFAULT_SEGMENTS,
    now: datetime | None = None,
    record_suspects: bool = False,
) -> ValidationResult:
    """Both tables in full. ``record_suspects``: mark every application found different as changed (an
    online run's verification while the legacy backend still serves). ``lookups``: the mapping's lookup
    tables (none needed when the mapping has none)."""
    lookups = lookups or NoLookups()
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ValueError(f"segments must be between 1 and {MAX_SEGMENTS}")
    validation_time = now or utc_now()
    with ThreadPoolExecutor(max_workers=3 * segments) as pool:
        legacy_parts = [
            pool.submit(
                _read_legacy_segment,
                dynamodb,
                legacy_table_name,
                segment,
                segments,
                validation_time,
                mapping,
                lookups,
            )
            for segment in range(segments)
        ]
        new_parts = [
            pool.submit(_read_new_segment, dynamodb, new_table_name, segment, segments, mapping)
            for segment in range(segments)
        ]
        ledger_parts = [
            pool.submit(_read_ledger_segment, dynamodb, control_table_name, segment, segments)
            for segment in range(segments)
        ]
        legacy = _merge_legacy(part.result() for part in legacy_parts)
        new = _merge_new(part.result() for part in new_parts)
        for part in ledger_parts:
            new.ledger.update(part.result())
    result, suspects = _compare(
        legacy,
        new,
        migration_dlq_messages=queue_depth(sqs, migration_dlq_url),
        intake_dlq_messages=queue_depth(sqs, intake_dlq_url),
    )
    if record_suspects:
        # Online, the legacy backend still serves: a difference may be a change still on its way. Each one
        # is marked changed, so the cut-over's re-verification looks at it again once the stream caught up.
        record_changed(dynamodb, control_table_name, application_ids=suspects, at=validation_time)
    return result


CLOCK_SKEW_MARGIN = timedelta(seconds=5)


def verify_changed_records(
    *,
    dynamodb: Any,
    sqs: Any,
    legacy_table_name: str,
    new_table_name: str,
    control_table_name: str,
    migration_dlq_url: str,
    intake_dlq_url: str,
    since: datetime,
    mapping: RecordMapping,
    lookups: Lookups | None = None,
    now: datetime | None = None,
    record_suspects: bool = False,
) -> ValidationResult:
    """The cut-over's re-verification in an online run: only the applications marked changed since
    ``since`` (by the change capture, or as suspects of the verification while serving), read with
    consistent batch reads - O(changes), not O(N), while the intake is paused. Counts are of that set.

    ``record_suspects``: the legacy backend still serves (the round between the full verification and the
    pause); every application found different is marked changed again, at this verification's time,
    for the cut-over's re-verification, and the scope says so.

    ``since`` is when the last verification made while serving began: a change before it was either
    applied before that verification read the record (verified then) or found different and marked
    (a suspect, marked at that verification's time), so only later marks need reading again."""
    validation_time = now or utc_now()
    lookups = lookups or NoLookups()
    # The marks carry the capture's clock, ``since`` the state machine's: a margin for clock skew.
    changed = sorted(set(changed_since(dynamodb, control_table_name, since=since - CLOCK_SKEW_MARGIN)))
    reads = _ChangedRecordReads.read(
        dynamodb,
        legacy_table_name=legacy_table_name,
        new_table_name=new_table_name,
        control_table_name=control_table_name,
        application_ids=changed,
        mapping=mapping,
    )
    legacy = _LegacySide()
    new = _NewSide()
    gone_but_live: list[str] = []
    for application_id in changed:
        record = reads.legacy.get(application_id)
        pointer = reads.pointers.get(application_id)
        if pointer is not None and pointer.fate is Fate.LIVE and pointer.item_key is not None:
            new.current_items[application_id] = pointer.item_key
            item = reads.items.get(application_id)
            if item is not None:
                _add_target(new, item, mapping.record_id_field)
        elif pointer is not None:
            new.current_items[application_id] = None
        for ledger in reads.ledger.get(application_id, []):
            new.ledger[(ledger.application_id, ledger.kind)] = ledger
        if record is None:
            # Deleted from the legacy table: its copy must be gone from the new one too.
            if new.current_items.get(application_id):
                gone_but_live.append(application_id)
            continue
        legacy.legacy += 1
        if mapping.is_eligible(record):
            legacy.expected.append(expected_for(record, validation_time, mapping, lookups))
        else:
            legacy.ineligible += 1
            # An ineligible record keeps no item: a live pointer is a copy that should have been retired.
            if new.current_items.get(application_id):
                gone_but_live.append(application_id)
    result, suspects = _compare(
        legacy,
        new,
        migration_dlq_messages=queue_depth(sqs, migration_dlq_url),
        intake_dlq_messages=queue_depth(sqs, intake_dlq_url),
        scope=ValidationScope.CHANGED_WHILE_SERVING if record_suspects else ValidationScope.CHANGED,
    )
    if record_suspects:
        # Still serving: a difference may be a change on its way (see verify_migration).
        record_changed(
            dynamodb, control_table_name, application_ids=[*suspects, *gone_but_live], at=validation_time
        )
    if not gone_but_live:
        return result
    stale = result.counts.stale_items + len(gone_but_live)
    counts = result.counts.model_copy(update={"stale_items": stale})
    return result.model_copy(update={"counts": counts, "clean": False})


@dataclass(frozen=True)
class _ChangedRecordReads:
    """Everything the re-verification of a set of applications reads, in consistent batches (one call
    per 100 keys and table): their legacy records, pointers, current items and ledger entries."""

    legacy: dict[str, dict[str, Any]]
    pointers: dict[str, Pointer]
    items: dict[str, dict[str, Any]]
    ledger: dict[str, list[LedgerEntry]]

    @classmethod
    def read(
        cls,
        dynamodb: Any,
        *,
        legacy_table_name: str,
        new_table_name: str,
        control_table_name: str,
        application_ids: list[str],
        mapping: RecordMapping,
    ) -> _ChangedRecordReads:
        id_field = mapping.record_id_field
        legacy_keys = {application_id: {id_field: application_id} for application_id in application_ids}
        # An id too long for a pointer's key can never have been written: nothing to read for it.
        pointer_keys = {
            application_id: pointer_key(application_id, mapping.record_kind)
            for application_id in application_ids
            if pointer_key_problem(application_id, mapping.record_kind) is None
        }
        ledger_keys = {
            (application_id, kind): {"pk": ledger_pk(application_id), "sk": kind}
            for application_id in application_ids
            for kind in (REJECTED, LAST_ERROR)
        }
        legacy_found = consistent_get_many(dynamodb, legacy_table_name, legacy_keys.values())
        pointers_found = consistent_get_many(dynamodb, new_table_name, pointer_keys.values())
        ledger_found = consistent_get_many(dynamodb, control_table_name, ledger_keys.values())
        pointers = {
            application_id: pointer_from_item(pointers_found[key_identity(key)])
            for application_id, key in pointer_keys.items()
            if key_identity(key) in pointers_found
        }
        item_keys = {
            application_id: {"pk": pointer.item_key[0], "sk": pointer.item_key[1]}
            for application_id, pointer in pointers.items()
            if pointer.fate is Fate.LIVE and pointer.item_key is not None
        }
        items_found = consistent_get_many(dynamodb, new_table_name, item_keys.values())
        ledger: dict[str, list[LedgerEntry]] = {}
        for (application_id, _), key in ledger_keys.items():
            raw = ledger_found.get(key_identity(key))
            entry = ledger_entry(raw) if raw is not None else None
            if entry is not None:
                ledger.setdefault(application_id, []).append(entry)
        return cls(
            legacy={
                application_id: legacy_found[key_identity(key)]
                for application_id, key in legacy_keys.items()
                if key_identity(key) in legacy_found
            },
            pointers=pointers,
            items={
                application_id: items_found[key_identity(key)]
                for application_id, key in item_keys.items()
                if key_identity(key) in items_found
            },
            ledger=ledger,
        )


def queue_depth(sqs: Any, queue_url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def expected_for(
    record: dict[str, Any], now: datetime, mapping: RecordMapping, lookups: Lookups
) -> _Expected:
    """What the migration of this legacy record should have left, by the very checks it ran."""
    application_id = record_id_of(record, mapping.record_id_field) or ""
    try:
        content = fitting_content(mapping.transform(mapping.validate(record, now=now), lookups))
    except RecordRejected as rejected:
        return _Expected(application_id, None, None, rejected.reason)
    return _Expected(application_id, (content["pk"], content["sk"]), checksum(content), None)


def _read_legacy_segment(
    dynamodb: Any,
    table: str,
    segment: int,
    segments: int,
    now: datetime,
    mapping: RecordMapping,
    lookups: Lookups,
) -> _LegacySide:
    side = _LegacySide()
    for record in scan_segment(dynamodb, table_name=table, segment=segment, total_segments=segments):
        if is_sentinel(record.get(mapping.record_id_field)):
            continue
        side.legacy += 1
        if mapping.is_eligible(record):
            side.expected.append(expected_for(record, now, mapping, lookups))
        else:
            side.ineligible += 1
    return side


def _read_new_segment(
    dynamodb: Any, table: str, segment: int, segments: int, mapping: RecordMapping
) -> _NewSide:
    # Only small summaries are kept, not items: the verifier must hold a whole table's worth in memory.
    side = _NewSide()
    for item in scan_segment(dynamodb, table_name=table, segment=segment, total_segments=segments):
        if is_pointer_item(item, mapping.record_kind):
            pointer = pointer_from_item(item)
            live = pointer.item_key if pointer.fate is Fate.LIVE else None
            side.current_items[str(item.get("application_id", ""))] = live
        elif mapping.is_item(item):
            _add_target(side, item, mapping.record_id_field)
    return side


def _add_target(side: _NewSide, item: dict[str, Any], id_field: str) -> None:
    record_id = str(item.get(id_field, ""))
    side.item_apps[(item["pk"], item["sk"])] = record_id
    side.targets[(item["pk"], item["sk"])] = _Target(
        source=str(item.get("source", "")),
        checksum=str(item.get("checksum", "")),
        content_checksum=checksum(content_of(item)),
    )
    side.target_app_ids.add(record_id)


def _read_ledger_segment(
    dynamodb: Any, table: str, segment: int, segments: int
) -> dict[tuple[str, str], LedgerEntry]:
    entries = read_ledger(dynamodb, table, segment=segment, total_segments=segments)
    return {(entry.application_id, entry.kind): entry for entry in entries}


def _merge_legacy(parts: Iterable[_LegacySide]) -> _LegacySide:
    merged = _LegacySide()
    for part in parts:
        merged.legacy += part.legacy
        merged.ineligible += part.ineligible
        merged.expected.extend(part.expected)
    return merged


def _merge_new(parts: Iterable[_NewSide]) -> _NewSide:
    merged = _NewSide()
    for part in parts:
        merged.targets.update(part.targets)
        merged.target_app_ids |= part.target_app_ids
        merged.item_apps.update(part.item_apps)
        merged.current_items.update(part.current_items)
    return merged


def _compare(
    legacy: _LegacySide,
    new: _NewSide,
    *,
    migration_dlq_messages: int,
    intake_dlq_messages: int,
    scope: ValidationScope = ValidationScope.ALL,
) -> tuple[ValidationResult, list[str]]:
    """The result, and every application found different (missing, mismatched, stale): the suspects."""
    migrated = superseded = 0
    rejected: list[dict[str, str]] = []
    missing: list[dict[str, str]] = []
    mismatches: list[dict[str, str]] = []
    for expected in sorted(legacy.expected, key=lambda item: item.application_id):
        app_id = expected.application_id
        target = new.targets.get(expected.key) if expected.key else None
        if target is not None and target.source == Source.INTAKE.value:
            superseded += 1
        elif target is not None:
            migrated += 1
            if target.checksum != expected.checksum or target.content_checksum != expected.checksum:
                mismatches.append({"application_id": app_id})
        elif (app_id, REJECTED) in new.ledger:
            rejected.append({"application_id": app_id, "reason": new.ledger[(app_id, REJECTED)].reason})
        elif expected.key is None and app_id in new.target_app_ids:
            # Migrated earlier, but the legacy record no longer validates: its content has changed.
            migrated += 1
            mismatches.append({"application_id": app_id})
        else:
            missing.append({"application_id": app_id, "reason": _missing_reason(expected, new)})
    stale = [
        app_id
        for key, app_id in new.item_apps.items()
        if app_id in new.current_items and new.current_items[app_id] != key
    ]
    stale_items = len(stale)
    counts = ValidationCounts(
        legacy=legacy.legacy,
        eligible=len(legacy.expected),
        ineligible=legacy.ineligible,
        migrated=migrated,
        rejected=len(rejected),
        missing=len(missing),
        checksum_mismatches=len(mismatches),
        superseded_by_intake=superseded,
        migration_dlq_messages=migration_dlq_messages,
        intake_dlq_messages=intake_dlq_messages,
        stale_items=stale_items,
    )
    rejected_sample, missing_sample, mismatch_sample = (
        bounded_sample(rejected),
        bounded_sample(missing),
        bounded_sample(mismatches),
    )
    suspects = [entry["application_id"] for entry in (*missing, *mismatches)] + stale
    return ValidationResult(
        scope=scope,
        clean=counts.missing == 0
        and counts.checksum_mismatches == 0
        and counts.stale_items == 0
        and migration_dlq_messages == 0,
        counts=counts,
        rejected=[Finding.model_validate(entry) for entry in rejected_sample.entries],
        missing=[Finding.model_validate(entry) for entry in missing_sample.entries],
        checksum_mismatches=[RecordRef.model_validate(entry) for entry in mismatch_sample.entries],
        truncated=rejected_sample.truncated or missing_sample.truncated or mismatch_sample.truncated,
    ), suspects


def _missing_reason(expected: _Expected, new: _NewSide) -> str:
    last_error = new.ledger.get((expected.application_id, LAST_ERROR))
    if last_error is not None:
        return last_error.reason
    if expected.invalid_reason is not None:
        return f"not processed; would be rejected: {expected.invalid_reason}"
    if expected.application_id in new.target_app_ids:
        return "no target item under the expected key (the fields its key is built from differ)"
    return "no target item and no recorded error"
