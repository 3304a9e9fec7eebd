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

import hashlib
from collections.abc import Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

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

# Items per scan page. A page is held three times over while it is parsed and converted (the response
# body, botocore's parsed items, the plain records), by each segment's thread, and by the service: in
# the local emulator, one process that also holds both tables, pages of 1,000 items (~1 MB) in flight in
# 4 segments took ~30 MiB there and ~80 MiB in this function at 10,000 records; pages of 250, ~1 and
# ~25 MiB. On AWS a smaller page costs no read units (a Scan consumes the size of the items it
# evaluates, rounded up to 4 KB per request: "Capacity unit consumption for read operations",
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html), only
# more round trips (100,000 records: 400 requests a table over 4 parallel segments instead of 100).
VALIDATION_SCAN_PAGE_SIZE = 250


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

    @property
    def from_intake(self) -> bool:
        return self.source == Source.INTAKE.value

    def matches(self, expected: _Expected) -> bool:
        return self.checksum == expected.checksum and self.content_checksum == expected.checksum


@dataclass
class _NewSide:
    targets: dict[tuple[str, str], _Target] = field(default_factory=dict)
    target_app_ids: set[str] = field(default_factory=set)
    item_apps: dict[tuple[str, str], str] = field(default_factory=dict)  # item key -> its application
    current_items: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # pointer: live key
    ledger: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)

    def target_for(self, expected: _Expected) -> _Target | None:
        return self.targets.get(expected.key) if expected.key else None


def key_id(key: tuple[str, str]) -> bytes:
    """An item key in 16 bytes (BLAKE2b-128; the pk's length is hashed too, so no two keys share an
    input): a collision among a million keys has a probability of ~10^-27."""
    pk, sk = key
    text = f"{len(pk)}:{pk}{sk}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class _StoredTarget:
    """A new-table item as the full verification holds it, keyed by its ``key_id``: ~300 bytes a record
    instead of ~900 (a key tuple and three hex strings), so 100,000 records fit in ~30 MB."""

    application_id: str
    from_intake: bool
    content_digest: bytes | None  # sha256 of its content; None: its stored checksum is not that one

    def matches(self, expected: _Expected) -> bool:
        # The stored checksum, the content's and the expected one must all be equal: a content whose own
        # checksum differs from the stored one matches nothing.
        return (
            self.content_digest is not None
            and expected.checksum is not None
            and self.content_digest == bytes.fromhex(expected.checksum)
        )


@dataclass
class _ScannedNewSide:
    """The new table and the ledger, read in full, compactly."""

    targets: dict[bytes, _StoredTarget] = field(default_factory=dict)
    target_app_ids: set[str] = field(default_factory=set)
    current_items: dict[str, bytes | None] = field(default_factory=dict)  # pointer: its live item's key_id
    ledger: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)

    def target_for(self, expected: _Expected) -> _StoredTarget | None:
        return self.targets.get(key_id(expected.key)) if expected.key else None


class _FoundTarget(Protocol):
    @property
    def from_intake(self) -> bool: ...

    def matches(self, expected: _Expected) -> bool: ...


class _NewView(Protocol):
    """What comparing one legacy record reads of the new side (held whole or compact)."""

    @property
    def ledger(self) -> dict[tuple[str, str], LedgerEntry]: ...

    @property
    def target_app_ids(self) -> set[str]: ...

    def target_for(self, expected: _Expected) -> _FoundTarget | None: ...


