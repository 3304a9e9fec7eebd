"""Faults injected on purpose in local resilience runs: an optional part of the archives, off by default."""
