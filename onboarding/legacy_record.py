"""The legacy record: the contract the old service stored and the intake queue carries.

Strict types where the contract names one (a number is not a string, a string is not a number), and
unknown fields allowed on every level, because the migration must keep what it does not understand.
Error messages written here never quote the input (they end up in rejection reasons).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from onboarding.timestamps import utc_now

MAX_FUTURE_SKEW = timedelta(minutes=5)
NOW_CONTEXT_KEY = "now"

_TAX_ID = re.compile(r"\d{9}|\d{2}-\d{7}")
_E164 = re.compile(r"\+[1-9]\d{1,14}")
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


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


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


def _iso_text(value: Any) -> Any:
    # pydantic would also accept Unix timestamps as dates; the contract says ISO 8601 text.
    if value is not None and not isinstance(value, str | datetime | date):
        raise ValueError("must be an ISO 8601 string")
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank)]
TaxId = Annotated[StrictStr, AfterValidator(_tax_id)]
Phone = Annotated[StrictStr, AfterValidator(_e164)]
Email = Annotated[StrictStr, AfterValidator(_email)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
IsoDate = Annotated[date, BeforeValidator(_iso_text)]


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
    application_id: Text
    customer_id: Text
    submitted_at: IsoDateTime
    status: Status
    business: Business
    contact: Contact
    address: Address
    product: Product
    steps_completed: list[StrictStr]

    @field_validator("submitted_at")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        # "now" comes from the validation context so tests and the verifier use one clock.
        context = info.context or {}
        now: datetime = context.get(NOW_CONTEXT_KEY) or utc_now()
        if value > now + MAX_FUTURE_SKEW:
            raise ValueError("must not be more than 5 minutes in the future")
        return value

    @property
    def unknown_fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})
