"""A DynamoDB table with the settings every table of this stack needs: on-demand, PITR, SSE, protected."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class DynamoTableArgs:
    """Key schema and protection of one table (string keys; defaults to the single-table `pk`/`sk` design)."""

    hash_key: str = "pk"
    """Partition key attribute name (type S). The legacy table uses `application_id`."""

    range_key: str | None = "sk"
    """Sort key attribute name (type S), or None for a table keyed by the partition key alone."""

    deletion_protection_enabled: bool = True
    """Refuse DeleteTable (also from `pulumi destroy`) until this is switched off."""

    def __post_init__(self) -> None:
        if not self.hash_key:
            raise ValueError("hash_key must not be empty")
        if self.range_key is not None and (not self.range_key or self.range_key == self.hash_key):
            raise ValueError(
                f"range_key must be a non-empty name other than hash_key, got {self.range_key!r}"
            )


class DynamoTable(pulumi.ComponentResource):
    """An on-demand table with point-in-time recovery, server-side encryption and deletion protection."""

    table: aws.dynamodb.Table

    def __init__(
        self,
        name: str,
        args: DynamoTableArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("onboarding:components:DynamoTable", name, None, opts)
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
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.register_outputs({"table_name": self.table.name, "table_arn": self.table.arn})
