"""The estimate `plan` prints before a migration runs: duration, intake pause, AWS cost, state transitions.

Pure arithmetic over counts, the migration tap and the execution settings (no AWS), so ``report`` can call
``estimate`` again with a finished run's actual counts and show estimate next to actual.

Duration model (every term printed by `plan`):
- pause:    the legacy mapping is disabled, then ``readings`` quiet readings ``poll_interval`` apart;
- migrate:  the enqueue scan, ``records / (segments x SCAN_RECORDS_PER_SECOND)``, while the migration
  queue drains behind it at ``batch_size x records_per_message x concurrency / seconds_per_batch``
  records a second (a batch is ``batch_size`` messages of up to ``records_per_message`` records each);
- settle:   what the queue still holds when the scan ends, then ``readings`` quiet readings;
- validate: ``records / VALIDATION_RECORDS_PER_SECOND`` (both tables and the ledger, in parallel);
- drain:    the new mapping takes the waiting intake, then ``readings`` quiet readings;
- fixed:    setup, lock, commit, cut-over, resume and starting child executions (``FIXED_SECONDS``).
The intake is paused from the pause to the cut-over: pause + migrate + settle + validate. Online (the
legacy backend serves during the copy) it adds capture (one sentinel reading), converge (still serving: the
changes made during the full validation, re-verified at ``REVERIFIED_RECORDS_PER_SECOND``) and, in the
pause, catch-up (one reading) and revalidate (``readings`` quiet readings, then the changes made since the
converging round began: during it, the clock-skew margin, the pause and the catch-up): the intake is
paused for pause + catch-up + revalidate only. The changes arrive at ``intake_messages`` over the time the
legacy backend serves (capture + migrate + settle + validate).
Concurrency is the tap's maximum concurrency, capped by ``worker_limit`` where one is known (the local
runtime runs at most one execution per core per function; on AWS the account's concurrency applies).
The default rates were measured with `local run --records 10000` on a shared 2-core machine (see
README, "plan"); on AWS pass ``--seconds-per-batch`` or let `plan` read the function's recent duration.

Usage model (priced by ``cost_model.cost_of``, the benchmarks' own model): each eligible record that fits a
message is sent once, ``records_per_message`` to a message (SendMessageBatch of 10 messages), and each
message received and deleted once (per batch of the tap); a send or receive costs a request per 64 KB of
the records it carries; each batch is one migrate_record invocation; each migrated record is one
transaction writing its item and its
pointer at twice the standard write units (``record_transaction_write_units``), each invalid one a ledger
put; the legacy table is scanned twice (enqueue, validation), the new
table and the ledger once, all strongly consistent. Not counted: the pollers' empty receives, CloudWatch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from migration_cli.cost_model import (
    Cost,
    Usage,
    cost_of,
    gb_seconds,
    record_transaction_write_units,
    scan_read_units,
    sqs_billed_requests,
)
from migration_runtime.aws_limits import SQS_MAX_BATCH_ENTRIES, STATES_MAX_HISTORY_EVENTS
from migration_runtime.migration_verification import CLOCK_SKEW_MARGIN
from migration_runtime.settings import DEFAULT_ENQUEUE_CALL_SLICE_SECONDS
from onboarding_stack.function_names import (
    ENQUEUE_RECORDS,
    FUNCTION_DEFAULTS,
    MIGRATE_RECORD,
    VALIDATE_MIGRATION,
)

# Calibrated with `local run --records 10000` (README, "plan"); every one can be overridden.
DEFAULT_SECONDS_PER_BATCH = 0.25
"""A migrate_record invocation's duration for a batch of one-record messages (``default_seconds_per_batch``
scales it to the records a batch carries)."""
SCAN_RECORDS_PER_SECOND = 125.0
"""Records one enqueue_records segment scans and sends a second."""
VALIDATION_RECORDS_PER_SECOND = 600.0
# Online re-verification: the changed records are re-read with consistent BatchGetItems (legacy records,
# pointers, items, ledger); a rough local figure, far below a Scan's rate per record.
REVERIFIED_RECORDS_PER_SECOND = 150.0
REVERIFY_CLOCK_SKEW_SECONDS = CLOCK_SKEW_MARGIN.total_seconds()
"""The margin a re-verification reads back before its start."""
FIXED_SECONDS = 2.0
POLL_OVERHEAD_SECONDS = 0.3
"""What one round of a wait loop takes beyond its Wait state (reading the queue, the Choice states)."""

# State transitions (each state entered is one, children's included): the straight path of a clean run,
# one round of a wait loop (read, judge, count, wait, tick), one page round of a segment child.
FIXED_TRANSITIONS = 60
TRANSITIONS_PER_POLL = 8
TRANSITIONS_PER_ENQUEUE_CALL = 4
CONTROL_TABLE_WRITES = 12
"""Lock, run record and phase updates, serving record, outcome, lock release."""
ENQUEUE_CALL_SLICE_SECONDS = float(DEFAULT_ENQUEUE_CALL_SLICE_SECONDS)
"""enqueue_records hands back its cursor at least this often (stack config ``enqueueCallSliceSeconds``)."""
# The stack's default sizes (MB): enqueue_records and validate_migration are priced at them.
ENQUEUE_MEMORY_MB = FUNCTION_DEFAULTS[ENQUEUE_RECORDS][0]
VALIDATE_MEMORY_MB = FUNCTION_DEFAULTS[VALIDATE_MIGRATION][0]
DEFAULT_MIGRATE_MEMORY_MB = FUNCTION_DEFAULTS[MIGRATE_RECORD][0]


@dataclass(frozen=True)
class Tap:
    """The migration queue's event source mapping."""

    batch_size: int
    max_concurrency: int
    records_per_message: int = 1
    """Records one bulk-copy message carries (enqueue_records' ``RECORDS_PER_MESSAGE``)."""

    @property
    def records_per_batch(self) -> int:
        return self.batch_size * self.records_per_message


