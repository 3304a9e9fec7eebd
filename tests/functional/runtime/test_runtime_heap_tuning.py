"""The emulator tunes the garbage collector while it runs and gives the process its settings back."""

from __future__ import annotations

import gc
import platform
import sys
import threading
import time

import pytest

from embedded_aws import EmbeddedAws
from embedded_aws.heap_tuning import EMULATOR_THRESHOLDS, PeriodicTrim, limit_malloc_arenas


def test_collector_thresholds_and_freeze_last_as_long_as_the_emulator():
    # GIVEN the process's own collector settings
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0

    # WHEN an emulator runs and freezes what is alive once "deployed"
    with EmbeddedAws() as aws:
        during = gc.get_threshold()
        aws.freeze_long_lived_objects()
        frozen = gc.get_freeze_count()

    # THEN it ran with its own thresholds and froze the live objects, and both are undone on stop
    assert during == EMULATOR_THRESHOLDS
    assert frozen > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_malloc_arenas_can_be_capped_on_linux_with_glibc():
    # GIVEN this platform / WHEN the arena cap is set / THEN glibc accepts it (elsewhere it says no)
    accepted = limit_malloc_arenas()
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert accepted is True
    else:
        assert accepted is False


def test_free_memory_is_trimmed_periodically_while_the_emulator_runs_and_not_after():
    # GIVEN the periodic trim of a running emulator, at a short interval
    if not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"):
        pytest.skip("malloc_trim is glibc's: elsewhere the thread ends at once")
    trim = PeriodicTrim(interval=0.01)

    # WHEN it runs / THEN it trims, again and again (waited for, with a deadline that only bounds a hang)
    trim.start()
    deadline = time.monotonic() + 60
    while trim.trims < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert trim.trims >= 3

    # WHEN it is stopped / THEN its thread is gone, so it trims no more
    trim.stop()
    assert not any(thread.name == "heap-trim" for thread in threading.enumerate())


def test_the_emulator_runs_its_periodic_trim_and_stops_it():
    # GIVEN an emulator / WHEN it runs, then stops / THEN the trim thread lives exactly as long
    with EmbeddedAws():
        running = [thread.name for thread in threading.enumerate()]
    assert "heap-trim" in running
    assert "heap-trim" not in [thread.name for thread in threading.enumerate()]
