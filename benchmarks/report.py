"""The benchmark's printed report: throughput side by side, requests and dollars per record, targets,
and the one JSON line of headline figures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.aws_defaults_cost import AWS_DEFAULT_WAITS, RepricedRun, WaitSettings, at_wait_settings
from benchmarks.bench_stack import DataSet
from benchmarks.memory_probe import PhaseMemory
from benchmarks.run_result import RunResult
from migration_cli import aws_prices
from migration_cli.cost_model import Cost, cost_of

GIB_MIB = 1024.0
# The cost target at the AWS defaults, against the direct floor (issue 16).
AWS_DEFAULTS_COST_TARGET = 1.3
RATIO_TARGET_10K = 0.8
# Issue 12: the online mode pauses intake only for the cut-over, and that pause does not grow with N.
ONLINE_PAUSE_TARGET_SECONDS = 30.0
ONLINE_PAUSE_TARGET_RECORDS = 100_000
ONLINE_PAUSE_GROWTH_TARGET = 1.5
ONLINE_COST_TARGET = 1.25


@dataclass(frozen=True)
class SizeMemory:
    """Peak memory of one size's process tree (its own process: the emulator, this run, the workers)."""

    peak_rss_mib: float
    peak_pss_mib: float | None
    breakdown: str
    phases: list[PhaseMemory] = field(default_factory=list)


@dataclass(frozen=True)
class SizeResult:
    data: DataSet
    pipeline: RunResult
    direct: RunResult
    peer: RunResult | None
    memory: SizeMemory | None = None
    local_waits: WaitSettings | None = None
    """The wait settings the pipeline ran with (None: not repriced at the AWS defaults)."""
    live: dict[str, RunResult] = field(default_factory=dict)
    """The state machine under live intake, by approach (``offline-live``, ``online-live``)."""

    def at_aws_defaults(self) -> RepricedRun | None:
        if self.local_waits is None:
            return None
        return at_wait_settings(self.pipeline, self.local_waits, AWS_DEFAULT_WAITS)

    @property
    def ratio_vs_direct(self) -> float:
        return self.pipeline.records_per_second / self.direct.records_per_second


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    met: bool


def cost_per_million(run: RunResult) -> Cost:
    return cost_of(run.usage()).per_million(max(run.migrated, 1))


def _per(value: float, run: RunResult) -> float:
    return value / max(run.migrated, 1)


def _sqs_operations(run: RunResult) -> dict[tuple[str, bool], int]:
    operations: dict[tuple[str, bool], int] = {}
    for key, count in run.operations.items():
        if key.service == "sqs":
            operations[(key.operation, key.internal)] = (
                operations.get((key.operation, key.internal), 0) + count
            )
    return operations


def throughput_table(results: Sequence[SizeResult]) -> str:
    lines = [
        "Throughput: legacy records per second, same emulator and data (time in seconds)",
        f"{'N':>9} {'pipeline':>10} {'direct':>9} {'ratio':>7} {'peer':>9}"
        f" {'pipeline s':>11} {'direct s':>9} {'peer s':>9} {'migrated':>9}",
    ]
    for result in results:
        peer = result.peer
        lines.append(
            f"{result.data.records:>9,} {result.pipeline.records_per_second:>10.1f}"
            f" {result.direct.records_per_second:>9.1f} {result.ratio_vs_direct:>7.2f}"
            f" {(f'{peer.records_per_second:.1f}' if peer else '-'):>9}"
            f" {result.pipeline.seconds:>11.1f} {result.direct.seconds:>9.1f}"
            f" {(f'{peer.seconds:.1f}' if peer else '-'):>9} {result.pipeline.migrated:>9,}"
        )
    return "\n".join(lines)


def phases_line(run: RunResult) -> str:
    phases = ", ".join(
        f"{name} {seconds:.1f} ({run.transitions_per_phase.get(name, 0)})"
        for name, seconds in run.phases.items()
    )
    calls = f"; enqueue_records calls per segment: {run.enqueue_calls}" if run.enqueue_calls else ""
    return f"pipeline phases, seconds (state transitions): {phases}{calls}"