def default_seconds_per_batch(tap: Tap) -> float:
    """The calibrated invocation duration for ``tap``'s batches: the per-record work dominates, so a batch
    of messages of ``records_per_message`` records each takes that many times as long."""
    return DEFAULT_SECONDS_PER_BATCH * tap.records_per_message


@dataclass(frozen=True)
class RunSettings:
    segments: int = 4
    poll_interval_seconds: int = 30
    empty_readings_required: int = 3
    seconds_per_batch: float = DEFAULT_SECONDS_PER_BATCH
    seconds_per_batch_source: str = "default"
    worker_limit: int | None = None
    """Most executions of one function at once where known (the local runtime's), else None."""
    migrate_memory_mb: int = DEFAULT_MIGRATE_MEMORY_MB
    intake_messages: int = 0
    """Intake messages expected while the intake is paused (taken by the new backend at the drain); online,
    the changes expected while the legacy backend serves (those made during the full validation are
    re-verified while still serving, those since that round began in the pause)."""
    online: bool = False
    """The online mode: intake pauses only for the cut-over (see the module doc)."""


@dataclass(frozen=True)
class RecordCounts:
    records: int
    migrates: int
    ineligible: int
    invalid: int
    mean_legacy_bytes: float = 1024.0
    mean_write_units: float = 1.0

    @property
    def eligible(self) -> int:
        return self.migrates + self.invalid


@dataclass(frozen=True)
class WaitBudget:
    """How far the migration's bounded waits reach: children per wait x polls per child."""

    children_per_wait: int
    polls_per_child: int
    worst_case_events: dict[str, int] = field(default_factory=dict)

    @property
    def polls_per_wait(self) -> int:
        return self.children_per_wait * self.polls_per_child


