"""One size of the benchmark, in a process of its own (``benchmarks.run`` starts one per size).

    venv/bin/python -m benchmarks.size_run --records 10000 --output result.json [--no-peer]

A size in its own process starts from a fresh heap: nothing a smaller size allocated (and the allocator
kept) counts against it, and its peak memory is its own. Between phases (load, direct floor, pipeline,
peer) the freed memory is handed back to the system (``release_free_memory``), and each phase's peak is
kept, so the report can say which phase sets the size's peak.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bench_stack import BenchStack, DataSet, bench_stack
from benchmarks.direct_floor import run_direct
from benchmarks.memory_probe import PeakMemory
from benchmarks.migration_throughput import LOCAL_WAITS, run_pipeline
from benchmarks.per_record_map_peer import PerRecordMapPeer
from benchmarks.report import SizeMemory, SizeResult
from benchmarks.result_json import size_to_json
from benchmarks.run_result import RunResult
from embedded_aws.heap_tuning import limit_malloc_arenas, release_free_memory


class InconsistentResults(RuntimeError):
    """The approaches did not migrate the same records: their rates would not be comparable."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _check(data: DataSet, *runs: RunResult | None) -> None:
    for run in runs:
        if run is not None and run.migrated != data.eligible_valid:
            raise InconsistentResults(
                f"{run.approach} migrated {run.migrated} of {data.eligible_valid} eligible valid records "
                f"(N = {data.records})"
            )


def _phase_done(memory: PeakMemory, name: str) -> None:
    closed = memory.phase(name)
    release_free_memory()
    log(f"  memory: {name} peaked at {closed.peak_mib:,.0f} MiB, ended at {closed.end_mib:,.0f} MiB")


def measure_size(
    stack: BenchStack,
    peer: PerRecordMapPeer | None,
    records: int,
    seed: str,
    timeout_seconds: float,
    memory: PeakMemory,
) -> SizeResult:
    log(f"N={records:,}: loading the legacy table")
    data = stack.load_legacy(records, seed=f"{seed}-{records}")
    _phase_done(memory, "load")
    log(f"N={records:,}: direct floor")
    direct = run_direct(stack, data)
    _phase_done(memory, "direct")
    log(f"N={records:,}: direct {direct.records_per_second:.1f} records/s; pipeline")
    pipeline = run_pipeline(stack, data, timeout_seconds)
    _phase_done(memory, "pipeline")
    log(f"N={records:,}: pipeline {pipeline.records_per_second:.1f} records/s")
    peer_run = None
    if peer is not None:
        peer_run = peer.run(data, timeout_seconds)
        _phase_done(memory, "peer")
        log(f"N={records:,}: peer {peer_run.records_per_second:.1f} records/s")
    _check(data, direct, pipeline, peer_run)
    return SizeResult(data, pipeline, direct, peer_run, local_waits=LOCAL_WAITS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.size_run", description=__doc__)
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True, help="where the size's results go (JSON)")
    parser.add_argument("--no-peer", action="store_true", help="skip the per-record Map peer")
    parser.add_argument("--seed", default="bench")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed per execution")
    args = parser.parse_args(argv)
    # Before any thread starts (the memory sampler, the emulator's): threads get their arenas at once.
    limit_malloc_arenas()
    with PeakMemory() as memory:
        log("starting the emulator and deploying the stack")
        with bench_stack() as stack:
            _phase_done(memory, "deploy")
            peer = None if args.no_peer else PerRecordMapPeer(stack)
            result = measure_size(stack, peer, args.records, args.seed, args.timeout, memory)
    sized = SizeResult(
        result.data,
        result.pipeline,
        result.direct,
        result.peer,
        memory=SizeMemory(memory.peak_mib, memory.peak_pss_mib, memory.breakdown(), list(memory.phases)),
        local_waits=result.local_waits,
    )
    args.output.write_text(json.dumps(size_to_json(sized)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
