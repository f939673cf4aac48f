"""DRF-JSONAPI's renderer with the same output at a fraction of the cost.

Profiles of the benchmark (``bench/``) showed the stock renderer spending most of a list request on work that is
the same for every resource of a page: it re-derives each member's JSON:API name (inflection), its kind and its
relationship type per resource, builds a new serializer (and all its fields) for every included resource of a
to-many include, and encodes with the standard library. Here:

- a *plan* per serializer (attribute names, relationship members) is made once per response and reused for
  every resource; anything the plan does not cover (sparse fieldsets, links, polymorphic or hyperlinked
  fields) takes DRF-JSONAPI's own path;
- included resources are serialized by one serializer per included type and response;
- the document is encoded with orjson (DRF's encoder still handles the types orjson leaves to it).

``eventsite/tests/test_renderer.py`` renders every API response both ways and requires identical bytes.
"""

import weakref
from collections.abc import Iterable

import orjson
from django.db.models import Manager
from rest_framework import relations
from rest_framework import renderers as drf_renderers
from rest_framework.serializers import ListSerializer, Serializer
from rest_framework.settings import api_settings
from rest_framework.utils import encoders
from rest_framework_json_api import renderers
from rest_framework_json_api.relations import (
    HyperlinkedMixin,
    ManySerializerMethodResourceRelatedField,
    ResourceRelatedField,
    SkipDataMixin,
)
from rest_framework_json_api.serializers import PolymorphicModelSerializer
from rest_framework_json_api.settings import json_api_settings
from rest_framework_json_api.utils import (
    format_field_name,
    get_relation_instance,
    get_resource_id,
    get_resource_type_from_instance,
    get_resource_type_from_serializer,
    get_serializer_fields,
    is_relationship_field,
)

from .serializers import CompiledReadMixin

ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
LINE_SEPARATORS = (b"\xe2\x80\xa8", b"\xe2\x80\xa9")


class OrjsonRenderer(drf_renderers.JSONRenderer):
    """DRF's JSON renderer, encoded by orjson: the same bytes for the compact form (DRF's encoder converts what
    orjson does not know, e.g. dates, decimals, lazy strings); an indented response takes DRF's path."""

    _default = encoders.JSONEncoder().default

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if not getattr(self, "fast", True) or self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=self._default, option=ORJSON_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            return super().render(data, accepted_media_type, renderer_context)
        if LINE_SEPARATORS[0] in content or LINE_SEPARATORS[1] in content:  # as DRF writes them (JSONP safety)
            content = content.replace(LINE_SEPARATORS[0], b"\\u2028").replace(LINE_SEPARATORS[1], b"\\u2029")
        return content


class Document(dict):
    """A whole JSON:API document built by the view (``eventsite.api.rows``): encoded as it is."""


class _Plan:
    """How one serializer's fields become a resource object: computed once, used for every resource."""

    __slots__ = ("attributes", "relationships")

    def __init__(self, attributes, relationships):
        self.attributes = attributes  # field name -> member name, for attributes
        self.relationships = relationships  # (field name, member name, kind, source, parent)


_MEMBER_NAMES: dict[tuple[str, object], str] = {}


def member_name(field_name: str) -> str:
    """DRF-JSONAPI's ``format_field_name``, remembered: it inflects with regular expressions (~15 µs a name, a
    third of a millisecond for a ticket's members, per response). Keyed on the format setting as well, which
    tests may change."""
    key = (field_name, json_api_settings.FORMAT_FIELD_NAMES)
    try:
        return _MEMBER_NAMES[key]
    except KeyError:
        name = _MEMBER_NAMES[key] = format_field_name(field_name)
        return name


def _no_links(field) -> bool:
    return (
        getattr(field, "self_link_view_name", None) is None and getattr(field, "related_link_view_name", None) is None
    )


