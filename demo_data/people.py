"""Made-up people for every demo's records: names and e-mail addresses on reserved example domains."""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Charlotte", "Mateo",
    "Isabella", "Lucas", "Mia", "Levi", "Harper", "Ethan", "Evelyn", "Aiden", "Abigail", "Jackson",
    "Priya", "Wei", "Fatima", "Diego", "Aaliyah", "Hiroshi", "Chloe", "Santiago", "Nadia", "Gabriel",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
    "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Tremblay", "Gagnon", "Roy",
    "Nguyen", "Patel",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")


def email_address(rng: random.Random, first: str, last: str) -> str:
    """A made-up address for that name, on a reserved example domain."""
    return f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
