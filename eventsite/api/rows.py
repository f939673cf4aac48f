"""JSON:API documents built from ``.values()`` rows, by a builder derived from the serializers' own declarations.

Why: the hot read paths spent most of their time between the database and the encoder on work the hand-written
limits (``bench/limits.py``) do not do: a model instance per row (the page, each prefetch), a serializer's read
of each, then DRF-JSONAPI's turn of each representation into a resource object. A page of 20 codes with their
tickets cost 2.3 times its limit. Here a row becomes its resource object in one step.

Nothing is written twice: what a serializer class declares is read once (per class, time zone and member-name
format) into a *shape*:

- the resource type (``JSONAPIMeta.resource_name``, as DRF-JSONAPI finds it) and each readable field, in order,
  with its member name (DRF-JSONAPI's ``format_field_name``);
- an attribute: its column (the field's ``source``) and the field's own conversion (the compiled read's,
  ``eventsite.api.serializers.column_of``: DRF's ``to_representation`` with its look-ups done once);
- a to-one relationship: its foreign key's column, typed as the field types it;
- a to-many relationship over a reverse foreign key (a code's ``tickets``): the ids, one query per page;
- ``included_serializers``: the shape of each included type; an included to-one resource is read by a join in
  the same query (as the general path's ``select_related``), an included to-many one by one query per page;
- ``manager_members``: members only the organizers of the row's event see, left out per row as the serializer's
  ``to_representation`` leaves them out.

A serializer with a field of another kind (a method field, a property, links, polymorphic or hyperlinked
relationships, meta fields, root meta) has no shape, and requests the builder does not cover (sparse fieldsets,
nested include paths) get None: the view then takes the general path. Views choose the rows (scoping, filters,
order) exactly as their general path does, and hand the paginator a :class:`ValuesRows`.

The bytes are DRF-JSONAPI's: ``eventsite/tests/test_renderer.py`` compares every covered request with the stock
serializers and renderer (this path is off with either fast path off).
"""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from rest_framework.relations import ManyRelatedField
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework_json_api.relations import PolymorphicResourceRelatedField, ResourceRelatedField
from rest_framework_json_api.settings import json_api_settings
from rest_framework_json_api.utils import (
    format_field_names,
    get_included_resources,
    get_resource_type_from_serializer,
    is_relationship_field,
    undo_format_field_name,
)

from eventsite.access import managed_event_ids
from eventsite.prepared import PreparedQuery

from .pagination import ValuesRows
from .renderers import Document, JSONAPIRenderer, member_name
from .serializers import _LINKAGE_METHODS, CompiledReadMixin, column_of


class _Shape:
    """How rows of one serializer class become resource objects (see the module's docstring)."""

    def __init__(self, serializer_class, model, resource_type, members, event_column, manager_members):
        self.serializer_class = serializer_class
        self.model = model
        self.type = resource_type
        self.pk = model._meta.pk.attname
        # (field name, member, kind, key, convert/type, extra): kind "attribute", "one" or "many"
        self.members = members
        self.event_column = event_column
        self.manager_members = manager_members
        self.columns = tuple(dict.fromkeys([self.pk, *(m[3] for m in members if m[2] != "many")]))
        self.to_many = [(m[0], m[5], m[4]) for m in members if m[2] == "many"]  # (field name, (model, fk), type)
        self.to_one = {m[0]: m for m in members if m[2] == "one"}
        self._readers = {}

    def reader(self, prefix: str = ""):
        """``(pk key, event key, members, public members)`` with keys of rows whose columns carry ``prefix`` (an
        included resource read by a join: ``discount_code__code``); members as ``(attributes, relationships)``:
        ``(member, key, convert)`` and, in the fields' order, ``(to-many, member, key or field name, convert or
        type)``."""
        try:
            return self._readers[prefix]
        except KeyError:
            pass

        def split(members):
            return (
                [(member, prefix + key, extra) for _, member, kind, key, extra, _ in members if kind == "attribute"],
                [
                    (kind == "many", member, name if kind == "many" else prefix + key, extra)
                    for name, member, kind, key, extra, _ in members
                    if kind != "attribute"
                ],
            )

        public = [m for m in self.members if m[0] not in self.manager_members]
        reader = (
            prefix + self.pk,
            self.event_column and prefix + self.event_column,
            split(self.members),
            split(public),
        )
        self._readers[prefix] = reader
        return reader


