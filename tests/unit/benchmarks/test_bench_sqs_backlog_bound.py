"""The local backlog bound: a send to a drained queue waits while the queue is full, within a limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from embedded_aws.moto_internals.sqs_backlog_bound import BacklogBound

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:migration"


@dataclass
class FakeQueue:
    _messages: list[Any]
    """Visible messages (those in flight are not the bound's business)."""
    queue_arn: str = QUEUE_ARN

    @property
    def approximate_number_of_messages(self) -> int:
        return len(self._messages)


@dataclass
class FakeBackend:
    queue: FakeQueue
    account_id: str = "123456789012"
    region_name: str = "us-east-1"

    def get_queue(self, name: str) -> FakeQueue:
        return self.queue


@dataclass
class ManualClock:
    """Moves only when the bound sleeps; each sleep also lets the consumer take ``drained_per_sleep``."""

    queue: FakeQueue
    drained_per_sleep: int
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        del self.queue._messages[: self.drained_per_sleep]


def bound_over(
    queue: FakeQueue, drained: bool, drained_per_sleep: int, max_hold: float = 5.0
) -> tuple[BacklogBound, ManualClock]:
    clock = ManualClock(queue, drained_per_sleep)
    bound = BacklogBound(
        lambda account, region: frozenset({QUEUE_ARN}) if drained else frozenset(),
        bound=10,
        max_hold_seconds=max_hold,
        clock=clock,
        sleep=clock.sleep,
    )
    return bound, clock


def test_a_send_to_a_queue_under_its_bound_does_not_wait():
    # GIVEN a drained queue holding fewer messages than the bound
    queue = FakeQueue(list(range(9)))
    bound, clock = bound_over(queue, drained=True, drained_per_sleep=1)

    # WHEN a send asks for room
    bound.wait_for_room(FakeBackend(queue), "migration")

    # THEN it goes at once
    assert clock.sleeps == []
    assert bound.held_seconds("migration") == 0.0


def test_a_send_to_a_full_drained_queue_waits_until_the_consumers_make_room_and_counts_the_wait():
    # GIVEN a drained queue at 12 messages, its consumers taking 1 message per recheck
    queue = FakeQueue(list(range(12)))
    bound, clock = bound_over(queue, drained=True, drained_per_sleep=1)

    # WHEN a send asks for room
    bound.wait_for_room(FakeBackend(queue), "migration")

    # THEN it waited until the queue was under the bound (3 rechecks), and that time is counted
    assert len(queue._messages) == 9
    assert len(clock.sleeps) == 3
    assert bound.held_seconds("migration") == sum(clock.sleeps)


def test_a_full_queue_no_enabled_mapping_drains_never_holds_a_send():
    # GIVEN a full queue nobody consumes (both intake mappings off: messages wait there by design)
    queue = FakeQueue(list(range(50)))
    bound, clock = bound_over(queue, drained=False, drained_per_sleep=1)

    # WHEN a send asks for room
    bound.wait_for_room(FakeBackend(queue), "intake")

    # THEN it goes at once; the same queue, drained, would have waited (previous test)
    assert clock.sleeps == []


def test_a_stalled_consumer_holds_a_send_no_longer_than_the_longest_hold():
    # GIVEN a full drained queue whose consumers take nothing (a failing function)
    queue = FakeQueue(list(range(20)))
    bound, clock = bound_over(queue, drained=True, drained_per_sleep=0, max_hold=0.5)

    # WHEN a send asks for room
    bound.wait_for_room(FakeBackend(queue), "migration")

    # THEN it goes after the longest hold, with the queue still full
    assert len(queue._messages) == 20
    assert 0.5 <= bound.held_seconds("migration") < 0.5 + 0.05
    assert bound.held_seconds("migration") == sum(clock.sleeps)
