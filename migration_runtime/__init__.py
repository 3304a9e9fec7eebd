"""The migration machine's runtime code, packaged into every Lambda archive: queues and taps, conditional
writes and pointers, the ledger and run control, verification, change capture, limits and safe text.

What a record *is* (its contract, eligibility, transformation) lives in ``record_mappings/``; handlers under
``functions/`` stay thin and import from here, so the tests exercise the same code directly.
"""
