"""A read path for model serializers that does DRF's per-field work once per serializer instead of once per row.

DRF's ``Serializer.to_representation`` walks the fields for every row: a generator of readable fields (through
DRF-JSONAPI's sparse-fieldset property), ``field.get_attribute`` (source walking, callable checks, exception
handling), for related fields ``use_pk_only_optimization`` and ``serializable_value`` (a ``_meta`` look-up), a
``PKOnlyObject`` and then the linkage. Profiles of the benchmark put this at a quarter of a page of 50 tickets.

``CompiledReadMixin`` works out, once per serializer instance (a list's child serves every row of the page, an
included serializer every included resource of the response), how each readable field reads a row:

- a plain model field (DRF's own ``get_attribute``, its source a column of the model): ``attrgetter`` on the
  column, then the field's own ``to_representation`` (``str``/``int`` for DRF's ``CharField``/``IntegerField``,
  which are exactly that; for ISO 8601 date-times and money the same steps with the format, time zone and
  decimal context looked up once per serializer instead of once per value);
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
import datetime
import decimal
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey
from django.db.models.query_utils import DeferredAttribute
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField
from rest_framework.relations import ManyRelatedField, PKOnlyObject
from rest_framework.settings import ISO_8601, api_settings
from rest_framework_json_api.relations import PolymorphicResourceRelatedField, ResourceRelatedField
from rest_framework_json_api.utils import get_resource_type_from_serializer

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


def _datetime_converter(field):
    """DRF's ``DateTimeField.to_representation`` for ISO 8601 output, with the per-value look-ups done once.

    DRF asks for the output format and the current time zone for every value; both are fixed for a serializer
    (built per request, so a time zone activated for the request is the one used). Aware values are converted
    to that zone and written as DRF does (``+00:00`` as ``Z``); anything else (naive, strings) goes to DRF.
    Returns None when the field is not a plain ISO 8601 ``DateTimeField`` with a time zone.
    """
    cls = drf_fields.DateTimeField
    if (
        type(field).to_representation is not cls.to_representation
        or type(field).enforce_timezone is not cls.enforce_timezone
        or type(field).default_timezone is not cls.default_timezone
    ):
        return None
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return None
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None:
        return None
    slow = field.to_representation

    def convert(value):
        if type(value) is datetime.datetime and value.tzinfo is zone:  # as the database gives it: no conversion
            text = value.isoformat()
        elif type(value) is not datetime.datetime or value.utcoffset() is None:
            return slow(value)
        else:
            text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _decimal_converter(field):
    """DRF's ``DecimalField.to_representation`` as a string, with the quantizing exponent and context made once.

    DRF copies the decimal context and computes ``Decimal('.1') ** decimal_places`` for every value. Returns
    None unless the field is a plain ``DecimalField`` written as a string with fixed decimal places.
    """
    cls = drf_fields.DecimalField
    if (
        type(field).to_representation is not cls.to_representation
        or type(field).quantize is not cls.quantize
        or not getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        or field.decimal_places is None
        or field.normalize_output
        or field.localize
    ):
        return None
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    exponent = decimal.Decimal(".1") ** field.decimal_places
    rounding = field.rounding
    slow = field.to_representation

    def convert(value):
        if type(value) is not decimal.Decimal:
            return slow(value)
        return f"{value.quantize(exponent, rounding=rounding, context=context):f}"

    return convert


def _boolean_converter(field):
    """DRF's ``BooleanField.to_representation`` is the identity on a ``bool`` (what the database gives)."""
    if type(field).to_representation is not drf_fields.BooleanField.to_representation:
        return None
    slow = field.to_representation

    def convert(value):
        return value if type(value) is bool else slow(value)

    return convert


def _choice_converter(field):
    """DRF's ``ChoiceField.to_representation`` on a plain ``str`` is a look-up in its ``choice_strings_to_values``
    (a str is its own ``str()``, and not an ``Enum``); anything else goes to DRF."""
    if type(field).to_representation is not drf_fields.ChoiceField.to_representation:
        return None
    mapping = field.choice_strings_to_values
    slow = field.to_representation

    def convert(value):
        return mapping.get(value, value) if type(value) is str and value else slow(value)

    return convert


