"""A DynamoDB table with the settings every table of this stack needs: on-demand, PITR, SSE, protected."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

STREAM_VIEW_TYPES = ("NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY")


@dataclass(frozen=True)
class DynamoTableArgs:
    """Key schema and protection of one table (string keys; defaults to the single-table `pk`/`sk` design)."""

    hash_key: str = "pk"
    """Partition key attribute name (type S). The legacy table uses `application_id`."""

    range_key: str | None = "sk"
    """Sort key attribute name (type S), or None for a table keyed by the partition key alone."""

    deletion_protection_enabled: bool = True
    """Refuse DeleteTable (also from `pulumi destroy`) until this is switched off."""

    stream_view_type: str | None = None
    """A DynamoDB stream of every change (`NEW_AND_OLD_IMAGES`, `NEW_IMAGE`, `OLD_IMAGE`, `KEYS_ONLY`), or
    None for no stream. The legacy table has one: the online migration captures its changes."""

    def __post_init__(self) -> None:
        if not self.hash_key:
            raise ValueError("hash_key must not be empty")
        if self.range_key is not None and (not self.range_key or self.range_key == self.hash_key):
            raise ValueError(
                f"range_key must be a non-empty name other than hash_key, got {self.range_key!r}"
            )
        if self.stream_view_type not in (None, *STREAM_VIEW_TYPES):
            raise ValueError(f"stream_view_type must be one of {', '.join(STREAM_VIEW_TYPES)} or None")


class DynamoTable(pulumi.ComponentResource):
    """An on-demand table with point-in-time recovery, server-side encryption and deletion protection."""

    table: aws.dynamodb.Table
    has_stream: bool

    def __init__(
        self,
        name: str,
        args: DynamoTableArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("onboarding:components:DynamoTable", name, None, opts)
        self.has_stream = args.stream_view_type is not None
        key_names = [args.hash_key] if args.range_key is None else [args.hash_key, args.range_key]

        self.table = aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PAY_PER_REQUEST",
            hash_key=args.hash_key,
            range_key=args.range_key,
            # Only key attributes are declared: DynamoDB is schemaless for the rest.
            attributes=[aws.dynamodb.TableAttributeArgs(name=key, type="S") for key in key_names],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
            deletion_protection_enabled=args.deletion_protection_enabled,
            stream_enabled=args.stream_view_type is not None,
            stream_view_type=args.stream_view_type,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.register_outputs({"table_name": self.table.name, "table_arn": self.table.arn})
