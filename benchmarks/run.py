"""Migration benchmarks: the pipeline against the direct floor and a per-record Map peer, with costs.

    venv/bin/python -m benchmarks.run            # N = 1,000, 10,000 and 100,000 (make bench)
    venv/bin/python -m benchmarks.run --quick    # N = 1,000 and 10,000 (make bench-quick)

For each N, on one embedded emulator with the stack deployed: load N synthetic legacy records (an
eligible-heavy mix), run the direct floor, the real migration state machine and the peer over the same
records, check that all three migrated the same records, and print their rates, the requests each made
per migrated record and what that costs at AWS list prices. Ends with one JSON line of the headline
figures of the largest N.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from benchmarks.bench_stack import BenchStack, DataSet, bench_stack
from benchmarks.direct_floor import run_direct
from benchmarks.memory_probe import PeakMemory
from benchmarks.migration_throughput import run_pipeline
from benchmarks.per_record_map_peer import PerRecordMapPeer
from benchmarks.report import (
    SizeResult,
    evaluate_targets,
    headline,
    phases_line,
    prices_note,
    requests_table,
    targets_table,
    throughput_table,
)
from benchmarks.run_result import RunResult
from embedded_aws.heap_tuning import limit_malloc_arenas

FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)


class InconsistentResults(RuntimeError):
    """The approaches did not migrate the same records: their rates would not be comparable."""


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _check(data: DataSet, *runs: RunResult | None) -> None:
    for run in runs:
        if run is not None and run.migrated != data.eligible_valid:
            raise InconsistentResults(
                f"{run.approach} migrated {run.migrated} of {data.eligible_valid} eligible valid records "
                f"(N = {data.records})"
            )


def measure_size(
    stack: BenchStack, peer: PerRecordMapPeer | None, records: int, seed: str, timeout_seconds: float
) -> SizeResult:
    _log(f"N={records:,}: loading the legacy table")
    data = stack.load_legacy(records, seed=f"{seed}-{records}")
    _log(f"N={records:,}: direct floor")
    direct = run_direct(stack, data)
    _log(f"N={records:,}: direct {direct.records_per_second:.1f} records/s; pipeline")
    pipeline = run_pipeline(stack, data, timeout_seconds)
    _log(f"N={records:,}: pipeline {pipeline.records_per_second:.1f} records/s")
    peer_run = None
    if peer is not None:
        peer_run = peer.run(data, timeout_seconds)
        _log(f"N={records:,}: peer {peer_run.records_per_second:.1f} records/s")
    _check(data, direct, pipeline, peer_run)
    return SizeResult(data, pipeline, direct, peer_run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="N = 1,000 and 10,000 only")
    parser.add_argument("--sizes", type=int, nargs="+", help="explicit record counts (overrides --quick)")
    parser.add_argument("--no-peer", action="store_true", help="skip the per-record Map peer")
    parser.add_argument(
        "--peer-max-records",
        type=int,
        help="run the peer only at sizes up to this many records (it takes ~45 min at 100,000 here)",
    )
    parser.add_argument("--seed", default="bench", help="seed of the synthetic records (default bench)")
    parser.add_argument(
        "--timeout", type=float, default=4 * 3600, help="seconds allowed per execution (default 4 h)"
    )
    args = parser.parse_args(argv)
    # Before any thread starts (the memory sampler, the emulator's): threads get their arenas at once.
    limit_malloc_arenas()
    sizes = sorted(args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES))

    results: list[SizeResult] = []
    with PeakMemory() as memory:
        _log("starting the emulator and deploying the stack")
        with bench_stack() as stack:
            peer = None if args.no_peer else PerRecordMapPeer(stack)
            for records in sizes:
                peer_fits = args.peer_max_records is None or records <= args.peer_max_records
                peer_here = peer if peer_fits else None
                result = measure_size(stack, peer_here, records, args.seed, args.timeout)
                results.append(result)
                # Partial results on stderr as each size completes: a long run can be read while it goes.
                _log(f"N={records:,} done\n{throughput_table([result])}\n{phases_line(result.pipeline)}")
                _log(requests_table(result))
    peak_rss_mib = memory.peak_mib
    pss = memory.peak_pss_mib
    memory_breakdown = memory.breakdown()

    print()
    print(throughput_table(results))
    for result in results:
        print(f"N = {result.data.records:,}: " + phases_line(result.pipeline))
    for result in results:
        print()
        print(requests_table(result))
    print()
    print(
        f"Peak memory of the run (this process and its Lambda workers): RSS {peak_rss_mib:,.0f} MiB"
        + (f", PSS {pss:,.0f} MiB (shared pages counted once)" if pss else "")
        + f"; {memory_breakdown} (RSS)"
    )
    print(prices_note())
    print()
    print(targets_table(evaluate_targets(results, peak_rss_mib)))
    print(headline(results, peak_rss_mib), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