@dataclass
class _Findings:
    """The legacy records compared so far: the counts, and each finding in the order compared."""

    legacy: int = 0
    ineligible: int = 0
    eligible: int = 0
    migrated: int = 0
    superseded: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    mismatches: list[dict[str, str]] = field(default_factory=list)

    def add(self, expected: _Expected, new: _NewView) -> None:
        self.eligible += 1
        app_id = expected.application_id
        target = new.target_for(expected)
        if target is not None and target.from_intake:
            self.superseded += 1
        elif target is not None:
            self.migrated += 1
            if not target.matches(expected):
                self.mismatches.append({"application_id": app_id})
        elif (app_id, REJECTED) in new.ledger:
            self.rejected.append({"application_id": app_id, "reason": new.ledger[(app_id, REJECTED)].reason})
        elif expected.key is None and app_id in new.target_app_ids:
            # Migrated earlier, but the legacy record no longer validates: its content has changed.
            self.migrated += 1
            self.mismatches.append({"application_id": app_id})
        else:
            self.missing.append({"application_id": app_id, "reason": _missing_reason(expected, new)})


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
    page_size: int = VALIDATION_SCAN_PAGE_SIZE,
) -> ValidationResult:
    """Both tables in full. ``record_suspects``: mark every application found different as changed (an
    online run's verification while the legacy backend still serves). ``lookups``: the mapping's lookup
    tables (none needed when the mapping has none)."""
    lookups = lookups or NoLookups()
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ValueError(f"segments must be between 1 and {MAX_SEGMENTS}")
    validation_time = now or utc_now()
    # The new table and the ledger first, summarised compactly; then the legacy table, each record
    # compared as it is read and dropped: only the new side is held whole (see ``_StoredTarget``), and
    # only one table's pages are in flight at a time (in the emulator too, which serves both).
    with ThreadPoolExecutor(max_workers=2 * segments) as pool:
        new_parts = [
            pool.submit(_read_new_segment, dynamodb, new_table_name, segment, segments, mapping, page_size)
            for segment in range(segments)
        ]
        ledger_parts = [
            pool.submit(_read_ledger_segment, dynamodb, control_table_name, segment, segments)
            for segment in range(segments)
        ]
        new = _merge_new(part.result() for part in new_parts)
        for part in ledger_parts:
            new.ledger.update(part.result())
    with ThreadPoolExecutor(max_workers=segments) as pool:
        legacy_parts = [
            pool.submit(
                _compare_legacy_segment,
                dynamodb,
                legacy_table_name,
                segment,
                segments,
                validation_time,
                mapping,
                lookups,
                new,
                page_size,
            )
            for segment in range(segments)
        ]
        legacy = _merge_legacy(part.result() for part in legacy_parts)
    result, suspects = _result(
        legacy,
        stale=_stale_items(((key, target.application_id) for key, target in new.targets.items()), new),
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


def _compare_legacy_segment(
    dynamodb: Any,
    table: str,
    segment: int,
    segments: int,
    now: datetime,
    mapping: RecordMapping,
    lookups: Lookups,
    new: _ScannedNewSide,
    page_size: int,
) -> _Findings:
    # Each record is compared as it is read, and dropped: nothing per record is kept but its findings.
    findings = _Findings()
    records = scan_segment(
        dynamodb, table_name=table, segment=segment, total_segments=segments, page_size=page_size
    )
    for record in records:
        if is_sentinel(record.get(mapping.record_id_field)):
            continue
        findings.legacy += 1
        if mapping.is_eligible(record):
            findings.add(expected_for(record, now, mapping, lookups), new)
        else:
            findings.ineligible += 1
    return findings


def _read_new_segment(
    dynamodb: Any, table: str, segment: int, segments: int, mapping: RecordMapping, page_size: int
) -> _ScannedNewSide:
    # Only small summaries are kept, not items: the verifier must hold a whole table's worth in memory.
    side = _ScannedNewSide()
    items = scan_segment(
        dynamodb, table_name=table, segment=segment, total_segments=segments, page_size=page_size
    )
    for item in items:
        if is_pointer_item(item, mapping.record_kind):
            pointer = pointer_from_item(item)
            live = pointer.item_key if pointer.fate is Fate.LIVE else None
            side.current_items[str(item.get("application_id", ""))] = key_id(live) if live else None
        elif mapping.is_item(item):
            record_id = str(item.get(mapping.record_id_field, ""))
            content_checksum = checksum(content_of(item))
            consistent = str(item.get("checksum", "")) == content_checksum
            side.targets[key_id((item["pk"], item["sk"]))] = _StoredTarget(
                application_id=record_id,
                from_intake=str(item.get("source", "")) == Source.INTAKE.value,
                content_digest=bytes.fromhex(content_checksum) if consistent else None,
            )
            side.target_app_ids.add(record_id)
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


def _merge_legacy(parts: Iterable[_Findings]) -> _Findings:
    merged = _Findings()
    for part in parts:
        merged.legacy += part.legacy
        merged.ineligible += part.ineligible
        merged.eligible += part.eligible
        merged.migrated += part.migrated
        merged.superseded += part.superseded
        merged.rejected.extend(part.rejected)
        merged.missing.extend(part.missing)
        merged.mismatches.extend(part.mismatches)
    # In application order, as when every expected record was sorted before comparing (a stable sort:
    # equal ids stay in segment order).
    for findings in (merged.rejected, merged.missing, merged.mismatches):
        findings.sort(key=lambda entry: entry["application_id"])
    return merged


def _merge_new(parts: Iterable[_ScannedNewSide]) -> _ScannedNewSide:
    merged = _ScannedNewSide()
    for part in parts:
        merged.targets.update(part.targets)
        merged.target_app_ids |= part.target_app_ids
        merged.current_items.update(part.current_items)
    return merged


def _stale_items(item_apps: Iterable[tuple[Hashable, str]], new: _NewSide | _ScannedNewSide) -> list[str]:
    """The application of each item that is not its application's pointer's current item."""
    current_items: dict[str, Any] = new.current_items
    return [app_id for key, app_id in item_apps if app_id in current_items and current_items[app_id] != key]


def _compare(
    legacy: _LegacySide,
    new: _NewSide,
    *,
    migration_dlq_messages: int,
    intake_dlq_messages: int,
    scope: ValidationScope = ValidationScope.ALL,
) -> tuple[ValidationResult, list[str]]:
    """The result, and every application found different (missing, mismatched, stale): the suspects."""
    findings = _Findings(legacy=legacy.legacy, ineligible=legacy.ineligible)
    for expected in sorted(legacy.expected, key=lambda item: item.application_id):
        findings.add(expected, new)
    return _result(
        findings,
        stale=_stale_items(new.item_apps.items(), new),
        migration_dlq_messages=migration_dlq_messages,
        intake_dlq_messages=intake_dlq_messages,
        scope=scope,
    )


def _result(
    findings: _Findings,
    *,
    stale: list[str],
    migration_dlq_messages: int,
    intake_dlq_messages: int,
    scope: ValidationScope = ValidationScope.ALL,
) -> tuple[ValidationResult, list[str]]:
    rejected, missing, mismatches = findings.rejected, findings.missing, findings.mismatches
    counts = ValidationCounts(
        legacy=findings.legacy,
        eligible=findings.eligible,
        ineligible=findings.ineligible,
        migrated=findings.migrated,
        rejected=len(rejected),
        missing=len(missing),
        checksum_mismatches=len(mismatches),
        superseded_by_intake=findings.superseded,
        migration_dlq_messages=migration_dlq_messages,
        intake_dlq_messages=intake_dlq_messages,
        stale_items=len(stale),
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


def _missing_reason(expected: _Expected, new: _NewView) -> str:
    last_error = new.ledger.get((expected.application_id, LAST_ERROR))
    if last_error is not None:
        return last_error.reason
    if expected.invalid_reason is not None:
        return f"not processed; would be rejected: {expected.invalid_reason}"
    if expected.application_id in new.target_app_ids:
        return "no target item under the expected key (the fields its key is built from differ)"
    return "no target item and no recorded error"
