"""The live-intake approaches' arithmetic and reporting (issue 12), from hand-made results (no emulator):
the service's requests sorted out of the migration's, the intake's writes told apart by the meter, the
headline keys, the targets, the JSON round trip and the parts merged per size."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from benchmarks.bench_stack import DataSet, TargetContents
from benchmarks.chart import paused_series
from benchmarks.live_migration import without_service_requests
from benchmarks.metering import FunctionMeter, OperationKey, resource_of, writes_intake_item
from benchmarks.report import SizeResult, cost_per_million, evaluate_targets, headline, live_table
from benchmarks.result_json import run_to_json, size_from_json, size_from_parts, size_to_json
from benchmarks.run_result import RunResult, ScanVolume


def state_machine_run(
    approach: str,
    records: int,
    *,
    paused: float | None = None,
    transitions: int = 100,
    capture_invocations: int = 0,
) -> RunResult:
    migrated = records * 3 // 4
    invocations = {"migrate_record": FunctionMeter(invocations=records // 10, gb_seconds=1.0)}
    if capture_invocations:
        invocations["capture_legacy_changes"] = FunctionMeter(invocations=capture_invocations, gb_seconds=0.5)
    return RunResult(
        approach=approach,
        records=records,
        migrated=migrated,
        seconds=records / 100,
        operations=Counter(
            {
                OperationKey("sqs", "SendMessageBatch", "migration", False): records // 10,
                OperationKey("dynamodb", "TransactWriteItems", "new", False): migrated,
            }
        ),
        invocations=invocations,
        migrated_write_units=2 * migrated,
        scans=ScanVolume(bytes_scanned=1_000 * records),
        state_transitions=transitions,
        mode=approach.split("-")[0] if approach.endswith("-live") else "offline",
        live_messages_sent=records // 50,
        intake_paused_seconds=paused,
        intake_max_wait_seconds=paused + 1.0 if paused is not None else None,
    )


def size(
    records: int, online_paused: float, offline_paused: float, online_transitions: int = 100
) -> SizeResult:
    return SizeResult(
        data=DataSet(records, "seed", records * 3 // 4, records // 20, records // 5),
        pipeline=state_machine_run("pipeline", records),
        direct=state_machine_run("direct", records),
        peer=None,
        live={
            "offline-live": state_machine_run("offline-live", records, paused=offline_paused),
            "online-live": state_machine_run(
                "online-live",
                records,
                paused=online_paused,
                transitions=online_transitions,
                capture_invocations=records // 100,
            ),
        },
    )


def test_the_service_requests_are_left_out_and_counted():
    # GIVEN a live run's requests: the migration's, the traffic's sends, both intake consumers' work
    run = replace(
        state_machine_run("online-live", 1_000, paused=5.0),
        operations=Counter(
            {
                OperationKey("sqs", "SendMessageBatch", "migration", False): 100,
                OperationKey("sqs", "SendMessageBatch", "intake", False): 70,
                OperationKey("sqs", "SendMessage", "intake-dlq", False): 3,
                OperationKey("sqs", "GetQueueAttributes", "intake", False): 9,
                OperationKey("dynamodb", "PutItem", "legacy", False): 400,
                OperationKey("dynamodb", "Scan", "legacy", False): 16,
                OperationKey("dynamodb", "GetItem", "legacy", False): 30,
                OperationKey("dynamodb", "TransactWriteItems", "new", False): 750,
                OperationKey("dynamodb", "TransactWriteItems:intake", "new", False): 200,
            }
        ),
        invocations={
            "migrate_record": FunctionMeter(invocations=100),
            "legacy_intake": FunctionMeter(invocations=40),
            "onboarding_intake": FunctionMeter(invocations=20),
        },
    )

    # WHEN the service's requests are sorted out
    migration = without_service_requests(
        run,
        legacy_table="legacy",
        intake_queues=frozenset({"intake", "intake-dlq"}),
        intake_functions=frozenset({"legacy_intake", "onboarding_intake"}),
    )

    # THEN the migration keeps its own (queue depth checks, scans and verification reads included)
    assert migration.operations == Counter(
        {
            OperationKey("sqs", "SendMessageBatch", "migration", False): 100,
            OperationKey("sqs", "GetQueueAttributes", "intake", False): 9,
            OperationKey("dynamodb", "Scan", "legacy", False): 16,
            OperationKey("dynamodb", "GetItem", "legacy", False): 30,
            OperationKey("dynamodb", "TransactWriteItems", "new", False): 750,
        }
    )
    assert set(migration.invocations) == {"migrate_record"}
    assert migration.service_requests_excluded == 70 + 3 + 400 + 200 + 40 + 20
    # and its cost is lower than with the service's work in it
    assert cost_per_million(migration).total < cost_per_million(run).total


def test_the_meter_tells_the_intake_writes_from_the_migration_copies_and_names_a_transaction_tables():
    # GIVEN two transactions as the item writes send them: the intake's item, and a migrated copy
    def transaction(source: str) -> bytes:
        item = {"pk": {"S": "CUSTOMER#1"}, "source": {"S": source}}
        return json.dumps(
            {
                "TransactItems": [
                    {"Put": {"TableName": "onboarding", "Item": {"pk": {"S": "APPLICATION#a"}}}},
                    {"Put": {"TableName": "onboarding", "Item": item}},
                    {"Delete": {"TableName": "onboarding", "Key": {"pk": {"S": "CUSTOMER#0"}}}},
                ]
            }
        ).encode()

    # WHEN / THEN only the intake's is the service's; both name their table
    assert writes_intake_item("dynamodb", "TransactWriteItems", transaction("intake"))
    assert not writes_intake_item("dynamodb", "TransactWriteItems", transaction("migration"))
    assert not writes_intake_item("dynamodb", "PutItem", transaction("intake"))
    assert resource_of("dynamodb", transaction("migration")) == "onboarding"


def test_the_headline_has_both_modes_pauses_and_the_online_cost_ratio():
    # GIVEN two sizes, online pausing 8 s then 10 s, offline 20 s then 900 s; online with more transitions
    results = [size(1_000, 8.0, 20.0), size(100_000, 10.0, 900.0, online_transitions=400)]

    # WHEN the headline line is made
    figures = json.loads(headline(results, peak_rss_mib=900.0))

    # THEN the largest N's pauses, both series by N, and the online / offline cost at the largest N
    assert figures["online_intake_paused_seconds"] == 10.0
    assert figures["offline_intake_paused_seconds"] == 900.0
    assert figures["intake_paused_seconds_by_records"] == {
        "online": {"1000": 8.0, "100000": 10.0},
        "offline": {"1000": 20.0, "100000": 900.0},
    }
    largest = results[-1].live
    expected = (
        cost_per_million(largest["online-live"]).total / cost_per_million(largest["offline-live"]).total
    )
    assert expected > 1.0
    assert figures["online_cost_vs_offline"] == round(expected, 3)
    # and every earlier key is still there
    assert figures["pipeline_records_per_s"] == 100.0


def test_the_headline_says_null_where_the_live_runs_did_not_run():
    # GIVEN a size without the live approaches (--no-live)
    result = replace(size(1_000, 8.0, 20.0), live={})

    # WHEN / THEN the keys are there, empty
    figures = json.loads(headline([result], peak_rss_mib=1.0))
    assert figures["online_intake_paused_seconds"] is None
    assert figures["online_cost_vs_offline"] is None
    assert figures["intake_paused_seconds_by_records"] == {"online": {}, "offline": {}}


def _live_targets(results: list[SizeResult]) -> dict[str, bool]:
    return {t.name: t.met for t in evaluate_targets(results, 500.0) if t.name.startswith("online")}


def test_the_online_targets_are_met_by_a_short_flat_pause_at_a_close_cost():
    # GIVEN online pauses of 10 s at 1,000 and 12 s at 100,000, the same cost as offline
    targets = _live_targets([size(1_000, 10.0, 20.0), size(100_000, 12.0, 900.0)])

    # THEN the four issue 12 targets are met
    assert list(targets.values()) == [True, True, True, True]


def test_the_online_targets_are_missed_by_a_long_growing_pause_and_a_dearer_run():
    # GIVEN online pauses of 10 s at 1,000 and 40 s at 100,000, at ten times the transitions
    results = [size(1_000, 10.0, 20.0), size(100_000, 40.0, 900.0, online_transitions=100_000)]

    # WHEN the targets are evaluated
    targets = {t.name: t for t in evaluate_targets(results, 500.0) if t.name.startswith("online")}

    # THEN the pause and cost targets are missed, and say what was measured
    assert [t.met for name, t in targets.items() if "invariant" not in name] == [False, False, False]
    growth = next(t for name, t in targets.items() if "paused at N = 100,000 <=" in name)
    assert growth.measured == "40.0 s vs 10.0 s: 4.00 x"


def test_a_pause_not_measured_misses_its_target():
    # GIVEN an online run whose history never showed the pause's end
    results = [size(1_000, 10.0, 20.0)]
    results[0].live["online-live"] = replace(results[0].live["online-live"], intake_paused_seconds=None)

    # WHEN / THEN the pause targets are missed, not met by default
    targets = {
        t.name: t for t in evaluate_targets(results, 500.0) if t.name.startswith("online mode: intake")
    }
    assert [t.met for t in targets.values()] == [False, False]
    assert all("not measured" in t.measured for t in targets.values())


def test_live_results_survive_json_and_the_parts_merge_without_setting_the_size_peak():
    # GIVEN one size's parts as each approach's process writes them, the live run peaking highest
    original = size(1_000, 8.0, 20.0)

    def part(run: RunResult, peak: float) -> dict[str, object]:
        memory = {"peak_rss_mib": peak, "peak_pss_mib": None, "breakdown": "-", "phases": []}
        return {"data": vars(original.data), "run": run_to_json(run), "local_waits": None, "memory": memory}

    parts = {
        "direct": part(original.direct, 300.0),
        "pipeline": part(original.pipeline, 600.0),
        **{approach: part(run, 900.0) for approach, run in original.live.items()},
    }

    # WHEN the parts are merged and the size goes through JSON
    merged = size_from_parts(json.loads(json.dumps(parts)))
    restored = size_from_json(json.loads(json.dumps(size_to_json(merged))))

    # THEN the live runs are there as they were, and the size's peak is the pipeline's
    assert restored.live == original.live
    assert restored.memory is not None and restored.memory.peak_rss_mib == 600.0


def test_the_live_table_and_the_chart_series_show_each_mode():
    # GIVEN two sizes
    results = [size(1_000, 8.0, 20.0), size(10_000, 9.0, 95.0)]

    # WHEN / THEN the table has a row per size and mode; the chart's series are the pauses by N
    rows = [line for line in live_table(results).splitlines() if "-live" in line]
    assert len(rows) == 4
    assert paused_series(results, "online") == ([1_000, 10_000], [8.0, 9.0])
    assert paused_series(results, "offline") == ([1_000, 10_000], [20.0, 95.0])


def test_broken_invariants_miss_the_target_and_are_listed_under_the_table():
    # GIVEN an online run at 10,000 that left a duplicate item
    results = [size(1_000, 8.0, 20.0), size(10_000, 9.0, 95.0)]
    broken = "one_item_per_application: 1 application has 2 items"
    results[1].live["online-live"] = replace(results[1].live["online-live"], invariants_broken=[broken])

    # WHEN the targets and the table are made
    target = next(t for t in evaluate_targets(results, 500.0) if "every invariant holds" in t.name)
    table = live_table(results)

    # THEN the target is missed at that N, and the table says which invariant and where
    assert not target.met
    assert target.measured == "N = 10,000: 1 broken"
    assert f"N = 10,000 online-live: {broken}" in table
    assert "1 broken" in table


def test_write_units_scale_to_the_validated_count_at_the_table_average():
    # GIVEN a table where 40 migrated items survived the traffic, 170 write units in all
    target = TargetContents(migrated=40, migrated_write_units=170, bytes=0, intake_items=900)

    # WHEN / THEN 750 validated migrated records cost the same per item, rounded up; none without items
    assert target.write_units_for(750) == 3188  # 170 * 750 / 40 = 3187.5
    assert TargetContents(0, 0, 0).write_units_for(750) == 0


def test_the_benchmark_traffic_changes_loaded_records_and_adds_new_ones():
    # GIVEN a benchmark data set
    from itertools import islice

    from benchmarks.live_migration import bench_live_messages, change_candidates

    data = DataSet(records=200, seed="bench-live", eligible_valid=150, eligible_invalid=10, ineligible=40)
    loaded = {record["application_id"] for record in change_candidates(data)}

    # WHEN its live traffic is drawn (a few bodies are malformed on purpose, as live traffic may be)
    def application_id(body: str) -> object:
        try:
            document = json.loads(body)
        except ValueError:
            return None
        return document.get("application_id") if isinstance(document, dict) else None

    ids = [application_id(message.body) for message in islice(bench_live_messages(data), 300)]

    # THEN some messages change loaded records and some bring new applications
    assert any(found in loaded for found in ids)
    assert any(found is not None and found not in loaded for found in ids)
