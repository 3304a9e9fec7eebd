"""The migration under live intake: the state machine in each mode while the service keeps taking traffic.

Two approaches beside the others, each the real state machine over the same seeded records, with intake
messages sent at ``LIVE_INTAKE_RATE`` per second from the execution's start to its end (new applications
and changes to existing ones: edits, key moves, status changes that make a record ineligible;
``migration_cli.live_intake``):

- ``offline-live``: ``mode`` offline. The legacy consumer is paused for the whole copy, so the traffic
  queues until the cut-over and the new consumer drains it.
- ``online-live``: ``mode`` online. The legacy backend serves during the copy, its changes reach the new
  table through the legacy table's stream, and intake pauses only for the cut-over.

Each run reports how long intake was paused (from the execution's history, as the report does) and the
longest time any intake message waited between its send and being written (measured by the emulator's
pollers). The records a run must migrate are not the loaded data set's any more (the live changes add
records and make some ineligible), so instead of comparing a count, each run is checked with the
invariants `local run` checks (``migration_cli.invariants``): each record's final version in exactly one
place, every intake message accounted for, no duplicate or stale item.

Cost: the service's own requests are not the migration's and are left out of both modes alike
(``without_service_requests``): the traffic's sends, the intake consumers' invocations and their writes
(the legacy consumer's PutItem on the legacy table; the new consumer's transactions, told apart by the
intake ``source`` of the item they put, see ``benchmarks.metering``). What stays is what the migration
pays: its scans, queue, functions, state transitions, and online the stream consumer's invocations and
the extra copies of changed records. The stream's reads are not billed when a Lambda trigger makes them
("Read requests made by AWS Lambda-based consumers of DynamoDB Streams are free": Evaluate your DynamoDB
streams usage, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CostOptimization_StreamsUsage.html).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from benchmarks.bench_stack import BENCH_MIX, BenchStack, DataSet
from benchmarks.metering import INTAKE_WRITE_SUFFIX, FunctionMeter, OperationKey
from benchmarks.migration_throughput import run_pipeline
from benchmarks.run_result import RunResult
from demo_data.onboarding_records import synthetic_record
from migration_cli.invariants import check_invariants, read_snapshot
from migration_cli.live_intake import LiveIntakeSender, LiveMessage, live_messages
from migration_cli.progress import queue_depths
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.execution_input import OFFLINE, ONLINE
from migration_runtime.record_mapping import DEFAULT_MAPPING
from onboarding_stack.function_names import INTAKE_CONSUMERS

# Messages per second sent to the intake queue during each live run, the same for both modes.
LIVE_INTAKE_RATE = 20.0
LIVE_APPROACHES = {"offline-live": OFFLINE, "online-live": ONLINE}
# Existing records the traffic may change (each at most once): a sample, so the benchmark process never
# holds a whole data set; ~10 changes per second for a 100,000-record run of ~10 min is ~6,000.
_CHANGE_CANDIDATES = 20_000
# Only bounds a hang: the offline mode's backlog (the whole run's traffic) drains after the cut-over.
_DRAIN_TIMEOUT_SECONDS = 3600.0
_SEND_OPERATIONS = frozenset({"SendMessage", "SendMessageBatch"})
_DETAIL_CHARACTERS = 600


@dataclass
class LiveTraffic:
    """The intake traffic of one run: ``LiveIntakeSender`` at ``rate``; ``stop`` also waits until the
    intake queue is empty again (everything sent consumed by whichever backend serves at the end)."""

    sqs: Any
    queue_url: str
    messages: Iterable[Any]
    rate: float = LIVE_INTAKE_RATE
    sent: list[str] = field(default_factory=list)
    _sender: LiveIntakeSender | None = None

    def start(self) -> LiveTraffic:
        self._sender = LiveIntakeSender(self.sqs, self.queue_url, self.messages, self.rate).start()
        return self

    def stop(self) -> int:
        if self._sender is None:
            return 0
        self.sent = self._sender.stop()
        deadline = time.monotonic() + _DRAIN_TIMEOUT_SECONDS
        quiet = 0
        # Two quiet readings: a message between receive and delete counts as in flight, not gone.
        while quiet < 2 and time.monotonic() < deadline:
            quiet = quiet + 1 if queue_depths(self.sqs, self.queue_url).total == 0 else 0
            time.sleep(0.5)
        return len(self.sent)


def change_candidates(data: DataSet, sample: int = _CHANGE_CANDIDATES) -> list[dict[str, Any]]:
    """Loaded records the traffic may change: the same seeded records ``load_legacy`` wrote, at most
    ``sample`` of them, spread over the whole data set."""
    customers = max(1, data.records // 2)  # as BenchStack.load_legacy
    indexes = sorted(
        random.Random(f"{data.seed}:candidates").sample(range(data.records), min(sample, data.records))
    )
    return [
        synthetic_record(index, seed=data.seed, mix=BENCH_MIX, customers=customers).record
        for index in indexes
    ]


def loaded_ids(data: DataSet) -> set[str]:
    customers = max(1, data.records // 2)
    return {
        str(
            synthetic_record(index, seed=data.seed, mix=BENCH_MIX, customers=customers).record[
                "application_id"
            ]
        )
        for index in range(data.records)
    }


def without_service_requests(
    run: RunResult, *, legacy_table: str, intake_queues: frozenset[str], intake_functions: frozenset[str]
) -> RunResult:
    """``run`` without the live service's own requests (see the module docstring): what is left is the
    migration's. The migration's own writes to the legacy table (one sentinel per cut-over) go with the
    legacy consumer's PutItems: a request or two per run."""
    kept: Counter[OperationKey] = Counter()
    excluded = 0
    for key, count in run.operations.items():
        service_request = (
            key.operation.endswith(INTAKE_WRITE_SUFFIX)
            or (key.service == "sqs" and key.operation in _SEND_OPERATIONS and key.resource in intake_queues)
            or (key.service == "dynamodb" and key.operation == "PutItem" and key.resource == legacy_table)
        )
        if service_request:
            excluded += count
        else:
            kept[key] = count
    invocations: dict[str, FunctionMeter] = {}
    for name, meter in run.invocations.items():
        if name in intake_functions:
            excluded += meter.invocations
        else:
            invocations[name] = meter
    return replace(run, operations=kept, invocations=invocations, service_requests_excluded=excluded)