def requests_table(result: SizeResult) -> str:
    runs = [result.pipeline, result.direct, *([result.peer] if result.peer else [])]
    header = f"{'per migrated record, N = ' + format(result.data.records, ','):<44}" + "".join(
        f"{run.approach:>12}" for run in runs
    )

    def row(label: str, values: Sequence[float], digits: int = 3) -> str:
        return f"{label:<44}" + "".join(f"{value:>12.{digits}f}" for value in values)

    costs = [cost_per_million(run) for run in runs]
    lines = [
        header,
        row("SQS requests", [_per(run.sqs_requests, run) for run in runs]),
        *[
            row(f"  {operation}{' (pollers)' if internal else ''}", [_per(count, result.pipeline)])
            for (operation, internal), count in sorted(_sqs_operations(result.pipeline).items())
        ],
        row("Lambda invocations", [_per(run.lambda_invocations, run) for run in runs]),
        *[
            row(
                f"  {name}" + (f" ({meter.errors} failed)" if meter.errors else ""),
                [_per(meter.invocations, result.pipeline)],
            )
            for name, meter in sorted(result.pipeline.invocations.items())
        ],
        row("DynamoDB writes (onboarding items)", [_per(run.item_writes, run) for run in runs]),
        row(
            "DynamoDB writes (all, incl. rejection ledger)", [_per(run.dynamodb_writes, run) for run in runs]
        ),
        row("DynamoDB read requests (Scan pages, GetItem)", [_per(run.dynamodb_reads, run) for run in runs]),
        row("Step Functions state transitions", [_per(run.state_transitions, run) for run in runs]),
        row("Total billable requests", [_per(run.total_requests, run) for run in runs]),
        f"{'State transitions per run':<44}" + "".join(f"{run.state_transitions:>12}" for run in runs),
        f"{'  polling / paging rounds / fixed':<44}"
        + "".join(
            f"{f'{run.polling_transitions}/{run.paging_transitions}/{run.fixed_transitions}':>12}"
            for run in runs
        ),
        "",
        f"{'US$ per million migrated records':<44}" + "".join(f"{run.approach:>12}" for run in runs),
        row("  SQS requests", [c.sqs for c in costs], 2),
        row("  Lambda requests", [c.lambda_requests for c in costs], 2),
        row("  Lambda duration (local durations: indicative)", [c.lambda_duration for c in costs], 2),
        row("  DynamoDB write request units", [c.dynamodb_writes for c in costs], 2),
        row("  DynamoDB read request units", [c.dynamodb_reads for c in costs], 2),
        row("  Step Functions transitions", [c.step_functions for c in costs], 2),
        row("  total", [c.total for c in costs], 2),
    ]
    return "\n".join(lines)


def prices_note() -> str:
    lines = [f"Prices: {aws_prices.REGION} list prices, checked {aws_prices.PRICES_CHECKED_ON}:"]
    for price in aws_prices.ALL_PRICES:
        lines.append(
            f"  {price.name}: ${price.usd_per_million_units:,.4f} per million {price.unit.split(' (')[0]}s"
            f" ({price.source}, {price.as_published})"
        )
    return "\n".join(lines)


def evaluate_targets(results: Sequence[SizeResult], peak_rss_mib: float) -> list[Target]:
    smallest, largest = results[0], results[-1]
    pipeline = largest.pipeline
    scaling = pipeline.records_per_second / smallest.pipeline.records_per_second
    fixed = [r.pipeline.fixed_transitions for r in results]
    at = f"N = {largest.data.records:,}"
    peak = peak_rss_of(results, peak_rss_mib)
    return [
        Target(f"pipeline / direct >= 0.6 ({at}; the target is set at N = 100,000)",
               f"{largest.ratio_vs_direct:.2f}", largest.ratio_vs_direct >= 0.6),
        Target(f"pipeline rate at {at} >= 0.8 x rate at N = {smallest.data.records:,}",
               f"{scaling:.2f}", scaling >= 0.8),
        Target(f"peak memory of the whole run < 1 GiB ({at})", f"{peak:,.0f} MiB", peak < GIB_MIB),
        Target("SQS requests <= 0.35 per migrated record", f"{_per(pipeline.sqs_requests, pipeline):.3f}",
               _per(pipeline.sqs_requests, pipeline) <= 0.35),
        Target("Lambda invocations <= 0.12 per migrated record",
               f"{_per(pipeline.lambda_invocations, pipeline):.3f}",
               _per(pipeline.lambda_invocations, pipeline) <= 0.12),
        Target("DynamoDB writes = 1.0 per migrated record (onboarding items)",
               f"{_per(pipeline.item_writes, pipeline):.3f}", pipeline.item_writes == pipeline.migrated),
        Target("state transitions independent of N apart from polling (fixed part; paging apart)",
               " / ".join(f"{r.pipeline.fixed_transitions} (+{r.pipeline.paging_transitions} paging)"
                          for r in results), len(set(fixed)) == 1),
        *_issue_16_targets(results),
        *live_targets(results),
    ]  # fmt: skip


