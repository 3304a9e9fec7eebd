"""What one timed run measured, whatever the approach, and the billed usage derived from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from benchmarks.metering import FunctionMeter, OperationKey
from migration_cli.cost_model import Usage, scan_read_units

DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
DYNAMODB_READS = frozenset({"GetItem", "Scan", "Query", "BatchGetItem", "TransactGetItems"})


def attributed(
    operations: Counter[OperationKey], resources: set[str], pollers_excluded_on: frozenset[str] = frozenset()
) -> Counter[OperationKey]:
    """The requests one approach made: those on its own queues and tables, except the pollers' requests
    on ``pollers_excluded_on`` (a live consumer idling on its queue is the service, not the migration)."""

    def belongs(key: OperationKey) -> bool:
        names = set(key.resource.split(",")) if key.resource else set()
        if not names & resources:
            return False
        return not (key.internal and names & pollers_excluded_on)

    return Counter({key: count for key, count in operations.items() if belongs(key)})


@dataclass(frozen=True)
class ScanVolume:
    """Bytes of items read by full-table Scans during a run (strongly consistent in every approach)."""

    bytes_scanned: int
    consistent: bool = True

    @property
    def read_units(self) -> float:
        return scan_read_units(self.bytes_scanned, self.consistent) if self.bytes_scanned else 0.0


@dataclass(frozen=True)
class RunResult:
    approach: str
    records: int
    migrated: int
    seconds: float
    operations: Counter[OperationKey]
    """Requests on this approach's own queues and tables (see ``attributed``)."""
    invocations: dict[str, FunctionMeter]
    migrated_write_units: int
    scans: ScanVolume
    ledger_items: int = 0
    """Ledger items written (a REJECTED entry per rejected record; LAST_ERROR after failures), in the
    control table (the pipeline) or a scratch ledger (the floor, the peer)."""
    state_transitions: int = 0
    polling_transitions: int = 0
    paging_transitions: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    transitions_per_phase: dict[str, int] = field(default_factory=dict)
    enqueue_calls: list[int] = field(default_factory=list)
    """Pipeline only: enqueue_records invocations per scan segment (from the execution's output)."""
    status: str = "SUCCEEDED"
    ledger_table: str | None = None
    """The table holding the ledger (the pipeline's control table, also home of its lock and run record;
    a scratch ledger elsewhere): every write there is bookkeeping, not an onboarding item."""
    waits_per_phase: dict[str, int] = field(default_factory=dict)
    """Pipeline only: Wait states entered per phase (poll rounds of each wait loop)."""
    polling_per_phase: dict[str, int] = field(default_factory=dict)
    """Pipeline only: polling state transitions per phase (see ``execution_stats``)."""
    send_hold_seconds: float = 0.0
    """Pipeline only: seconds the enqueue's sends waited for the local backlog bound (left out of its
    billed duration: AWS does not make a sender wait)."""
    mode: str | None = None
    """The state machine runs: the execution input's ``mode`` (offline, online); None for the others."""
    live_messages_sent: int = 0
    """Live approaches only: intake messages sent at a fixed rate from the execution's start to its end."""
    intake_paused_seconds: float | None = None
    """Live approaches: seconds no consumer took the intake (from the execution's history)."""
    intake_max_wait_seconds: float | None = None
    """Live approaches: the longest any intake message waited between its send and being written."""
    intake_items: int = 0
    """Live approaches: items the intake consumers wrote to the new table (not migrated records)."""
    invariants_broken: list[str] = field(default_factory=list)
    """Live approaches: the invariants `local run` checks that did not hold after the run, with details."""
    service_requests_excluded: int = 0
    """Live approaches: the service's own requests left out of the migration's (the traffic's sends, the
    intake consumers' writes and invocations): the live service pays them whether or not it migrates."""

    @property
    def fixed_transitions(self) -> int:
        return self.state_transitions - self.polling_transitions - self.paging_transitions

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def requests(
        self, service: str, operations: frozenset[str] | None = None, internal: bool | None = None
    ) -> int:
        return sum(
            count
            for key, count in self.operations.items()
            if key.service == service
            and (operations is None or key.operation in operations)
            and (internal is None or key.internal == internal)
        )

    @property
    def sqs_requests(self) -> int:
        return self.requests("sqs")

    @property
    def dynamodb_writes(self) -> int:
        return self.requests("dynamodb", DYNAMODB_WRITES)

    @property
    def dynamodb_reads(self) -> int:
        return self.requests("dynamodb", DYNAMODB_READS)

    @property
    def item_writes(self) -> int:
        """Writes of onboarding items: every write but those on the ledger's table (without its name:
        one ledger write per ledger item)."""
        if self.ledger_table is None:
            return max(0, self.dynamodb_writes - self.ledger_items)
        return sum(
            count
            for key, count in self.operations.items()
            if key.service == "dynamodb"
            and key.operation in DYNAMODB_WRITES
            and self.ledger_table not in key.resource.split(",")
        )

    @property
    def lambda_invocations(self) -> int:
        return sum(meter.invocations for meter in self.invocations.values())

    @property
    def lambda_gb_seconds(self) -> float:
        return sum(meter.gb_seconds for meter in self.invocations.values())

    @property
    def total_requests(self) -> int:
        """Every billable request: SQS, DynamoDB, Lambda invocations, state transitions."""
        return (
            self.sqs_requests
            + self.dynamodb_writes
            + self.dynamodb_reads
            + self.lambda_invocations
            + (self.state_transitions)
        )

    def usage(self) -> Usage:
        # Writes of migrated items cost their size (a transaction of item and pointer at 2 units per KB
        # each, see ``target_contents``); the other writes (ledger items, a cancelled transaction of a
        # redelivery) are counted at one unit each.
        other_writes = max(0, self.dynamodb_writes - self.migrated)
        point_reads = self.requests("dynamodb", frozenset({"GetItem"}))
        return Usage(
            sqs_requests=self.sqs_requests,
            lambda_invocations=self.lambda_invocations,
            lambda_gb_seconds=self.lambda_gb_seconds,
            dynamodb_write_units=self.migrated_write_units + other_writes,
            dynamodb_read_units=self.scans.read_units + point_reads,
            state_transitions=self.state_transitions,
        )
