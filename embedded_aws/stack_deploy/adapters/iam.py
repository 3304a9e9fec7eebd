"""aws:iam/* resources. The emulator does not enforce IAM; roles exist so ARNs and trust are real."""

from __future__ import annotations

import json
from typing import Any

from embedded_aws.stack_deploy.adapters.base import (
    CreateResult,
    DeployContext,
    as_int,
    physical_name,
    tag_list,
    without_none,
)


def _document(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def role(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    role_name = physical_name(inputs, name, max_length=64)
    request = without_none(
        {
            "RoleName": role_name,
            "AssumeRolePolicyDocument": _document(inputs["assumeRolePolicy"]),
            "Path": inputs.get("path"),
            "Description": inputs.get("description"),
            "MaxSessionDuration": as_int(inputs.get("maxSessionDuration")),
            "PermissionsBoundary": inputs.get("permissionsBoundary"),
            "Tags": tag_list(inputs.get("tags")) or None,
        }
    )
    iam = ctx.client("iam")
    created = iam.create_role(**request)["Role"]
    for policy_arn in inputs.get("managedPolicyArns") or []:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    return role_name, {**inputs, "name": role_name, "arn": created["Arn"], "uniqueId": created["RoleId"]}


def role_policy(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    policy_name = physical_name(inputs, name, max_length=128)
    ctx.client("iam").put_role_policy(
        RoleName=inputs["role"], PolicyName=policy_name, PolicyDocument=_document(inputs["policy"])
    )
    return f"{inputs['role']}:{policy_name}", {**inputs, "name": policy_name}


def role_policy_attachment(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    ctx.client("iam").attach_role_policy(RoleName=inputs["role"], PolicyArn=inputs["policyArn"])
    return f"{inputs['role']}-{name}", dict(inputs)
