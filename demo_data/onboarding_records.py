"""Deterministic synthetic legacy records and intake messages, for tests, demos and benchmarks.

Same seed, same records, in any process (``random.Random`` seeded with a string is stable). Records look
real: fictional but realistic names, companies, addresses, E.164 phones (555-01xx numbers), 9-digit tax
ids and reserved example domains, so that "no personal data in logs" tests have something to find.
Default mix: ~75% eligible and valid, ~20% ineligible statuses (some of them also invalid, to show that
eligibility is decided first), ~5% eligible but invalid, cycling through different fields; ~15% carry
unknown extra fields that must survive the migration.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from demo_data.demo_set import DemoDataSet
from demo_data.intake_kinds import MALFORMED_KINDS, IntakeKind
from demo_data.people import FIRST_NAMES, LAST_NAMES, email_address

BUSINESS_WORDS = (
    "Bakery", "Logistics", "Consulting", "Design Studio", "Landscaping", "Coffee Roasters", "Dental",
    "Bike Repair", "Analytics", "Catering", "Print Shop", "Fitness", "Plumbing", "Software", "Florist",
)  # fmt: skip
STREETS = (
    "Maple Ave", "Oak St", "Pine Rd", "Cedar Ln", "Elm St", "Main St", "Lakeview Dr", "Sunset Blvd",
    "Park Ave", "Hillcrest Rd", "Riverside Dr", "King St W", "Queen St E", "Rue Sainte-Catherine",
)  # fmt: skip
US_CITIES = (
    ("Austin", "TX", "787", "512"), ("Portland", "OR", "972", "503"), ("Denver", "CO", "802", "303"),
    ("Columbus", "OH", "432", "614"), ("Raleigh", "NC", "276", "919"), ("Madison", "WI", "537", "608"),
    ("Tucson", "AZ", "857", "520"), ("Boise", "ID", "837", "208"),
)  # fmt: skip
CA_CITIES = (
    ("Toronto", "ON", "M5V", "416"), ("Vancouver", "BC", "V6B", "604"), ("Montreal", "QC", "H2X", "514"),
    ("Calgary", "AB", "T2P", "403"), ("Halifax", "NS", "B3H", "902"),
)  # fmt: skip
PLANS = (
    ("plan-starter", "Starter", 1), ("plan-growth", "Growth", 3), ("plan-scale", "Scale", 2),
    ("plan-enterprise", "Enterprise", 5),
)  # fmt: skip
STEPS = ("business_details", "contact_details", "address", "plan_selection", "identity_check", "bank_link")
OFFSETS = (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=-8)), timezone(timedelta(hours=2)))
ELIGIBLE_STATUSES = ("APPROVED", "PENDING_REVIEW")
INELIGIBLE_STATUSES = ("REJECTED", "ABANDONED", "DRAFT")
STRUCTURES = ("SOLE_PROPRIETOR", "LLC", "CORPORATION", "PARTNERSHIP")
_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


class RecordKind(StrEnum):
    ELIGIBLE_VALID = "eligible_valid"
    INELIGIBLE = "ineligible"
    ELIGIBLE_INVALID = "eligible_invalid"


@dataclass(frozen=True)
class RecordMix:
    ineligible: float = 0.20
    eligible_invalid: float = 0.05
    with_extra_fields: float = 0.15

    def __post_init__(self) -> None:
        if min(self.ineligible, self.eligible_invalid, self.with_extra_fields) < 0:
            raise ValueError("shares must not be negative")
        if self.ineligible + self.eligible_invalid > 1:
            raise ValueError("ineligible + eligible_invalid must not exceed 1")


@dataclass(frozen=True)
class SyntheticRecord:
    record: dict[str, Any]
    kind: RecordKind
    invalid_field: str | None = None  # the field an invalid record breaks


# Each corruption breaks one field of a valid record; the name is the field the rejection reason names.
def _parent_and_leaf(record: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    *parents, leaf = path.split(".")
    target = record
    for parent in parents:
        target = target[parent]
    return target, leaf


def set_field(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A corruption that sets the dotted ``path`` of a record to ``value``."""

    def apply(record: dict[str, Any]) -> None:
        target, leaf = _parent_and_leaf(record, path)
        target[leaf] = value

    return apply


def drop_field(path: str) -> Callable[[dict[str, Any]], None]:
    """A corruption that removes the dotted ``path`` from a record."""

    def apply(record: dict[str, Any]) -> None:
        target, leaf = _parent_and_leaf(record, path)
        del target[leaf]

    return apply


