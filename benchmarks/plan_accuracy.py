"""`plan` against the run that follows it, on one local stack: estimate next to actual (on demand only).

    venv/bin/python -m benchmarks.plan_accuracy [--records 10000] [--seconds-per-batch S]

Deploys the stack on the embedded runtime, loads synthetic legacy records, runs `onboarding-migration plan`
on it (the command line itself, through a `local up`-style outputs file) with the settings `local run`
uses, then migrates them as `local run` does, and prints both, phase by phase (phases from the execution
history, child executions spliced in). The machine is shared: one run is one sample, not a speed claim.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.execution_stats import count_transitions, phase_seconds, read_history
from demo_data.onboarding_records import legacy_records
from embedded_aws.local_stack import local_stack
from migration_cli.local_data_loading import write_legacy_records
from migration_cli.local_run import run_on_stack
from migration_cli.local_run_options import DEFAULT_INTAKE, LOCAL_STACK_CONFIG, LocalRunOptions
from migration_cli.main import main as cli_main

ACTUAL_COUNTS = ("legacy", "migrated", "ineligible", "rejected")


def run_plan(
    endpoint_url: str, outputs: dict[str, Any], options: LocalRunOptions, extra: list[str]
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "outputs.json"
        path.write_text(json.dumps({"endpoint_url": endpoint_url, "outputs": outputs}), encoding="utf-8")
        argv = [
            "plan",
            "--outputs",
            str(path),
            "--json",
            "--segments",
            str(options.segments),
            "--poll-interval",
            str(options.poll_interval_seconds),
            "--empty-readings",
            str(options.empty_readings_required),
            "--intake-messages",
            str(options.intake),
            *extra,
        ]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = cli_main(argv)
        if code != 0:
            raise RuntimeError(f"plan exited {code}")
        return json.loads(printed.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seconds-per-batch", help="passed to plan (default: plan's own default)")
    args = parser.parse_args(argv)
    options = LocalRunOptions(records=args.records, intake=DEFAULT_INTAKE, show_progress=False, seed="demo")
    records = legacy_records(args.records, seed=options.seed)
    with local_stack(config=LOCAL_STACK_CONFIG) as stack:
        dynamodb = stack.aws.client("dynamodb")
        write_legacy_records(dynamodb, stack.outputs["legacy_table_name"], records)
        extra = ["--seconds-per-batch", args.seconds_per_batch] if args.seconds_per_batch else []
        plan = run_plan(stack.aws.endpoint_url, stack.outputs, options, extra)
        result = run_on_stack(stack, options, records=records, err=io.StringIO())
        report = result.report
        history = read_history(stack.aws.client("stepfunctions"), report["execution_arn"])
        phases = phase_seconds(history)
        transitions = count_transitions(history)
    actual = report.get("duration_seconds") or 0.0
    summary = {
        "records": args.records,
        "estimate_seconds": plan["duration_seconds"],
        "actual_seconds": actual,
        "ratio": round(plan["duration_seconds"] / actual, 2) if actual else None,
        "estimate_intake_paused_seconds": plan["intake_paused_seconds"],
        "actual_intake_paused_seconds": report.get("intake_paused_seconds"),
        "estimate_transitions": plan["state_transitions"],
        "actual_transitions": report.get("state_transitions"),
        "actual_transitions_per_phase": transitions.per_phase,
        "actual_polling_transitions": transitions.polling,
        "actual_paging_transitions": transitions.paging,
        "estimate_counts": plan["counts"],
        "actual_counts": {key: report["counts"].get(key) for key in ACTUAL_COUNTS},
        "estimate_phases": plan["phases_seconds"],
        "actual_phases": {name: round(seconds, 1) for name, seconds in phases.items()},
        "lambda_invocations": report.get("lambda_invocations"),
        "requests": report.get("requests"),
        "estimate_usage": plan["usage"],
        "status": report.get("status"),
    }
    print(json.dumps(summary, indent=2))
    return 0 if report.get("status") == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