def make_plan(fields) -> _Plan | None:
    """The plan of a serializer's fields, or None when a field needs DRF-JSONAPI's general path."""
    attributes, relationships = {}, []
    for name, field in fields.items():
        if name == api_settings.URL_FIELD_NAME:
            return None
        if not is_relationship_field(field):
            if name != "id":
                attributes[name] = member_name(name)
            continue
        if field.write_only:
            continue
        member = member_name(name)
        if isinstance(field, (SkipDataMixin, relations.HyperlinkedIdentityField)):
            return None
        if isinstance(field, ResourceRelatedField):
            if not _no_links(field):
                return None
            kind = "many_method" if isinstance(field, ManySerializerMethodResourceRelatedField) else "one"
            relationships.append((name, member, kind, None, None))
        elif isinstance(field, relations.ManyRelatedField):
            child = field.child_relation
            if not isinstance(child, ResourceRelatedField) or not isinstance(child, HyperlinkedMixin):
                return None
            if not _no_links(child):
                return None
            relationships.append((name, member, "many", field.source, field.parent))
        else:
            return None
    return _Plan(attributes, relationships)


class _SerializerState:
    """What the renderer works out once per serializer (its fields belong to one serializer of one request)."""

    __slots__ = ("applies", "include_plans", "plan", "plan_made", "relationship_fields")

    def __init__(self):
        self.plan = None
        self.plan_made = False
        self.applies = {}  # resource name -> whether the plan applies
        self.relationship_fields = None
        self.include_plans = {}  # include paths -> what to follow


#: Per serializer instance, dropped with it; keyed by the serializer (``fields.serializer``, DRF's public
#: back-reference), not stored on DRF's objects. Our own serializers (``CompiledReadMixin``) keep theirs in their
#: ``render_state`` attribute instead (a faster look-up, made for every resource of a page).
_STATES: "weakref.WeakKeyDictionary[object, _SerializerState]" = weakref.WeakKeyDictionary()


def _state(fields) -> _SerializerState:
    serializer = fields.serializer
    if isinstance(serializer, CompiledReadMixin):
        state = serializer.render_state
        if state is None:
            state = serializer.render_state = _SerializerState()
        return state
    try:
        return _STATES[serializer]
    except KeyError:
        state = _STATES[serializer] = _SerializerState()
        return state


def _plan_applies(state: _SerializerState, serializer, resource_name) -> bool:
    """No sparse fieldset for this type and no meta fields: decided once per serializer's fields and type, not
    for every resource of a page."""
    decided = state.applies
    try:
        return decided[resource_name]
    except KeyError:
        applies = not JSONAPIRenderer.sparse(serializer, resource_name) and not _has_meta_fields(serializer)
        decided[resource_name] = applies
        return applies


def plan_of(fields, state: _SerializerState | None = None) -> _Plan | None:
    state = state or _state(fields)
    if not state.plan_made:
        state.plan = make_plan(fields)
        state.plan_made = True
    return state.plan