CORRUPTIONS: tuple[tuple[str, Callable[[dict[str, Any]], None]], ...] = (
    ("business.tax_id", set_field("business.tax_id", "98-765432")),  # a digit short
    ("contact.phone", set_field("contact.phone", "(512) 555-0134")),
    ("address.country", set_field("address.country", "MX")),
    ("product.plan_version", set_field("product.plan_version", 0)),
    ("submitted_at", set_field("submitted_at", "2099-06-01T09:30:00+00:00")),
    ("contact.email", set_field("contact.email", "no-at-sign.example.com")),
    ("business.structure", set_field("business.structure", "LLP")),
    ("submitted_at", set_field("submitted_at", "2024-05-01T10:00:00")),  # no offset
    ("contact.email", drop_field("contact.email")),
    ("product.plan_version", set_field("product.plan_version", "3")),
    ("address.line1", drop_field("address.line1")),
    ("business", drop_field("business")),
)


def _application_id(seed: int | str, index: int) -> str:
    return f"app-{random.Random(f'{seed}:app:{index}').getrandbits(48):012x}"


def _customer_id(seed: int | str, number: int) -> str:
    return f"cus-{random.Random(f'{seed}:customer:{number}').getrandbits(40):010x}"


def valid_record(rng: random.Random, *, application_id: str, customer_id: str, status: str) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    country = "CA" if rng.random() < 0.3 else "US"
    if country == "US":
        city, region, zip_prefix, area = rng.choice(US_CITIES)
        postal = f"{zip_prefix}{rng.randint(0, 99):02d}"
    else:
        city, region, fsa, area = rng.choice(CA_CITIES)
        postal = f"{fsa} {rng.randint(1, 9)}{rng.choice('ABCEGHJKLMNPRSTVWXYZ')}{rng.randint(1, 9)}"
    tax_digits = f"{rng.randint(10, 99)}{rng.randint(0, 9_999_999):07d}"
    plan_id, plan_name, plan_version = rng.choice(PLANS)
    submitted = _EPOCH + timedelta(seconds=rng.randint(0, 700 * 86_400))
    record: dict[str, Any] = {
        "application_id": application_id,
        "customer_id": customer_id,
        "submitted_at": submitted.astimezone(rng.choice(OFFSETS)).isoformat(),
        "status": status,
        "business": {
            "legal_name": f"{last} {rng.choice(BUSINESS_WORDS)} {rng.choice(('LLC', 'Inc.', 'Co.', 'Ltd.'))}",
            "structure": rng.choice(STRUCTURES),
            "tax_id": tax_digits if rng.random() < 0.5 else f"{tax_digits[:2]}-{tax_digits[2:]}",
        },
        "contact": {
            "first_name": first,
            "last_name": last,
            "email": email_address(rng, first, last),
            "phone": f"+1{area}5550{rng.randint(100, 199)}",
        },
        "address": {
            "line1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
            "city": city,
            "region": region,
            "postal_code": postal,
            "country": country,
        },
        "product": {"plan_id": plan_id, "plan_version": plan_version, "plan_name": plan_name},
        "steps_completed": list(STEPS[: rng.randint(1, len(STEPS))]),
    }
    if rng.random() < 0.6:
        founded = submitted.date() - timedelta(days=rng.randint(30, 20 * 365))
        record["business"]["incorporated_on"] = founded.isoformat()
    if rng.random() < 0.3:
        record["address"]["line2"] = f"Suite {rng.randint(100, 999)}"
    return record


def _add_extra_fields(rng: random.Random, record: dict[str, Any]) -> None:
    record["referral_code"] = f"REF-{rng.getrandbits(24):06X}"
    record["marketing_opt_in"] = rng.random() < 0.5
    record["legacy_risk_score"] = round(rng.random(), 3)  # a float: must survive DynamoDB's Decimals
    record["legacy_meta"] = {"channel": rng.choice(("web", "partner", "branch")), "form_version": 7}