def _issue_16_targets(results: Sequence[SizeResult]) -> list[Target]:
    largest = results[-1]
    targets = []
    repriced = largest.at_aws_defaults()
    if repriced is not None:
        floor = cost_per_million(largest.direct).total
        times = repriced.cost.total / floor
        targets.append(
            Target(
                f"US$ per million at the AWS wait defaults <= {AWS_DEFAULTS_COST_TARGET} x the direct"
                f" floor (N = {largest.data.records:,})",
                f"${repriced.cost.total:.2f} vs ${floor:.2f}: {times:.2f} x",
                times <= AWS_DEFAULTS_COST_TARGET,
            )
        )
    ten_k = size_at(results, 10_000)
    if ten_k is not None:
        targets.append(
            Target(
                f"pipeline / direct >= {RATIO_TARGET_10K} at N = 10,000",
                f"{ten_k.ratio_vs_direct:.2f}",
                ten_k.ratio_vs_direct >= RATIO_TARGET_10K,
            )
        )
    return targets  # fmt: skip


def live_run(result: SizeResult, mode: str) -> RunResult | None:
    """The state machine under live intake in ``mode`` (offline, online) at this size, if it ran."""
    return result.live.get(f"{mode}-live")


def paused_by_records(results: Sequence[SizeResult], mode: str) -> dict[str, float | None]:
    return {
        str(result.data.records): run.intake_paused_seconds
        for result in results
        if (run := live_run(result, mode)) is not None
    }


def online_cost_vs_offline(result: SizeResult) -> float | None:
    online, offline = live_run(result, "online"), live_run(result, "offline")
    if online is None or offline is None:
        return None
    offline_cost = cost_per_million(offline).total
    return cost_per_million(online).total / offline_cost if offline_cost > 0 else None


def live_targets(results: Sequence[SizeResult]) -> list[Target]:
    """Issue 12: the online mode's pause short and flat in N, its cost close to the offline mode's."""
    with_online = [result for result in results if live_run(result, "online") is not None]
    if not with_online:
        return []
    smallest, largest = with_online[0], with_online[-1]
    at = f"N = {largest.data.records:,}"
    setting = (
        ""
        if largest.data.records == ONLINE_PAUSE_TARGET_RECORDS
        else (f"; the target is set at N = {ONLINE_PAUSE_TARGET_RECORDS:,}")
    )
    paused = _online_paused(largest)
    first = _online_paused(smallest)
    growth = paused / first if paused is not None and first else None
    ratio = online_cost_vs_offline(largest)
    targets = [
        Target(
            f"online mode: intake paused < {ONLINE_PAUSE_TARGET_SECONDS:.0f} s ({at}{setting})",
            _seconds(paused),
            paused is not None and paused < ONLINE_PAUSE_TARGET_SECONDS,
        ),
        Target(
            f"online mode: intake paused at {at} <= {ONLINE_PAUSE_GROWTH_TARGET} x paused at"
            f" N = {smallest.data.records:,}",
            f"{_seconds(paused)} vs {_seconds(first)}: " + (f"{growth:.2f} x" if growth else "n/a"),
            growth is not None and growth <= ONLINE_PAUSE_GROWTH_TARGET,
        ),
    ]
    broken = {
        result.data.records: len(run.invariants_broken)
        for result in with_online
        if (run := live_run(result, "online")) is not None and run.invariants_broken
    }
    targets.append(
        Target(
            "online mode under live intake: every invariant holds (each N)",
            ", ".join(f"N = {n:,}: {count} broken" for n, count in broken.items()) or "all held",
            not broken,
        )
    )
    if ratio is not None:
        online, offline = live_run(largest, "online"), live_run(largest, "offline")
        assert online is not None and offline is not None  # a ratio needs both
        targets.append(
            Target(
                f"online mode US$ per million <= {ONLINE_COST_TARGET} x the offline mode's, both under"
                f" live intake ({at})",
                f"${cost_per_million(online).total:.2f} vs ${cost_per_million(offline).total:.2f}:"
                f" {ratio:.2f} x",
                ratio <= ONLINE_COST_TARGET,
            )
        )
    return targets  # fmt: skip


def _online_paused(result: SizeResult) -> float | None:
    run = live_run(result, "online")
    return run.intake_paused_seconds if run is not None else None


def _seconds(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.1f} s"


