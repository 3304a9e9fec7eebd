"""Build a RunPicture from what the command line already has: the report (a JSON-ready dict), the
execution's history, the state machine's definition, the migrated items' write times and, for a local
run, the queue depths it sampled (pure, no AWS)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from migration_cli.run_picture.history_facts import history_facts, phase_spans
from migration_cli.run_picture.model import DepthSample, Ending, Fate, ListedIssue, RunPicture
from migration_cli.run_picture.series import per_interval, seconds_between
from migration_cli.run_picture.state_graph import phase_graph, phase_path

ISSUE_LISTS = (
    ("rejected", "rejected"),
    ("dead_lettered", "dead-lettered"),
    ("intake_rejected", "intake rejected"),
)


def _fates(counts: Mapping[str, Any], rows: Iterable[tuple[str, str]]) -> tuple[Fate, ...]:
    return tuple(
        Fate(label=label, count=int(counts[key]))
        for key, label in rows
        if isinstance(counts.get(key), int) and counts[key] > 0
    )


def legacy_fates(report: Mapping[str, Any]) -> tuple[Fate, ...]:
    counts = report.get("counts", {})
    if report.get("dry_run"):
        return _fates(
            counts,
            (
                ("would_migrate", "would migrate"),
                ("ineligible", "ineligible"),
                ("would_reject", "would be rejected"),
            ),
        )
    fates = _fates(
        counts,
        (
            ("migrated", "migrated"),
            ("superseded_by_intake", "superseded by intake"),
            ("ineligible", "ineligible"),
            ("rejected", "rejected"),
            ("dead_lettered", "dead-lettered"),
        ),
    )
    # Missing from the new table without being dead-lettered (e.g. accepted at the gate while in flight).
    missing = (report.get("validation") or {}).get("missing")
    dead = counts.get("dead_lettered") or 0
    if isinstance(missing, int) and missing > dead:
        fates += (Fate(label="missing", count=missing - dead),)
    return fates


def intake_fates(report: Mapping[str, Any]) -> tuple[Fate, ...]:
    return _fates(
        report.get("counts", {}),
        (
            ("intake_delivered", "delivered"),
            ("intake_rejected", "intake rejected"),
            ("intake_pending", "pending"),
        ),
    )


def listed_issues(report: Mapping[str, Any]) -> tuple[ListedIssue, ...]:
    issues = []
    for key, kind in ISSUE_LISTS:
        for entry in report.get(key) or []:
            application_id = entry.get("application_id")
            issues.append(
                ListedIssue(
                    kind=kind,
                    application_id=None if application_id is None else str(application_id),
                    reason=str(entry.get("reason", "")),
                )
            )
    return tuple(issues)


def _notes(report: Mapping[str, Any]) -> tuple[str, ...]:
    notes = []
    validation = report.get("validation")
    if validation:
        notes.append(
            f"validated {validation['runs']} time(s): {'clean' if validation['clean'] else 'not clean'}"
        )
    if report.get("redrives"):
        notes.append(f"{report['redrives']} redrive(s)")
    if report.get("cut_over"):
        notes.append("cut over to the new backend")
    if report.get("backup_arn"):
        notes.append("legacy table backed up")
    return tuple(notes)


def picture_from_report(
    report: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    definition: Mapping[str, Any],
    migrated_written_at: Iterable[str] = (),
    depths: Sequence[DepthSample] = (),
) -> RunPicture:
    """`events`: the parent execution's history, ascending; `migrated_written_at`: the written_at of every
    item the migration wrote (source = migration); `depths`: samples taken during the run, if any."""
    facts = history_facts(events)
    entered = [name for name, _ in facts.entered]
    duration = report.get("duration_seconds")
    span = float(duration) if isinstance(duration, int | float) else (facts.end_seconds or 0.0)
    moments = []
    if facts.started_at is not None:
        moments = [
            at
            for at in (seconds_between(facts.started_at, value) for value in migrated_written_at)
            if at is not None
        ]
    return RunPicture(
        title=str(report.get("execution_name") or report.get("execution_arn") or "migration"),
        graph=phase_graph(definition),
        ending=Ending(status=str(report["status"]), error=report.get("error"), cause=report.get("cause")),
        path=phase_path(entered, definition),
        started_at=facts.started_at,
        duration_seconds=span if span else None,
        dry_run=bool(report.get("dry_run")),
        phase_spans=phase_spans(facts.entered, definition, facts.end_seconds),
        intake_paused=facts.intake_paused,
        gate_decisions=tuple(report.get("gate_decisions") or ()),
        legacy_fates=legacy_fates(report),
        intake_fates=intake_fates(report),
        issues=listed_issues(report),
        throughput=per_interval(moments, span),
        depths=tuple(depths),
        notes=_notes(report),
    )