_SHAPES: dict[tuple, "_Shape | None"] = {}
#: The prepared queries of related rows: per related model and foreign key, and the view's queryset for them.
_RELATED: dict[tuple, PreparedQuery] = {}


def shape_of(serializer_class) -> _Shape | None:
    """The class's shape, made once per class, active time zone (date-times are written in it) and member-name
    format; None when the builder cannot read it."""
    key = (serializer_class, timezone.get_current_timezone(), json_api_settings.FORMAT_FIELD_NAMES)
    try:
        return _SHAPES[key]
    except KeyError:
        shape = _SHAPES[key] = _make_shape(serializer_class)
        return shape


def _type_of(field) -> str | None:
    cls = type(field)
    if (
        cls.to_representation not in _LINKAGE_METHODS
        or cls.get_resource_id is not ResourceRelatedField.get_resource_id
        or isinstance(field, PolymorphicResourceRelatedField)
        or getattr(field, "pk_field", None) is not None
        or getattr(field, "self_link_view_name", None) is not None
        or getattr(field, "related_link_view_name", None) is not None
    ):
        return None
    return field.get_resource_type_from_included_serializer()


def _make_shape(serializer_class) -> _Shape | None:
    if not issubclass(serializer_class, CompiledReadMixin):
        return None
    meta = getattr(serializer_class, "Meta", None)
    if getattr(meta, "meta_fields", None) or hasattr(serializer_class, "get_root_meta"):
        return None
    serializer = serializer_class()
    model = meta.model
    members = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if name in ("id", api_settings.URL_FIELD_NAME):
            return None
        member = member_name(name)
        if not is_relationship_field(field):
            compiled = column_of(field, model)
            if compiled is None:
                return None
            members.append((name, member, "attribute", compiled[0], compiled[1], None))
        elif isinstance(field, ManyRelatedField):
            resource_type = _type_of(field.child_relation)
            try:
                relation = model._meta.get_field(field.source)
            except FieldDoesNotExist:
                return None
            if resource_type is None or not (relation.one_to_many and relation.auto_created):
                return None  # only a reverse foreign key: its ids are one column of the related table
            members.append(
                (name, member, "many", name, resource_type, (relation.related_model, relation.field.attname))
            )
        elif isinstance(field, ResourceRelatedField):
            compiled = column_of(field, model) if _type_of(field) else None
            if compiled is None:
                return None
            members.append((name, member, "one", compiled[0], compiled[1], field.source))
        else:
            return None
    manager_members = frozenset(getattr(serializer_class, "manager_members", ()))
    event_column = None
    if manager_members:
        event = next((m for m in members if m[0] == "event" and m[2] == "one"), None)
        if event is None:
            return None
        event_column = event[3]
    return _Shape(
        serializer_class, model, get_resource_type_from_serializer(serializer), members, event_column, manager_members
    )


