"""What a resource object in a request may say, checked against the serializer of the endpoint it is sent to.

DRF-JSONAPI's parser merges ``attributes`` and ``relationships`` into one dict for the serializer, and DRF then
ignores every key it has no field for: a misspelt member (``discount-kode``) vanished silently, and an order
meant to carry a code was placed at full price. Here, for every JSON:API create and update (the parser calls
``checked``), before the serializer sees the document:

- **Unknown members are refused.** An attribute or relationship the resource does not have is a 422 pointing at
  it (``/data/attributes/discount-kode``); so is a member sent in the wrong section (a relationship among the
  attributes), and one written with underscores (``tickets_number``: member names are dasherized, and DRF would
  otherwise take it as ``tickets-number``). A member a resource once had and replaced by another (a serializer's
  ``refused_members``: a ticket's ``discount-code-id``) is a 422 whose detail says what to send instead. A member
  of the resource object that JSON:API does not define (``attribute`` for ``attributes``) is a 400 pointing at
  it: everything in it would be ignored otherwise.
- **Read-only members are members**: a client that echoes ``used-count`` or ``created-at`` back is not refused,
  and DRF ignores what it sends for them. Only on create, a read-only *relationship* given linkage is refused:
  it names a resource the client expects to be linked (an order's ``discount-code``, an event's ``owner``), and
  ignoring it would silently do something else (an order at full price).
- **``null`` means "not set".** On create, a null optional member is left out, so its default applies (Ember
  Data sends null for everything unset). On update, a member that may be null stores null (``max-quantity``:
  unlimited); one that may not be null but has a default returns to it (``min-quantity``: 1); one without a
  default (``name``, ``code``) cannot be unset, and DRF refuses the null with a 422.

Plain JSON objects (the public quote's body, the lines of an order) have no sections; ``StrictKeysMixin`` refuses
a key their serializer does not know, at that key (``/discount-kode``, ``/data/attributes/tickets/0/qty``).

The README's "Writing resources" section states the same rules for clients.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.serializers import ModelSerializer
from rest_framework_json_api.utils import format_field_name, is_relationship_field, undo_format_field_name

from .exceptions import DocumentError, DocumentProblem

#: The members of a resource object (JSON:API 1.1, "Resource Objects").
RESOURCE_OBJECT_MEMBERS = frozenset({"type", "id", "lid", "attributes", "relationships", "links", "meta"})
NOT_A_RESOURCE_MEMBER = (
    "A resource object has no member “{name}” (it has type, id, attributes, relationships, links, meta)."
)
UNKNOWN_MEMBER = "The {resource} resource has no {kind} “{name}”."
NOT_DASHERIZED = "The {resource} resource has no {kind} “{name}”; member names are dasherized: “{dashed}”."
WRONG_SECTION = "“{name}” is {other} of the {resource} resource, not {kind}."
KIND = {"attributes": "attribute", "relationships": "relationship"}
A_KIND = {"attributes": "an attribute", "relationships": "a relationship"}
SET_BY_THE_SERVER = "“{name}” is set by the server; leave it out when creating a {resource}."
NOT_LINKAGE = "A relationship's “data” is null, a resource identifier object or an array of them."
UNKNOWN_KEY = "Unknown key “{name}”."
NO_DEFAULT = object()


def pointer_segment(name: str) -> str:
    """A member name as a JSON Pointer reference token (RFC 6901: ``~`` → ``~0``, ``/`` → ``~1``)."""
    return name.replace("~", "~0").replace("/", "~1")


def members(serializer) -> dict[str, dict[str, Any]]:
    """The serializer's fields by section: ``{"attributes": {field name: field}, "relationships": {...}}``."""
    sections: dict[str, dict[str, Any]] = {"attributes": {}, "relationships": {}}
    for name, field in serializer.fields.items():
        sections["relationships" if is_relationship_field(field) else "attributes"][name] = field
    return sections


