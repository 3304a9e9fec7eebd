"""The stack's functions, by the folder name of their code under `functions/` (one home for the names).

The deployed name is `<namePrefix>-<name>`; the export `<name>_function_name` holds it.
"""

from __future__ import annotations

from collections.abc import Mapping

LEGACY_INTAKE = "legacy_intake"
ONBOARDING_INTAKE = "onboarding_intake"
ENQUEUE_RECORDS = "enqueue_records"
MIGRATE_RECORD = "migrate_record"
VALIDATE_MIGRATION = "validate_migration"
# The legacy table's stream consumer of an online migration (enabled only during such a run).
CAPTURE_LEGACY_CHANGES = "capture_legacy_changes"
# Built after the state machine, whose gate topic it notifies: it restores serving after an execution's
# abnormal end (components/execution_watchdog.py).
RESTORE_SERVING = "restore_serving"

# Built with the queues and tables, before the state machine.
PIPELINE_FUNCTIONS = (
    LEGACY_INTAKE,
    ONBOARDING_INTAKE,
    ENQUEUE_RECORDS,
    MIGRATE_RECORD,
    VALIDATE_MIGRATION,
    CAPTURE_LEGACY_CHANGES,
)
ALL_FUNCTIONS = (*PIPELINE_FUNCTIONS, RESTORE_SERVING)
# The two consumers of the intake queue: the intake's visibility timeout covers the slower one.
INTAKE_CONSUMERS = (LEGACY_INTAKE, ONBOARDING_INTAKE)

# (memory MB, timeout s) per function. enqueue_records pages through a scan segment and hands back a
# cursor before its deadline; validate_migration scans both tables in full.
FUNCTION_DEFAULTS: Mapping[str, tuple[int, int]] = {
    LEGACY_INTAKE: (256, 30),
    ONBOARDING_INTAKE: (256, 30),
    ENQUEUE_RECORDS: (256, 300),
    MIGRATE_RECORD: (256, 30),
    VALIDATE_MIGRATION: (1024, 900),
    CAPTURE_LEGACY_CHANGES: (256, 60),
    RESTORE_SERVING: (256, 120),
}
