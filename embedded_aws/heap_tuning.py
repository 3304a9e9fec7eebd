"""Garbage collection tuned for the emulator's process, which holds millions of long-lived objects.

moto's backends, botocore's service models, the deployed stack and every stored item live for the
whole run, while each request allocates and drops tens of thousands of short-lived objects. With
Python's default thresholds (700, 10, 10) collections run every few hundred allocations and the older
generations keep re-traversing the long-lived objects: measured on a 2,000-item Scan page, 0.30 s of
server time with the collector on against 0.04 s with it off. Raising the thresholds and moving what
exists after deployment out of the collector's sight (``gc.freeze``) cut the full local migration of
10,000 records from 52 s to 39 s in one side-by-side benchmark run. Only cyclic garbage waits longer
(reference counting still frees everything else at once): the run's peak memory grew by ~25 MiB.
The C allocator is tuned too (see ``MALLOC_ARENAS``), and ``release_free_memory`` hands what it keeps
back to the system between the phases of a long run; while the emulator runs, a background thread
returns the allocator's free pages every ``TRIM_INTERVAL_SECONDS`` (see ``PeriodicTrim``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading

EMULATOR_THRESHOLDS = (50_000, 50, 100)
# glibc gives each contending thread its own malloc arena (up to 8 per core), and memory freed in one
# arena is not reused by the others: the emulator's request threads allocate and free page-sized
# response buffers, SQS message bodies and packed items, so RSS grew well past the live heap. Two
# arenas: 10,000-record benchmark, emulator process peak 502 -> 422 MiB, throughput unchanged.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process (arenas created from now on); False where the C
    library is not glibc or has no ``mallopt``. As ``MALLOC_ARENA_MAX``, which cannot be set from inside
    a running process."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))


def _malloc_trim() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        malloc_trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    return bool(malloc_trim(0))


def release_free_memory() -> bool:
    """Collect cyclic garbage, then return the C allocator's free pages to the system (glibc's
    ``malloc_trim``); False where that is not available.

    glibc keeps freed memory for reuse and only gives back the top of its heaps on its own, so a process
    that has just dropped a table or a queue backlog keeps its peak RSS; ``malloc_trim(0)`` also releases
    the free pages inside the heaps (glibc 2.8+). Called between benchmark phases, not per request: it
    walks every free chunk.
    """
    gc.collect()
    return _malloc_trim()


# A migration keeps the emulator busy for minutes with no phase boundary: request buffers, message
# bodies and scan pages are freed between the long-lived packed items, and glibc keeps those holes.
# ``malloc_trim(0)`` gives back their free pages; it runs outside the GIL (a ctypes call) and takes a few
# milliseconds at hundreds of MiB of heap.
TRIM_INTERVAL_SECONDS = 5.0


class PeriodicTrim:
    """Returns the C allocator's free pages to the system every ``interval`` seconds, until stopped."""

    def __init__(self, interval: float = TRIM_INTERVAL_SECONDS) -> None:
        self._interval = interval
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.trims = 0

    def start(self) -> None:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._run, name="heap-trim", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            if not _malloc_trim():
                return  # not glibc: nothing to trim
            self.trims += 1


class HeapTuning:
    """``apply()`` when the emulator starts, ``freeze_long_lived()`` once the stack is deployed,
    ``restore()`` when it stops (the embedding process gets its own settings back)."""

    def __init__(self) -> None:
        self._previous: tuple[int, int, int] | None = None
        self._froze = False
        self.trim = PeriodicTrim()

    def apply(self) -> None:
        # Process-wide and kept after stop: arenas that exist cannot be merged back anyway.
        limit_malloc_arenas()
        self.trim.start()
        if self._previous is None:
            self._previous = gc.get_threshold()
            gc.set_threshold(*EMULATOR_THRESHOLDS)

    def freeze_long_lived(self) -> None:
        gc.collect()
        gc.freeze()
        self._froze = True

    def restore(self) -> None:
        self.trim.stop()
        if self._froze:
            gc.unfreeze()
            self._froze = False
        if self._previous is not None:
            gc.set_threshold(*self._previous)
            self._previous = None
