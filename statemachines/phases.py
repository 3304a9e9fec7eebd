"""The phases of the migration state machine (``migration.asl.json``) and the states each one holds.

One list serves the definition's tests (every state belongs to exactly one phase) and the command line
(a history's state name tells the phase it reached, by lookup, not by its prefix). The child state
machines (``enqueue_segment``, ``wait_until_quiet``) have no phase of their own: their parent's task
state gives it. A state added to the definition must be listed here; the test names the ones that are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from statemachines.wait_phase_states import STATE_SUFFIXES


class PhaseKey(StrEnum):
    SETUP = "Setup"
    CAPTURE = "Capture"
    PAUSE = "Pause"
    BACKUP = "Backup"
    MIGRATE = "Migrate"
    DRY_RUN = "DryRun"
    SETTLE = "Settle"
    CATCH_UP = "CatchUp"
    VALIDATE = "Validate"
    GATE = "Gate"
    REDRIVE = "Redrive"
    CUT_OVER = "CutOver"
    DRAIN = "Drain"
    RESUME = "Resume"
    ROLLBACK = "Rollback"


@dataclass(frozen=True)
class Phase:
    key: PhaseKey
    """What the report's ``phase_reached`` says."""
    description: str
    """What the progress line says while the phase runs."""
    states: frozenset[str]


def wait_states(phase: str) -> tuple[str, ...]:
    """The states statemachines/wait_phase_states.py generates for one phase's wait."""
    return tuple(phase + suffix for suffix in STATE_SUFFIXES)


def _phase(key: PhaseKey, description: str, *states: str) -> Phase:
    return Phase(key, description, frozenset(states))


