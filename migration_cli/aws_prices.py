"""Published AWS list prices (us-east-1, on-demand, no free tier, no Savings Plans) used by the cost model.

Each price names the page it is read from and the date that page (or a dated copy of it) showed it, so a
reader can check it and a later reader can see when it went stale. ``PRICES_CHECKED_ON`` is when these
figures were last compared with their sources; re-check them before quoting dollars anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICES_CHECKED_ON = "2026-11-27"
REGION = "us-east-1"


@dataclass(frozen=True)
class ListPrice:
    name: str
    usd_per_unit: float
    unit: str
    source: str
    as_published: str
    """The date (or period) the source showed this price."""
    corroborated_by: tuple[str, ...] = ()

    @property
    def usd_per_million_units(self) -> float:
        return self.usd_per_unit * 1_000_000


SQS_STANDARD_REQUEST = ListPrice(
    name="SQS standard queue request",
    usd_per_unit=0.40 / 1_000_000,
    unit="request (each 64 KB chunk of a payload is one request)",
    source="https://aws.amazon.com/sqs/pricing/",
    as_published="March 2026 (first 100 billion requests a month)",
    corroborated_by=(
        "https://cloudburn.io/blog/amazon-sqs-pricing (US East, as of March 2026)",
        "https://unanswered.io/guide/aws-sqs-pricing-and-cost-optimization",
    ),
)

LAMBDA_REQUEST = ListPrice(
    name="Lambda request",
    usd_per_unit=0.20 / 1_000_000,
    unit="invocation",
    source="https://aws.amazon.com/lambda/pricing/",
    as_published="unchanged since 2018; whitepaper 'How AWS Pricing Works' (current edition)",
    corroborated_by=("https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html",),
)

LAMBDA_GB_SECOND_X86 = ListPrice(
    name="Lambda duration, x86",
    usd_per_unit=0.0000166667,
    unit="GB-second (first 6 billion GB-seconds a month)",
    source="https://aws.amazon.com/lambda/pricing/",
    as_published="current tier table (x86, first 6 billion GB-s), read 2026",
    corroborated_by=(
        "https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html ($0.00001667)",
        "https://cloudchipr.com/blog/aws-lambda-pricing (x86 tiers, US East)",
    ),
)

# DynamoDB on-demand throughput was cut by 50% on 2024-11-01 (from $1.25 / $0.25 per million).
DYNAMODB_WRITE_REQUEST_UNIT = ListPrice(
    name="DynamoDB on-demand write request unit (Standard table class)",
    usd_per_unit=0.625 / 1_000_000,
    unit="write request unit (a standard write of up to 1 KB)",
    source="https://aws.amazon.com/dynamodb/pricing/on-demand/",
    as_published="since 2024-11-01 (AWS News Blog post on on-demand updated 2025-01-31)",
    corroborated_by=(
        "https://aws.amazon.com/blogs/aws/amazon-dynamodb-on-demand-no-capacity-planning-and-pay-per-request-pricing",
        "https://airbyte.com/data-engineering-resources/dynamodb-pricing (US East, July 2025)",
    ),
)

DYNAMODB_READ_REQUEST_UNIT = ListPrice(
    name="DynamoDB on-demand read request unit (Standard table class)",
    usd_per_unit=0.125 / 1_000_000,
    unit="read request unit (a strongly consistent read of up to 4 KB; eventually consistent: half)",
    source="https://aws.amazon.com/dynamodb/pricing/on-demand/",
    as_published="since 2024-11-01",
    corroborated_by=("https://airbyte.com/data-engineering-resources/dynamodb-pricing (US East, July 2025)",),
)

STEP_FUNCTIONS_STANDARD_TRANSITION = ListPrice(
    name="Step Functions standard workflow state transition",
    usd_per_unit=0.025 / 1_000,
    unit="state transition (retries included)",
    source="https://aws.amazon.com/step-functions/pricing/",
    as_published="US East (N. Virginia) $0.0250 per 1,000, pricing table read 2026",
)

ALL_PRICES = (
    SQS_STANDARD_REQUEST,
    LAMBDA_REQUEST,
    LAMBDA_GB_SECOND_X86,
    DYNAMODB_WRITE_REQUEST_UNIT,
    DYNAMODB_READ_REQUEST_UNIT,
    STEP_FUNCTIONS_STANDARD_TRANSITION,
)
