"""The pipeline: the real migration state machine and functions migrating N legacy records.

Pause the legacy consumer, scan by segments (enqueue_records), migrate through the migration queue
(migrate_record, via the event source mapping), wait for the queue to empty, validate, cut over. Timed
from the execution's start to its end as Step Functions records them, so every phase counts, including
the fixed cost of pausing, settling and validating. Local runs poll every second and trust one empty
reading: the emulator's queue depths are exact, AWS's are approximate (hence 3 readings there).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Protocol

from benchmarks.aws_defaults_cost import WaitSettings
from benchmarks.bench_stack import BenchStack, DataSet
from benchmarks.execution_stats import count_transitions, phase_seconds, read_history, wait_for_execution
from benchmarks.metering import FunctionMeter, difference, invocation_difference
from benchmarks.run_result import RunResult, ScanVolume, attributed
from migration_cli.history_reader import read_progress
from migration_runtime.execution_input import OFFLINE

LOCAL_WAITS = WaitSettings(interval_seconds=1, readings_required=1)
LOCAL_INPUT = {
    "poll_interval_seconds": LOCAL_WAITS.interval_seconds,
    "empty_readings_required": LOCAL_WAITS.readings_required,
    "segments": 4,
}
# Scans by design: enqueue_records reads the legacy table once; validate_migration reads both tables.
LEGACY_SCANS = 2
TARGET_SCANS = 1


class PipelineFailed(RuntimeError):
    pass


class Traffic(Protocol):
    """Live intake sent while the execution runs (``benchmarks.live_migration``)."""

    def start(self) -> object: ...

    def stop(self) -> int:
        """Stop sending, wait until what was sent has been consumed; the number of messages sent."""
        ...


def run_pipeline(
    stack: BenchStack,
    data: DataSet,
    timeout_seconds: float,
    *,
    approach: str = "pipeline",
    mode: str = OFFLINE,
    traffic: Traffic | None = None,
) -> RunResult:
    """The state machine in ``mode`` over ``data``; with ``traffic``, live intake from the execution's start
    to its end (the run's figures then include the service's requests: ``benchmarks.live_migration``
    sorts them out)."""
    stack.recreate_table(stack.new_table)
    # Empty too: it holds the ledger (and the previous run's lock and run record).
    stack.recreate_table(stack.control_table)
    segments = int(LOCAL_INPUT["segments"])
    stack.prewarm(stack.outputs["enqueue_records_function_name"], workers=segments)
    stack.prewarm(stack.outputs["migrate_record_function_name"], workers=4)
    stack.prewarm(stack.outputs["validate_migration_function_name"], workers=1)
    legacy_bytes = stack.table_bytes(stack.legacy_table)
    sfn = stack.client("stepfunctions")

    migration_queue = _queue_name(stack.outputs["migration_queue_url"])
    held_before = stack.aws.send_held_seconds(migration_queue)
    intake_queue_arn = str(stack.outputs["intake_queue_arn"])
    stack.aws.message_waits.reset(intake_queue_arn)
    operations_before = stack.meters.operations.snapshot()
    invocations_before = stack.meters.invocations.snapshot()
    execution_arn = sfn.start_execution(
        stateMachineArn=stack.state_machine_arn,
        name=f"bench-{data.records}-{uuid.uuid4().hex[:6]}",
        input=json.dumps({**LOCAL_INPUT, "mode": mode}),
    )["executionArn"]
    if traffic is not None:
        traffic.start()
    try:
        description = wait_for_execution(sfn, execution_arn, timeout_seconds)
    finally:
        live_sent = traffic.stop() if traffic is not None else 0
    operations = attributed(
        difference(stack.meters.operations.snapshot(), operations_before),
        # The control table's requests count: the ledger's writes, and the run's own bookkeeping (the lock
        # and the run record: a dozen writes per run, counted with the item writes).
        resources={stack.legacy_table, stack.new_table, stack.control_table, *_queue_names(stack)},
        pollers_excluded_on=frozenset({_queue_name(stack.outputs["intake_queue_url"])}),
    )
    held = stack.aws.send_held_seconds(migration_queue) - held_before
    invocations = without_held_time(
        invocation_difference(stack.meters.invocations.snapshot(), invocations_before),
        str(stack.outputs["enqueue_records_function_name"]),
        held,
    )

    if description["status"] != "SUCCEEDED":
        raise PipelineFailed(
            f"execution {execution_arn} ended {description['status']}: "
            f"{description.get('error')} {str(description.get('cause'))[:500]}"
        )
    seconds = (description["stopDate"] - description["startDate"]).total_seconds()
    output = json.loads(description.get("output") or "{}")
    events = read_history(sfn, execution_arn)
    # The report's own reading of the history (the parent's events: the pause and the cut-over are there).
    progress = read_progress(sfn, execution_arn)
    transitions = count_transitions(events)
    target = stack.target_contents(stack.new_table)
    migrated, write_units = target.migrated, target.migrated_write_units
    full_validation = progress.latest_full_validation
    if traffic is not None and full_validation is not None:
        # Under live intake the new consumer replaces migrated items with the traffic's after the cut-over
        # (offline) and the stream adds the traffic's new applications (online): what survives in the table
        # is not what the migration migrated. The run's own validation of both tables in full counted that.
        migrated = full_validation.counts.migrated
        write_units = target.write_units_for(migrated)
    validation = (output.get("validation") or {}).get("counts", {})
    # Under live intake the table moves on after the validation (changes, the intake's own items): those
    # runs are checked against their invariants instead (``benchmarks.live_migration``).
    if traffic is None and validation and validation.get("migrated") != target.migrated:
        raise PipelineFailed(
            f"validation counted {validation.get('migrated')} migrated, table has {target.migrated}"
        )
    return RunResult(
        approach=approach,
        records=data.records,
        migrated=migrated,
        seconds=seconds,
        operations=operations,
        invocations=invocations,
        migrated_write_units=write_units,
        scans=ScanVolume(LEGACY_SCANS * legacy_bytes + TARGET_SCANS * target.bytes),
        ledger_items=stack.ledger_items(stack.control_table),
        state_transitions=transitions.total,
        polling_transitions=transitions.polling,
        paging_transitions=transitions.paging,
        phases=phase_seconds(events),
        transitions_per_phase=transitions.per_phase,
        enqueue_calls=[int(segment.get("pages", 0)) for segment in output.get("scan") or []],
        status=description["status"],
        ledger_table=stack.control_table,
        waits_per_phase=transitions.waits_per_phase,
        polling_per_phase=transitions.polling_per_phase,
        send_hold_seconds=held,
        mode=mode,
        live_messages_sent=live_sent,
        intake_paused_seconds=progress.intake_paused_seconds,
        intake_max_wait_seconds=stack.aws.message_waits.longest_seconds(intake_queue_arn),
        intake_items=target.intake_items,
    )


def without_held_time(
    invocations: dict[str, FunctionMeter], sender: str, held_seconds: float
) -> dict[str, FunctionMeter]:
    """``sender``'s meter without the seconds its sends waited for the local backlog bound (its
    invocations waited that long in the emulator; on AWS a send returns at once)."""
    meter = invocations.get(sender)
    if meter is None or held_seconds <= 0 or meter.duration_ms <= 0:
        return invocations
    held_ms = min(held_seconds * 1000, meter.duration_ms)
    kept = 1 - held_ms / meter.duration_ms
    return {
        **invocations,
        sender: replace(meter, duration_ms=meter.duration_ms - held_ms, gb_seconds=meter.gb_seconds * kept),
    }


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _queue_names(stack: BenchStack) -> set[str]:
    keys = ("intake_queue_url", "intake_dlq_url", "migration_queue_url", "migration_dlq_url")
    return {_queue_name(str(stack.outputs[key])) for key in keys}
