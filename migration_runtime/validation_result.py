"""What ``validate_migration`` returns: clean or not, every count, and bounded samples of what is wrong.

The state machine keeps ``clean`` and ``counts`` (a result without them routes to the rollback with
``Migration.UnexpectedValidationResult``); the command line reads every validation of a run from the
execution history for the report and the gate prompt. The samples are bounded (``bounded_sample``), so the
whole result stays far below Step Functions' 256 KiB state quota at any N.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from migration_runtime.function_result_version import RESULT_MODEL_CONFIG, RESULT_VERSION, ResultVersion

VALIDATION_RESULT_KIND = "validate_migration"


class ValidationCounts(BaseModel):
    """eligible == migrated + superseded_by_intake + rejected + missing."""

    model_config = RESULT_MODEL_CONFIG

    legacy: int = Field(ge=0)
    eligible: int = Field(ge=0)
    ineligible: int = Field(ge=0)
    migrated: int = Field(ge=0)
    rejected: int = Field(ge=0)
    missing: int = Field(ge=0)
    checksum_mismatches: int = Field(ge=0)
    superseded_by_intake: int = Field(ge=0)
    migration_dlq_messages: int = Field(ge=0)
    intake_dlq_messages: int = Field(ge=0)
    stale_items: int = Field(default=0, ge=0)
    """Onboarding items that are not their application's current item (a leftover at an old key, or an
    item of a removed, ineligible or rejected application). 0 in documents written before it existed."""


class Finding(BaseModel):
    """A record that did not move as expected, and why (never a value of the record)."""

    model_config = RESULT_MODEL_CONFIG

    application_id: str
    reason: str


class RecordRef(BaseModel):
    """A record named without a reason (a checksum mismatch says it all)."""

    model_config = RESULT_MODEL_CONFIG

    application_id: str


class ValidationScope(StrEnum):
    ALL = "all"
    """Both tables in full."""
    CHANGED = "changed"
    """Only the applications changed during an online run (its cut-over's re-verification): the counts
    are of that set."""
    CHANGED_WHILE_SERVING = "changed_while_serving"
    """Online, before the pause: only the applications changed since the full verification began, read
    again while the legacy backend still serves (differences are marked for the cut-over, not failures),
    so the pause re-verifies only what changed during this shorter round."""


class ValidationResult(BaseModel):
    model_config = RESULT_MODEL_CONFIG

    kind: Literal["validate_migration"] = VALIDATION_RESULT_KIND
    version: ResultVersion = RESULT_VERSION
    scope: ValidationScope = ValidationScope.ALL
    clean: bool
    """No missing record, no checksum mismatch, no stale item, an empty migration DLQ."""
    counts: ValidationCounts
    rejected: list[Finding] = Field(default_factory=list)
    missing: list[Finding] = Field(default_factory=list)
    checksum_mismatches: list[RecordRef] = Field(default_factory=list)
    truncated: bool = False
    """A sample left an entry out or cut a text: the full lists are in the ledger."""

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