def _converter(field):
    """How a column value becomes the field's representation: a builtin, a prepared converter, or the field's
    own ``to_representation``."""
    method = type(field).to_representation
    builtin = _BUILTIN_CONVERTERS.get(method)
    if builtin is not None:
        return builtin
    return (
        _datetime_converter(field)
        or _decimal_converter(field)
        or _boolean_converter(field)
        or _choice_converter(field)
        or field.to_representation
    )


def _linkage_converter(resource_type: str):
    def convert(pk):
        return {"type": resource_type, "id": str(pk)}

    return convert


def _column_reader(field, model):
    """``(getter, converter)`` for a field read straight from a column of ``model``, or None."""
    compiled = column_of(field, model)
    return None if compiled is None else (attrgetter(compiled[0]), compiled[1])


def column_of(field, model):
    """``(column, converter)`` for a field read straight from a column of ``model`` (its attribute name, as
    ``values()`` takes it), or None: the compiled read here, and the document builder (``eventsite.api.rows``)."""
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
            or isinstance(field, PolymorphicResourceRelatedField)
            or not field.use_pk_only_optimization()
        ):
            return None
        resource_type = field.get_resource_type_from_included_serializer()
        if resource_type is None:
            return None
        return model_field.attname, _linkage_converter(resource_type)
    if type(field).get_attribute is not drf_fields.Field.get_attribute:
        return None
    if not isinstance(getattr(model, source, None), DeferredAttribute):
        return None  # a property, a method or a relation: DRF's path
    return source, _converter(field)


def _shallow(field):
    """``copy.copy(field)`` without the pickle protocol's detour (``__reduce_ex__``, ``copyreg``): a new instance
    with the same ``__dict__``. DRF fields keep their state in ``__dict__`` (no ``__slots__``, no ``__copy__``)."""
    if hasattr(type(field), "__copy__") or not hasattr(field, "__dict__"):
        return copy.copy(field)
    new = object.__new__(type(field))
    new.__dict__.update(field.__dict__)
    return new


def _copy_field(field):
    """A shallow copy of an unbound field, ready to be bound (a to-many field's child copied and re-parented)."""
    new = _shallow(field)
    if isinstance(field, ManyRelatedField):
        new.child_relation = _shallow(field.child_relation)
        new.child_relation.parent = new
    return new


class CompiledReadMixin:
    """For ``ModelSerializer`` subclasses: the same representation, read with a per-serializer plan."""

    #: Off only in the test that compares this path's output with DRF's own.
    compiled_read = True
    #: What ``eventsite.api.renderers`` works out once per serializer, kept with it.
    render_state = None

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
            plan = self._read_plan = None if self._sparse() else self._make_read_plan()
        if plan is None:
            return super().to_representation(instance)
        ret = {}
        for name, get, convert in plan:
            try:
                value = get(instance)
            except SkipField:
                continue
            ret[name] = None if value is None else convert(value)
        return ret

    def _sparse(self) -> bool:
        """Whether the request asks for a sparse fieldset of this serializer's type (``fields[<type>]``): DRF-JSONAPI
        then chooses the members (``SparseFieldsetsMixin``), and DRF's own path reads them."""
        request = self.context.get("request")
        if request is None:
            return False
        return f"fields[{get_resource_type_from_serializer(self)}]" in request.query_params

    def _make_read_plan(self):
        """``(field name, getter, converter)`` per readable field (DRF's: every field not write-only), in DRF's
        order. Only without a sparse fieldset (``_sparse``)."""
        plan = []
        model = self.Meta.model
        for field in self.fields.values():
            if field.write_only:
                continue
            compiled = _column_reader(field, model)
            if compiled is None:
                plan.append((field.field_name, _generic_reader(field), _same))
            else:
                plan.append((field.field_name, *compiled))
        return plan
