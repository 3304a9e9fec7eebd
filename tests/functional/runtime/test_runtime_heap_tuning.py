"""The emulator tunes the garbage collector while it runs and gives the process its settings back."""

from __future__ import annotations

import gc
import platform
import sys

from embedded_aws import EmbeddedAws
from embedded_aws.heap_tuning import EMULATOR_THRESHOLDS, limit_malloc_arenas


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