class JSONAPIRenderer(renderers.JSONRenderer, OrjsonRenderer):
    """DRF-JSONAPI's renderer, except that a member the serializer left out stays out of ``relationships``.

    Serializers drop members the requester may not see (a ticket's discount code for the public); the stock
    renderer would still write such a relationship with ``"data": null``, which would wrongly say "no code".
    """

    #: Off only in the test that compares this renderer's output with DRF-JSONAPI's own.
    fast = True

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if type(data) is Document:
            return OrjsonRenderer.render(self, data, accepted_media_type, renderer_context)
        return super().render(data, accepted_media_type, renderer_context)

    @classmethod
    def extract_relationships(cls, fields, resource, resource_instance):
        shown = {name: field for name, field in fields.items() if name in resource}
        return super().extract_relationships(shown, resource, resource_instance)

    @classmethod
    def build_json_resource_obj(
        cls, fields, resource, resource_instance, resource_name, serializer, force_type_resolution=False
    ):
        state = _state(fields) if cls.fast and not force_type_resolution else None
        plan = None if state is None else plan_of(fields, state)
        if plan is None or not _plan_applies(state, serializer, resource_name):
            return super().build_json_resource_obj(
                fields, resource, resource_instance, resource_name, serializer, force_type_resolution
            )
        resource_data = {"type": resource_name, "id": get_resource_id(resource_instance, resource)}
        members = plan.attributes
        attributes = {members[name]: value for name, value in resource.items() if name in members}
        if attributes:
            resource_data["attributes"] = attributes
        if resource_instance is None:
            return resource_data
        relationships = {}
        for name, member, kind, source, parent in plan.relationships:
            if name not in resource:
                continue
            value = resource[name]
            if kind == "one":
                relationships[member] = {"data": value}
            elif kind == "many_method":
                relationships[member] = {"data": value, "meta": {"count": len(value)}}
            else:
                resolved, _ = get_relation_instance(resource_instance, source, parent)
                if not resolved:
                    continue
                relation = {"meta": {"count": len(value)}} if isinstance(value, Iterable) else {}
                relation["data"] = value
                relationships[member] = relation
        if relationships:
            resource_data["relationships"] = relationships
        return resource_data

    @staticmethod
    def sparse(serializer, resource_name) -> bool:
        request = serializer.context.get("request")
        return request is not None and f"fields[{resource_name}]" in request.query_params

    @classmethod
    def extract_included(cls, fields, resource, resource_instance, included_resources, included_cache):
        """DRF-JSONAPI's ``extract_included``, serializing with one serializer per included type and response
        (the stock one builds a serializer, and all its fields, for every included resource)."""
        current_serializer = fields.serializer
        included_serializers = getattr(current_serializer, "included_serializers", dict())
        if not cls.fast or _includes_polymorphic(type(current_serializer), included_serializers):
            return super().extract_included(fields, resource, resource_instance, included_resources, included_cache)
        if not resource_instance:
            return
        context = None  # looked up only when something is serialized (a walk to the root serializer)

        for field_name, field, to_one, new_included_resources in _include_plan(fields, included_resources):
            if to_one:
                # What the stock path decides after loading the related object, decided from the linkage the
                # serializer wrote: a resource already included is skipped (saves a look-up per row of a page).
                linkage = resource.get(field_name)
                if linkage and linkage["id"] in included_cache.get(linkage["type"], ()):
                    continue

            relation_instance = cls.extract_relation_instance(field, resource_instance)
            if isinstance(relation_instance, Manager):
                relation_instance = relation_instance.all()

            serializer_data = resource.get(field_name)

            if context is None:
                context = current_serializer.context
            if isinstance(field, relations.ManyRelatedField):
                field = _shared_serializer(context, included_serializers[field_name], many=True)
                serializer_data = field.to_representation(relation_instance)

            if isinstance(field, relations.RelatedField):
                if relation_instance is None or not serializer_data:
                    continue
                many = _is_many(field)
                if isinstance(field, ResourceRelatedField) and not many:
                    already_included = (
                        serializer_data["type"] in included_cache
                        and serializer_data["id"] in included_cache[serializer_data["type"]]
                    )
                    if already_included:
                        continue
                field = _shared_serializer(context, included_serializers[field_name], many=many)
                serializer_data = field.to_representation(relation_instance)

            if isinstance(field, ListSerializer):
                serializer = field.child
                relation_type = get_resource_type_from_serializer(serializer)
                relation_queryset = list(relation_instance)
                serializer_fields = get_serializer_fields(serializer)
                for position in range(len(serializer_data or ())):
                    serializer_resource = serializer_data[position]
                    nested_resource_instance = relation_queryset[position]
                    resource_type = relation_type or get_resource_type_from_instance(nested_resource_instance)
                    new_item = cls.build_json_resource_obj(
                        serializer_fields,
                        serializer_resource,
                        nested_resource_instance,
                        resource_type,
                        serializer,
                        False,  # only polymorphic serializers force type resolution; they take the stock path
                    )
                    included_cache[new_item["type"]][new_item["id"]] = new_item
                    if new_included_resources:  # with none, the stock method finds nothing to follow
                        cls.extract_included(
                            serializer_fields,
                            serializer_resource,
                            nested_resource_instance,
                            new_included_resources,
                            included_cache,
                        )

            if isinstance(field, Serializer):
                relation_type = get_resource_type_from_serializer(field)
                serializer_fields = get_serializer_fields(field)
                if serializer_data:
                    new_item = cls.build_json_resource_obj(
                        serializer_fields,
                        serializer_data,
                        relation_instance,
                        relation_type,
                        field,
                        False,  # as above
                    )
                    included_cache[new_item["type"]][new_item["id"]] = new_item
                    if new_included_resources:
                        cls.extract_included(
                            serializer_fields,
                            serializer_data,
                            relation_instance,
                            new_included_resources,
                            included_cache,
                        )