def unknown_member_problems(resource: dict, serializer, resource_type: str) -> list[DocumentProblem]:
    known = members(serializer)
    refused = getattr(serializer, "refused_members", {})
    problems = [
        DocumentProblem(
            f"/data/{pointer_segment(name)}", NOT_A_RESOURCE_MEMBER.format(name=name), "unknown_member", 400
        )
        for name in resource
        if name not in RESOURCE_OBJECT_MEMBERS
    ]
    for section, other in (("attributes", "relationships"), ("relationships", "attributes")):
        for name in resource.get(section) or {}:
            field_name = undo_format_field_name(name)
            pointer = f"/data/{section}/{pointer_segment(name)}"
            if format_field_name(field_name) != name:  # ``tickets_number``: the API's names are dasherized
                detail = NOT_DASHERIZED.format(
                    resource=resource_type, kind=KIND[section], name=name, dashed=format_field_name(field_name)
                )
                problems.append(DocumentProblem(pointer, detail, "unknown_member"))
                continue
            if field_name in known[section]:
                continue
            if field_name in refused:
                problems.append(DocumentProblem(pointer, refused[field_name], "member_refused"))
            elif field_name in known[other]:
                detail = WRONG_SECTION.format(
                    name=name, resource=resource_type, other=A_KIND[other], kind=A_KIND[section]
                )
                problems.append(DocumentProblem(pointer, detail, "wrong_section"))
            else:
                detail = UNKNOWN_MEMBER.format(resource=resource_type, kind=KIND[section], name=name)
                problems.append(DocumentProblem(pointer, detail, "unknown_member"))
    return problems


def read_only_linkage_problems(resource: dict, serializer, resource_type: str) -> list[DocumentProblem]:
    """On create: linkage given for a read-only relationship (see the module's docstring)."""
    relationships = members(serializer)["relationships"]
    problems = []
    for name, relationship in (resource.get("relationships") or {}).items():
        field = relationships.get(undo_format_field_name(name))
        if field is not None and field.read_only and relationship.get("data") not in (None, []):
            detail = SET_BY_THE_SERVER.format(name=name, resource=resource_type)
            problems.append(DocumentProblem(f"/data/relationships/{pointer_segment(name)}", detail, "read_only"))
    return problems


def linkage_problems(resource: dict) -> list[DocumentProblem]:
    """Linkage that is neither null, an object nor an array (DRF-JSONAPI's parser drops such a relationship)."""
    return [
        DocumentProblem(f"/data/relationships/{pointer_segment(name)}/data", NOT_LINKAGE, "not_linkage")
        for name, relationship in (resource.get("relationships") or {}).items()
        if not isinstance(relationship.get("data"), dict | list | None)
    ]


def default_of(serializer, field) -> Any:
    """The value a member gets when it is not set: the serializer field's default, else the model field's
    (a blank text field's is ""), else ``NO_DEFAULT``."""
    if field.default is not empty:
        return field.default() if callable(field.default) else field.default
    if not isinstance(serializer, ModelSerializer) or len(field.source_attrs) != 1:
        return NO_DEFAULT
    try:
        model_field = serializer.Meta.model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return NO_DEFAULT
    if model_field.has_default():
        return model_field.get_default()
    if model_field.blank and model_field.empty_strings_allowed and not model_field.null:
        return ""
    return NO_DEFAULT


def unset_nulls(parsed: dict, resource: dict, serializer, *, creating: bool) -> None:
    """Apply "null means not set" to the parsed document (see the module's docstring), in place."""
    fields = serializer.fields
    for section in ("attributes", "relationships"):
        for name, value in (resource.get(section) or {}).items():
            key = undo_format_field_name(name)
            raw = value.get("data") if section == "relationships" and isinstance(value, dict) else value
            field = fields.get(key)
            if raw is not None or field is None or field.read_only:
                continue
            if creating:
                if not field.required:
                    parsed.pop(key, None)
            elif not field.allow_null:
                default = default_of(serializer, field) if section == "attributes" else NO_DEFAULT
                if default is not NO_DEFAULT:
                    parsed[key] = field.to_representation(default)


def checked(parsed: dict, resource: dict, serializer, *, resource_type: str, creating: bool) -> dict:
    """The parsed resource object, with unknown members refused and nulls read as "not set"."""
    problems = unknown_member_problems(resource, serializer, resource_type) + linkage_problems(resource)
    if creating:
        problems += read_only_linkage_problems(resource, serializer, resource_type)
    if problems:
        raise DocumentError(problems)
    unset_nulls(parsed, resource, serializer, creating=creating)
    return parsed


class StrictKeysMixin:
    """For serializers of plain JSON objects: a key without a field (nor among ``extra_keys``, which the
    serializer reads itself) is a 422 at that key, so a misspelt key is never silently ignored."""

    extra_keys: tuple[str, ...] = ()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = [key for key in data if key not in self.fields and key not in self.extra_keys]
            if unknown:
                raise serializers.ValidationError(
                    {key: [serializers.ErrorDetail(UNKNOWN_KEY.format(name=key), "unknown_key")] for key in unknown}
                )
        return super().to_internal_value(data)
