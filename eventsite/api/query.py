"""Strict query parameters: anything JSON:API does not define, a repeated one, a name written with underscores, or
an ``include`` path the endpoint does not have, is a 400 naming the parameter (``source.parameter``)."""

import re

from rest_framework_json_api.utils import undo_format_field_name

from .exceptions import InvalidQueryParameter

QUERY_PARAMETER = re.compile(r"^(sort|include)$|^(?P<family>filter|fields|page)\[(?P<member>[\w.\-]+)\]$")
NOT_DASHERIZED = "Names in the API are dasherized: “{name}” in {parameter} has an underscore (write “{dashed}”)."
NOT_INCLUDED = "This endpoint cannot include “{path}”."


def _dasherized(name: str, parameter: str) -> None:
    if "_" in name:
        detail = NOT_DASHERIZED.format(name=name, parameter=parameter, dashed=name.replace("_", "-"))
        raise InvalidQueryParameter(detail, parameter)


def validate_query_parameters(request, allowed_families: set[str]) -> None:
    for name in request.query_params:
        match = QUERY_PARAMETER.match(name)
        family = match and (match.group("family") or match.group(1))
        if not match or family not in allowed_families:
            raise InvalidQueryParameter(f"This endpoint does not take the query parameter {name}.", name)
        if len(request.query_params.getlist(name)) > 1:
            raise InvalidQueryParameter(f"The query parameter {name} is given more than once.", name)
        if family in ("filter", "fields"):
            _dasherized(match.group("member"), name)
        if family in ("sort", "include", "fields"):
            for value in request.query_params[name].split(","):
                _dasherized(value, name)


def validate_include(request, serializer_class) -> None:
    """Each path of ``include`` names, member by member, a relationship whose serializer is declared in
    ``included_serializers`` (what DRF-JSONAPI checks later, as a ``ParseError`` without the parameter)."""
    value = request.query_params.get("include")
    if not value:
        return
    for path in value.split(","):
        current = serializer_class
        for name in path.split("."):
            included = getattr(current, "included_serializers", None) or {}
            current = included.get(undo_format_field_name(name)) if name else None
            if current is None:
                raise InvalidQueryParameter(NOT_INCLUDED.format(path=path), "include")
