"""Configurable faults at the target write, for local resilience runs. Off unless configured.

- ``FAULT_TRANSIENT_RATE`` (0..1): that fraction of attempts fails with a transient error. The decision is
  a hash of (application_id, receive_count), so a run is reproducible, and it never fails an attempt with
  receive_count >= 3: a transiently failing record always succeeds well before ``maxReceiveCount`` (5)
  and never reaches the DLQ. ``receive_count`` is the record's attempt (``MigrationMessage.attempt``): a
  record that failed in a packed bulk-copy message and was sent back alone counts on from its receive
  there (its message's ``prior_receives``), so it is not faulted afresh from attempt 1.
- ``FAULT_PERMANENT_IDS`` (comma-separated application ids): those records fail on every attempt with an
  unforeseen error, so they are retried, backed off and finally dead-lettered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from migration_runtime import settings

# Transient faults only hit the first two attempts (receive counts 1 and 2).
TRANSIENT_FAULT_LAST_RECEIVE_COUNT = 2


class InjectedFault(RuntimeError):
    """Base of injected faults; deliberately not a RecordRejected, so the queue retries."""


class InjectedTransientFault(InjectedFault):
    pass


class InjectedPermanentFault(InjectedFault):
    pass


@dataclass(frozen=True)
class FaultInjector:
    transient_rate: float = 0.0
    permanent_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls) -> FaultInjector:
        return cls(
            transient_rate=settings.fault_transient_rate(), permanent_ids=settings.fault_permanent_ids()
        )

    @property
    def enabled(self) -> bool:
        return self.transient_rate > 0 or bool(self.permanent_ids)

    def transient_fault_applies(self, application_id: str, receive_count: int) -> bool:
        if self.transient_rate <= 0 or receive_count > TRANSIENT_FAULT_LAST_RECEIVE_COUNT:
            return False
        digest = hashlib.sha256(f"{application_id}:{receive_count}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
        return draw < self.transient_rate

    def before_target_write(self, application_id: str, receive_count: int) -> None:
        """Raise the configured fault, if any, for this attempt."""
        if application_id in self.permanent_ids:
            raise InjectedPermanentFault("injected permanent fault at the target write")
        if self.transient_fault_applies(application_id, receive_count):
            raise InjectedTransientFault(
                f"injected transient fault at the target write (receive {receive_count})"
            )
