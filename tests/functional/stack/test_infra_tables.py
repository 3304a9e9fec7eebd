"""Tables of the whole stack: keys, on-demand billing, PITR, encryption, deletion protection."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tests.functional.stack.pulumi_harness import CapturedStack

TABLE = "aws:dynamodb/table:Table"


def test_legacy_table_is_keyed_by_application_id_and_new_table_by_pk_sk(stack: CapturedStack):
    # GIVEN the two tables, found through the exported names
    legacy = stack.one(TABLE, name=stack.exports["legacy_table_name"])
    new = stack.one(TABLE, name=stack.exports["new_table_name"])

    # THEN the legacy contract (hash key only) and the single-table design (pk/sk) hold, all strings
    assert (legacy.inputs["hashKey"], legacy.inputs.get("rangeKey")) == ("application_id", None)
    assert legacy.inputs["attributes"] == [{"name": "application_id", "type": "S"}]
    assert (new.inputs["hashKey"], new.inputs["rangeKey"]) == ("pk", "sk")
    assert sorted(attribute["name"] for attribute in new.inputs["attributes"]) == ["pk", "sk"]
    assert {attribute["type"] for attribute in new.inputs["attributes"]} == {"S"}


def test_every_table_is_on_demand_recoverable_encrypted_and_protected(stack: CapturedStack):
    # GIVEN every table in the stack
    tables = stack.of_type(TABLE)

    # THEN there are three (legacy, new, the migration's control table), each one on demand, with
    # point-in-time recovery and SSE, refusing deletion
    assert {table.outputs["name"] for table in tables} == {
        stack.exports[name] for name in ("legacy_table_name", "new_table_name", "control_table_name")
    }
    for table in tables:
        assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
        assert table.inputs["pointInTimeRecovery"] == {"enabled": True}
        assert table.inputs["serverSideEncryption"]["enabled"] is True
        assert table.inputs["deletionProtectionEnabled"] is True


def test_deletion_protection_can_be_turned_off_by_config(
    run_stack: Callable[[Mapping[str, str]], CapturedStack],
):
    # GIVEN a throwaway stack configured without deletion protection
    configured = run_stack({"deletionProtection": "false"})

    # THEN no table is protected (and nothing else about them changed)
    tables = configured.of_type(TABLE)
    assert [table.inputs["deletionProtectionEnabled"] for table in tables] == [False, False, False]
    assert all(table.inputs["pointInTimeRecovery"] == {"enabled": True} for table in tables)
