"""The report of a migration as one typed object: built once, then rendered (text, JSON, HTML).

Every renderer reads the same object; none mutates it. ``to_json`` keeps the field names users script
against (``report --json``, ``local run --json``) and adds ``version``; ``from_json`` reads a saved report
back (for a renderer run later, or a test). Counts that only some outcomes have (``would_migrate`` and
``would_reject`` in a dry run, ``superseded_by_intake``, ``checksum_mismatches`` and ``stale_items`` once
validated) are
left out of the JSON when unknown, as before the report was typed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_VERSION: Literal[1] = 1
REPORTED_SERVICES = ("sqs", "lambda", "dynamodb", "states")
_SITUATIONAL_COUNTS = frozenset(
    {"would_migrate", "would_reject", "superseded_by_intake", "checksum_mismatches", "stale_items"}
)


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ListedRecord(_Part):
    """A record (or intake message) that did not move, and why; the id is None when the body has none."""

    application_id: str | None = None
    reason: str = ""


class RecordCounts(_Part):
    """How many records ended where (None: not known for this outcome, e.g. rolled back before any
    validation)."""

    legacy: int | None = None
    eligible: int | None = None
    migrated: int | None = None
    would_migrate: int | None = None
    superseded_by_intake: int | None = None
    ineligible: int | None = None
    rejected: int | None = None
    would_reject: int | None = None
    checksum_mismatches: int | None = None
    stale_items: int | None = None
    dead_lettered: int | None = None
    intake_rejected: int | None = None
    intake_delivered: int | None = None
    intake_received: int | None = None
    intake_pending: int | None = None
    enqueued: int | None = None


class ValidationSummary(_Part):
    clean: bool
    runs: int = 1
    missing: int | None = None
    checksum_mismatches: list[dict[str, str]] = Field(default_factory=list)
    truncated: bool = False
    changed_reverified: int | None = None
    """Online: the last validation re-verified only the records changed during the run (this many, in
    the cut-over's pause); the record counts come from the full verification made while serving."""
    reverified_while_serving: int | None = None
    """Online: the records changed during the full verification, re-verified while the legacy backend
    still served (the round between the full verification and the pause)."""


class InvariantOutcome(_Part):
    """One invariant `local run` checked against the data (``invariants``)."""

    name: str
    holds: bool
    detail: str

    def __init__(self, name: str, holds: bool, detail: str) -> None:
        super().__init__(name=name, holds=holds, detail=detail)


class LocalRunFacts(_Part):
    """What `local run` adds: the data it loaded and sent, and where the time went."""

    records_loaded: int
    intake_sent: int
    load_seconds: float
    migration_seconds: float
    wall_seconds: float
    migrated_per_second: float
    all_requests: dict[str, int] | None = None
    deploy_seconds: float | None = None
    exported: list[str] | None = None


class PlanBesideActual(_Part):
    """What `plan`'s model estimates for this run's own counts and settings, to read beside the actuals."""

    duration_seconds: float
    intake_paused_seconds: float
    state_transitions: int
    cost_usd: float
    seconds_per_batch: float
    seconds_per_batch_source: str


class MigrationReport(_Part):
    version: Literal[1] = REPORT_VERSION
    execution_arn: str
    execution_name: str | None = None
    status: str
    """SUCCEEDED, ROLLED_BACK or FAILED (RUNNING while the execution runs)."""
    dry_run: bool = False
    mode: str = "offline"
    """offline (intake paused for the whole run) or online (paused for the cut-over only)."""
    record_mapping: str = "onboarding"
    """The record mapping the stack runs (``record_mappings/<name>``)."""
    record_id_field: str = "application_id"
    """The field naming a record in that mapping: the ids listed under ``application_id`` (the report's
    name for a record id, kept for the scripts that read it) are values of this field."""
    error: str | None = None
    cause: str | None = None
    phase_reached: str | None = None
    cut_over: bool = False
    counts: RecordCounts = Field(default_factory=RecordCounts)
    validation: ValidationSummary | None = None
    gate_decisions: list[str] = Field(default_factory=list)
    redrives: int = 0
    backup_arn: str | None = None
    rejected: list[ListedRecord] = Field(default_factory=list)
    dead_lettered: list[ListedRecord] = Field(default_factory=list)
    intake_rejected: list[ListedRecord] = Field(default_factory=list)
    requests: dict[str, int] | None = None
    """Per service, where requests are counted (the local emulator); None on AWS."""
    lambda_invocations: dict[str, int] | None = None
    """Per invocation path, with their "total"; None on AWS."""
    state_transitions: int = 0
    duration_seconds: float | None = None
    intake_paused_seconds: float | None = None
    """From the legacy consumer's disable until a consumer serves again (from the execution history)."""
    intake_max_wait_seconds: float | None = None
    """The longest any intake message waited between its send and being written (measured by the local
    runtime; None on AWS, where CloudWatch's ApproximateAgeOfOldestMessage of the intake queue says it)."""
    catch_up_stream_shards: int | None = None
    """Online: the open shards of the legacy table's stream, each of which delivered one of the cut-over's
    catch-up sentinels before the re-verification (None for a run that did not get that far)."""
    catch_up_sentinels: int | None = None
    """Online: how many catch-up sentinels were written to cover those shards."""
    invariants: list[InvariantOutcome] | None = None
    """Checked against the data by `local run`; None when not checked."""
    local: LocalRunFacts | None = None
    estimate: PlanBesideActual | None = None
    """`plan`'s estimate for this run's counts (None for a dry run or a run that counted nothing)."""

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def invariants_hold(self) -> bool:
        return all(invariant.holds for invariant in self.invariants or ())

    def to_json(self) -> dict[str, Any]:
        document = self.model_dump(mode="json")
        document["counts"] = {
            name: value
            for name, value in document["counts"].items()
            if value is not None or name not in _SITUATIONAL_COUNTS
        }
        for optional in ("invariants", "local", "estimate"):
            if document[optional] is None:
                del document[optional]
        if "local" in document:
            # deploy_seconds and exported exist only for a run that deployed or exported.
            document["local"] = {
                name: value
                for name, value in document["local"].items()
                if value is not None or name == "all_requests"
            }
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> MigrationReport:
        return cls.model_validate(document)