@dataclass(frozen=True)
class PlanEstimate:
    counts: RecordCounts
    tap: Tap
    settings: RunSettings
    concurrency: int
    phases: dict[str, float]
    duration_seconds: float
    intake_paused_seconds: float
    usage: Usage
    cost: Cost
    state_transitions: int
    longest_wait_polls: int
    wait_budget: WaitBudget | None

    @property
    def records_per_second(self) -> float:
        """How fast the migration queue drains (records a second)."""
        return self.tap.records_per_batch * self.concurrency / self.settings.seconds_per_batch

    @property
    def warnings(self) -> list[str]:
        found = []
        budget = self.wait_budget
        if budget is not None and self.longest_wait_polls > budget.polls_per_wait:
            found.append(
                f"the settle wait needs about {self.longest_wait_polls} polls, more than its budget of "
                f"{budget.polls_per_wait}: use a longer poll interval or more segments"
            )
        if budget is not None:
            for name, events in budget.worst_case_events.items():
                if events > STATES_MAX_HISTORY_EVENTS:
                    found.append(f"{name}: worst case {events} history events, over the quota")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {**asdict(self.counts), "eligible": self.counts.eligible},
            "tap": asdict(self.tap),
            "settings": asdict(self.settings),
            "concurrency": self.concurrency,
            "records_per_second": round(self.records_per_second, 1),
            "phases_seconds": {name: round(seconds, 1) for name, seconds in self.phases.items()},
            "duration_seconds": round(self.duration_seconds, 1),
            "intake_paused_seconds": round(self.intake_paused_seconds, 1),
            "usage": asdict(self.usage),
            "cost_usd": {**asdict(self.cost), "total": self.cost.total},
            "state_transitions": self.state_transitions,
            "history": {
                "quota_events_per_execution": STATES_MAX_HISTORY_EVENTS,
                "longest_wait_polls": self.longest_wait_polls,
                "polls_per_wait": self.wait_budget.polls_per_wait if self.wait_budget else None,
                "worst_case_events": dict(self.wait_budget.worst_case_events) if self.wait_budget else None,
            },
            "warnings": self.warnings,
        }


def counts_from_sample(
    records: int,
    *,
    sampled: int,
    migrates: int,
    ineligible: int,
    invalid: int,
    mean_legacy_bytes: float,
    mean_write_units: float,
) -> RecordCounts:
    """Scale a sample's classes to ``records`` (an empty sample: every record counted as migrating)."""
    if sampled <= 0:
        return RecordCounts(records, records, 0, 0, mean_legacy_bytes or 1024.0, mean_write_units)
    scaled_ineligible = round(records * ineligible / sampled)
    scaled_invalid = min(records - scaled_ineligible, round(records * invalid / sampled))
    return RecordCounts(
        records=records,
        migrates=records - scaled_ineligible - scaled_invalid,
        ineligible=scaled_ineligible,
        invalid=scaled_invalid,
        mean_legacy_bytes=mean_legacy_bytes,
        mean_write_units=mean_write_units,
    )


def counts_from_report(counts: Mapping[str, Any], *, mean_legacy_bytes: float = 1024.0) -> RecordCounts:
    """A finished run's actual counts (the report's ``counts``), for ``estimate`` beside its actuals.
    Records superseded by the intake or dead-lettered were eligible and sent: they count as migrating."""
    migrated = sum(int(counts.get(key) or 0) for key in ("migrated", "superseded_by_intake", "dead_lettered"))
    return RecordCounts(
        records=int(counts.get("legacy") or 0),
        migrates=migrated,
        ineligible=int(counts.get("ineligible") or 0),
        invalid=int(counts.get("rejected") or 0),
        mean_legacy_bytes=mean_legacy_bytes,
    )