def synthetic_record(
    index: int, *, seed: int | str = 0, mix: RecordMix | None = None, customers: int | None = None
) -> SyntheticRecord:
    """Record number ``index`` of the set defined by (seed, mix): generated independently of the others."""
    mix = mix or RecordMix()
    rng = random.Random(f"{seed}:record:{index}")
    customer_pool = customers or 1_000_000
    customer_id = _customer_id(seed, rng.randrange(customer_pool))
    draw = rng.random()
    if draw < mix.ineligible:
        kind = RecordKind.INELIGIBLE
        status = rng.choice(INELIGIBLE_STATUSES)
    else:
        kind = (
            RecordKind.ELIGIBLE_INVALID
            if draw < mix.ineligible + mix.eligible_invalid
            else RecordKind.ELIGIBLE_VALID
        )
        status = rng.choice(ELIGIBLE_STATUSES)
    record = valid_record(
        rng, application_id=_application_id(seed, index), customer_id=customer_id, status=status
    )
    if rng.random() < mix.with_extra_fields:
        _add_extra_fields(rng, record)
    invalid_field = None
    # Eligible-invalid records cycle through the corruptions; a third of ineligible ones are broken too.
    if kind is RecordKind.ELIGIBLE_INVALID or (kind is RecordKind.INELIGIBLE and rng.random() < 1 / 3):
        invalid_field, corrupt = CORRUPTIONS[index % len(CORRUPTIONS)]
        corrupt(record)
    return SyntheticRecord(record=record, kind=kind, invalid_field=invalid_field)


def synthetic_records(
    count: int, *, seed: int | str = 0, mix: RecordMix | None = None, start: int = 0
) -> list[SyntheticRecord]:
    # About two applications per customer, so customers have several items under one pk.
    customers = max(1, (start + count) // 2)
    return [
        synthetic_record(index, seed=seed, mix=mix, customers=customers)
        for index in range(start, start + count)
    ]


def legacy_records(count: int, *, seed: int | str = 0, mix: RecordMix | None = None) -> list[dict[str, Any]]:
    return [item.record for item in synthetic_records(count, seed=seed, mix=mix)]


@dataclass(frozen=True)
class SyntheticIntakeMessage:
    body: str
    kind: IntakeKind
    record: SyntheticRecord | None = None


def synthetic_intake_messages(
    count: int, *, seed: int | str = 0, malformed: float = 0.05, mix: RecordMix | None = None
) -> list[SyntheticIntakeMessage]:
    """Intake message bodies: mostly records (ids distinct from ``synthetic_records`` of the same seed),
    a few malformed ones cycling through not-JSON, JSON array and missing fields."""
    messages: list[SyntheticIntakeMessage] = []
    malformed_seen = 0
    for index in range(count):
        rng = random.Random(f"{seed}:intake:{index}")
        if rng.random() < malformed:
            kind = MALFORMED_KINDS[malformed_seen % len(MALFORMED_KINDS)]
            malformed_seen += 1
            messages.append(SyntheticIntakeMessage(body=_malformed_body(rng, kind), kind=kind))
            continue
        item = synthetic_record(index, seed=f"{seed}:intake", mix=mix, customers=max(1, count // 2))
        messages.append(
            SyntheticIntakeMessage(body=json.dumps(item.record), kind=IntakeKind.RECORD, record=item)
        )
    return messages


def _malformed_body(rng: random.Random, kind: IntakeKind) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if kind is IntakeKind.NOT_JSON:
        # Truncated JSON with personal data in it: the rejection must not quote it.
        return f'{{"contact": {{"first_name": "{first}", "last_name": "{last}", "email": "{first.lower()}@exa'
    if kind is IntakeKind.JSON_ARRAY:
        return json.dumps([{"contact": {"first_name": first, "last_name": last}}])
    return json.dumps({"contact": {"first_name": first, "last_name": last}, "status": "APPROVED"})


@dataclass(frozen=True)
class OnboardingDemoData:
    """The onboarding mapping's demo data (``demo_data.demo_set.DemoData``): applications, no lookups."""

    mapping_name: str = "onboarding"

    def data_set(self, count: int, *, seed: str) -> DemoDataSet:
        return DemoDataSet(legacy_records=legacy_records(count, seed=seed))

    def intake_bodies(self, count: int, *, seed: str) -> list[str]:
        return [message.body for message in synthetic_intake_messages(count, seed=seed)]

    def live_messages(self, existing: Sequence[dict[str, Any]], *, seed: str) -> Iterator[Any]:
        """Live traffic over ``existing`` (optional for a ``DemoData``: see ``demo_data/onboarding_live``)."""
        from demo_data.onboarding_live import live_messages  # that module builds on this one

        return live_messages(existing, seed=seed)


DEMO_DATA = OnboardingDemoData()