# In the order a migration goes through them; Rollback is where any failure before the cut-over goes.
PHASES: tuple[Phase, ...] = (
    _phase(
        PhaseKey.SETUP,
        "setting up",
        "SetupDefaults",
        "SetupMergeInput",
        "SetupListInputValues",
        "SetupCountInputKeys",
        "SetupCheckKeysAndTypes",
        "SetupFormatIntegers",
        "SetupCheckRanges",
        "SetupUnknownKey",
        "SetupInvalidMode",
        "SetupInvalidDryRun",
        "SetupInvalidSegments",
        "SetupInvalidBackup",
        "SetupInvalidPollIntervalSeconds",
        "SetupInvalidEmptyReadingsRequired",
        "SetupInvalidPauseTimeoutSeconds",
        "SetupInvalidMigrationTimeoutSeconds",
        "SetupInvalidDrainTimeoutSeconds",
        "SetupInvalidForce",
        "SetupInvalidGateTimeoutSeconds",
        "SetupState",
        "SetupReadIntakeQueue",
        "SetupReadLegacyMapping",
        "SetupCheckLegacyService",
        "SetupOnlineModeUnavailable",
        "SetupIntakeQueueWithoutRedrivePolicy",
        "SetupIntakeVisibilityTimeoutTooShort",
        "SetupLegacyMappingNotOnIntakeQueue",
        "SetupIsDryRun",
        "SetupTakeLock",
        "SetupAlreadyRunning",
        "SetupReadServing",
        "SetupIsAfterCutOver",
        "SetupServingNew",
        "SetupRefuseAfterCutOver",
        "SetupFailedReleaseLock",
        "SetupFailed",
        "SetupRecordRun",
        "SetupIsOnline",
    ),
    _phase(
        PhaseKey.CAPTURE,
        "starting the change capture (online)",
        "CaptureRecordPhase",
        "CaptureEnableMapping",
        "CaptureWriteLiveSentinel",
        *wait_states("Capture"),
    ),
    _phase(
        PhaseKey.PAUSE,
        "pausing the legacy consumer",
        "PauseDisableLegacyMapping",
        *wait_states("Pause"),
        "OnlinePauseDisableLegacyMapping",
        "OnlinePauseRecordPhase",
        *wait_states("OnlinePause"),
    ),
    _phase(PhaseKey.BACKUP, "backing up the legacy table", "BackupIsRequested", "BackupLegacyTable"),
    _phase(
        PhaseKey.MIGRATE,
        "migrating",
        "MigrateRecordPhase",
        "MigrateScanSegments",
        "MigrateEnqueueSegment",
        "MigrateNextSegmentChild",
        "MigrateIsSegmentDone",
        "MigrateScanTooLong",
        "MigrateSegmentDone",
        "MigrateRouteFailure",
        "MigrateRouteResult",
    ),
    _phase(PhaseKey.DRY_RUN, "dry run", "DryRunFailed", "DryRunSummary"),
    _phase(
        PhaseKey.SETTLE,
        "waiting for the migration queue to empty",
        "SettleRecordPhase",
        *wait_states("Settle"),
    ),
    _phase(
        PhaseKey.CATCH_UP,
        "waiting for the change stream to catch up (online)",
        "CatchUpWriteSentinel",
        *wait_states("CatchUp"),
        "CatchUpDeleteLiveSentinels",
        "CatchUpReverifyChanged",
        "CatchUpReverifySince",
    ),
    _phase(
        PhaseKey.VALIDATE,
        "validating",
        "ValidateNoteStart",
        "ValidateMigration",
        "ValidateCheckResult",
        "ValidateKeepSummary",
        "ValidateIsClean",
        "ValidateUnexpectedResult",
        "ConvergeReverifyChanged",
        "ConvergeReverifySince",
    ),
    _phase(
        PhaseKey.GATE,
        "waiting for a decision at the gate",
        "GateRecordPhase",
        "GateAwaitDecision",
        "GateRoute",
        "GateAccepted",
        "GateAborted",
        "GateTimedOut",
    ),
    _phase(
        PhaseKey.REDRIVE,
        "moving the migration DLQ back",
        "RedriveIsOverLimit",
        "RedriveLimitReached",
        "RedriveCount",
        "RedriveKeepCount",
        "RedriveStartMoveTask",
        *wait_states("Redrive"),
        "RedriveMoveTaskFailed",
    ),
    _phase(
        PhaseKey.CUT_OVER,
        "cutting over to the new backend",
        "CutOverCommit",
        "CutOverDisableLegacyMapping",
        "CutOverEnableNewMapping",
        "CutOverFailed",
        "CutOverFailedEnsureNewServing",
        "CutOverFailedIsCapturing",
        "CutOverFailedStopCapture",
        "CutOverFailedServingUnknown",
        "CutOverFailedRecordOutcome",
        "CutOverFailedReleaseLock",
        "CutOverFailedEnd",
    ),
    _phase(
        PhaseKey.DRAIN,
        "draining the intake backlog",
        "DrainRecordPhase",
        *wait_states("Drain"),
    ),
    _phase(
        PhaseKey.RESUME,
        "resuming",
        "ResumeIsCapturing",
        "ResumeStopCapture",
        "ResumeRecordOutcome",
        "ResumeReleaseLock",
        "ResumeReport",
    ),
    _phase(
        PhaseKey.ROLLBACK,
        "rolling back",
        "RollbackRoute",
        "RollbackKeepNewServing",
        "RollbackDisableNewMapping",
        "RollbackEnableLegacyMapping",
        "RollbackIsCapturing",
        "RollbackStopCapture",
        "RollbackRemoveSentinels",
        "RollbackFailed",
        "RollbackRecordOutcome",
        "RollbackReleaseLock",
        "RollbackReport",
        "RollbackDone",
    ),
)

PHASE_OF_STATE: Mapping[str, PhaseKey] = MappingProxyType(
    {state: phase.key for phase in PHASES for state in phase.states}
)
DESCRIPTIONS: Mapping[PhaseKey, str] = MappingProxyType({phase.key: phase.description for phase in PHASES})

# The intake is paused from one of these states (offline: at the start; online: for the cut-over only)
# until one of the states that restore serving has run.
PAUSE_STARTS = frozenset({"PauseDisableLegacyMapping", "OnlinePauseDisableLegacyMapping"})
SERVING_RESTORED_BY = frozenset(
    {
        "CutOverEnableNewMapping",
        "CutOverFailedEnsureNewServing",
        "RollbackEnableLegacyMapping",
        "RollbackKeepNewServing",
    }
)


def phase_of(state_name: str | None) -> PhaseKey | None:
    """The phase key ("Pause", "Migrate", ...) of a state of the migration definition (else None: a
    child's state, or a name this module does not list)."""
    return PHASE_OF_STATE.get(state_name) if state_name else None
