"""Sentinel writes to the legacy table: proof that the change stream has delivered everything before them.

An online migration writes a sentinel item to the legacy table and waits until the stream consumer has
seen it arrive (gh-ost's heartbeat): the stream delivers an item's changes in order and a shard's records
in order, so once the sentinel arrived every change written before it has been read from that shard.
Sentinels are not records: the application ids under this prefix are reserved, and the bulk copy, the
stream consumer and the verifier skip them.
"""

from __future__ import annotations

SENTINEL_PREFIX = "__migration_sentinel__#"


def sentinel_application_id(execution_name: str, purpose: str) -> str:
    return f"{SENTINEL_PREFIX}{execution_name}#{purpose}"


def is_sentinel(application_id: object) -> bool:
    return isinstance(application_id, str) and application_id.startswith(SENTINEL_PREFIX)


def member_id(group: str, index: int) -> str:
    """The ``index``-th sentinel of a group (``shard_covering_sentinels``): the first is the group's own id,
    so a group of one is the single sentinel it always was."""
    if index < 0:
        raise ValueError(f"a member index is 0 or more, got {index}")
    return group if index == 0 else f"{group}#{index}"


def group_of(sentinel_id: str) -> tuple[str, int]:
    """(group, member index) of a sentinel id. A purpose is never all digits and an execution name holds no
    ``#`` (Step Functions refuses it), so a last part of digits can only be a member index."""
    group, _, last = sentinel_id.rpartition("#")
    if group.startswith(SENTINEL_PREFIX) and last.isdigit() and last.isascii() and group.count("#") >= 2:
        return group, int(last)
    return sentinel_id, 0
