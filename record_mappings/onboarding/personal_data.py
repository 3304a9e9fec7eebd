"""Which onboarding fields a log line may carry, and which hold personal data (see ``migration_runtime.pii``).

A log line carries only application_id, customer_id and status; names, emails, phones, tax ids and
addresses never appear, however short.
"""

from __future__ import annotations

LOGGABLE_FIELDS = ("application_id", "customer_id", "status")
PERSONAL_FIELDS = (
    ("business", "legal_name"),
    ("business", "tax_id"),
    ("contact", "first_name"),
    ("contact", "last_name"),
    ("contact", "email"),
    ("contact", "phone"),
    ("address", "line1"),
    ("address", "line2"),
    ("address", "city"),
    ("address", "postal_code"),
)
