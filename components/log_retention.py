"""Log retention: the periods CloudWatch Logs accepts, and the stack's default, for every log group."""

from __future__ import annotations

# CloudWatch Logs accepts only these retention periods (days) (PutRetentionPolicy, CloudWatch Logs API).
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
DEFAULT_LOG_RETENTION_DAYS = 30


def check_log_retention_days(days: int) -> None:
    """Refuse a period CloudWatch Logs would reject, before anything is created."""
    if days not in LOG_RETENTION_DAYS:
        raise ValueError(f"log_retention_days must be one of {sorted(LOG_RETENTION_DAYS)}, got {days}")
