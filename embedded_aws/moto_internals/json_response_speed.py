"""moto's JSON responses built without its per-value attribute lookup, same bytes out.

Measured with cProfile: serialising a DynamoDB Scan page of 500 legacy records took ~5 s in moto 5.2.5,
>85% of the request, and the local migration scans 10,000 records twice. moto's response serializer walks
the operation's output shape and, for every member of every structure (each DynamoDB attribute value
``{"S": ...}`` is a structure of ten members), asks ``XFormedAttributePicker`` for the value: it builds
a context object and six alias providers, joins the key path and tries up to a dozen keys.

For a plain ``dict`` the keys tried depend only on the shape, so they are computed once per shape here
(by asking moto's own picker) and the subtree is serialised with the same rules as moto's JSON serializer
(member order, ``None`` members left out, strings, numbers and blobs converted the same way). Anything
this does not mirror (objects, timestamps, document types, response transformers, a serializer subclass
that overrides a step) raises inside the fast path and moto's own code serialises that value instead,
so the output stays byte for byte what stock moto produces. Every JSON-protocol service benefits;
DynamoDB and SQS (ReceiveMessage, SendMessageBatch, DeleteMessageBatch) are what the migration uses.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``moto.core.serialize``: ``BaseJSONSerializer._serialize_type_structure`` (replaced) and the other
``_serialize_type_*`` / ``_serialize`` / ``_serialize_structure_member`` / ``_default_serialize`` /
``get_serialized_name`` / ``get_value`` methods it mirrors; ``ResponseSerializer._value_picker``;
``XFormedAttributePicker`` with ``alias_providers`` / ``response_transformers`` / ``get_possible_keys``;
``DEFAULT_ALIAS_PROVIDERS``; ``AttributePickerContext``; ``moto.core.utils.get_value`` (a dotted key is
a path); ``moto.core.utils.get_service_model`` being cached (shapes live as long as the process).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from botocore.model import Shape, StructureShape
from moto.core import serialize
from moto.core.serialize import (
    AttributePickerContext,
    BaseJSONSerializer,
    ResponseSerializer,
    XFormedAttributePicker,
)

from embedded_aws.moto_internals.patching import PatchSet

# What moto's JSON serializers do per shape type, each mirrored below. Any other ``_serialize_type_*``
# handler on a serializer class (or a different one of these) disables the fast path for that class.
MIRRORED_HANDLERS: dict[str, tuple[type, str]] = {
    "structure": (BaseJSONSerializer, "_serialize_type_structure"),
    "map": (BaseJSONSerializer, "_serialize_type_map"),
    "list": (BaseJSONSerializer, "_serialize_type_list"),
    "string": (BaseJSONSerializer, "_serialize_type_string"),
    "integer": (ResponseSerializer, "_serialize_type_integer"),
    "long": (ResponseSerializer, "_serialize_type_integer"),
    "float": (ResponseSerializer, "_serialize_type_float"),
    "double": (ResponseSerializer, "_serialize_type_float"),
    "blob": (ResponseSerializer, "_serialize_type_blob"),
    # Handled by moto, never by the fast path (a timestamp value sends the subtree back to moto).
    "timestamp": (ResponseSerializer, "_serialize_type_timestamp"),
}
# Steps of the walk the fast path replaces as a whole; a subclass overriding one keeps moto's walk.
MIRRORED_STEPS: dict[str, type] = {
    "_serialize": ResponseSerializer,
    "_serialize_structure_member": ResponseSerializer,
    "_default_serialize": ResponseSerializer,
    "get_serialized_name": ResponseSerializer,
    "get_value": ResponseSerializer,
}
_ABSENT = object()
# Plans are kept per shape; moto's service models are cached for the process, so this stays small.
_MAX_PLANS = 20_000


class _NotMirrored(Exception):
    """The value needs something only moto's own serializer does."""


