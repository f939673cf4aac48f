"""Resource linkage in requests: each identifier needs its type and a numeric id of a row the requester may use.

DRF's own lookup is unscoped, one query per id, and reports a missing id as a validation error. Here a batch
of linkage is checked in one query among what ``scope(queryset, request)`` allows, and an id that names
nothing the requester may use is a 404, so ids of other events' rows are neither used nor confirmed.
Every linkage error points at the offending item (``/data/relationships/tickets/data/0``, ``/data/0``).
"""

from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField
from rest_framework_json_api.relations import ResourceRelatedField
from rest_framework_json_api.utils import format_field_name, get_resource_type_from_queryset

from .exceptions import DocumentError, DocumentProblem

MAX_ID = 2**63 - 1


def parse_id(raw) -> int | None:
    """A JSON:API id as an int, or None when it cannot name a row (not numeric, out of range)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        value = int(raw)
    else:
        return None
    return value if 1 <= value <= MAX_ID else None


def linkage_error(pointer: str, detail: str, code: str, status: int = 422) -> DocumentError:
    return DocumentError(DocumentProblem(pointer, detail, code, status))


def parse_identifier(item, expected_type: str, pointer: str = "/data") -> int:
    """One resource identifier object → its id; a malformed one is a 422, another type a 409, an id that
    cannot name a row a 404; each error points at ``pointer``, the item's place in the document."""
    if not isinstance(item, dict):
        raise linkage_error(
            pointer, "A resource identifier object ({“type”, “id”}) belongs here.", "not_an_identifier"
        )
    if "type" not in item:
        raise linkage_error(pointer, "The resource identifier has no “type”.", "identifier_without_type")
    if "id" not in item:
        raise linkage_error(pointer, "The resource identifier has no “id”.", "identifier_without_id")
    if item["type"] != expected_type:
        detail = f"The type is “{item['type']!s:.40}”; this relationship holds “{expected_type}”."
        raise linkage_error(pointer, detail, "wrong_type", 409)
    pk = parse_id(item["id"])
    if pk is None:
        raise linkage_error(pointer, f"There is no {expected_type} with id {item['id']!s:.40}.", "not_found", 404)
    return pk


def fetch_linked(queryset, ids: list[int], expected_type: str, pointers: list[str] | None = None) -> list:
    """The rows the ids name, in the order given (duplicates once), in one query; any missing one is a 404
    (pointing at the first linkage item that names it, given the items' ``pointers``)."""
    wanted = list(dict.fromkeys(ids))
    found = {obj.pk: obj for obj in queryset.filter(pk__in=wanted)} if wanted else {}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        where = dict(zip(reversed(ids), reversed(pointers), strict=True)) if pointers else {}
        raise DocumentError(
            [
                DocumentProblem(
                    where.get(pk, "/data"),
                    f"There is no {expected_type} with id {pk}.",
                    "not_found",
                    404,
                )
                for pk in missing[:10]
            ]
        )
    return [found[pk] for pk in wanted]


_INCLUDED_TYPES: dict[tuple, str | None] = {}


class TypedResourceRelatedField(ResourceRelatedField):
    """DRF-JSONAPI's related field, working out its linkage ``type`` once instead of for every row.

    The stock field inflects its name (singular, plural) and looks through the parent's included serializers on
    every ``to_representation``; the answer depends only on the parent serializer's class and the field's name
    (``included_serializers`` is a class attribute), so it is kept per class and name.
    """

    def get_resource_type_from_included_serializer(self):
        parent = self.get_parent_serializer()
        key = (type(self), type(parent), self.field_name or self.parent.field_name)
        try:
            return _INCLUDED_TYPES[key]
        except KeyError:
            found = _INCLUDED_TYPES[key] = super().get_resource_type_from_included_serializer()
            return found


class ScopedResourceRelatedField(TypedResourceRelatedField):
    def __init__(self, *args, scope=None, **kwargs):
        self.scope = scope
        super().__init__(*args, **kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return ScopedManyRelatedField(**list_kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if self.scope is not None and request is not None:
            queryset = self.scope(queryset, request)
        return queryset

    def resource_type(self) -> str:
        return get_resource_type_from_queryset(super().get_queryset())

    def to_internal_value(self, data):
        pointer = f"/data/relationships/{format_field_name(self.field_name)}/data"
        pk = parse_identifier(data, self.resource_type(), pointer)
        return fetch_linked(self.get_queryset(), [pk], self.resource_type(), [pointer])[0]


class ScopedManyRelatedField(ManyRelatedField):
    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        child = self.child_relation
        expected = child.resource_type()
        pointers = [f"/data/relationships/{format_field_name(self.field_name)}/data/{i}" for i in range(len(data))]
        ids = [parse_identifier(item, expected, pointer) for item, pointer in zip(data, pointers, strict=True)]
        return fetch_linked(child.get_queryset(), ids, expected, pointers)


class LinkField(ResourceRelatedField):
    """A relationship shown as linkage from the foreign key alone (``{"type", "id"}``), never loading the row.

    DRF-JSONAPI loads the related object to learn its type unless it has an included serializer; with the
    type given here, a page of 100 resources costs no query per row for this member.
    """

    def __init__(self, *args, resource_type: str, **kwargs):
        self.fixed_type = resource_type
        super().__init__(*args, **kwargs)

    def use_pk_only_optimization(self):
        return True

    def to_representation(self, value):
        return {"type": self.fixed_type, "id": str(value.pk)}

    def get_resource_type_from_included_serializer(self):
        return self.fixed_type
