"""Run the whole test suite N times back to back while CPU burners keep every core busy.

`make test-stress` (not part of `make test`). A test that fails one run in several blocks every landing
at random, so this is how the suite's determinism is checked: it prints each run's outcome, then
`N runs, F failures` (F = runs with at least one failed or erroring test) and the tests that failed with
how often. Exit status 1 when any run failed.

    venv/bin/python scripts/stress_test_suite.py --runs 5 [--burners 2] [-- <extra pytest args>]
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _burn(stop: Any) -> None:
    while not stop.is_set():
        for _ in range(100_000):
            pass


def failed_tests(junit_xml: Path) -> list[str]:
    """Node ids of the failed or erroring test cases in a pytest JUnit XML report."""
    if not junit_xml.exists():
        return ["<no report: pytest did not finish>"]
    names = []
    for case in ElementTree.parse(junit_xml).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            names.append(f"{case.get('classname', '')}::{case.get('name', '')}")
    return names


def run_suite(run: int, extra_args: list[str]) -> tuple[int, list[str]]:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
        started = time.monotonic()
        completed = subprocess.run([*command, *extra_args], cwd=REPO, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        failures = failed_tests(report) if completed.returncode != 0 else []
        if completed.returncode != 0 and not failures:
            failures = [f"<pytest exit {completed.returncode}>"]
        summary = completed.stdout.strip().splitlines()[-1:] or ["(no output)"]
        print(f"run {run}: exit {completed.returncode} in {elapsed:.0f} s: {summary[0]}", flush=True)
        return completed.returncode, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="how many back-to-back runs (default 5)")
    parser.add_argument(
        "--burners", type=int, default=os.cpu_count() or 2, help="busy-loop processes (default: one per core)"
    )
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    options = parser.parse_args(argv)
    if options.runs < 1 or options.burners < 0:
        parser.error("--runs must be at least 1 and --burners at least 0")

    stop = multiprocessing.Event()
    burners = [
        multiprocessing.Process(target=_burn, args=(stop,), daemon=True) for _ in range(options.burners)
    ]
    for burner in burners:
        burner.start()
    print(f"{options.runs} runs of the suite with {options.burners} CPU burners", flush=True)
    failed_runs = 0
    failures: collections.Counter[str] = collections.Counter()
    try:
        for run in range(1, options.runs + 1):
            code, names = run_suite(run, options.pytest_args)
            failed_runs += code != 0
            failures.update(names)
    finally:
        stop.set()
        for burner in burners:
            burner.join(timeout=5)
    print(f"{options.runs} runs, {failed_runs} failures")
    for name, count in failures.most_common():
        print(f"  failed {count}x: {name}")
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
