"""The gate, asked at a terminal: what a person needs to decide, and an answer that must be an action."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from migration_cli.execution_history import GATE_ACTIONS
from migration_cli.report_model import ListedRecord
from migration_runtime.validation_result import ValidationResult

GATE_PROMPT_SHOWN = 10


def gate_prompt(
    validation: ValidationResult | None, dead_lettered: list[ListedRecord], timeout_seconds: int
) -> str:
    """What a person at the gate needs: the counts, the first dead-lettered ids with their last errors,
    the time left to decide and what each answer does."""
    counts = validation.counts.model_dump() if validation is not None else {}
    lines = [
        "validation is not clean: "
        + ", ".join(f"{key} {counts[key]}" for key in _GATE_COUNT_KEYS if key in counts),
    ]
    if dead_lettered:
        lines.append(f"dead-lettered records ({len(dead_lettered)}):")
        lines += [
            f"  {entry.application_id or '(no record id)'}: {entry.reason}"
            for entry in dead_lettered[:GATE_PROMPT_SHOWN]
        ]
        if len(dead_lettered) > GATE_PROMPT_SHOWN:
            lines.append(f"  ... and {len(dead_lettered) - GATE_PROMPT_SHOWN} more")
    lines.append(
        f"the gate waits {timeout_seconds} s, then rolls back. redrive: move the DLQ back and validate "
        "again (after a fix); accept: cut over as is; abort: roll back"
    )
    return "\n".join(lines) + "\n"


_GATE_COUNT_KEYS = (
    "eligible",
    "migrated",
    "missing",
    "rejected",
    "checksum_mismatches",
    "stale_items",
    "migration_dlq_messages",
)


def ask_at_the_gate(prompt: str, read_line: Callable[[], str], err: TextIO) -> str:
    """Ask until the answer is one of the gate's actions; an unknown answer is said to be unknown."""
    err.write(prompt)
    while True:
        err.write("answer redrive, accept or abort: ")
        err.flush()
        line = read_line()
        if not line:  # end of input: the safe answer
            return "abort"
        answer = line.strip().lower()
        if answer in GATE_ACTIONS:
            return answer
        err.write(f"unknown answer {answer!r}\n")