def live_table(results: Sequence[SizeResult]) -> str:
    """Both modes under the same live intake, side by side per N."""
    rate = next((f"{run.live_messages_sent / run.seconds:.1f}" for r in results for run in r.live.values()
                 if run.seconds > 0), "-")  # fmt: skip
    lines = [
        f"Under live intake (~{rate} messages/s sent from the execution's start to its end): the state"
        " machine in each mode. records/s: legacy records (N) per second of the execution, as above;"
        " migrated: records the run's full validation counted migrated (the table moves on after it);"
        " requests and US$ per migrated record, the service's own requests left out",
        f"{'N':>9} {'approach':<13}{'records/s':>10}{'migrated/s':>11}{'seconds':>9}{'migrated':>9}"
        f"{'req/rec':>9}{'US$/M':>8}{'paused s':>9}{'max wait s':>11}{'sent':>7}{'intake items':>13}"
        f"  invariants",
    ]
    broken: list[str] = []
    for result in results:
        for approach, run in result.live.items():
            lines.append(
                f"{result.data.records:>9,} {approach:<13}{run.records_per_second:>10.1f}"
                f"{run.migrated / run.seconds if run.seconds else 0.0:>11.1f}{run.seconds:>9.1f}"
                f"{run.migrated:>9,}{_per(run.total_requests, run):>9.3f}"
                f"{cost_per_million(run).total:>8.2f}"
                f"{_optional(run.intake_paused_seconds):>9}{_optional(run.intake_max_wait_seconds):>11}"
                f"{run.live_messages_sent:>7,}{run.intake_items:>13,}"
                f"  {f'{len(run.invariants_broken)} broken' if run.invariants_broken else 'held'}"
            )
            broken.extend(
                f"  N = {result.data.records:,} {approach}: {detail}" for detail in run.invariants_broken
            )
    if broken:
        lines.extend(["Invariants that did not hold (the run's figures stand, its migration was not right):"])
        lines.extend(broken)
    return "\n".join(lines)


