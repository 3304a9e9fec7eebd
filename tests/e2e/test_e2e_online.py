"""Online migrations on the embedded runtime: the legacy backend keeps serving live intake (new
applications, edits, key moves, status changes) while the records are copied and its changes captured from
the legacy table's stream; intake pauses only for the cut-over. Faults and the gate, both ways."""

from __future__ import annotations

from typing import Any

from demo_data.onboarding_records import RecordKind
from embedded_aws.local_stack import LocalStack
from migration_cli.local_run import run_on_stack
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.application_writes import is_pointer_item
from migration_runtime.run_sentinels import is_sentinel
from record_mappings.onboarding.onboarding_item import is_onboarding_item
from tests.e2e.e2e_support import assert_invariants_hold, e2e_options, ids_of, labelled

# Live traffic for the whole run: the e2e runs last tens of seconds, so a few hundred messages.
LIVE_RATE = 8.0


def scan_all(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    from migration_runtime.dynamodb_codec import from_attribute_map

    dynamodb = stack.aws.client("dynamodb")
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return [from_attribute_map(item) for page in pages for item in page["Items"]]


def mapping_state(stack: LocalStack, uuid: str) -> str:
    return stack.aws.client("lambda").get_event_source_mapping(UUID=uuid)["State"]


def test_online_under_live_intake_with_faults_cuts_over_with_every_invariant(
    deployed_stack: LocalStack,
) -> None:
    # GIVEN live intake at a steady rate, transient faults and records that fail every time
    failing = tuple(ids_of(labelled(), RecordKind.ELIGIBLE_VALID)[:2])
    options = e2e_options(
        online=True, intake_rate=LIVE_RATE, fail_transient=0.1, fail_permanent=failing, gate="accept"
    )

    # WHEN migrated online
    result = run_on_stack(deployed_stack, options)

    # THEN it cut over with every invariant holding: each record in one place, every intake message in a
    # table or the intake DLQ, the legacy table changed only by the intake, one item per application
    report = result.report
    assert (report["status"], report["mode"], report["cut_over"]) == ("SUCCEEDED", "online", True)
    assert_invariants_hold(result)
    # AND it verified in three rounds: both tables while serving, what changed meanwhile still serving,
    # and in the pause only what changed during that shorter round
    validation = report["validation"]
    assert validation["runs"] >= 3
    assert validation["reverified_while_serving"] is not None
    assert validation["changed_reverified"] is not None
    # AND the pause and the longest intake wait were measured
    assert report["intake_paused_seconds"] is not None
    assert report["intake_max_wait_seconds"] is not None
    # AND the catch-up proved the stream's one shard here (a shard per partition on AWS) with one sentinel
    assert (report["catch_up_stream_shards"], report["catch_up_sentinels"]) == (1, 1)
    # AND the capture is off again, the legacy consumer off and the new one serving, no sentinel left
    outputs = StackOutputs.from_mapping(deployed_stack.outputs)
    assert mapping_state(deployed_stack, outputs.capture_mapping_uuid) == "Disabled"
    assert mapping_state(deployed_stack, outputs.new_mapping_uuid) == "Enabled"
    legacy = scan_all(deployed_stack, outputs.legacy_table_name)
    assert not [item for item in legacy if is_sentinel(item.get("application_id"))]
    # AND the legacy backend kept serving during the copy: it wrote live applications the load did not hold
    loaded = {item.record["application_id"] for item in labelled()}
    assert {item["application_id"] for item in legacy} - loaded
    # AND the live changes reached the new table: items equal their application's pointer, one each
    new = scan_all(deployed_stack, outputs.new_table_name)
    items = [item for item in new if is_onboarding_item(item)]
    pointers = {item["application_id"]: item for item in new if is_pointer_item(item)}
    assert len(report["invariants"]) == 4
    for item in items:
        pointer = pointers[item["application_id"]]
        assert (pointer["item_pk"], pointer["item_sk"]) == (item["pk"], item["sk"])
    # Live changes were captured from the stream, not only scanned: some items carry a stream version.
    assert any(str(item.get("version", "")).startswith("1#") for item in items)


def test_online_gate_abort_rolls_back_to_a_legacy_that_never_stopped(deployed_stack: LocalStack) -> None:
    # GIVEN a record that fails every time, and an operator who aborts at the gate
    failing = tuple(ids_of(labelled(), RecordKind.ELIGIBLE_VALID)[:1])
    options = e2e_options(online=True, intake_rate=LIVE_RATE, fail_permanent=failing, gate="abort")

    # WHEN migrated online
    result = run_on_stack(deployed_stack, options)

    # THEN it rolled back before any pause (the gate came while legacy served), legacy serves, the new
    # consumer and the capture are off, and every intake message is in the legacy table or the intake DLQ
    report = result.report
    assert (report["status"], report["cut_over"]) == ("ROLLED_BACK", False)
    assert report["intake_paused_seconds"] is None
    assert_invariants_hold(result)
    outputs = StackOutputs.from_mapping(deployed_stack.outputs)
    assert mapping_state(deployed_stack, outputs.legacy_mapping_uuid) == "Enabled"
    assert mapping_state(deployed_stack, outputs.new_mapping_uuid) == "Disabled"
    assert mapping_state(deployed_stack, outputs.capture_mapping_uuid) == "Disabled"
