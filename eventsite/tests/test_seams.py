"""Each use of a library's internals (``eventsite/seams/``) fails here, loudly, when the library changes it."""

import inspect

import pytest
from drf_spectacular.openapi import AutoSchema
from drf_spectacular_jsonapi.schemas.openapi import JsonApiAutoSchema

from eventsite.models import Event
from eventsite.seams.django import has_prefetch
from eventsite.seams.spectacular import SchemaSeam


def test_django_prefetch_lookups_are_seen():
    assert has_prefetch(Event.objects.prefetch_related("organizers"))
    assert has_prefetch(Event.objects.prefetch_related("organizers").filter(pk=1).order_by("pk"))
    assert not has_prefetch(Event.objects.filter(pk=1))
    assert not has_prefetch(Event.objects.prefetch_related("organizers").prefetch_related(None))


def test_prepared_queries_refuse_a_prefetch():
    from eventsite.prepared import PreparedQuery

    query = PreparedQuery(lambda pk: Event.objects.filter(pk=pk).prefetch_related("organizers"))
    with pytest.raises(ValueError, match="prefetch_related"):
        query.objects(pk=1)


RESPONSE_FOR_CODE = ["self", "serializer", "status_code", "media_types", "direction"]


@pytest.mark.parametrize(
    "owner, name, parameters",
    [
        (AutoSchema, "_get_response_bodies", ["self", "direction"]),
        (AutoSchema, "_get_response_for_code", RESPONSE_FOR_CODE),
        (AutoSchema, "_resolve_path_parameters", ["self", "variables"]),
        (JsonApiAutoSchema, "_get_response_for_code", RESPONSE_FOR_CODE),
        (JsonApiAutoSchema, "_resolve_path_parameters", ["self", "variables"]),
    ],
)
def test_spectacular_private_methods_are_there_as_overridden(owner, name, parameters):
    """The methods ``SchemaSeam`` overrides exist with the signature it assumes (and the library's own class
    defines them: an override of a method the library stopped calling would silently do nothing)."""
    assert name in vars(owner), f"{owner.__name__}.{name} is gone: see eventsite/seams/spectacular.py"
    assert list(inspect.signature(vars(owner)[name]).parameters) == parameters
    assert name in vars(SchemaSeam)


def test_spectacular_calls_the_overridden_methods(db):
    """drf-spectacular still asks these methods while building the schema (each is reached at least once)."""
    from drf_spectacular.generators import SchemaGenerator

    called = set()
    originals = {name: vars(SchemaSeam)[name] for name in ("response_bodies", "response_for_code", "path_parameters")}

    def spy(name):
        def wrapper(self, *args, **kwargs):
            called.add(name)
            return originals[name](self, *args, **kwargs)

        return wrapper

    with pytest.MonkeyPatch.context() as patch:
        for name in originals:
            patch.setattr(SchemaSeam, name, spy(name))
        SchemaGenerator().get_schema(request=None, public=True)
    assert called == set(originals)


def test_values_querysets_are_told_by_their_query():
    """Not a private name, but an assumption of ``CountingPaginator``: a ``values()``/``values_list()`` queryset
    (rows that are not model instances, which take Django's own paging) has ``query.values_select`` set."""
    assert Event.objects.values().query.values_select
    assert Event.objects.values_list("pk", flat=True).query.values_select
    assert Event.objects.values("name").filter(pk=1).query.values_select
    assert not Event.objects.filter(pk=1).only("name").query.values_select
