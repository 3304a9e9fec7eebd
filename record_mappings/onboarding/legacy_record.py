"""The legacy record: the contract the old service stored and the intake queue carries.

Strict types where the contract names one (a number is not a string, a string is not a number), and
unknown fields allowed on every level, because the migration must keep what it does not understand.
Error messages written here never quote the input (they end up in rejection reasons).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
)

from migration_runtime.aws_limits import DYNAMODB_MAX_PARTITION_KEY_BYTES, DYNAMODB_MAX_SORT_KEY_BYTES
from migration_runtime.record_fields import (
    UTC_Z_TEXT_BYTES,
    IsoDateTime,
    Text,
    at_most_bytes,
    not_in_future,
)

# ASCII digits only: \d would also match Arabic-Indic or full-width digits.
_TAX_ID = re.compile(r"[0-9]{9}|[0-9]{2}-[0-9]{7}")
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# Key limits once built into the new table's keys: pk = CUSTOMER#<customer_id>,
# sk = ONBOARDING#<submitted_at as 2024-01-01T00:00:00.000000Z>#<application_id>.
_PK_PREFIX_BYTES = len("CUSTOMER#")
_SK_FIXED_BYTES = len("ONBOARDING#") + UTC_Z_TEXT_BYTES + len("#")
MAX_CUSTOMER_ID_BYTES = DYNAMODB_MAX_PARTITION_KEY_BYTES - _PK_PREFIX_BYTES
MAX_APPLICATION_ID_BYTES = DYNAMODB_MAX_SORT_KEY_BYTES - _SK_FIXED_BYTES
# Pragmatic shape check (no email-validator dependency): one @, no spaces, a dot in the domain.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Status(StrEnum):
    APPROVED = "APPROVED"
    PENDING_REVIEW = "PENDING_REVIEW"
    REJECTED = "REJECTED"
    ABANDONED = "ABANDONED"
    DRAFT = "DRAFT"


class Structure(StrEnum):
    SOLE_PROPRIETOR = "SOLE_PROPRIETOR"
    LLC = "LLC"
    CORPORATION = "CORPORATION"
    PARTNERSHIP = "PARTNERSHIP"


def _tax_id(value: str) -> str:
    if not _TAX_ID.fullmatch(value):
        raise ValueError("must be 9 digits or NN-NNNNNNN")
    return value


def _e164(value: str) -> str:
    if not _E164.fullmatch(value):
        raise ValueError("must be an E.164 phone number (+ and up to 15 digits)")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an email address")
    return value


def _iso_date_text(value: Any) -> Any:
    if value is not None and (not isinstance(value, str) or not _ISO_DATE.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date (YYYY-MM-DD)")
    return value


TaxId = Annotated[StrictStr, AfterValidator(_tax_id)]
Phone = Annotated[StrictStr, AfterValidator(_e164)]
Email = Annotated[StrictStr, AfterValidator(_email)]
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
ApplicationId = Annotated[
    Text, at_most_bytes(MAX_APPLICATION_ID_BYTES, "DynamoDB's sort key limit once built")
]
CustomerId = Annotated[
    Text, at_most_bytes(MAX_CUSTOMER_ID_BYTES, "DynamoDB's partition key limit once built")
]


class _Open(BaseModel):
    # extra="allow": unknown fields are kept (model_extra) and dumped with the known ones.
    model_config = ConfigDict(extra="allow", frozen=True)


class Business(_Open):
    legal_name: Text
    structure: Structure
    tax_id: TaxId
    incorporated_on: IsoDate | None = None

    @property
    def tax_id_digits(self) -> str:
        return self.tax_id.replace("-", "")


class Contact(_Open):
    first_name: Text
    last_name: Text
    email: Email
    phone: Phone


class Address(_Open):
    line1: Text
    line2: StrictStr | None = None
    city: Text
    region: Text
    postal_code: Text
    country: Literal["US", "CA"]


class Product(_Open):
    plan_id: Text
    plan_version: Annotated[StrictInt, Field(ge=1)]
    plan_name: Text


class LegacyRecord(_Open):
    application_id: ApplicationId
    customer_id: CustomerId
    submitted_at: IsoDateTime
    status: Status
    business: Business
    contact: Contact
    address: Address
    product: Product
    steps_completed: list[StrictStr]

    _not_in_future = field_validator("submitted_at")(not_in_future)

    @property
    def unknown_fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})
