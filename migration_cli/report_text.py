"""The report for a person: outcome first, then counts, then what did not move and why."""

from __future__ import annotations

from migration_cli.report_model import REPORTED_SERVICES, ListedRecord, MigrationReport


def _count(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def _entries(title: str, entries: list[ListedRecord], total: int | None, shown: int) -> list[str]:
    if not entries:
        return []
    lines = [f"{title} ({_count(total)}{'' if len(entries) <= shown else f', first {shown} shown'}):"]
    for entry in entries[:shown]:
        lines.append(f"  {entry.application_id or '(no record id)'}: {entry.reason}")
    if len(entries) > shown:
        lines.append(f"  ... and {len(entries) - shown} more (every one in the JSON report)")
    return lines


def _record_rows(report: MigrationReport) -> list[tuple[str, int | None]]:
    counts = report.counts
    rows = [("total", counts.legacy)]
    if report.dry_run:
        return [
            *rows,
            ("would migrate", counts.would_migrate),
            ("ineligible", counts.ineligible),
            ("would be rejected", counts.would_reject),
        ]
    rows += [
        ("migrated", counts.migrated),
        ("ineligible (skipped)", counts.ineligible),
        ("rejected (invalid)", counts.rejected),
        ("dead-lettered", counts.dead_lettered),
    ]
    if counts.superseded_by_intake:
        rows.append(("superseded by newer intake", counts.superseded_by_intake))
    return rows


def _headline(report: MigrationReport) -> list[str]:
    title = report.execution_name or report.execution_arn
    duration = report.duration_seconds
    lines = [
        f"Migration {title}: {report.status}"
        + (" (dry run: nothing was changed)" if report.dry_run else "")
        + (f" in {duration:.1f} s" if duration is not None else "")
    ]
    if report.cause:
        lines.append(f"  cause: {report.cause}")
    if report.status == "ROLLED_BACK":
        lines.append("  the legacy consumer is serving again; the new consumer is off")
    if report.mode != "offline":
        lines.append(f"  mode: {report.mode} (the legacy backend served until the cut-over's pause)")
    if report.intake_paused_seconds is not None:
        lines.append(f"  intake paused for {report.intake_paused_seconds:.1f} s (no consumer took it)")
    if report.intake_max_wait_seconds is not None:
        lines.append(f"  longest intake wait {report.intake_max_wait_seconds:.1f} s (send to written, local)")
    if report.catch_up_stream_shards is not None:
        lines.append(
            f"  caught up: {report.catch_up_sentinels} sentinel(s) placed on the legacy stream's "
            f"{report.catch_up_stream_shards} open shard(s), each shard delivering one before the cut-over"
        )
    return lines


def _activity(report: MigrationReport) -> list[str]:
    lines = []
    validation = report.validation
    if validation:
        state = "clean" if validation.clean else "NOT clean"
        lines.append(
            f"Validation: {state} after {validation.runs} run(s); "
            f"checksum mismatches {len(validation.checksum_mismatches)}"
            + (f", stale items {report.counts.stale_items}" if report.counts.stale_items else "")
        )
        if validation.changed_reverified is not None:
            converging = (
                f"then the {validation.reverified_while_serving} records changed meanwhile, still serving, "
                if validation.reverified_while_serving is not None
                else ""
            )
            lines.append(
                "  verified: every record while the legacy backend served, "
                f"{converging}then in the pause the {validation.changed_reverified} records changed since "
                f"({state})"
            )
    if report.gate_decisions:
        lines.append(f"Gate answered: {', '.join(report.gate_decisions)}")
    if report.requests is not None:
        requests = report.requests
        lines.append(
            "Requests: " + ", ".join(f"{service} {requests.get(service, 0)}" for service in REPORTED_SERVICES)
        )
    if report.lambda_invocations is not None:
        invocations = dict(report.lambda_invocations)
        total = invocations.pop("total", sum(invocations.values()))
        by_path = ", ".join(f"{path} {count}" for path, count in sorted(invocations.items()))
        lines.append(f"Lambda invocations: {total}" + (f" ({by_path})" if by_path else ""))
    if report.state_transitions:
        lines.append(f"State transitions: {report.state_transitions}")
    estimate = report.estimate
    if estimate is not None:
        lines += [
            "Plan estimate for these counts (actual in brackets):",
            f"  duration {estimate.duration_seconds:.0f} s ({_seconds(report.duration_seconds)}),"
            f" intake paused {estimate.intake_paused_seconds:.0f} s"
            f" ({_seconds(report.intake_paused_seconds)}),"
            f" state transitions {estimate.state_transitions} ({report.state_transitions})",
            f"  AWS cost ${estimate.cost_usd:.4f} at list prices;"
            f" {estimate.seconds_per_batch} s per batch, {estimate.seconds_per_batch_source}",
        ]
    return lines


def _mapping_line(report: MigrationReport) -> list[str]:
    """Which records these are, unless the default onboarding mapping (its ids need no introduction)."""
    if report.record_mapping == "onboarding":
        return []
    return [f"Records of the {report.record_mapping} mapping, named by {report.record_id_field}"]


def _seconds(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0f} s"


def format_report(report: MigrationReport, shown: int = 10) -> str:
    counts = report.counts
    lines = [*_headline(report), "", *_mapping_line(report), "Legacy records"]
    lines += [f"  {label:<28}{_count(value):>10}" for label, value in _record_rows(report)]
    lines.append("Intake messages")
    lines += [
        f"  {label:<28}{_count(value):>10}"
        for label, value in (
            ("received", counts.intake_received),
            ("delivered (new backend)", counts.intake_delivered),
            ("rejected (intake DLQ)", counts.intake_rejected),
        )
    ]
    lines += _activity(report)
    for title, entries, total in (
        ("Rejected records", report.rejected, counts.rejected),
        ("Dead-lettered records", report.dead_lettered, counts.dead_lettered),
        ("Rejected intake messages", report.intake_rejected, counts.intake_rejected),
    ):
        block = _entries(title, entries, total, shown)
        if block:
            lines += ["", *block]
    return "\n".join(lines)


def format_invariants(report: MigrationReport) -> str:
    """The invariants `local run` checked, and where its time went."""
    lines = ["Invariants"]
    for result in report.invariants or ():
        lines.append(f"  [{'ok' if result.holds else 'FAILED'}] {result.name}: {result.detail}")
    local = report.local
    if local is not None:
        lines.append(
            f"Local run: {local.records_loaded} records loaded, "
            f"{local.intake_sent} intake messages sent; "
            f"deploy {local.deploy_seconds or 0} s, load {local.load_seconds} s, "
            f"migration {local.migration_seconds} s, total {local.wall_seconds} s"
        )
    return "\n".join(lines)
