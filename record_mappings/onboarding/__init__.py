"""The onboarding service's records: the legacy contract, eligibility and the new single-table item."""
