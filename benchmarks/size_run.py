"""One approach at one size, in a process of its own (``benchmarks.run`` starts one per approach and size).

    venv/bin/python -m benchmarks.size_run --records 10000 --approach pipeline --output part.json

Each process starts its own emulator, deploys the stack and loads the same seeded records, then times one
approach. A fresh heap per approach: nothing an earlier size or approach allocated (and the allocator
kept) counts against the next one (100,000 records, all three in one process: the pipeline started on
655 MiB left by the direct floor's tables and scans, against 448 MiB just after the load). Between
phases the freed memory is handed back to the system (``release_free_memory``), and each phase's peak is
kept, so the report can say which phase sets a size's peak.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.bench_stack import BenchStack, DataSet, bench_stack
from benchmarks.direct_floor import run_direct
from benchmarks.live_migration import LIVE_APPROACHES, run_live
from benchmarks.memory_probe import PeakMemory
from benchmarks.migration_throughput import LOCAL_WAITS, run_pipeline
from benchmarks.per_record_map_peer import PerRecordMapPeer
from benchmarks.result_json import run_to_json
from benchmarks.run_result import RunResult
from embedded_aws.heap_tuning import limit_malloc_arenas, release_free_memory

APPROACHES = ("direct", "pipeline", "peer", *LIVE_APPROACHES)


class InconsistentResults(RuntimeError):
    """The approaches did not migrate the same records: their rates would not be comparable."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def check(data: DataSet, *runs: RunResult | None) -> None:
    """Every eligible valid record migrated. Not for the live approaches: their traffic adds records and
    makes some ineligible while they run, so ``run_live`` checks them against the migration's invariants
    (the final legacy table, every intake message) instead of the loaded data set's count."""
    for run in runs:
        if run is None or run.approach in LIVE_APPROACHES:
            continue
        if run.migrated != data.eligible_valid:
            raise InconsistentResults(
                f"{run.approach} migrated {run.migrated} of {data.eligible_valid} eligible valid records "
                f"(N = {data.records})"
            )


def _phase_done(memory: PeakMemory, name: str) -> None:
    closed = memory.phase(name)
    release_free_memory()
    log(f"  memory: {name} peaked at {closed.peak_mib:,.0f} MiB, ended at {closed.end_mib:,.0f} MiB")


def measure(
    stack: BenchStack, approach: str, records: int, seed: str, timeout_seconds: float, memory: PeakMemory
) -> tuple[DataSet, RunResult]:
    log(f"N={records:,} {approach}: loading the legacy table")
    # Each process deploys a fresh stack: its legacy table is empty, and the live runs need its stream.
    data = stack.load_legacy(records, seed=f"{seed}-{records}", recreate=approach not in LIVE_APPROACHES)
    _phase_done(memory, "load")
    log(f"N={records:,} {approach}: running")
    if approach == "direct":
        run = run_direct(stack, data)
    elif approach == "pipeline":
        run = run_pipeline(stack, data, timeout_seconds)
    elif approach in LIVE_APPROACHES:
        run = run_live(stack, data, approach, timeout_seconds)
    else:
        run = PerRecordMapPeer(stack).run(data, timeout_seconds)
    _phase_done(memory, approach)
    log(f"N={records:,} {approach}: {run.records_per_second:.1f} records/s")
    if approach in LIVE_APPROACHES:
        log(
            f"N={records:,} {approach}: {run.live_messages_sent} live messages, intake paused"
            f" {run.intake_paused_seconds} s, longest intake wait {run.intake_max_wait_seconds} s"
        )
        for broken in run.invariants_broken:
            log(f"N={records:,} {approach}: INVARIANT BROKEN {broken}")
    check(data, run)
    return data, run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.size_run", description=__doc__)
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--approach", choices=APPROACHES, required=True)
    parser.add_argument("--output", type=Path, required=True, help="where the results go (JSON)")
    parser.add_argument("--seed", default="bench")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed per execution")
    args = parser.parse_args(argv)
    # Before any thread starts (the memory sampler, the emulator's): threads get their arenas at once.
    limit_malloc_arenas()
    with PeakMemory() as memory:
        log(f"N={args.records:,} {args.approach}: starting the emulator and deploying the stack")
        with bench_stack() as stack:
            _phase_done(memory, "deploy")
            data, run = measure(stack, args.approach, args.records, args.seed, args.timeout, memory)
    part: dict[str, Any] = {
        "data": asdict(data),
        "run": run_to_json(run),
        "local_waits": asdict(LOCAL_WAITS),
        "memory": {
            "peak_rss_mib": memory.peak_mib,
            "peak_pss_mib": memory.peak_pss_mib,
            "breakdown": memory.breakdown(),
            "phases": [asdict(phase) for phase in memory.phases],
        },
    }
    args.output.write_text(json.dumps(part))
    return 0


if __name__ == "__main__":
    sys.exit(main())
