"""Migration benchmarks: the pipeline against the direct floor and a per-record Map peer, with costs; and
the state machine in each mode (offline, online) under live intake (``benchmarks.live_migration``).

    venv/bin/python -m benchmarks.run            # N = 1,000, 10,000 and 100,000 (make bench)
    venv/bin/python -m benchmarks.run --quick    # N = 1,000 and 10,000 (make bench-quick)

Each approach at each N runs in a process of its own (``benchmarks.size_run``): an embedded emulator with
the stack deployed and the same N seeded synthetic legacy records (an eligible-heavy mix), then the direct
floor, the real migration state machine or the peer, each checked to migrate every eligible valid
record. This process only starts them and reports: rates, requests per migrated record, what that costs
at AWS list prices (as measured, and with the migration's AWS wait defaults), each size's peak memory,
the targets, and one JSON line of the headline figures. The whole run is kept in
``benchmarks/results/latest.json`` with its chart, ``latest.svg``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.live_migration import LIVE_APPROACHES
from benchmarks.report import (
    SizeResult,
    aws_defaults_table,
    evaluate_targets,
    headline,
    live_table,
    memory_table,
    phases_line,
    phases_table,
    prices_note,
    requests_table,
    targets_table,
    throughput_table,
)
from benchmarks.result_json import size_from_json, size_from_parts, size_to_json

FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
RESULTS_DIR = Path(__file__).resolve().parent / "results"


class SizeRunFailed(RuntimeError):
    pass


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_part(records: int, approach: str, seed: str, timeout_seconds: float) -> dict[str, Any]:
    """One approach at one size in its own process; its progress goes to this process's stderr."""
    with tempfile.TemporaryDirectory(prefix="bench-size-") as scratch:
        output = Path(scratch) / "part.json"
        command = [
            sys.executable, "-m", "benchmarks.size_run", "--records", str(records), "--approach", approach,
            "--seed", seed, "--timeout", str(timeout_seconds), "--output", str(output),
        ]  # fmt: skip
        finished = subprocess.run(command, check=False)
        if finished.returncode != 0 or not output.exists():
            raise SizeRunFailed(
                f"N = {records:,} {approach}: benchmarks.size_run exited {finished.returncode}"
            )
        part: dict[str, Any] = json.loads(output.read_text())
        return part


def run_size(records: int, seed: str, timeout_seconds: float, peer: bool, live: bool = True) -> SizeResult:
    """Each approach at this size in a process of its own, one after the other, merged into one result."""
    approaches = ["direct", "pipeline", *(["peer"] if peer else []), *(LIVE_APPROACHES if live else [])]
    return size_from_parts(
        {approach: run_part(records, approach, seed, timeout_seconds) for approach in approaches}
    )


def write_results(
    results: Sequence[SizeResult], figures: str, directory: Path, notes: str | None = None
) -> Path:
    """The run's results (headline and every size) as JSON, and the chart drawn from that same run."""
    from benchmarks.chart import write_chart  # matplotlib is imported only once the run is done

    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "measured_on": time.strftime("%Y-%m-%d"),
        "headline": json.loads(figures),
        "sizes": [size_to_json(result) for result in results],
        **({"notes": notes} if notes else {}),
    }
    (directory / "latest.json").write_text(json.dumps(document, indent=1) + "\n")
    return write_chart(
        results,
        directory / "latest.svg",
        f"Migration benchmark, {document['measured_on']} (benchmarks/run.py)",
    )


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
    parser.add_argument(
        "--no-live",
        action="store_true",
        help="skip the state machine under live intake (offline-live, online-live)",
    )
    parser.add_argument("--seed", default="bench", help="seed of the synthetic records (default bench)")
    parser.add_argument(
        "--timeout", type=float, default=4 * 3600, help="seconds allowed per execution (default 4 h)"
    )
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where latest.json and latest.svg go"
    )
    parser.add_argument(
        "--report-from",
        type=Path,
        help="run nothing: print the report of a saved run (a latest.json) and draw its chart again",
    )
    args = parser.parse_args(argv)
    if args.report_from is not None:
        document = json.loads(args.report_from.read_text())
        sizes = [size_from_json(size) for size in document["sizes"]]
        return report(sizes, args.results_dir, notes=document.get("notes"))
    sizes = sorted(args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES))

    results: list[SizeResult] = []
    for records in sizes:
        peer = not args.no_peer and (args.peer_max_records is None or records <= args.peer_max_records)
        _log(f"N={records:,}: in its own process")
        result = run_size(records, args.seed, args.timeout, peer, live=not args.no_live)
        results.append(result)
        # Partial results on stderr as each size completes: a long run can be read while it goes.
        _log(f"N={records:,} done\n{throughput_table([result])}\n{phases_line(result.pipeline)}")
        _log(requests_table(result))
        if result.live:
            _log(live_table([result]))
    return report(results, args.results_dir)


def report(results: Sequence[SizeResult], results_dir: Path, notes: str | None = None) -> int:
    """Print the whole run's report and keep it (latest.json, latest.svg) in ``results_dir``."""
    print()
    print(throughput_table(results))
    print()
    print(phases_table(results))
    for result in results:
        print(f"N = {result.data.records:,}: " + phases_line(result.pipeline))
    for result in results:
        print()
        print(requests_table(result))
    if any(result.live for result in results):
        print()
        print(live_table(results))
    print()
    print(aws_defaults_table(results))
    print()
    print(memory_table(results))
    print(prices_note())
    print()
    largest_peak = results[-1].memory.peak_rss_mib if results[-1].memory else 0.0
    print(targets_table(evaluate_targets(results, largest_peak)))
    figures = headline(results, largest_peak)
    chart = write_results(results, figures, results_dir, notes)
    _log(f"results: {chart.parent / 'latest.json'}, chart: {chart}")
    print(figures, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
