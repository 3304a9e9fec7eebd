"""Live progress of a migration: phase and counts from the execution history, depths from the queues.

`ExecutionWatcher` polls until the execution ends or waits at its gate, printing one line per poll with a
text progress bar (overwritten in place on a terminal, one line per change otherwise). "Processed" is
what left the migration queue: enqueued records minus what is still queued, in flight or dead-lettered.
Queues count messages and a bulk-copy message carries several records (``packed_messages``), so the
queued messages count as the enqueue's mean records per message (enqueued / messages): an estimate while
records move (a record sent back alone counts as a packed message), exact once the queue is empty; the
DLQ only holds one-record messages. The exact migrated / rejected split comes from each validation, which
the line shows once it exists.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from migration_cli.execution_history import ExecutionProgress, describe_phase
from migration_cli.history_reader import ExecutionFollower
from migration_cli.report_status import report_status
from migration_cli.stack_outputs import StackOutputs
from migration_cli.throughput_meter import Throughput, ThroughputMeter
from statemachines.phases import PhaseKey

SEPARATOR = " | "
RUNNING = "RUNNING"
WAITING_AT_GATE = "WAITING_AT_GATE"
_DEPTH_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@dataclass(frozen=True)
class QueueDepths:
    """Approximate on AWS: read several times before trusting a zero."""

    visible: int = 0
    in_flight: int = 0
    delayed: int = 0

    @property
    def total(self) -> int:
        return self.visible + self.in_flight + self.delayed


def queue_depths(sqs: Any, queue_url: str) -> QueueDepths:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(_DEPTH_ATTRIBUTES))[
        "Attributes"
    ]
    visible, in_flight, delayed = (int(attributes.get(name, 0)) for name in _DEPTH_ATTRIBUTES)
    return QueueDepths(visible=visible, in_flight=in_flight, delayed=delayed)


@dataclass(frozen=True)
class ProgressSnapshot:
    """One poll: the execution's status and progress, and the queue depths at that moment."""

    status: str
    """The execution status, or WAITING_AT_GATE while the gate waits for an answer."""
    progress: ExecutionProgress
    migration_queue: QueueDepths
    migration_dlq: QueueDepths
    intake_queue: QueueDepths
    elapsed_seconds: float

    @property
    def enqueued(self) -> int:
        return self.progress.scan["enqueued"]

    @property
    def dead_lettered(self) -> int:
        return self.migration_dlq.total

    @property
    def records_per_message(self) -> float:
        """The enqueue's mean records per message (1 before any message, or from an enqueue that did
        not count its messages)."""
        messages = self.progress.scan.get("messages", 0)
        return self.enqueued / messages if messages else 1.0

    @property
    def processed(self) -> int:
        queued = round(self.migration_queue.total * self.records_per_message)
        return max(0, self.enqueued - queued - self.dead_lettered)

    @property
    def finished(self) -> bool:
        return self.status not in (RUNNING, WAITING_AT_GATE)


def progress_bar(done: int, total: int, width: int = 24) -> str:
    """`[#########---------------]  37%` (an empty bar while the total is unknown)."""
    if total <= 0:
        return "[" + "-" * width + "]    "
    fraction = min(1.0, max(0.0, done / total))
    filled = round(fraction * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] {fraction * 100:3.0f}%"


def render_parts(snapshot: ProgressSnapshot, throughput: Throughput | None = None) -> list[str]:
    """The line's parts, most important first (a narrow terminal keeps a prefix of them)."""
    progress = snapshot.progress
    phase = describe_phase(progress.phase, progress.dry_run)
    if snapshot.status == WAITING_AT_GATE:
        phase = "waiting at the gate: answer with `approve ID --action redrive|accept|abort`"
    elif snapshot.finished:
        phase = f"{snapshot.status.lower()} ({phase})"
    parts = [f"{snapshot.elapsed_seconds:6.0f}s", phase]
    queue = snapshot.migration_queue
    queue_text = f"queue {queue.visible}+{queue.in_flight} in flight"
    if progress.dry_run:
        parts.append(f"scanned {progress.scan['scanned']} · eligible {progress.scan['eligible']}")
    elif progress.phase == PhaseKey.MIGRATE:
        # Pages report what they enqueued only when they end: while scanning, the queue tells more.
        parts.append(progress_bar(0, 0))
        parts.append(f"scanning: {progress.pages} pages done, enqueued {snapshot.enqueued} so far")
        parts.append(f"processed {snapshot.processed}")
        if throughput is not None and throughput.text():
            parts.append(throughput.text())
        parts.append(queue_text)
    elif progress.pages:
        parts.append(progress_bar(snapshot.processed, snapshot.enqueued))
        parts.append(f"enqueued {snapshot.enqueued} · processed {snapshot.processed}")
        # A rate only while records still move: once all are processed it would only decay.
        if throughput is not None and throughput.text() and snapshot.processed < snapshot.enqueued:
            parts.append(throughput.text())
        validation = progress.latest_validation
        if validation is not None:
            parts.append(f"migrated {validation.counts.migrated} · rejected {validation.counts.rejected}")
        parts.append(f"dead-lettered {snapshot.dead_lettered}")
        parts.append(queue_text)
    if snapshot.intake_queue.total:
        parts.append(f"intake waiting {snapshot.intake_queue.total}")
    return parts