@dataclass(frozen=True, slots=True)
class _Member:
    key: str
    shape: Shape
    # The keys moto's picker tries on a dict, in its order; the first present one wins.
    candidates: tuple[str, ...]
    # Where moto writes the serialised member (the shape's serialization name, else the key).
    name: str


@dataclass(frozen=True, slots=True)
class _StructurePlan:
    shape: Shape  # kept alive so that its id() is not reused while the plan is cached
    members: tuple[_Member, ...]
    # For a dict with a single key (every DynamoDB attribute value): the members that pick that key.
    by_sole_key: dict[str, tuple[_Member, ...]]


def _possible_keys(structure: StructureShape, key: str, member_shape: Shape) -> tuple[str, ...]:
    # moto sets the parent before picking a member; the shape-prefix alias reads it.
    member_shape.parent = structure  # type: ignore[attr-defined]
    picker = XFormedAttributePicker(response_transformers={})
    context = AttributePickerContext(obj={}, key=key, shape=member_shape)
    candidates = tuple(picker.get_possible_keys(context))
    if any("." in candidate for candidate in candidates):
        raise _NotMirrored(f"dotted key {candidates}")  # moto's get_value reads it as a path
    return candidates


def _plan_structure(shape: StructureShape) -> _StructurePlan:
    members = tuple(
        _Member(
            key=key,
            shape=member_shape,
            candidates=_possible_keys(shape, key, member_shape),
            name=member_shape.serialization.get("name", key),
        )
        for key, member_shape in shape.members.items()
    )
    keys = {candidate for member in members for candidate in member.candidates}
    by_sole_key = {key: tuple(m for m in members if key in m.candidates) for key in keys}
    return _StructurePlan(shape=shape, members=members, by_sole_key=by_sole_key)


