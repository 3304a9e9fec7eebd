"""A queue depth sample from one progress poll (what `local run` and `watch` read anyway)."""

from __future__ import annotations

from migration_cli.progress import ProgressSnapshot
from migration_cli.run_picture.model import DepthSample


def depth_sample(snapshot: ProgressSnapshot) -> DepthSample:
    """`elapsed_seconds` counts from the watcher's start, right after StartExecution returned: the same
    axis as the history's times, give or take the first request."""
    return DepthSample(
        at_seconds=round(snapshot.elapsed_seconds, 2),
        migration_queue=snapshot.migration_queue.total,
        migration_dlq=snapshot.migration_dlq.total,
        intake_queue=snapshot.intake_queue.total,
    )
