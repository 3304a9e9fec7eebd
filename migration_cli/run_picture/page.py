"""`render_html(picture)`: the whole picture as one self-contained HTML document."""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from migration_cli.run_picture.model import RunPicture
from migration_cli.run_picture.page_template import PAGE
from migration_cli.run_picture.series import reason_groups
from migration_cli.run_picture.svg_axis import seconds_label
from migration_cli.run_picture.svg_bars import fates_svg, reasons_svg
from migration_cli.run_picture.svg_graph import LABELS, graph_svg
from migration_cli.run_picture.svg_series import depths_svg, throughput_svg
from migration_cli.run_picture.svg_text import writable
from migration_cli.run_picture.svg_timeline import timeline_svg

TOP_REASONS = 10
STATUS_LABELS = {
    "SUCCEEDED": "succeeded",
    "ROLLED_BACK": "rolled back",
    "FAILED": "failed",
    "RUNNING": "still running",
}
_ENVIRONMENT = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
_TEMPLATE = _ENVIRONMENT.from_string(PAGE)


def _text(value: str | None) -> str | None:
    return None if value is None else writable(value)


def render_html(picture: RunPicture) -> str:
    span = max(
        [picture.duration_seconds or 0.0]
        + [phase.end_seconds for phase in picture.phase_spans]
        + [bucket.start_seconds + bucket.width_seconds for bucket in picture.throughput]
    )
    fate_rows = [
        (title, fates)
        for title, fates in (
            ("Legacy records", picture.legacy_fates),
            ("Intake messages", picture.intake_fates),
        )
        if fates
    ]
    groups = reason_groups(picture.issues)
    paused = picture.intake_paused
    ending = picture.ending
    return _TEMPLATE.render(
        title=writable(picture.title),
        status=ending.status if ending.status in STATUS_LABELS else "FAILED",
        status_label=STATUS_LABELS.get(ending.status, writable(ending.status.lower())),
        dry_run=picture.dry_run,
        started_at=picture.started_at.isoformat(timespec="seconds") if picture.started_at else None,
        duration=seconds_label(picture.duration_seconds) if picture.duration_seconds is not None else None,
        paused=seconds_label(paused[1] - paused[0]) if paused else None,
        notes=[writable(note) for note in picture.notes],
        error=_text(ending.error),
        cause=_text(ending.cause),
        path_text=" → ".join(LABELS.get(phase, writable(phase)) for phase in picture.path) or "(not started)",
        gate_decisions=writable(", ".join(picture.gate_decisions)),
        graph_svg=Markup(graph_svg(picture)),
        timeline_svg=Markup(timeline_svg(picture)) if picture.phase_spans else None,
        fates_svg=Markup(fates_svg(fate_rows)) if fate_rows else None,
        reasons_svg=Markup(reasons_svg(groups[:TOP_REASONS])),
        issues=[
            {
                "kind": issue.kind,
                "application_id": _text(issue.application_id),
                "reason": writable(issue.reason),
            }
            for issue in picture.issues
        ],
        throughput_svg=Markup(throughput_svg(picture.throughput, span)) if picture.throughput else None,
        depths_svg=Markup(depths_svg(picture.depths, span)) if picture.depths else None,
    )
