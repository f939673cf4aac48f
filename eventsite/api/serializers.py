"""A read path for model serializers that does DRF's per-field work once per serializer instead of once per row.

DRF's ``Serializer.to_representation`` walks the fields for every row: a generator of readable fields (through
DRF-JSONAPI's sparse-fieldset property), ``field.get_attribute`` (source walking, callable checks, exception
handling), for related fields ``use_pk_only_optimization`` and ``serializable_value`` (a ``_meta`` look-up), a
``PKOnlyObject`` and then the linkage. Profiles of the benchmark put this at a quarter of a page of 50 tickets.

``CompiledReadMixin`` works out, once per serializer instance (a list's child serves every row of the page, an
included serializer every included resource of the response), how each readable field reads a row:

- a plain model field (DRF's own ``get_attribute``, its source a column of the model): ``attrgetter`` on the
  column, then the field's own ``to_representation`` (``str``/``int`` for DRF's ``CharField``/``IntegerField``,
  which are exactly that);
- a to-one relationship shown as linkage from the foreign key (DRF-JSONAPI's ``ResourceRelatedField`` with a
  known type, and ours in ``relations.py``): ``{"type": ..., "id": str(fk)}`` from the ``_id`` column;
- anything else: DRF's own steps for that field.

The output is DRF's, key for key and in the same order (``eventsite/tests/test_renderer.py`` compares the bytes
of every API response with this path off and on). Rows that are not instances of ``Meta.model`` take DRF's path.

Building the fields themselves is the other per-response cost (DRF deep-copies the declared fields and
introspects the model for the others, for every serializer: ~1 ms for a ticket page with its events). A
serializer that only reads (no ``data``) gets shallow copies of fields built once per class instead; they are
bound to it as usual. Reading never changes a field's shared parts (options, validators, error messages,
querysets); a serializer given ``data`` builds its own fields as DRF does.
"""

import copy
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey
from django.db.models.query_utils import DeferredAttribute
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField
from rest_framework.relations import ManyRelatedField, PKOnlyObject
from rest_framework_json_api.relations import ResourceRelatedField

from .relations import LinkField

#: ``to_representation`` methods that are a builtin applied to the value.
_BUILTIN_CONVERTERS = {
    drf_fields.CharField.to_representation: str,
    drf_fields.IntegerField.to_representation: int,
}

#: Related fields whose linkage is exactly ``{"type": <fixed type>, "id": str(pk)}`` once their type is known.
_LINKAGE_METHODS = {ResourceRelatedField.to_representation, LinkField.to_representation}


def _same(value):
    return value


def _generic_reader(field):
    """DRF's own steps for one field (``Serializer.to_representation``'s loop body), as a reader."""

    def read(instance):
        attribute = field.get_attribute(instance)  # may raise SkipField
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else field.to_representation(attribute)

    return read


def _linkage_converter(resource_type: str):
    def convert(pk):
        return {"type": resource_type, "id": str(pk)}

    return convert


def _column_reader(field, model):
    """``(getter, converter)`` for a field read straight from a column of ``model``, or None."""
    if len(field.source_attrs) != 1:
        return None
    source = field.source_attrs[0]
    if isinstance(field, ResourceRelatedField):
        try:
            model_field = model._meta.get_field(source)
        except FieldDoesNotExist:
            return None
        cls = type(field)
        if (
            not isinstance(model_field, ForeignKey)
            or cls.to_representation not in _LINKAGE_METHODS
            or cls.get_resource_id is not ResourceRelatedField.get_resource_id
            or cls.get_attribute is not ResourceRelatedField.get_attribute
            or getattr(field, "pk_field", None) is not None
            or not field._skip_polymorphic_optimization
            or not field.use_pk_only_optimization()
        ):
            return None
        resource_type = field.get_resource_type_from_included_serializer()
        if resource_type is None:
            return None
        return attrgetter(model_field.attname), _linkage_converter(resource_type)
    if type(field).get_attribute is not drf_fields.Field.get_attribute:
        return None
    if not isinstance(getattr(model, source, None), DeferredAttribute):
        return None  # a property, a method or a relation: DRF's path
    method = type(field).to_representation
    return attrgetter(source), _BUILTIN_CONVERTERS.get(method, field.to_representation)


def _copy_field(field):
    """A shallow copy of an unbound field, ready to be bound (a to-many field's child copied and re-parented)."""
    new = copy.copy(field)
    if isinstance(field, ManyRelatedField):
        new.child_relation = copy.copy(field.child_relation)
        new.child_relation.parent = new
    return new


class CompiledReadMixin:
    """For ``ModelSerializer`` subclasses: the same representation, read with a per-serializer plan."""

    #: Off only in the test that compares this path's output with DRF's own.
    compiled_read = True

    def get_fields(self):
        if not self.compiled_read or hasattr(self, "initial_data"):
            return super().get_fields()
        cls = type(self)
        prototype = cls.__dict__.get("_prototype_fields")
        if prototype is None:
            prototype = super().get_fields()
            cls._prototype_fields = prototype
        return {name: _copy_field(field) for name, field in prototype.items()}

    def to_representation(self, instance):
        if not self.compiled_read or not isinstance(instance, self.Meta.model):
            return super().to_representation(instance)
        try:
            plan = self._read_plan
        except AttributeError:
            plan = self._read_plan = self._make_read_plan()
        ret = {}
        for name, get, convert in plan:
            try:
                value = get(instance)
            except SkipField:
                continue
            ret[name] = None if value is None else convert(value)
        return ret

    def _make_read_plan(self):
        """``(field name, getter, converter)`` per readable field (sparse fieldsets applied), in DRF's order."""
        plan = []
        model = self.Meta.model
        for field in self._readable_fields:
            compiled = _column_reader(field, model)
            if compiled is None:
                plan.append((field.field_name, _generic_reader(field), _same))
            else:
                plan.append((field.field_name, *compiled))
        return plan
