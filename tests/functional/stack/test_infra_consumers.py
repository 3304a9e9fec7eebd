"""Event source mappings of the whole stack: the taps, their settings and the visibility rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tests.functional.stack.pulumi_harness import CapturedStack, RegisteredResource

MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"


def mapping(stack: CapturedStack, uuid_export: str) -> RegisteredResource:
    return stack.one(MAPPING, uuid=stack.exports[uuid_export])


def queue_mappings(stack: CapturedStack) -> list[RegisteredResource]:
    """The SQS mappings (the stream mapping of the online capture has no queue and no concurrency cap)."""
    stream = stack.exports["legacy_stream_arn"]
    return [resource for resource in stack.of_type(MAPPING) if resource.inputs["eventSourceArn"] != stream]


def test_one_intake_queue_feeds_two_mappings_with_only_the_legacy_one_enabled(stack: CapturedStack):
    # GIVEN the three mappings, found through their exported UUIDs
    legacy = mapping(stack, "legacy_mapping_uuid")
    new = mapping(stack, "new_mapping_uuid")
    migrate = mapping(stack, "migrate_mapping_uuid")

    # THEN legacy and new consume the same intake queue, legacy on and new off; migrate feeds migrate_record
    assert (
        legacy.inputs["eventSourceArn"] == new.inputs["eventSourceArn"] == stack.exports["intake_queue_arn"]
    )
    assert legacy.inputs["functionName"].endswith(stack.exports["legacy_intake_function_name"])
    assert new.inputs["functionName"].endswith(stack.exports["onboarding_intake_function_name"])
    assert migrate.inputs["eventSourceArn"] == stack.exports["migration_queue_arn"]
    assert migrate.inputs["functionName"].endswith(stack.exports["migrate_record_function_name"])
    assert (legacy.inputs["enabled"], new.inputs["enabled"], migrate.inputs["enabled"]) == (True, False, True)
    assert len(queue_mappings(stack)) == 3
    assert len(stack.of_type(MAPPING)) == 4


def test_the_legacy_tables_changes_feed_a_disabled_capture_at_the_streams_end(stack: CapturedStack):
    # GIVEN the capture mapping and the legacy table
    capture = mapping(stack, "capture_mapping_uuid").inputs
    legacy_table = stack.one("aws:dynamodb/table:Table", name=stack.exports["legacy_table_name"]).inputs

    # THEN the legacy table streams old and new images, and the capture reads that stream: disabled until an
    # online run, from LATEST, retrying a failing batch (never skipping a change) with partial failures
    assert (legacy_table["streamEnabled"], legacy_table["streamViewType"]) == (True, "NEW_AND_OLD_IMAGES")
    assert capture["eventSourceArn"] == stack.exports["legacy_stream_arn"]
    assert capture["functionName"].endswith(stack.exports["capture_legacy_changes_function_name"])
    assert capture["enabled"] is False
    assert capture["startingPosition"] == "LATEST"
    assert capture["maximumRetryAttempts"] == -1
    assert capture["functionResponseTypes"] == ["ReportBatchItemFailures"]


def test_every_mapping_reports_partial_batch_failures_and_caps_concurrency(stack: CapturedStack):
    for resource in queue_mappings(stack):
        # GIVEN a mapping with default config
        inputs = resource.inputs

        # THEN failed records alone are retried, batches hold 10 and concurrency is capped at the default tap
        assert inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
        assert inputs["batchSize"] == 10
        assert inputs["maximumBatchingWindowInSeconds"] == 0
        assert inputs["scalingConfig"] == {"maximumConcurrency": 10}


def test_the_taps_come_from_config(run_stack: Callable[[Mapping[str, str]], CapturedStack]):
    # GIVEN an operator who opens the intake tap and narrows the migration tap
    configured = run_stack(
        {
            "intakeBatchSize": "50",
            "intakeBatchingWindowSeconds": "2",
            "intakeMaxConcurrency": "40",
            "migrateBatchSize": "5",
            "migrateMaxConcurrency": "2",
        }
    )

    # WHEN reading the mappings
    legacy = mapping(configured, "legacy_mapping_uuid").inputs
    new = mapping(configured, "new_mapping_uuid").inputs
    migrate = mapping(configured, "migrate_mapping_uuid").inputs

    # THEN both intake mappings share the intake tap, and the migration mapping has its own
    for intake in (legacy, new):
        assert (intake["batchSize"], intake["maximumBatchingWindowInSeconds"]) == (50, 2)
        assert intake["scalingConfig"] == {"maximumConcurrency": 40}
    assert (migrate["batchSize"], migrate["scalingConfig"]) == (5, {"maximumConcurrency": 2})


def test_enabled_is_left_to_the_state_machine_after_creation(stack: CapturedStack):
    # GIVEN every mapping
    mappings = stack.of_type(MAPPING)

    # THEN `pulumi up` ignores later changes of `enabled` (a paused consumer stays paused)
    assert mappings
    assert all("enabled" in resource.ignore_changes for resource in mappings)


def test_every_consumed_queue_hides_messages_at_least_six_times_the_consumer_timeout(stack: CapturedStack):
    for resource in queue_mappings(stack):
        # GIVEN a mapping, its queue and its function
        queue = stack.one(QUEUE, arn=resource.inputs["eventSourceArn"])
        function = stack.one(FUNCTION, arn=resource.inputs["functionName"])

        # THEN a batch in flight cannot reappear before the function has surely given up
        assert queue.inputs["visibilityTimeoutSeconds"] >= 6 * function.inputs["timeout"]


def test_visibility_follows_the_slowest_consumer_unless_configured_longer(
    run_stack: Callable[[Mapping[str, str]], CapturedStack],
):
    # GIVEN a slower onboarding_intake, and separately an operator-set longer migration visibility
    configured = run_stack(
        {"onboardingIntakeTimeoutSeconds": "60", "migrationVisibilityTimeoutSeconds": "900"}
    )

    # WHEN reading the two work queues
    intake = configured.one(QUEUE, arn=configured.exports["intake_queue_arn"])
    migration = configured.one(QUEUE, arn=configured.exports["migration_queue_arn"])

    # THEN the intake queue covers its slowest consumer (6 x 60 s) and the configured value wins when longer
    assert intake.inputs["visibilityTimeoutSeconds"] == 360
    assert migration.inputs["visibilityTimeoutSeconds"] == 900
