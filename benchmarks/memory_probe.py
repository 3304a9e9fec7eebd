"""Peak resident memory of this process and every process it started (Lambda workers), sampled.

``resource.getrusage(RUSAGE_CHILDREN)`` only knows children that have exited and reports the largest
one, not a sum; the Lambda workers live for the whole run. So the process tree is summed from /proc
twice a second (Linux); elsewhere only this process's own peak is known. Two sums are kept: RSS (what
was asked for; pages shared between processes, such as the Python binary and its libraries, count once
per process) and PSS (shared pages divided between their users: the memory the run really occupies).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

_PROC = Path("/proc")
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MIB = 1024 * 1024


def _parent_and_rss(pid: str) -> tuple[int, int] | None:
    try:
        stat = (_PROC / pid / "stat").read_text()
        pages = int((_PROC / pid / "statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    # The command name (field 2) may hold spaces or parentheses: split after its closing one.
    after_name = stat[stat.rfind(")") + 2 :].split()
    return int(after_name[1]), pages * _PAGE_BYTES


def _pss_bytes(pid: int) -> int | None:
    """The process's PSS; 0 when it has just exited, None when this kernel does not report PSS."""
    try:
        for line in (_PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return 0
    except (OSError, ValueError, IndexError):
        return None
    return None


def tree_pids(root: int | None = None) -> dict[int, int]:
    """``root`` (default: this process) and all its descendants, each with its resident bytes."""
    root = root or os.getpid()
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            found = _parent_and_rss(entry.name)
            if found is not None:
                parents[int(entry.name)], rss[int(entry.name)] = found
    tree = {}
    for pid, size in rss.items():
        current, hops = pid, 0
        while current and current != root and hops < 64:
            current, hops = parents.get(current, 0), hops + 1
        if current == root:
            tree[pid] = size
    return tree


def tree_rss_bytes(root: int | None = None) -> int:
    """Resident bytes of ``root`` and all its descendants, right now."""
    return sum(tree_pids(root).values())


def tree_pss_bytes(root: int | None = None) -> int | None:
    """Proportional set size of ``root`` and its descendants (None where /proc does not tell)."""
    total = 0
    for pid in tree_pids(root):
        pss = _pss_bytes(pid)
        if pss is None:
            return None
        total += pss
    return total


def _by_function(tree: dict[int, int]) -> dict[str, int]:
    """Resident bytes of the tree's Lambda workers per function (named by their environment)."""
    sizes: dict[str, int] = {}
    for pid, size in tree.items():
        if pid == os.getpid():
            continue
        try:
            environment = (_PROC / str(pid) / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        name = next(
            (v.split(b"=", 1)[1].decode() for v in environment if v.startswith(b"AWS_LAMBDA_FUNCTION_NAME=")),
            "other",
        )
        sizes[name] = sizes.get(name, 0) + size
    return sizes


def own_peak_bytes() -> int:
    """This process's own peak resident size (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


@dataclass(frozen=True)
class PhaseMemory:
    """The process tree's RSS over one phase of a run: its peak, and where it ended (MiB)."""

    phase: str
    peak_mib: float
    end_mib: float
    own_peak_mib: float
    """This process's own RSS when the tree peaked in this phase (the rest: the Lambda workers)."""


class PeakMemory:
    """``with PeakMemory() as peak: ...`` then ``peak.peak_mib`` (process tree, sampled).

    ``phase(name)`` closes the phase that ran since the previous call (or the start): its peak and its
    end are kept in ``phases``, so a run can tell which of its phases set the peak.
    """

    def __init__(self, interval_seconds: float = 0.5) -> None:
        self._interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)
        self.peak_bytes = 0
        self.at_peak = (0, 0, 0)
        """(own RSS, number of child processes, their RSS) when the RSS peak was sampled."""
        self.workers_at_peak: dict[str, int] = {}
        """Resident bytes per Lambda function (its worker processes) when the RSS peak was sampled."""
        self.peak_pss_bytes: int | None = 0
        self.sampling = _PROC.is_dir()
        self.phases: list[PhaseMemory] = []
        self._lock = threading.Lock()
        self._phase_peak = (0, 0)  # (tree RSS, own RSS) at the highest sample since the last phase()

    def _measure(self) -> int:
        tree = tree_pids()
        total = sum(tree.values())
        with self._lock:
            if total > self._phase_peak[0]:
                self._phase_peak = (total, tree.get(os.getpid(), 0))
        if total > self.peak_bytes:
            own = tree.get(os.getpid(), 0)
            self.peak_bytes = total
            self.at_peak = (own, len(tree) - 1, total - own)
            self.workers_at_peak = _by_function(tree)
        if self.peak_pss_bytes is not None:
            pss = tree_pss_bytes()
            self.peak_pss_bytes = None if pss is None else max(self.peak_pss_bytes, pss)
        return total

    def phase(self, name: str) -> PhaseMemory:
        """Close the phase ``name`` (everything since the previous call) and return its figures."""
        end = self._measure() if self.sampling else own_peak_bytes()
        with self._lock:
            peak, own = self._phase_peak
            self._phase_peak = (0, 0)
        closed = PhaseMemory(name, max(peak, end) / MIB, end / MIB, own / MIB)
        self.phases.append(closed)
        return closed

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._measure()
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakMemory:
        if self.sampling:
            self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self.sampling:
            self._thread.join(timeout=5)
            self._measure()

    @property
    def peak_mib(self) -> float:
        """Peak RSS of the process tree (at least this process's own peak)."""
        return max(self.peak_bytes, own_peak_bytes()) / MIB

    def breakdown(self) -> str:
        own, children, children_bytes = self.at_peak
        functions = ", ".join(
            f"{name} {size / MIB:,.0f}" for name, size in sorted(self.workers_at_peak.items())
        )
        return (
            f"at the peak: this process {own / MIB:,.0f} MiB, "
            f"{children} Lambda worker processes {children_bytes / MIB:,.0f} MiB"
            + (f" ({functions})" if functions else "")
        )

    @property
    def peak_pss_mib(self) -> float | None:
        return self.peak_pss_bytes / MIB if self.sampling and self.peak_pss_bytes else None