class FastJsonSerialization:
    """The replacement for ``BaseJSONSerializer._serialize_type_structure``; one per installed patch."""

    def __init__(self, original_structure: Callable[..., None]) -> None:
        self._original_structure = original_structure
        self._plans: dict[int, _StructurePlan | None] = {}
        self._eligible_classes: dict[type, bool] = {}
        self._lock = threading.Lock()
        self._default_alias_providers = list(serialize.DEFAULT_ALIAS_PROVIDERS)
        self.fast_structures = 0  # top-level uses of the fast path (tests read it)

    # -- the patched method -------------------------------------------------------------------------

    def serialize_structure(
        self, serializer: Any, serialized: dict[str, Any], value: Any, shape: StructureShape, key: str
    ) -> None:
        if type(value) is dict and not shape.is_document_type and self._eligible(serializer):
            try:
                wrapper = self._structure(value, shape)
            except _NotMirrored:
                pass
            except Exception:
                # e.g. int() of a bad value: moto's own code raises the error users would see.
                pass
            else:
                self.fast_structures += 1
                if key:
                    serialized[serializer.get_serialized_name(shape, key)] = wrapper
                else:
                    serialized.update(wrapper)
                return
        self._original_structure(serializer, serialized, value, shape, key)

    # -- eligibility --------------------------------------------------------------------------------

    def _eligible(self, serializer: Any) -> bool:
        picker = serializer._value_picker
        if type(picker) is not XFormedAttributePicker or picker.response_transformers:
            return False
        if list(picker.alias_providers) != self._default_alias_providers:
            return False
        cls = type(serializer)
        eligible = self._eligible_classes.get(cls)
        if eligible is None:
            eligible = self._class_is_mirrored(cls)
            self._eligible_classes[cls] = eligible
        return eligible

    @staticmethod
    def _class_is_mirrored(cls: type) -> bool:
        handlers = {
            name[len("_serialize_type_") :] for name in dir(cls) if name.startswith("_serialize_type_")
        }
        if handlers != set(MIRRORED_HANDLERS):
            return False
        for type_name, (owner, method) in MIRRORED_HANDLERS.items():
            if type_name == "structure":
                continue  # the patched method itself
            if getattr(cls, f"_serialize_type_{type_name}") is not vars(owner)[method]:
                return False
        return all(getattr(cls, step) is vars(owner)[step] for step, owner in MIRRORED_STEPS.items())

    # -- the walk -----------------------------------------------------------------------------------

    def _plan(self, shape: StructureShape) -> _StructurePlan:
        plan = self._plans.get(id(shape))
        if plan is None or plan.shape is not shape:
            with self._lock:
                if len(self._plans) > _MAX_PLANS:
                    self._plans.clear()
                plan = _plan_structure(shape)
                self._plans[id(shape)] = plan
        return plan

    def _structure(self, value: dict[str, Any], shape: StructureShape) -> dict[str, Any]:
        plan = self._plan(shape)
        wrapper: dict[str, Any] = {}
        if len(value) == 1:
            (sole_key,) = value
            member_value = value[sole_key]
            if member_value is not None:
                for member in plan.by_sole_key.get(sole_key, ()):
                    result = self._value(member_value, member.shape)
                    if result is not _ABSENT:
                        wrapper[member.name] = result
            return wrapper
        for member in plan.members:
            for candidate in member.candidates:
                if candidate in value:
                    member_value = value[candidate]
                    break
            else:
                continue
            if member_value is None:
                continue
            result = self._value(member_value, member.shape)
            if result is not _ABSENT:
                wrapper[member.name] = result
        return wrapper

    def _value(self, value: Any, shape: Any) -> Any:
        """What moto would store for ``value`` under its key, or ``_ABSENT`` when it stores nothing."""
        type_name = shape.type_name
        if type_name == "string":
            if isinstance(value, Enum):
                value = value.value
            return str(value) if value not in [None, {}, []] else value
        if type_name == "structure":
            if value is None:
                return _ABSENT
            if type(value) is not dict or shape.is_document_type:
                raise _NotMirrored(type_name)
            return self._structure(value, shape)
        if type_name == "map":
            if type(value) is not dict:
                raise _NotMirrored(type_name)
            value_shape = shape.value
            name_of = value_shape.serialization.get("name")
            mapped: dict[str, Any] = {}
            for sub_key, sub_value in value.items():
                if not sub_key:
                    raise _NotMirrored("empty map key")  # moto would merge the value into the map
                result = self._value(sub_value, value_shape)
                if result is not _ABSENT:
                    mapped[name_of or sub_key] = result
            return mapped
        if type_name == "list":
            if type(value) is not list:
                raise _NotMirrored(type_name)
            member_shape = shape.member
            item_key = member_shape.name
            if not item_key:
                raise _NotMirrored("unnamed list member")
            stored_under_item_key = member_shape.serialization.get("name", item_key) == item_key
            items = []
            for item in value:
                result = self._value(item, member_shape)
                items.append(result if stored_under_item_key and result is not _ABSENT else item)
            return items
        if type_name in ("integer", "long"):
            return int(value)
        if type_name in ("float", "double"):
            return float(value)
        if type_name == "blob":
            if isinstance(value, str):
                value = value.encode("utf-8")
            return base64.b64encode(value).strip().decode("utf-8")
        if type_name in MIRRORED_HANDLERS:
            raise _NotMirrored(type_name)  # timestamps
        return value  # moto's _default_serialize: booleans and the rest, as they are


def install(patches: PatchSet) -> FastJsonSerialization:
    original = vars(BaseJSONSerializer)["_serialize_type_structure"]
    fast = FastJsonSerialization(original)

    def _serialize_type_structure(
        self: Any, serialized: dict[str, Any], value: Any, shape: StructureShape, key: str
    ) -> None:
        fast.serialize_structure(self, serialized, value, shape, key)

    patches.replace(BaseJSONSerializer, "_serialize_type_structure", _serialize_type_structure)
    return fast
