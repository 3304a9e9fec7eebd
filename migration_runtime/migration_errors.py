"""The errors a migration execution ends with or routes to its rollback: every ``Migration.*`` name, once.

The state machine definitions (``statemachines/*.asl.json``) hold these names as literal text in their Fail
and error-recording states; a test checks that every ``Migration.*`` name they use is defined here, so the
command line, the functions and the tests compare against these members instead of retyping the text.
A ``StrEnum`` member equals its text, so a history event's ``error`` compares with it directly.
"""

from __future__ import annotations

from enum import StrEnum


class MigrationError(StrEnum):
    INVALID_INPUT = "Migration.InvalidInput"
    """Setup refused the execution input (nothing was paused)."""
    ALREADY_RUNNING = "Migration.AlreadyRunning"
    """Another migration holds the lock."""
    ALREADY_CUT_OVER = "Migration.AlreadyCutOver"
    """The new backend already serves and the run was not forced."""
    INTAKE_QUEUE_WITHOUT_REDRIVE_POLICY = "Migration.IntakeQueueWithoutRedrivePolicy"
    """Setup found no dead-letter queue on the intake queue (nothing was paused)."""
    INTAKE_VISIBILITY_TIMEOUT_TOO_SHORT = "Migration.IntakeVisibilityTimeoutTooShort"
    """Setup found the intake queue's visibility timeout under 6 x the new intake consumer's timeout."""
    LEGACY_MAPPING_NOT_ON_INTAKE_QUEUE = "Migration.LegacyMappingNotOnIntakeQueue"
    """Setup found that the legacy mapping reads another event source than the intake queue."""
    ONLINE_MODE_UNAVAILABLE = "Migration.OnlineModeUnavailable"
    """An online run on a stack without change capture (the legacy table has no stream of new and old
    images): refused in Setup, nothing paused."""
    PAUSE_TIMEOUT = "Migration.PauseTimeout"
    CAPTURE_TIMEOUT = "Migration.CaptureTimeout"
    """An online run's change capture did not deliver its sentinel (the stream mapping is not reading)."""
    CATCH_UP_TIMEOUT = "Migration.CatchUpTimeout"
    """The change stream did not deliver the cut-over sentinel while intake was paused."""
    SCAN_TOO_LONG = "Migration.ScanTooLong"
    UNEXPECTED_ENQUEUE_RESULT = "Migration.UnexpectedEnqueueResult"
    MIGRATION_TIMEOUT = "Migration.MigrationTimeout"
    UNEXPECTED_VALIDATION_RESULT = "Migration.UnexpectedValidationResult"
    ABORTED = "Migration.Aborted"
    """The gate was answered abort."""
    GATE_TIMEOUT = "Migration.GateTimeout"
    REDRIVE_LIMIT = "Migration.RedriveLimit"
    REDRIVE_TIMEOUT = "Migration.RedriveTimeout"
    REDRIVE_FAILED = "Migration.RedriveFailed"
    DRAIN_TIMEOUT = "Migration.DrainTimeout"
    FAILED_AFTER_CUT_OVER = "Migration.FailedAfterCutOver"
    """Something failed once the new consumer served: no rollback, the new backend keeps serving."""
    ROLLBACK_FAILED = "Migration.RollbackFailed"
    ROLLED_BACK = "Migration.RolledBack"
    """The execution's end after a completed rollback: the legacy consumer serves again."""
    UNKNOWN_PROBE = "Migration.UnknownProbe"
    """wait_until_quiet was asked for a condition it does not know (a definition bug)."""
