"""What the picture of a run shows, as plain typed data (no AWS, no rendering).

Times are seconds since the execution started, so every chart shares one axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from migration_cli.run_picture.state_graph import PhaseGraph

# How a run ended, as the report names it.
SUCCEEDED = "SUCCEEDED"
ROLLED_BACK = "ROLLED_BACK"
FAILED = "FAILED"
RUNNING = "RUNNING"


@dataclass(frozen=True)
class PhaseSpan:
    """One stretch of time in one phase (a phase entered twice, e.g. Settle after a redrive, has two)."""

    phase: str
    start_seconds: float
    end_seconds: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.end_seconds - self.start_seconds)


@dataclass(frozen=True)
class Ending:
    status: str
    """SUCCEEDED, ROLLED_BACK, FAILED, or RUNNING while the execution runs (or waits at the gate)."""
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class Fate:
    """How many records (or intake messages) ended in one place."""

    label: str
    count: int


@dataclass(frozen=True)
class ListedIssue:
    """A record or message that did not move, and why (the reason is untrusted text)."""

    kind: str
    """"rejected", "dead-lettered" or "intake rejected"."""
    application_id: str | None
    reason: str


@dataclass(frozen=True)
class ReasonGroup:
    kind: str
    reason: str
    count: int


@dataclass(frozen=True)
class CountBucket:
    """Records migrated during [start_seconds, start_seconds + width_seconds)."""

    start_seconds: float
    width_seconds: float
    count: int


@dataclass(frozen=True)
class DepthSample:
    """Queue depths (visible + in flight + delayed) read at one moment of the run."""

    at_seconds: float
    migration_queue: int
    migration_dlq: int
    intake_queue: int


@dataclass(frozen=True)
class RunPicture:
    title: str
    graph: PhaseGraph
    """The migration state machine, phase by phase (from its definition)."""
    ending: Ending
    path: tuple[str, ...] = ()
    """The phases the execution went through, in order (a phase repeats after a redrive)."""
    started_at: datetime | None = None
    duration_seconds: float | None = None
    dry_run: bool = False
    phase_spans: tuple[PhaseSpan, ...] = ()
    intake_paused: tuple[float, float] | None = None
    """From the pause until a consumer served the intake again, in seconds since the start."""
    gate_decisions: tuple[str, ...] = ()
    legacy_fates: tuple[Fate, ...] = ()
    intake_fates: tuple[Fate, ...] = ()
    issues: tuple[ListedIssue, ...] = ()
    throughput: tuple[CountBucket, ...] = ()
    depths: tuple[DepthSample, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Short facts shown under the title (validation runs, redrives, backup)."""
