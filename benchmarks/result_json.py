"""One size's results as JSON and back: each size runs in its own process and hands its figures to the
parent this way, and the parent keeps the whole run in ``benchmarks/results/latest.json``."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, fields
from typing import Any

from benchmarks.aws_defaults_cost import WaitSettings
from benchmarks.bench_stack import DataSet
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
    )