def relationship_fields_of(fields) -> list:
    """``(name, field, to_one)`` of a serializer's relationship fields, in order, worked out once per ``fields``;
    ``to_one``: a plain ``ResourceRelatedField``, whose linkage is ``{"type", "id"}``."""
    state = _state(fields)
    if state.relationship_fields is None:
        state.relationship_fields = [
            (
                name,
                field,
                isinstance(field, ResourceRelatedField)
                and not _is_many(field)
                and not isinstance(field, (SkipDataMixin, ManySerializerMethodResourceRelatedField)),
            )
            for name, field in fields.items()
            if name != api_settings.URL_FIELD_NAME and is_relationship_field(field)
        ]
    return state.relationship_fields


def _is_many(field) -> bool:
    """A related field that stands for a list (DRF-JSONAPI's ``ManySerializerMethodResourceRelatedField``): one
    built with a ``child_relation``, which it keeps as its public ``child_relation``."""
    return getattr(field, "child_relation", None) is not None


def _include_plan(fields, included_resources) -> list:
    """``(name, field, to_one, nested include paths)`` of the relationships ``extract_included`` follows for
    ``included_resources``: the stock method works this out from the include paths for every resource (copying
    the list, removing names, splitting paths, catching ``ValueError``); it depends only on the paths and the
    serializer's fields, so it is done once per both. The list operations are the stock ones, in its order."""
    key = tuple(included_resources)
    plans = _state(fields).include_plans
    try:
        return plans[key]
    except KeyError:
        pass
    remaining = list(included_resources)
    plan = []
    for field_name, field, to_one in relationship_fields_of(fields):
        try:
            remaining.remove(field_name)
        except ValueError:
            if field_name not in [node.split(".")[0] for node in remaining]:
                continue
        nested = [key.replace(f"{field_name}.", "", 1) for key in remaining if field_name == key.split(".")[0]]
        plan.append((field_name, field, to_one, nested))
    plans[key] = plan
    return plan


_POLYMORPHIC_INCLUDES: dict[type, bool] = {}


def _includes_polymorphic(serializer_class, included_serializers) -> bool:
    """Whether a serializer class includes a polymorphic one (those take DRF-JSONAPI's path); once per class."""
    try:
        return _POLYMORPHIC_INCLUDES[serializer_class]
    except KeyError:
        found = any(issubclass(s, PolymorphicModelSerializer) for s in included_serializers.values())
        _POLYMORPHIC_INCLUDES[serializer_class] = found
        return found


def _has_meta_fields(serializer) -> bool:
    serializer = getattr(serializer, "child", serializer)
    return bool(getattr(getattr(serializer, "Meta", None), "meta_fields", None))


def _shared_serializer(context: dict, serializer_class, many: bool):
    """One serializer per included type for the whole response, kept in the serializer context."""
    cache = context.setdefault("_included_serializers", {})
    key = (serializer_class, many)
    if key not in cache:
        cache[key] = serializer_class(many=many, context=context)
    return cache[key]