def bench_live_messages(data: DataSet) -> Iterable[LiveMessage]:
    """The live traffic of a benchmark run: the onboarding demo's (the benchmark's records are onboarding
    records), changing a sample of the loaded records and adding new applications."""
    return live_messages(DEFAULT_MAPPING, change_candidates(data), seed=data.seed)


def run_live(stack: BenchStack, data: DataSet, approach: str, timeout_seconds: float) -> RunResult:
    """The state machine in the approach's mode under live intake, checked against the invariants."""
    mode = LIVE_APPROACHES[approach]
    outputs = StackOutputs.from_mapping(stack.outputs)
    intake_functions = frozenset(str(stack.outputs[f"{name}_function_name"]) for name in INTAKE_CONSUMERS)
    traffic = LiveTraffic(stack.client("sqs"), outputs.intake_queue_url, bench_live_messages(data))
    run = run_pipeline(stack, data, timeout_seconds, approach=approach, mode=mode, traffic=traffic)
    run = without_service_requests(
        run,
        legacy_table=outputs.legacy_table_name,
        intake_queues=frozenset(
            _queue_name(url) for url in (outputs.intake_queue_url, outputs.intake_dlq_url)
        ),
        intake_functions=intake_functions,
    )
    # Both modes: the legacy backend consumed live intake (offline until the pause), so records are judged
    # by where their final version ended, as `local run --intake-rate` does.
    broken = check_live_invariants(stack, outputs, data, traffic.sent, legacy_served_intake=True)
    return replace(run, invariants_broken=broken)


def check_live_invariants(
    stack: BenchStack, outputs: StackOutputs, data: DataSet, sent: list[str], *, legacy_served_intake: bool
) -> list[str]:
    """The invariants that did not hold, each with what it found (kept with the run and reported: a run
    that breaks one is not a correct migration, and its figures say so rather than vanish)."""
    snapshot = read_snapshot(
        stack.client("dynamodb"),
        stack.client("sqs"),
        stack.client("lambda"),
        outputs,
        whole_legacy_records=legacy_served_intake,
    )
    outcomes = check_invariants(
        snapshot,
        loaded_ids=loaded_ids(data),
        sent_bodies=sent,
        status="SUCCEEDED",
        dry_run=False,
        validated=True,
        online=legacy_served_intake,
    )
    return [
        f"{outcome.name}: {outcome.detail}"[:_DETAIL_CHARACTERS] for outcome in outcomes if not outcome.holds
    ]


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]