def _optional(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def size_at(results: Sequence[SizeResult], records: int) -> SizeResult | None:
    return next((result for result in results if result.data.records == records), None)


def peak_rss_of(results: Sequence[SizeResult], fallback_mib: float) -> float:
    """The largest size's own peak (each size runs in its own process), else the whole run's."""
    memory = results[-1].memory
    return memory.peak_rss_mib if memory else fallback_mib


def targets_table(targets: Sequence[Target]) -> str:
    return "\n".join(
        ["Targets"] + [f"  [{'met ' if t.met else 'MISS'}] {t.name}: {t.measured}" for t in targets]
    )


def headline(results: Sequence[SizeResult], peak_rss_mib: float) -> str:
    largest = results[-1]
    pipeline = largest.pipeline
    # The peer may be left out of the largest sizes (--peer-max-records): its figure says at which N.
    with_peer = [result for result in results if result.peer is not None]
    peer = with_peer[-1] if with_peer else None
    repriced = largest.at_aws_defaults()
    ten_k = size_at(results, 10_000)
    return json.dumps(
        {
            "records": largest.data.records,
            "pipeline_records_per_s": round(pipeline.records_per_second, 1),
            "direct_records_per_s": round(largest.direct.records_per_second, 1),
            "ratio_vs_direct": round(largest.ratio_vs_direct, 3),
            "peer_records_per_s": round(peer.peer.records_per_second, 1) if peer and peer.peer else None,
            "peer_records": peer.data.records if peer else None,
            "sqs_requests_per_record": round(_per(pipeline.sqs_requests, pipeline), 4),
            "lambda_invocations_per_record": round(_per(pipeline.lambda_invocations, pipeline), 4),
            "dynamodb_writes_per_migrated_record": round(_per(pipeline.item_writes, pipeline), 4),
            "state_transitions": pipeline.state_transitions,
            "usd_per_million_records": round(cost_per_million(pipeline).total, 2),
            "usd_per_million_records_aws_defaults": round(repriced.cost.total, 2) if repriced else None,
            "usd_per_million_records_floor": round(cost_per_million(largest.direct).total, 2),
            "ratio_vs_direct_10k": round(ten_k.ratio_vs_direct, 3) if ten_k else None,
            "peak_rss_mib": round(peak_rss_of(results, peak_rss_mib), 1),
            "peak_rss_mib_by_records": {
                str(result.data.records): round(result.memory.peak_rss_mib, 1)
                for result in results
                if result.memory
            },
            **live_headline(results),
        }
    )


def live_headline(results: Sequence[SizeResult]) -> dict[str, object]:
    """Issue 12's figures: the intake's pause in each mode at the largest N (and by N), and what the online
    mode costs against the offline one."""
    largest = results[-1]
    online, offline = live_run(largest, "online"), live_run(largest, "offline")
    ratio = online_cost_vs_offline(largest)
    return {
        "online_intake_paused_seconds": online.intake_paused_seconds if online else None,
        "offline_intake_paused_seconds": offline.intake_paused_seconds if offline else None,
        "intake_paused_seconds_by_records": {
            "online": paused_by_records(results, "online"),
            "offline": paused_by_records(results, "offline"),
        },
        "online_cost_vs_offline": round(ratio, 3) if ratio is not None else None,
    }


def aws_defaults_table(results: Sequence[SizeResult]) -> str:
    """The pipeline's cost per million as measured (local waits) and with the AWS wait defaults, beside
    the direct floor, per service: what the remaining gap to the floor is made of."""
    lines = [
        "US$ per million migrated records: local waits (1 s, 1 reading) vs the AWS defaults"
        f" ({AWS_DEFAULT_WAITS.interval_seconds} s, {AWS_DEFAULT_WAITS.readings_required} readings)",
        f"{'N':>9} {'':<14}"
        + "".join(f"{name:>9}" for name in _COST_COLUMNS)
        + f"{'total':>9}{'x floor':>9}",
    ]
    for result in results:
        repriced = result.at_aws_defaults()
        floor = cost_per_million(result.direct)
        rows = [("local", cost_per_million(result.pipeline))]
        if repriced is not None:
            rows.append(("AWS defaults", repriced.cost))
        rows.append(("direct floor", floor))
        for label, cost in rows:
            lines.append(
                f"{result.data.records:>9,} {label:<14}"
                + "".join(f"{getattr(cost, attribute):>9.3f}" for attribute in _COST_COLUMNS.values())
                + f"{cost.total:>9.3f}{cost.total / floor.total:>9.2f}"
            )
        if repriced is not None:
            lines.append(
                f"{'':>9} {'':<14}transitions {result.pipeline.state_transitions:,} -> "
                f"{repriced.state_transitions:,}; poll rounds at the defaults {repriced.polling_rounds}"
            )
    return "\n".join(lines)


_COST_COLUMNS = {
    "SQS": "sqs",
    "λ req": "lambda_requests",
    "λ GB-s": "lambda_duration",
    "DDB wr": "dynamodb_writes",
    "DDB rd": "dynamodb_reads",
    "SFN": "step_functions",
}


def phases_table(results: Sequence[SizeResult]) -> str:
    """Where the pipeline's wall time goes, per phase and N (seconds, share of the run)."""
    phases: list[str] = []
    for result in results:
        phases.extend(name for name in result.pipeline.phases if name not in phases)
    lines = [
        "Pipeline wall time per phase, seconds (share of the run)",
        f"{'phase':<10}" + "".join(f"{f'N = {r.data.records:,}':>20}" for r in results),
    ]
    for phase in phases:
        cells = []
        for result in results:
            seconds = result.pipeline.phases.get(phase)
            share = (seconds or 0.0) / result.pipeline.seconds if result.pipeline.seconds else 0.0
            cells.append(f"{seconds:>12.1f} ({share:>4.0%})" if seconds is not None else f"{'-':>20}")
        lines.append(f"{phase:<10}" + "".join(cells))
    lines.append(f"{'total':<10}" + "".join(f"{r.pipeline.seconds:>12.1f} (100%)" for r in results))
    return "\n".join(lines)


def memory_table(results: Sequence[SizeResult]) -> str:
    """Each size's peak RSS (its own process tree), and which phase set it."""
    lines = ["Peak memory per size (RSS of its process tree: emulator and benchmark, Lambda workers)"]
    for result in results:
        memory = result.memory
        if memory is None:
            continue
        pss = f", PSS {memory.peak_pss_mib:,.0f}" if memory.peak_pss_mib else ""
        lines.append(
            f"N = {result.data.records:,}: peak RSS {memory.peak_rss_mib:,.0f} MiB{pss}; {memory.breakdown}"
        )
        lines.append(
            "  per phase, peak / end (MiB): "
            + ", ".join(
                f"{phase.phase} {phase.peak_mib:,.0f} / {phase.end_mib:,.0f} (own {phase.own_peak_mib:,.0f})"
                for phase in memory.phases
            )
        )
    return "\n".join(lines)