def render_line(snapshot: ProgressSnapshot, throughput: Throughput | None = None) -> str:
    return SEPARATOR.join(render_parts(snapshot, throughput))


def fit_to_width(parts: list[str], width: int) -> str:
    """As many leading parts as fit in ``width`` columns; the first one cut with `…` if even it does not."""
    line = parts[0] if parts else ""
    for part in parts[1:]:
        candidate = line + SEPARATOR + part
        if len(candidate) > width:
            break
        line = candidate
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


def terminal_columns() -> int:
    return shutil.get_terminal_size(fallback=(100, 24)).columns


class ProgressPrinter:
    """Writes progress lines: in place on a terminal (fitted to its width, with the rate and the time
    left), otherwise a new line when a count changed."""

    def __init__(
        self,
        stream: TextIO | None = None,
        quiet: bool = False,
        columns: Callable[[], int] = terminal_columns,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._quiet = quiet
        self._columns = columns
        self._meter = ThroughputMeter()
        self._last = ""
        self._width = 0

    def show(self, snapshot: ProgressSnapshot) -> None:
        if self._quiet:
            return
        total = (
            snapshot.enqueued
            if snapshot.progress.pages and snapshot.progress.phase != PhaseKey.MIGRATE
            else None
        )
        throughput = self._meter.observe(snapshot.elapsed_seconds, snapshot.processed, total)
        # Compare without the clock and the rate: a line per second of the same counts says nothing.
        key = SEPARATOR.join(render_parts(snapshot)[1:])
        if self._stream.isatty():
            # One column short of the width: a line that fills it wraps on some terminals, and `\r`
            # then rewrites only the wrapped part.
            width = max(20, self._columns() - 1)
            line = fit_to_width(render_parts(snapshot, throughput), width)
            self._stream.write("\r" + line.ljust(min(self._width, width)))
            self._width = max(self._width, len(line))
            if snapshot.finished or snapshot.status == WAITING_AT_GATE:
                self._stream.write("\n")
        elif key != self._last:
            self._stream.write(render_line(snapshot, throughput) + "\n")
        self._last = key
        self._stream.flush()


class ExecutionWatcher:
    """Polls one execution; keeps its history position and the gate tokens already answered."""

    def __init__(
        self,
        stepfunctions: Any,
        sqs: Any,
        outputs: StackOutputs,
        execution_arn: str,
        printer: ProgressPrinter | None = None,
    ) -> None:
        self._sfn = stepfunctions
        self._sqs = sqs
        self._outputs = outputs
        self.execution_arn = execution_arn
        self._follower = ExecutionFollower(stepfunctions, execution_arn)
        self.progress = ExecutionProgress()
        self._answered: set[str] = set()
        self._printer = printer or ProgressPrinter()
        self._started = time.monotonic()

    def mark_answered(self, token: str) -> None:
        """The gate with this token has been answered (its end may not be in the history yet)."""
        self._answered.add(token)

    def poll(self) -> ProgressSnapshot:
        description = self._sfn.describe_execution(executionArn=self.execution_arn)
        self._follower.refresh(self.progress)
        # The report's words for an end (SUCCEEDED, ROLLED_BACK, FAILED), so watch and report agree.
        status = report_status(description)
        token = self.progress.gate_token
        if status == RUNNING and self.progress.waiting_at_gate and token not in self._answered:
            status = WAITING_AT_GATE
        snapshot = ProgressSnapshot(
            status=status,
            progress=self.progress,
            migration_queue=queue_depths(self._sqs, self._outputs.migration_queue_url),
            migration_dlq=queue_depths(self._sqs, self._outputs.migration_dlq_url),
            intake_queue=queue_depths(self._sqs, self._outputs.intake_queue_url),
            elapsed_seconds=time.monotonic() - self._started,
        )
        self._printer.show(snapshot)
        return snapshot

    def watch(self, interval_seconds: float = 2.0, timeout_seconds: float | None = None) -> ProgressSnapshot:
        """Poll until the execution ends or waits at the gate (or the timeout passes)."""
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        while True:
            snapshot = self.poll()
            if snapshot.finished or snapshot.status == WAITING_AT_GATE:
                return snapshot
            if deadline is not None and time.monotonic() >= deadline:
                return snapshot
            time.sleep(interval_seconds)
