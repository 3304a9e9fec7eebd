"""The hostile corpus (tests/data/hostile/) through the real handlers on moto: nothing raises, and every
record or message ends where its expectation says, rejections with a reason naming the field and quoting
no value."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.enqueue_records import handler as enqueue
from functions.legacy_intake import handler as legacy_intake
from functions.migrate_record import handler as migrate
from functions.onboarding_intake import handler as onboarding_intake
from functions.validate_migration import handler as validate
from migration_cli.input_file_checks import read_intake_file, read_legacy_file
from migration_runtime.migration_ledger import REJECTED, ledger_entry
from record_mappings.onboarding.onboarding_item import is_onboarding_item

CORPUS = Path(__file__).resolve().parents[2] / "data" / "hostile"


def names_field(reason: str, field: str) -> bool:
    """True when one part of the reason (``a: ...; b.c: ...``) is about ``field`` or a part of it."""
    return any(re.match(re.escape(field) + r"(?::|\[|\.)", part) for part in reason.split("; "))


def _strings(value: Any) -> Iterator[str]:
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, dict):
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)


def quoted_values(reason: str, document: Any) -> list[str]:
    """Values of the document (4 characters or more) that the reason repeats."""
    return [value for value in set(_strings(document)) if len(value) >= 4 and value in reason]


def test_every_legacy_corpus_record_is_migrated_ineligible_or_rejected_naming_its_field(
    stack, lambda_context
):
    # GIVEN every hostile legacy record the table can hold, loaded as `local run` loads its file
    records = read_legacy_file(CORPUS / "legacy_records.jsonl", "application_id")
    expected: dict[str, str] = json.loads((CORPUS / "legacy_expected.json").read_text(encoding="utf-8"))
    assert len(records) >= 60
    stack.put_legacy(records)
    by_id = {record["application_id"]: record for record in records}

    # WHEN the migration runs through the real handlers: enqueue, migrate_record, validate_migration
    result = enqueue.lambda_handler({"segment": 0, "total_segments": 1, "cursor": None}, lambda_context)
    assert result["done"]
    poll = stack.poll_until_empty(
        queue_url=stack.migration_queue_url,
        queue_arn=stack.migration_queue_arn,
        handler=migrate.lambda_handler,
        context=lambda_context,
        timeout_seconds=180,
    )
    report = validate.lambda_handler({"segments": 2}, lambda_context)

    # THEN no record failed (a handler error would have been a batch item failure) ...
    assert poll.failures == 0
    assert stack.depth(stack.migration_dlq_url) == 0
    items = stack.new_items()
    migrated = {item["application_id"] for item in items if is_onboarding_item(item)}
    # The new service's table holds onboarding items only; the ledger is in the control table
    assert all(is_onboarding_item(item) for item in items)
    rejected = {}
    for item in stack.control_items():
        entry = ledger_entry(item)
        if entry is not None:
            assert entry.kind == REJECTED, entry
            rejected[entry.application_id] = entry.reason
    # ... each record ended exactly as expected, each rejection naming its field and quoting no value
    for application_id, outcome in expected.items():
        if outcome == "migrated":
            assert application_id in migrated and application_id not in rejected, application_id[:40]
        elif outcome == "ineligible":
            assert application_id not in migrated and application_id not in rejected, application_id[:40]
        else:
            field = outcome.removeprefix("rejected:")
            reason = rejected.get(application_id)
            assert reason is not None and application_id not in migrated, application_id[:40]
            assert names_field(reason, field), (application_id[:40], reason)
            assert not quoted_values(reason, by_id[application_id]), (application_id[:40], reason)
    # ... and the verifier agrees: every rejected record counted as rejected, nothing missing
    outcomes = list(expected.values())
    counts = report["counts"]
    assert counts["migrated"] == outcomes.count("migrated")
    assert counts["ineligible"] == outcomes.count("ineligible")
    assert counts["rejected"] == sum(outcome.startswith("rejected:") for outcome in outcomes)
    assert counts["missing"] == 0 and counts["checksum_mismatches"] == 0
    assert report["clean"]


def _intake_cases() -> list[tuple[str, list[str]]]:
    bodies = read_intake_file(CORPUS / "intake_messages.jsonl")
    expected = json.loads((CORPUS / "intake_expected.json").read_text(encoding="utf-8"))
    assert len(bodies) == len(expected) >= 40
    return list(zip(bodies, expected, strict=True))


@pytest.mark.parametrize(("backend", "outcome_index"), [("legacy", 0), ("new", 1)])
def test_every_intake_corpus_message_is_stored_or_dead_lettered_with_a_reason_naming_its_field(
    stack, events, lambda_context, backend: str, outcome_index: int
):
    # GIVEN the hostile intake messages, as `local run --intake-file` reads them
    handler = legacy_intake.lambda_handler if backend == "legacy" else onboarding_intake.lambda_handler
    for index, (body, outcomes) in enumerate(_intake_cases()):
        outcome = outcomes[outcome_index]

        # WHEN the backend's consumer receives one
        response = handler(events.sqs_event(body, source_arn=stack.intake_queue_arn), lambda_context)

        # THEN it never fails the message (no retry: nothing here is an infrastructure error) ...
        assert response == {"batchItemFailures": []}, index
        dead = stack.drain(stack.intake_dlq_url)
        if outcome == "stored":
            # ... a storable one is in its backend's table ...
            assert dead == [], (index, dead[0]["MessageAttributes"] if dead else None)
            document = json.loads(body)
            if backend == "legacy":
                stored = {item["application_id"] for item in stack.legacy_items()}
            else:
                stored = {
                    item.get("application_id") for item in stack.new_items() if is_onboarding_item(item)
                }
            assert document["application_id"] in stored, index
        else:
            # ... any other is in the intake DLQ, unchanged, with a reason naming the field and no value
            field = outcome.removeprefix("rejected:")
            assert len(dead) == 1, index
            assert dead[0]["Body"] == body
            reason = dead[0]["MessageAttributes"]["rejection_reason"]["StringValue"]
            assert names_field(reason, field), (index, reason)
            try:
                document = json.loads(body)
            except (ValueError, RecursionError):
                document = None
            assert not quoted_values(reason, document), (index, reason)