class Builder:
    """One response's documents of ``serializer_class``: what the request includes, and how to read it."""

    def __init__(self, request, shape: _Shape, includes: list[str], related: dict[str, QuerySet], view_class=None):
        self.request = request
        self.view_class = view_class
        self.shape = shape
        self.includes = includes
        self.related = related
        self.included_shapes = {}
        included_serializers = getattr(shape.serializer_class, "included_serializers", {})
        for name in includes:
            self.included_shapes[name] = shape_of(included_serializers[name])
        self.columns = list(shape.columns)
        for name in includes:
            if name in shape.to_one:
                source = shape.to_one[name][5]
                self.columns += [f"{source}__{column}" for column in self.included_shapes[name].columns]

    @classmethod
    def of(cls, view, related: dict[str, QuerySet] | None = None) -> "Builder | None":
        """The builder for a view's request, or None when it does not cover it (see the module's docstring)."""
        request = view.request
        serializer_class = view.get_serializer_class()
        if not (JSONAPIRenderer.fast and getattr(serializer_class, "compiled_read", False)):
            return None
        if any(name.startswith("fields[") for name in request.query_params):
            return None
        shape = shape_of(serializer_class)
        if shape is None:
            return None
        included = get_included_resources(request, serializer_class)  # the serializer's defaults without a parameter
        includes = list(dict.fromkeys(undo_format_field_name(name) for name in included))
        included_serializers = getattr(serializer_class, "included_serializers", {})
        to_many = {name for name, _, _ in shape.to_many}
        for name in includes:
            if name not in included_serializers or (name not in shape.to_one and name not in to_many):
                return None  # a nested path (``tickets.event``), or a name the validation let through
            if shape_of(included_serializers[name]) is None:
                return None
        return cls(request, shape, includes, related or {}, type(view))

    # -- reading ---------------------------------------------------------------------------------------------

    def _related_rows(self, name: str, model, fk: str, columns: tuple, pks: list) -> list[dict]:
        """``columns`` of the rows related to ``pks`` through ``fk``, in the view's order for relationship
        ``name`` (``related``; else the related model's default order, as a prefetch without a queryset)."""
        if not pks:
            return []
        queryset = self.related.get(name)
        key = (model, fk, None if queryset is None else (self.view_class, name))
        query = _RELATED.get(key)
        if query is None:
            if queryset is None:
                queryset = model._default_manager.all()
            query = _RELATED[key] = PreparedQuery(
                lambda *columns, pks: queryset.filter(**{f"{fk}__in": pks}).values(*columns)
            )
        return query.values(parts=columns, pks=pks)

    def _linked_ids(self, shape: _Shape, name: str, model, fk: str, pks: list) -> dict:
        """``{parent pk: [ids]}`` of a to-many relationship."""
        pk = model._meta.pk.attname
        linked: dict = {parent: [] for parent in pks}
        for row in self._related_rows(name, model, fk, (fk, pk), pks):
            linked[row[fk]].append(row[pk])
        return linked

    def _manages(self, event_id) -> bool:
        return event_id is not None and event_id in managed_event_ids(self.request)

    def resource(self, shape: _Shape, row: dict, linked: dict, prefix: str = "") -> dict:
        pk_key, event_key, members, public = shape.reader(prefix)
        if event_key is not None and not self._manages(row[event_key]):
            members = public
        attributes, relations = members
        pk = row[pk_key]
        resource = {"type": shape.type, "id": str(pk)}
        if attributes:
            resource["attributes"] = {
                member: None if (value := row[key]) is None else convert(value) for member, key, convert in attributes
            }
        if relations:
            relationships = resource["relationships"] = {}
            for many, member, key, extra in relations:
                if many:
                    ids = linked[key][pk]
                    relationships[member] = {
                        "meta": {"count": len(ids)},
                        "data": [{"type": extra, "id": str(i)} for i in ids],
                    }
                else:
                    value = row[key]
                    relationships[member] = {"data": None if value is None else extra(value)}
        return resource

    def document(self, rows: list[dict]) -> tuple[list[dict], list[dict] | None]:
        """The resource objects of ``rows`` and the included ones (None without ``include``)."""
        shape = self.shape
        pks = [row[shape.pk] for row in rows]
        linked = {}
        included_cache: dict[str, dict[str, dict]] = {}
        for name, (model, fk), _ in shape.to_many:
            if name in self.includes:
                linked[name], included_rows = self._included_many(name, model, fk, pks)
                self._include(self.included_shapes[name], included_rows, included_cache)
            else:
                linked[name] = self._linked_ids(shape, name, model, fk, pks)
        data = [self.resource(shape, row, linked) for row in rows]
        for name in self.includes:
            if name in shape.to_one:
                self._include_joined(name, data, rows, included_cache)
        if not self.includes:
            return data, None
        for resource in data:
            included_cache.get(resource["type"], {}).pop(resource["id"], None)
        included = [included_cache[kind][pk] for kind in sorted(included_cache) for pk in sorted(included_cache[kind])]
        return data, included

    def _included_many(self, name: str, model, fk: str, pks: list) -> tuple[dict, list]:
        included = self.included_shapes[name]
        rows = self._related_rows(name, model, fk, tuple(dict.fromkeys([*included.columns, fk])), pks)
        linked: dict = {pk: [] for pk in pks}
        for row in rows:
            linked[row[fk]].append(row[included.pk])
        return linked, rows

    def _include(self, shape: _Shape, rows: list[dict], included_cache: dict, prefix: str = "") -> None:
        linked = {}
        if shape.to_many:
            pks = list(dict.fromkeys(row[prefix + shape.pk] for row in rows))
            for name, (model, fk), _ in shape.to_many:
                linked[name] = self._linked_ids(shape, name, model, fk, pks)
        cache = included_cache.setdefault(shape.type, {})
        for row in rows:
            key = str(row[prefix + shape.pk])
            if key not in cache:
                cache[key] = self.resource(shape, row, linked, prefix)

    def _include_joined(self, name: str, data: list[dict], rows: list[dict], included_cache: dict) -> None:
        """A to-one include read by the join: only where the resource shows the relationship (a member the
        requester may not see is not included either, as in the general path)."""
        member = self.shape.to_one[name][1]
        source = self.shape.to_one[name][5]
        shown = [
            row
            for resource, row in zip(data, rows, strict=True)
            if resource.get("relationships", {}).get(member, {}).get("data") is not None
        ]
        self._include(self.included_shapes[name], shown, included_cache, prefix=f"{source}__")

    # -- responses -------------------------------------------------------------------------------------------

    def list_response(self, view, page: ValuesRows) -> Response:
        """The paginated list of ``page``'s rows (scoped, filtered and ordered by the view: a ``ValuesRows`` of the
        queryset, or a prepared query of the same rows), as the general path writes it: the paginator's links and
        meta, the resources, the included ones."""
        rows = view.paginate_queryset(page)
        if rows is None:
            raise ValueError("The document builder pages lists; this view has no paginator.")
        data, included = self.document(rows)
        frame = view.get_paginated_response(None).data
        document = Document()
        if frame.get("links"):
            document["links"] = frame["links"]
        document["data"] = data
        if included is not None:
            document["included"] = included
        if frame.get("meta"):
            document["meta"] = format_field_names(frame["meta"])
        return Response(document)

    def row(self, view, queryset: QuerySet) -> dict:
        """The row of a view's resource, as ``GenericAPIView.get_object`` finds it (404 when there is none or the
        id is malformed), its object permissions checked on an instance made from the row."""
        lookup_url_kwarg = view.lookup_url_kwarg or view.lookup_field
        try:
            rows = list(
                queryset.filter(**{view.lookup_field: view.kwargs[lookup_url_kwarg]}).values(*self.columns)[:2]
            )
        except (TypeError, ValueError, ValidationError):
            raise Http404 from None
        if len(rows) != 1:
            raise Http404
        self.check_object_permissions(view, rows[0])
        return rows[0]

    def check_object_permissions(self, view, row: dict) -> None:
        """The view's object permissions, asked about an instance made from the row's columns."""
        shape = self.shape
        view.check_object_permissions(self.request, shape.model(**{column: row[column] for column in shape.columns}))

    def retrieve_response(self, view, row: dict) -> Response:
        data, included = self.document([row])
        document = Document(data=data[0])
        if included is not None:
            document["included"] = included
        return Response(document)
