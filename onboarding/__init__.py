"""The onboarding domain shared by every function: the legacy record contract, eligibility, validation,
the new single-table item, conditional writes, the migration ledger, verification and test data.

Handlers under ``functions/`` stay thin and import only from here (plus Powertools, boto3 and pydantic),
so the same code is packaged into every Lambda archive and exercised directly by the tests.
"""
