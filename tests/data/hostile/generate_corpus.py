# ruff: noqa: RUF001  (a data table: one case a line, with look-alike digits on purpose)
"""Write the hostile corpus: `python tests/data/hostile/generate_corpus.py` (deterministic; the JSONL files
are committed, this script says how each entry was made and what must become of it).

- legacy_records.jsonl: legacy records the legacy table can hold; legacy_expected.json maps each
  application_id to "migrated", "ineligible" or "rejected:<field the reason must name>" (a duplicated id:
  the last line wins, as in the table).
- legacy_refused.jsonl: lines `local run --legacy-file` must refuse (the table could not hold them either);
  legacy_refused_expected.json: per line, a phrase the refusal must contain.
- intake_messages.jsonl: raw message bodies; intake_expected.json: per line [legacy backend, new backend]
  outcomes, each "stored" or "rejected:<field>".
Lines hold JSON escapes (\\ud800) for what a UTF-8 text file cannot carry.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

BASE: dict[str, Any] = {
    "customer_id": "cus-hostile-0001",
    "submitted_at": "2024-03-01T10:00:00+00:00",
    "status": "APPROVED",
    "business": {"legal_name": "Marigold Hostile Bakery LLC", "structure": "LLC", "tax_id": "12-3456789"},
    "contact": {
        "first_name": "Philippa",
        "last_name": "Quartermaine",
        "email": "philippa.quartermaine@example.com",
        "phone": "+15125550142",
    },
    "address": {
        "line1": "4417 Juniper Crescent",
        "city": "Austin",
        "region": "TX",
        "postal_code": "78701",
        "country": "US",
    },
    "product": {"plan_id": "plan-growth", "plan_version": 3, "plan_name": "Growth"},
    "steps_completed": ["business_details", "contact_details"],
}


def record(application_id: str, extra: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """BASE with this id; ``section__field=value`` changes (DROP removes); ``extra`` added as is."""
    result = {"application_id": application_id, **copy.deepcopy(BASE), **(extra or {})}
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = result
        for parent in parents:
            target = target[parent]
        if value is DROP:
            del target[leaf]
        else:
            target[leaf] = value
    return result


DROP = object()


def nested(levels: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def legacy_corpus() -> list[tuple[dict[str, Any], str]]:
    r = record
    cases: list[tuple[dict[str, Any], str]] = [
        (r("h-L-01"), "migrated"),
        (r("h-L-02", status="approved"), "ineligible"),
        (r("h-L-03", status="DRAFT", business=None, submitted_at=7), "ineligible"),
        (r("h-L-04", status=True), "ineligible"),
        (r("h-L-05", status=None), "ineligible"),
        (r("h-L-06", status=["APPROVED"]), "ineligible"),
        (r("h-L-07", status="PENDING_REVIEW "), "ineligible"),
        (r("h-L-08", status={"value": "APPROVED"}), "ineligible"),
        (r("h-L-09", submitted_at="1700000000"), "rejected:submitted_at"),
        (r("h-L-10", submitted_at="-1"), "rejected:submitted_at"),
        (r("h-L-11", submitted_at="1.5e9"), "rejected:submitted_at"),
        (r("h-L-12", submitted_at=1700000000), "rejected:submitted_at"),
        (r("h-L-13", submitted_at="0001-01-01T00:00:00+05:00"), "rejected:submitted_at"),
        (r("h-L-14", submitted_at="2024-02-30T10:00:00Z"), "rejected:submitted_at"),
        (r("h-L-15", submitted_at="2016-12-31T23:59:60Z"), "rejected:submitted_at"),
        (r("h-L-16", submitted_at="2024-03-01T10:00:00+14:00"), "migrated"),
        (r("h-L-17", submitted_at="2024-03-01T10:00:00-12:00"), "migrated"),
        (r("h-L-18", submitted_at="2024-03-01T10:00:00+25:00"), "rejected:submitted_at"),
        (r("h-L-19", submitted_at="0001-01-01T00:00:00-05:00"), "migrated"),
        (r("h-L-20", submitted_at="2024-03-01t10:00:00z"), "migrated"),
        (r("h-L-21", submitted_at="2024-03-01T10:00:00.1234567Z"), "rejected:submitted_at"),
        (r("h-L-22", submitted_at=""), "rejected:submitted_at"),
        (r("h-L-23", submitted_at="9999-12-31T23:59:59-05:00"), "rejected:submitted_at"),
        (r("h-L-24", submitted_at="2024-03-01T10:00:00"), "rejected:submitted_at"),
        (r("h-L-25", submitted_at=None), "rejected:submitted_at"),
        (r("h-L-26", business__tax_id="١٢٣٤٥٦٧٨٩"), "rejected:business.tax_id"),
        (r("h-L-27", business__tax_id="１２３４５６７８９"), "rejected:business.tax_id"),
        (r("h-L-28", contact__phone="+١٥١٢٥٥٥٠١٤٢"), "rejected:contact.phone"),
        (r("h-L-29", contact__phone="+1512\u200b5550142"), "rejected:contact.phone"),
        (r("h-L-30", customer_id="c" * 2100), "rejected:customer_id"),
        (r("h-L-31-" + "a" * 2000), "rejected:application_id"),
        (r("h-L-32-" + "b" * 2033), "rejected:application_id"),
        (r("h-L-33 "), "migrated"),
        (r("h-L-34-\U0001f680\U0001f469\u200d\U0001f4bb"), "migrated"),
        (
            r(
                "h-L-35",
                business__legal_name="\u05de\u05d0\u05e4\u05d9\u05d9\u05d4 e\u0301\u0301\u0301 \u202eLLC",
            ),
            "migrated",
        ),
        (r("h-L-36", contact__first_name="\u200b"), "migrated"),
        (r("h-L-37", business__legal_name="   "), "rejected:business.legal_name"),
        (r("h-L-38", business=None), "rejected:business"),
        (r("h-L-39", business=[]), "rejected:business"),
        (r("h-L-40", contact="Philippa Quartermaine"), "rejected:contact"),
        (r("h-L-41", address__country="us"), "rejected:address.country"),
        (r("h-L-42", product__plan_version=True), "rejected:product.plan_version"),
        (r("h-L-43", product__plan_version=10**30), "migrated"),
        (r("h-L-44", steps_completed=None), "rejected:steps_completed"),
        (r("h-L-45", steps_completed=[None]), "rejected:steps_completed[0]"),
        (
            r(
                "h-L-46",
                u_str="x",
                u_bool=False,
                u_null=None,
                u_list=[1, "a", [], {}],
                u_obj={"k": {"k": 1}},
                u_tiny_string="1e-130",
            ),
            "migrated",
        ),
        (r("h-L-47", u_deep=nested(31)), "rejected:u_deep"),
        (r("h-L-48", u_deep=nested(30)), "migrated"),
        (r("h-L-49", u_text="z" * 200_000), "migrated"),
        (r("h-L-50", u_long_name_holder={"n" * 60_000: 1}), "migrated"),
        (r("h-L-51", extra={"__proto__": {"constructor": 1}, "a.b": 2, "$x": 3, "#k:v": 4}), "migrated"),
        (r("h-L-52", contact__email="philippa\n@example.com"), "rejected:contact.email"),
        (r("h-L-53", contact__email="филиппа@пример.рф"), "migrated"),
        (r("h-L-54", business__incorporated_on="86400"), "rejected:business.incorporated_on"),
        (r("h-L-55", business__incorporated_on=20200101), "rejected:business.incorporated_on"),
        (r("h-L-56", business__incorporated_on="2020-02-30"), "rejected:business.incorporated_on"),
        (r("h-L-57", address__line2=None), "migrated"),
        (r("h-L-58", address__postal_code=78701), "rejected:address.postal_code"),
        ({"application_id": "h-L-59", "status": "APPROVED"}, "rejected:customer_id"),
        (r("h-L-60", contact__first_name=True), "rejected:contact.first_name"),
        (r("h-L-61", product=[]), "rejected:product"),
        (r("h-L-62", address=None), "rejected:address"),
        (r("h-L-63", customer_id=""), "rejected:customer_id"),
        (r("h-L-64\u0007bell"), "migrated"),
        (r("h-L-65", customer_id="cus#with#hashes"), "migrated"),
        (r("h-L-66#with#hash"), "migrated"),
        (r("h-L-67-\u00e9"), "migrated"),
        (r("h-L-67-e\u0301"), "migrated"),
        (
            r(
                "h-L-68",
                business={
                    "legal_name": "X",
                    "structure": "LLC",
                    "tax_id": "123456789",
                    "u": {"v": [1, {"w": None}]},
                },
            ),
            "migrated",
        ),
        (r("h-L-69", product__plan_version=0), "rejected:product.plan_version"),
        (r("h-L-70", business__structure="llc"), "rejected:business.structure"),
        # A duplicated id: the later line replaces the first in the legacy table.
        (r("h-L-71"), "migrated"),
        (r("h-L-71", contact__phone="555-0142"), "rejected:contact.phone"),
        (r("h-L-72", submitted_at="2024-03-01T10:00:00.5+05:30"), "migrated"),
        (r("h-L-73", steps_completed=[]), "migrated"),
        (r("h-L-74", customer_id="\u202ecus-rtl"), "migrated"),
        (r("h-L-75", business__tax_id="12-3456789 "), "rejected:business.tax_id"),
    ]
    return cases


def big_item_record() -> tuple[dict[str, Any], str]:
    """Fits the legacy table (estimate under 400 KB) but not once transformed (keys, plan, extra added)."""
    from migration_runtime.aws_limits import DYNAMODB_MAX_ITEM_BYTES
    from migration_runtime.dynamodb_storable import item_size

    base = record("h-L-76", u_fill="")
    base["u_fill"] = "f" * (DYNAMODB_MAX_ITEM_BYTES - item_size(base) - 40)
    return base, "rejected:record"


def refused_lines() -> list[tuple[str, str]]:
    def line(value: Any) -> str:
        return json.dumps(value)

    r = record
    return [
        (line(r("\ud800")), "lone surrogate"),
        (line(r("h-R-02", **{"\udc00": 1})), "lone surrogate"),
        (line(r("h-R-03", u_text="ok \ud83d then")), "lone surrogate"),
        (line(r("h-R-04")).replace('"plan_version": 3', '"plan_version": NaN'), "NaN"),
        (line(r("h-R-05")).replace('"plan_version": 3', '"plan_version": Infinity'), "NaN"),
        (line(r("h-R-06")).replace('"plan_version": 3', '"plan_version": -Infinity'), "NaN"),
        (line(r("h-R-07")).replace('"plan_version": 3', '"plan_version": 1e400'), "range"),
        (line(r("h-R-08")).replace('"plan_version": 3', '"plan_version": 1e-131'), "range"),
        (line(r("h-R-09", u_big=12345678901234567890123456789012345678901)), "38 significant digits"),
        (line(r("")), "application_id"),
        (line(r("   ")), "application_id"),
        (line(r("i" * 2100)), "2048 bytes"),
        (line({**r("x"), "application_id": 5}), "application_id"),
        (line({k: v for k, v in r("x").items() if k != "application_id"}), "application_id: field required"),
        (line(r("h-R-15", u_deep=nested(600))), "nested deeper"),
        (line(r("h-R-16", u_deep=nested(32))), "nested deeper"),
        (line(r("h-R-17", **{"": "empty name"})), "attribute name must not be empty"),
        (line(r("h-R-18", u_map={"": 1})), "attribute name must not be empty"),
        (line(r("h-R-19", u_text="t" * 410_000)), "400 KB"),
        ("[1, 2]", "must be a JSON object"),
        ('"just a string"', "must be a JSON object"),
        ("null", "must be a JSON object"),
        ("{", "not valid JSON"),
        (line(r("h-R-24")) + " trailing", "not valid JSON"),
    ]


def intake_corpus() -> list[tuple[str, str, str]]:
    """(body, legacy backend outcome, new backend outcome)."""

    def body(value: Any) -> str:
        return json.dumps(value)

    r = record
    stored = "stored"
    return [
        (body(r("h-I-01")), stored, stored),
        (body(r("h-I-02", status="DRAFT")), stored, stored),
        (body(r("h-I-03", status="approved")), stored, "rejected:status"),
        (body(r("h-I-04", submitted_at="1700000000")), stored, "rejected:submitted_at"),
        (body(r("h-I-05", submitted_at=-1)), stored, "rejected:submitted_at"),
        (body(r("h-I-06", submitted_at="0001-01-01T00:00:00+05:00")), stored, "rejected:submitted_at"),
        (body(r("h-I-07", business__tax_id="١٢٣٤٥٦٧٨٩")), stored, "rejected:business.tax_id"),
        (body(r("h-I-08", customer_id="c" * 2100)), stored, "rejected:customer_id"),
        (body(r("h-I-09-" + "a" * 2000)), stored, "rejected:application_id"),
        (body(r("   ")), "rejected:application_id", "rejected:application_id"),
        (body(r("")), "rejected:application_id", "rejected:application_id"),
        (body(r("i" * 2100)), "rejected:application_id", "rejected:application_id"),
        (body({**r("x"), "application_id": 5}), "rejected:application_id", "rejected:application_id"),
        (body({**r("x"), "application_id": None}), "rejected:application_id", "rejected:application_id"),
        (
            body({k: v for k, v in r("x").items() if k != "application_id"}),
            "rejected:application_id",
            "rejected:application_id",
        ),
        (
            body(r("h-I-16")).replace('"plan_version": 3', '"plan_version": NaN'),
            "rejected:body",
            "rejected:body",
        ),
        (
            body(r("h-I-17")).replace('"plan_version": 3', '"plan_version": 1e400'),
            "rejected:product.plan_version",
            "rejected:product.plan_version",
        ),
        (
            body(r("h-I-18", u_big=12345678901234567890123456789012345678901)),
            "rejected:u_big",
            "rejected:u_big",
        ),
        (body(r("h-I-19", u_deep=nested(600))), "rejected:u_deep", "rejected:u_deep"),
        (
            body(r("h-I-20", u_deep="DEEP")).replace('"DEEP"', "[" * 5000 + "]" * 5000),
            "rejected:body",
            "rejected:body",
        ),
        (body(r("\ud800")), "rejected:application_id", "rejected:application_id"),
        (body(r("h-I-22", **{"\udc00": 1})), "rejected:record", "rejected:record"),
        (
            body(r("h-I-23", contact__first_name="\ud800")),
            "rejected:contact.first_name",
            "rejected:contact.first_name",
        ),
        (body(r("h-I-24", **{"": 1})), 'rejected:""', 'rejected:""'),
        (body(r("h-I-25", u_text="t" * 410_000)), "rejected:record", "rejected:record"),
        (body(r("h-I-26", u_deep=nested(31))), stored, "rejected:u_deep"),
        ("not json at all", "rejected:body", "rejected:body"),
        ("[]", "rejected:body", "rejected:body"),
        ('"a string"', "rejected:body", "rejected:body"),
        ("42", "rejected:body", "rejected:body"),
        ("null", "rejected:body", "rejected:body"),
        ("{}", "rejected:application_id", "rejected:application_id"),
        ("\ufeff" + body(r("h-I-33")), "rejected:body", "rejected:body"),
        (body(r("h-I-34")) + "   ", stored, stored),
        (
            body(r("h-I-35", u_bool=True, u_list=[None, 1.5, "x"], u_obj={"a": {"b": []}}, u_num=1e125)),
            stored,
            stored,
        ),
        (body(r("h-I-36", submitted_at="2024-03-01T10:00:00+14:00")), stored, stored),
        (body(r("h-I-37", submitted_at="2024-02-30T10:00:00Z")), stored, "rejected:submitted_at"),
        (body(r("h-I-38", contact=["Philippa"])), stored, "rejected:contact"),
        (body(r("h-I-39-\U0001f680")), stored, stored),
        (body(r("h-I-40", product__plan_version="3")), stored, "rejected:product.plan_version"),
        (body(r("h-I-41", address__line2=42)), stored, "rejected:address.line2"),
        (body(r("h-I-01")), stored, stored),  # the same message twice
        (body(r("h-I-43", business__incorporated_on="86400")), stored, "rejected:business.incorporated_on"),
        (
            json.dumps(r("h-I-44", business__legal_name="Żółć Ünïcödé Bäckerei"), ensure_ascii=False),
            stored,
            stored,
        ),
    ]


def main() -> None:
    legacy = legacy_corpus()
    legacy.append(big_item_record())
    with (HERE / "legacy_records.jsonl").open("w", encoding="utf-8") as out:
        for value, _ in legacy:
            out.write(json.dumps(value) + "\n")
    expected = {value["application_id"]: outcome for value, outcome in legacy}
    (HERE / "legacy_expected.json").write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    refused = refused_lines()
    (HERE / "legacy_refused.jsonl").write_text("".join(text + "\n" for text, _ in refused), encoding="utf-8")
    (HERE / "legacy_refused_expected.json").write_text(
        json.dumps([phrase for _, phrase in refused], indent=1) + "\n", encoding="utf-8"
    )
    intake = intake_corpus()
    (HERE / "intake_messages.jsonl").write_text(
        "".join(text + "\n" for text, _, _ in intake), encoding="utf-8"
    )
    (HERE / "intake_expected.json").write_text(
        json.dumps([[old, new] for _, old, new in intake], indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
