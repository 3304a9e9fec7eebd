"""aws:cloudwatch/* resources: log groups, metric alarms, dashboards."""

from __future__ import annotations

from typing import Any

from embedded_aws.stack_deploy.adapters.base import (
    CreateResult,
    DeployContext,
    as_int,
    physical_name,
    tag_list,
    without_none,
)


def log_group(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    group_name = physical_name(inputs, name, max_length=512)
    logs = ctx.client("logs")
    logs.create_log_group(**without_none({"logGroupName": group_name, "kmsKeyId": inputs.get("kmsKeyId")}))
    if inputs.get("tags"):
        logs.tag_log_group(logGroupName=group_name, tags=inputs["tags"])
    retention = as_int(inputs.get("retentionInDays"))
    if retention:
        logs.put_retention_policy(logGroupName=group_name, retentionInDays=retention)
    # Pulumi's LogGroup ARN has no trailing ":*" (CloudWatch's own does).
    arn = ctx.arn("logs", f"log-group:{group_name}")
    return group_name, {**inputs, "name": group_name, "arn": arn}


def metric_alarm(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    alarm_name = physical_name(inputs, name, max_length=255)
    request = without_none(
        {
            "AlarmName": alarm_name,
            "AlarmDescription": inputs.get("alarmDescription"),
            "Namespace": inputs.get("namespace"),
            "MetricName": inputs.get("metricName"),
            "Dimensions": [{"Name": k, "Value": v} for k, v in (inputs.get("dimensions") or {}).items()]
            or None,
            "Statistic": inputs.get("statistic"),
            "ExtendedStatistic": inputs.get("extendedStatistic"),
            "Period": as_int(inputs.get("period")),
            "EvaluationPeriods": as_int(inputs.get("evaluationPeriods")),
            "DatapointsToAlarm": as_int(inputs.get("datapointsToAlarm")),
            "Threshold": inputs.get("threshold"),
            "ComparisonOperator": inputs.get("comparisonOperator"),
            "TreatMissingData": inputs.get("treatMissingData"),
            "ActionsEnabled": inputs.get("actionsEnabled"),
            "AlarmActions": inputs.get("alarmActions"),
            "OKActions": inputs.get("okActions"),
            "InsufficientDataActions": inputs.get("insufficientDataActions"),
            "Unit": inputs.get("unit"),
            "Tags": tag_list(inputs.get("tags")) or None,
        }
    )
    ctx.client("cloudwatch").put_metric_alarm(**request)
    arn = ctx.arn("cloudwatch", f"alarm:{alarm_name}")
    return alarm_name, {**inputs, "name": alarm_name, "arn": arn}


def dashboard(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    dashboard_name = inputs["dashboardName"]
    ctx.client("cloudwatch").put_dashboard(
        DashboardName=dashboard_name, DashboardBody=inputs["dashboardBody"]
    )
    arn = ctx.arn("cloudwatch", f"dashboard/{dashboard_name}", region=False)
    return dashboard_name, {**inputs, "dashboardArn": arn}
