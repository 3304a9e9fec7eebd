"""The benchmark report's headline line and target checks, from hand-made results (no emulator)."""

from __future__ import annotations

import json
from collections import Counter

from benchmarks.bench_stack import DataSet
from benchmarks.metering import FunctionMeter, OperationKey
from benchmarks.report import SizeResult, evaluate_targets, headline
from benchmarks.run_result import RunResult, ScanVolume


def run(approach: str, records: int, seconds: float, sqs: int = 0, invocations: int = 0) -> RunResult:
    migrated = records * 3 // 4
    return RunResult(
        approach=approach,
        records=records,
        migrated=migrated,
        seconds=seconds,
        operations=Counter(
            {
                OperationKey("sqs", "SendMessageBatch", "migration", False): sqs,
                OperationKey("dynamodb", "PutItem", "new", False): migrated,
            }
        ),
        invocations={"migrate_record": FunctionMeter(invocations=invocations)} if invocations else {},
        migrated_write_units=migrated,
        scans=ScanVolume(bytes_scanned=0),
        state_transitions=100,
    )


def size(records: int, pipeline_seconds: float, direct_seconds: float, peer: bool) -> SizeResult:
    data = DataSet(records, "seed", records * 3 // 4, records // 20, records // 5)
    return SizeResult(
        data=data,
        pipeline=run("pipeline", records, pipeline_seconds, sqs=records // 4, invocations=records // 12),
        direct=run("direct", records, direct_seconds),
        peer=run("peer", records, pipeline_seconds * 4) if peer else None,
    )


def test_the_headline_holds_the_largest_size_and_says_where_the_peer_was_measured():
    # GIVEN two sizes, the peer measured only at the smaller one (--peer-max-records)
    results = [size(1_000, 10.0, 5.0, peer=True), size(100_000, 1_000.0, 800.0, peer=False)]

    # WHEN the headline line is made
    figures = json.loads(headline(results, peak_rss_mib=900.0))

    # THEN it reports the largest N, and the peer's rate at the N where it ran
    assert figures["records"] == 100_000
    assert figures["pipeline_records_per_s"] == 100.0
    assert figures["ratio_vs_direct"] == 0.8
    assert figures["peer_records_per_s"] == 25.0
    assert figures["peer_records"] == 1_000
    assert figures["sqs_requests_per_record"] == round(25_000 / 75_000, 4)
    assert figures["peak_rss_mib"] == 900.0


def test_the_headline_has_no_peer_figure_when_the_peer_never_ran():
    # GIVEN one size without the peer / WHEN the headline is made / THEN the peer's figures are null
    figures = json.loads(headline([size(1_000, 10.0, 5.0, peer=False)], peak_rss_mib=1.0))
    assert figures["peer_records_per_s"] is None
    assert figures["peer_records"] is None


def test_targets_compare_the_largest_size_with_the_smallest():
    # GIVEN a pipeline that slows to 70 % of its small-N rate, at 0.5 of the direct floor
    results = [size(1_000, 10.0, 5.0, peer=False), size(100_000, 1_428.6, 714.3, peer=False)]

    # WHEN the targets are evaluated with 1.5 GiB of peak memory
    targets = {t.name.split(" (")[0].split(" at ")[0]: t for t in evaluate_targets(results, 1_536.0)}

    # THEN ratio, scaling and memory are missed; SQS and Lambda per record are met
    assert not targets["pipeline / direct >= 0.6"].met
    assert not targets["pipeline rate"].met
    assert not targets["peak memory of the whole run < 1 GiB"].met
    assert targets["SQS requests <= 0.35 per migrated record"].met
    assert targets["Lambda invocations <= 0.12 per migrated record"].met
