"""A Lambda worker dies mid-run (as an execution environment can on AWS) and the migration still succeeds.

The runtime's fault injection (``LambdaRunner.crash_next_invocations``) kills the worker of one invocation
of each function, deterministically: the handler runs to its end, then the process exits before replying.
enqueue_records' messages were sent but the call failed, so the retry with the same cursor sends them
again; migrate_record's batch was written but not acknowledged, so it is delivered again after its
visibility timeout; validate_migration's report is lost and it runs again. Every step is idempotent.

Its own module and deployment: migrate_record gets a 5 s timeout here (the queue's visibility timeout is
6x that), so the crashed batch comes back in 30 s rather than 180 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo_data.onboarding_records import RecordKind
from embedded_aws.local_stack import LocalStack, local_stack
from migration_cli.local_run import run_on_stack
from tests.e2e.e2e_support import (
    E2E_STACK_CONFIG,
    PROGRAM_DIR,
    assert_invariants_hold,
    e2e_options,
    ids_of,
    labelled,
)

CRASHING = ("enqueue_records", "migrate_record", "validate_migration")
RECORDS = 300


@pytest.fixture(scope="module")
def shared_stack() -> Iterator[LocalStack]:
    config = {**E2E_STACK_CONFIG, "onboarding-migration:migrateRecordTimeoutSeconds": 5}
    with local_stack(program_dir=PROGRAM_DIR, config=config) as stack:
        yield stack


def test_one_killed_worker_of_each_function_and_the_migration_still_succeeds(
    shared_stack: LocalStack,
) -> None:
    # GIVEN the first invocation of enqueue_records, migrate_record and validate_migration armed to crash
    runner = shared_stack.aws.runner
    names = {function: shared_stack.outputs[f"{function}_function_name"] for function in CRASHING}
    for name in names.values():
        runner.crash_next_invocations(name)

    # WHEN a local run of a few hundred records migrates
    result = run_on_stack(shared_stack, e2e_options(records=RECORDS, timeout_seconds=300))

    # THEN each armed crash happened (an invocation took it) ...
    assert {function: runner.crashes_pending(name) for function, name in names.items()} == dict.fromkeys(
        CRASHING, 0
    )
    # ... and the migration succeeded anyway, with every invariant holding and every record accounted for
    report = result.report
    assert report["status"] == "SUCCEEDED", (report.get("error"), report.get("cause"))
    assert result.exit_code == 0
    assert_invariants_hold(result)
    records = labelled(RECORDS)
    counts = report["counts"]
    assert counts["legacy"] == RECORDS
    assert counts["migrated"] == len(ids_of(records, RecordKind.ELIGIBLE_VALID))
    assert counts["rejected"] == len(ids_of(records, RecordKind.ELIGIBLE_INVALID))
    assert counts["dead_lettered"] == 0