def estimate(
    counts: RecordCounts, tap: Tap, settings: RunSettings, wait_budget: WaitBudget | None = None
) -> PlanEstimate:
    """Duration, intake pause, usage and cost of migrating ``counts`` through ``tap`` (see module doc)."""
    concurrency = max(1, min(tap.max_concurrency, settings.worker_limit or tap.max_concurrency))
    per_second = tap.records_per_batch * concurrency / settings.seconds_per_batch
    quiet = settings.empty_readings_required * settings.poll_interval_seconds
    sent = counts.eligible
    scan = counts.records / (settings.segments * SCAN_RECORDS_PER_SECOND)
    processing = sent / per_second
    backlog = max(0.0, processing - scan)
    phases = {
        "fixed": FIXED_SECONDS,
        "pause": float(quiet),
        "migrate": scan,
        "settle": backlog + quiet,
        "validate": counts.records / VALIDATION_RECORDS_PER_SECOND,
        "drain": settings.intake_messages / per_second + quiet,
    }
    if settings.online:
        # Capture live (one sentinel reading), the converging round while serving, then in the pause: quiet
        # readings of the legacy consumer, the catch-up sentinel, the migration queue settling again and the
        # records changed since the converging round began re-verified.
        phases["capture"] = float(settings.poll_interval_seconds)
        serving = phases["capture"] + phases["migrate"] + phases["settle"] + phases["validate"]
        changes_per_second = settings.intake_messages / serving if serving > 0 else 0.0
        phases["converge"] = changes_per_second * phases["validate"] / REVERIFIED_RECORDS_PER_SECOND
        phases["catch_up"] = float(settings.poll_interval_seconds)
        window = phases["converge"] + REVERIFY_CLOCK_SKEW_SECONDS + phases["pause"] + phases["catch_up"]
        phases["revalidate"] = quiet + changes_per_second * window / REVERIFIED_RECORDS_PER_SECOND
    duration = sum(phases.values())
    if settings.online:
        paused = phases["pause"] + phases["catch_up"] + phases["revalidate"]
    else:
        paused = phases["pause"] + phases["migrate"] + phases["settle"] + phases["validate"]

    readings = settings.empty_readings_required
    poll_period = settings.poll_interval_seconds + POLL_OVERHEAD_SECONDS
    settle_polls = math.ceil(backlog / poll_period) + readings
    drain_polls = math.ceil(settings.intake_messages / per_second / poll_period) + readings
    polls = readings + settle_polls + drain_polls
    enqueue_calls = settings.segments * max(1, math.ceil(scan / ENQUEUE_CALL_SLICE_SECONDS))
    transitions = (
        FIXED_TRANSITIONS + polls * TRANSITIONS_PER_POLL + enqueue_calls * TRANSITIONS_PER_ENQUEUE_CALL
    )

    usage = _usage(counts, tap, settings, polls=polls, enqueue_calls=enqueue_calls, transitions=transitions)
    return PlanEstimate(
        counts=counts,
        tap=tap,
        settings=settings,
        concurrency=concurrency,
        phases=phases,
        duration_seconds=duration,
        intake_paused_seconds=paused,
        usage=usage,
        cost=cost_of(usage),
        state_transitions=transitions,
        longest_wait_polls=settle_polls,
        wait_budget=wait_budget,
    )


def _usage(
    counts: RecordCounts, tap: Tap, settings: RunSettings, *, polls: int, enqueue_calls: int, transitions: int
) -> Usage:
    sent = counts.eligible
    messages = math.ceil(sent / tap.records_per_message)
    batches = math.ceil(messages / tap.batch_size)
    intake_batches = math.ceil(settings.intake_messages / tap.batch_size)
    # A full SendMessageBatch (10 messages) or a full receive (a batch of the tap) of packed records can
    # pass 64 KB: each 64 KB chunk is billed as a request.
    message_bytes = tap.records_per_message * counts.mean_legacy_bytes
    send_requests = math.ceil(messages / SQS_MAX_BATCH_ENTRIES) * sqs_billed_requests(
        int(min(messages, SQS_MAX_BATCH_ENTRIES) * message_bytes)
    )
    receive_requests = batches * sqs_billed_requests(int(min(messages, tap.batch_size) * message_bytes))
    scan = counts.records / (settings.segments * SCAN_RECORDS_PER_SECOND)
    validate = counts.records / VALIDATION_RECORDS_PER_SECOND
    legacy_bytes = counts.records * counts.mean_legacy_bytes
    new_bytes = counts.migrates * counts.mean_write_units * 1024
    ledger_bytes = counts.invalid * 1024
    scanned_bytes = int(2 * legacy_bytes + new_bytes + ledger_bytes)
    return Usage(
        # sends; receives and deletes per batch (migration and intake); one queue reading per poll
        sqs_requests=send_requests + receive_requests + batches + 2 * intake_batches + polls,
        lambda_invocations=batches + intake_batches + enqueue_calls + 1,
        # An intake batch holds one-record messages: a packed batch's duration over its records per message.
        lambda_gb_seconds=batches * gb_seconds(settings.seconds_per_batch * 1000, settings.migrate_memory_mb)
        + intake_batches
        * gb_seconds(settings.seconds_per_batch * 1000 / tap.records_per_message, settings.migrate_memory_mb)
        + gb_seconds(scan * settings.segments * 1000, ENQUEUE_MEMORY_MB)
        + gb_seconds(validate * 1000, VALIDATE_MEMORY_MB),
        dynamodb_write_units=counts.migrates * record_transaction_write_units(counts.mean_write_units)
        + counts.invalid
        + settings.intake_messages
        + CONTROL_TABLE_WRITES,
        dynamodb_read_units=scan_read_units(scanned_bytes, consistent=True),
        state_transitions=transitions,
    )
