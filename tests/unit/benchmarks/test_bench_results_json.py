"""A size's results survive the trip through JSON between its own process and the report."""

from __future__ import annotations

import json
from collections import Counter

from benchmarks.aws_defaults_cost import WaitSettings
from benchmarks.bench_stack import DataSet
from benchmarks.memory_probe import PhaseMemory
from benchmarks.metering import FunctionMeter, OperationKey
from benchmarks.report import SizeMemory, SizeResult, headline
from benchmarks.result_json import size_from_json, size_to_json
from benchmarks.run_result import RunResult, ScanVolume


def pipeline_run() -> RunResult:
    return RunResult(
        approach="pipeline",
        records=1_000,
        migrated=740,
        seconds=12.5,
        operations=Counter(
            {
                OperationKey("sqs", "ReceiveMessage", "migration", True): 80,
                OperationKey("dynamodb", "PutItem", "new", False): 740,
                OperationKey("dynamodb", "BatchWriteItem", "control,new", False): 3,
            }
        ),
        invocations={
            "migrate_record": FunctionMeter(invocations=75, errors=1, gb_seconds=2.5, duration_ms=9e3)
        },
        migrated_write_units=1_480,
        scans=ScanVolume(bytes_scanned=3_000_000),
        ledger_items=52,
        state_transitions=140,
        polling_transitions=40,
        phases={"Settle": 6.0, "Validate": 2.0},
        transitions_per_phase={"Settle": 45},
        enqueue_calls=[1, 2],
        ledger_table="control",
        waits_per_phase={"Settle": 6},
        polling_per_phase={"Settle": 40},
    )


def test_a_size_result_comes_back_from_json_equal_and_gives_the_same_headline():
    # GIVEN a size's results with every kind of field filled
    original = SizeResult(
        data=DataSet(1_000, "seed", 740, 52, 208),
        pipeline=pipeline_run(),
        direct=pipeline_run(),
        peer=None,
        memory=SizeMemory(512.5, 480.0, "at the peak: ...", [PhaseMemory("load", 300.0, 280.0, 250.0)]),
        local_waits=WaitSettings(1, 1),
    )

    # WHEN it is written as JSON text and read back
    restored = size_from_json(json.loads(json.dumps(size_to_json(original))))

    # THEN it is the same result, and the report's figures from it are the same
    assert restored == original
    assert headline([restored], 0.0) == headline([original], 0.0)
