"""Verify a migration: compare the legacy table with the new table, record by record.

Both tables, and the ledger in the control table, are scanned in parallel segments. For each eligible
legacy record the expected item is recomputed (validate + transform + checksum) and looked up in the new
table:
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
from datetime import datetime
from typing import Any

from onboarding.application_ids import application_id_of
from onboarding.application_writes import Fate, is_pointer_item, pointer_from_item
from onboarding.bounded_sample import bounded_sample
from onboarding.checksum import checksum
from onboarding.eligibility import is_eligible
from onboarding.execution_input import DEFAULT_SEGMENTS, MAX_SEGMENTS
from onboarding.legacy_scan import scan_segment
from onboarding.migration_ledger import LAST_ERROR, REJECTED, LedgerEntry, read_ledger
from onboarding.onboarding_item import Source, content_of, fitting_content, is_onboarding_item
from onboarding.record_validation import RecordRejected, validate_record
from onboarding.run_sentinels import is_sentinel
from onboarding.timestamps import utc_now
from onboarding.validation_result import Finding, RecordRef, ValidationCounts, ValidationResult


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
    segments: int = DEFAULT_SEGMENTS,
    now: datetime | None = None,
) -> ValidationResult:
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ValueError(f"segments must be between 1 and {MAX_SEGMENTS}")
    validation_time = now or utc_now()
    with ThreadPoolExecutor(max_workers=3 * segments) as pool:
        legacy_parts = [
            pool.submit(_read_legacy_segment, dynamodb, legacy_table_name, segment, segments, validation_time)
            for segment in range(segments)
        ]
        new_parts = [
            pool.submit(_read_new_segment, dynamodb, new_table_name, segment, segments)
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
    return _compare(
        legacy,
        new,
        migration_dlq_messages=queue_depth(sqs, migration_dlq_url),
        intake_dlq_messages=queue_depth(sqs, intake_dlq_url),
    )


def queue_depth(sqs: Any, queue_url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


def expected_for(record: dict[str, Any], now: datetime) -> _Expected:
    """What the migration of this legacy record should have left, by the very checks it ran."""
    application_id = application_id_of(record) or ""
    try:
        content = fitting_content(validate_record(record, now=now))
    except RecordRejected as rejected:
        return _Expected(application_id, None, None, rejected.reason)
    return _Expected(application_id, (content["pk"], content["sk"]), checksum(content), None)


def _read_legacy_segment(
    dynamodb: Any, table: str, segment: int, segments: int, now: datetime
) -> _LegacySide:
    side = _LegacySide()
    for record in scan_segment(dynamodb, table_name=table, segment=segment, total_segments=segments):
        if is_sentinel(record.get("application_id")):
            continue
        side.legacy += 1
        if is_eligible(record):
            side.expected.append(expected_for(record, now))
        else:
            side.ineligible += 1
    return side


def _read_new_segment(dynamodb: Any, table: str, segment: int, segments: int) -> _NewSide:
    # Only small summaries are kept, not items: the verifier must hold a whole table's worth in memory.
    side = _NewSide()
    for item in scan_segment(dynamodb, table_name=table, segment=segment, total_segments=segments):
        if is_pointer_item(item):
            pointer = pointer_from_item(item)
            live = pointer.item_key if pointer.fate is Fate.LIVE else None
            side.current_items[str(item.get("application_id", ""))] = live
        elif is_onboarding_item(item):
            side.item_apps[(item["pk"], item["sk"])] = str(item.get("application_id", ""))
            side.targets[(item["pk"], item["sk"])] = _Target(
                source=str(item.get("source", "")),
                checksum=str(item.get("checksum", "")),
                content_checksum=checksum(content_of(item)),
            )
            side.target_app_ids.add(str(item.get("application_id", "")))
    return side


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
) -> ValidationResult:
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
    stale_items = sum(
        1
        for key, app_id in new.item_apps.items()
        if app_id in new.current_items and new.current_items[app_id] != key
    )
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
    return ValidationResult(
        clean=counts.missing == 0
        and counts.checksum_mismatches == 0
        and counts.stale_items == 0
        and migration_dlq_messages == 0,
        counts=counts,
        rejected=[Finding.model_validate(entry) for entry in rejected_sample.entries],
        missing=[Finding.model_validate(entry) for entry in missing_sample.entries],
        checksum_mismatches=[RecordRef.model_validate(entry) for entry in mismatch_sample.entries],
        truncated=rejected_sample.truncated or missing_sample.truncated or mismatch_sample.truncated,
    )


def _missing_reason(expected: _Expected, new: _NewSide) -> str:
    last_error = new.ledger.get((expected.application_id, LAST_ERROR))
    if last_error is not None:
        return last_error.reason
    if expected.invalid_reason is not None:
        return f"not processed; would be rejected: {expected.invalid_reason}"
    if expected.application_id in new.target_app_ids:
        return "no target item under the expected key (customer_id or submitted_at differ)"
    return "no target item and no recorded error"
