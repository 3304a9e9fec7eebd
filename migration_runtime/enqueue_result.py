"""What one ``enqueue_records`` call returns: the segment, where to resume, and what its pages counted.

The state machine's segment loop reads ``done``, ``cursor`` and every count (a result without them fails
the segment with ``Migration.UnexpectedEnqueueResult``); the command line folds the counts of every call
into the run's scan totals. ``kind`` and ``version`` say which contract a result follows, so a reader
recognises it by name, not by the keys it happens to have.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from migration_runtime.function_result_version import RESULT_MODEL_CONFIG, RESULT_VERSION, ResultVersion

ENQUEUE_RESULT_KIND = "enqueue_records"


class EnqueueCounts(BaseModel):
    """Counted while the pages are read (mutable until the result is built)."""

    model_config = ConfigDict(**{**RESULT_MODEL_CONFIG, "frozen": False})

    scanned: int = Field(default=0, ge=0)
    eligible: int = Field(default=0, ge=0)
    ineligible: int = Field(default=0, ge=0)
    invalid: int = Field(default=0, ge=0)
    """Eligible records the per-record function will reject (or rejected here: too large to send)."""
    enqueued: int = Field(default=0, ge=0)
    messages: int = Field(default=0, ge=0)
    """Messages that carried the enqueued records (several per message: ``packed_messages``); the state
    machine does not read it, the command line turns queue depths (messages) into records with it."""


class EnqueueResult(BaseModel):
    model_config = RESULT_MODEL_CONFIG

    kind: Literal["enqueue_records"] = ENQUEUE_RESULT_KIND
    version: ResultVersion = RESULT_VERSION
    segment: int
    total_segments: int
    cursor: str | None
    """The legacy key to resume after; None once the segment is done."""
    done: bool
    counts: EnqueueCounts

    def to_document(self) -> dict[str, Any]:
        """The JSON document the function returns (``cursor`` stays, as null, when the segment is done)."""
        return self.model_dump(mode="json")
