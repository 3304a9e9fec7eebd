"""Fault injection (off by default, deterministic, transient never from receive 3) and retry backoff."""

from __future__ import annotations

import pytest

from fault_injection.record_faults import (
    TRANSIENT_FAULT_LAST_RECEIVE_COUNT,
    FaultInjector,
    InjectedPermanentFault,
    InjectedTransientFault,
)
from migration_runtime import settings
from migration_runtime import settings as env
from migration_runtime.retry_backoff import MAX_VISIBILITY_TIMEOUT_SECONDS, RetryBackoff

IDS = [f"app-{index:05d}" for index in range(2000)]


def test_faults_are_off_unless_configured(monkeypatch):
    # GIVEN no fault variables
    monkeypatch.delenv(env.FAULT_TRANSIENT_RATE, raising=False)
    monkeypatch.delenv(env.FAULT_PERMANENT_IDS, raising=False)

    # WHEN the injector is built from the environment
    faults = FaultInjector.from_settings()

    # THEN it is disabled and never raises
    assert not faults.enabled
    for application_id in IDS[:200]:
        faults.before_target_write(application_id, 1)


def test_settings_parse_the_fault_variables(monkeypatch):
    # GIVEN both variables set, with spaces and empty entries
    monkeypatch.setenv(env.FAULT_TRANSIENT_RATE, "0.25")
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, " app-1, ,app-2 ,")

    # WHEN read / THEN parsed
    faults = FaultInjector.from_settings()
    assert faults.transient_rate == 0.25
    assert faults.permanent_ids == {"app-1", "app-2"}


@pytest.mark.parametrize("value", ["1.5", "-0.1", "often"])
def test_an_invalid_rate_is_refused(monkeypatch, value: str):
    monkeypatch.setenv(env.FAULT_TRANSIENT_RATE, value)
    with pytest.raises(settings.SettingError, match="FAULT_TRANSIENT_RATE"):
        settings.fault_transient_rate()


def test_rate_one_fails_the_first_attempts_only():
    # GIVEN every attempt meant to fail transiently
    faults = FaultInjector(transient_rate=1.0)

    # WHEN / THEN attempts 1..2 fail, from the third on never
    for receive_count in range(1, 8):
        if receive_count <= TRANSIENT_FAULT_LAST_RECEIVE_COUNT:
            with pytest.raises(InjectedTransientFault):
                faults.before_target_write("app-1", receive_count)
        else:
            faults.before_target_write("app-1", receive_count)


@pytest.mark.parametrize("receive_count", [3, 4, 5, 6])
def test_transient_faults_never_hit_receive_count_three_or_more(receive_count: int):
    # GIVEN a high rate / WHEN many records are tried at a late attempt / THEN none fails
    faults = FaultInjector(transient_rate=0.9)
    assert not [app for app in IDS if faults.transient_fault_applies(app, receive_count)]


def test_transient_rate_is_deterministic_and_roughly_the_configured_fraction():
    # GIVEN a 30% rate
    faults = FaultInjector(transient_rate=0.3)

    # WHEN the same ids are asked twice
    first = [faults.transient_fault_applies(app, 1) for app in IDS]
    second = [FaultInjector(transient_rate=0.3).transient_fault_applies(app, 1) for app in IDS]

    # THEN the answers repeat exactly, and about 30% fail
    assert first == second
    assert 0.25 < sum(first) / len(IDS) < 0.35


def test_permanent_ids_fail_on_every_attempt_and_others_do_not():
    # GIVEN one permanently failing id
    faults = FaultInjector(permanent_ids=frozenset({"app-bad"}))

    # WHEN / THEN it fails on every receive count, another id never does
    for receive_count in range(1, 10):
        with pytest.raises(InjectedPermanentFault):
            faults.before_target_write("app-bad", receive_count)
        faults.before_target_write("app-good", receive_count)


@pytest.mark.parametrize(
    ("base", "maximum", "receive_count", "expected"),
    [
        (2, 120, 1, 2),
        (2, 120, 2, 4),
        (2, 120, 3, 8),
        (2, 120, 5, 32),
        (2, 120, 7, 120),
        (2, 120, 10_000, 120),
        (0, 120, 4, 0),
        (5, 3, 1, 3),
        (2, 10**9, 40, MAX_VISIBILITY_TIMEOUT_SECONDS),
        (2, 120, 0, 2),
    ],
)
def test_backoff_is_min_of_exponential_and_maximum(base, maximum, receive_count, expected):
    # GIVEN a backoff / WHEN asked for a receive count / THEN min(base * 2**(n-1), max), within SQS limits
    assert RetryBackoff(base, maximum).delay_seconds(receive_count) == expected


def test_backoff_reads_its_settings(monkeypatch):
    monkeypatch.setenv(env.RETRY_BASE_DELAY_SECONDS, "3")
    monkeypatch.setenv(env.RETRY_MAX_DELAY_SECONDS, "10")
    assert RetryBackoff.from_settings() == RetryBackoff(3, 10)
