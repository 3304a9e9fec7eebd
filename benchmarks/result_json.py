"""One size's results as JSON and back: each size runs in its own process and hands its figures to the
parent this way, and the parent keeps the whole run in ``benchmarks/results/latest.json``."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, fields
from typing import Any

from benchmarks.aws_defaults_cost import WaitSettings
from benchmarks.bench_stack import DataSet
from benchmarks.live_migration import LIVE_APPROACHES
from benchmarks.memory_probe import PhaseMemory
from benchmarks.metering import FunctionMeter, OperationKey
from benchmarks.report import SizeMemory, SizeResult
from benchmarks.run_result import RunResult, ScanVolume


def run_to_json(run: RunResult) -> dict[str, Any]:
    document = {field.name: getattr(run, field.name) for field in fields(run)}
    document["invocations"] = {name: asdict(meter) for name, meter in run.invocations.items()}
    document["scans"] = asdict(run.scans)
    document["operations"] = [[*asdict(key).values(), count] for key, count in sorted(
        run.operations.items(), key=lambda item: tuple(map(str, asdict(item[0]).values()))
    )]  # fmt: skip
    return document


def run_from_json(document: dict[str, Any]) -> RunResult:
    values = dict(document)
    values["operations"] = Counter(
        {OperationKey(service, operation, resource, internal): count
         for service, operation, resource, internal, count in document["operations"]}
    )  # fmt: skip
    values["invocations"] = {name: FunctionMeter(**meter) for name, meter in document["invocations"].items()}
    values["scans"] = ScanVolume(**document["scans"])
    return RunResult(**values)


def size_to_json(result: SizeResult) -> dict[str, Any]:
    return {
        "data": asdict(result.data),
        "pipeline": run_to_json(result.pipeline),
        "direct": run_to_json(result.direct),
        "peer": run_to_json(result.peer) if result.peer else None,
        "memory": asdict(result.memory) if result.memory else None,
        "local_waits": asdict(result.local_waits) if result.local_waits else None,
        "live": {approach: run_to_json(run) for approach, run in result.live.items()},
    }


def size_from_json(document: dict[str, Any]) -> SizeResult:
    memory = document.get("memory")
    return SizeResult(
        data=DataSet(**document["data"]),
        pipeline=run_from_json(document["pipeline"]),
        direct=run_from_json(document["direct"]),
        peer=run_from_json(document["peer"]) if document.get("peer") else None,
        memory=(
            SizeMemory(**{**memory, "phases": [PhaseMemory(**phase) for phase in memory["phases"]]})
            if memory
            else None
        ),
        local_waits=WaitSettings(**document["local_waits"]) if document.get("local_waits") else None,
        live={approach: run_from_json(run) for approach, run in (document.get("live") or {}).items()},
    )


def size_from_parts(parts: dict[str, dict[str, Any]]) -> SizeResult:
    """One size's result from the parts each approach's process wrote (``benchmarks.size_run``): its runs,
    and the peak memory of the process tree that peaked highest (they ran one after the other)."""
    data = {DataSet(**part["data"]) for part in parts.values()}
    if len(data) != 1:
        raise ValueError(f"the approaches loaded different data sets: {data}")
    runs = {approach: run_from_json(part["run"]) for approach, part in parts.items()}
    # The size's peak is the migration approaches' (issue 16's target): a live run also holds its traffic
    # and reads both tables whole for its invariants. Its phases are listed all the same.
    sized = {approach: part for approach, part in parts.items() if approach not in LIVE_APPROACHES} or parts
    highest = max(sized, key=lambda approach: sized[approach]["memory"]["peak_rss_mib"])
    pss = [part["memory"]["peak_pss_mib"] for part in sized.values() if part["memory"]["peak_pss_mib"]]
    memory = SizeMemory(
        peak_rss_mib=parts[highest]["memory"]["peak_rss_mib"],
        peak_pss_mib=max(pss) if pss else None,
        breakdown=f"{highest}'s process {parts[highest]['memory']['breakdown']}",
        phases=[
            PhaseMemory(**{**phase, "phase": f"{approach} {phase['phase']}"})
            for approach, part in parts.items()
            for phase in part["memory"]["phases"]
        ],
    )
    waits = parts.get("pipeline", {}).get("local_waits")
    return SizeResult(
        data=data.pop(),
        pipeline=runs["pipeline"],
        direct=runs["direct"],
        peer=runs.get("peer"),
        memory=memory,
        local_waits=WaitSettings(**waits) if waits else None,
        live={approach: run for approach, run in runs.items() if approach in LIVE_APPROACHES},
    )
