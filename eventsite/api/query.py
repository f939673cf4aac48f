"""Strict query parameters: anything JSON:API does not define, a repeated one, a name written with underscores, an
``include`` path the endpoint does not have, or a ``fields[type]`` naming a type or member it does not show, is a
400 naming the parameter (``source.parameter``)."""

import re

from rest_framework_json_api.utils import (
    format_field_name,
    get_resource_type_from_serializer,
    undo_format_field_name,
)

from .exceptions import InvalidQueryParameter

QUERY_PARAMETER = re.compile(r"^(sort|include)$|^(?P<family>filter|fields|page)\[(?P<member>[\w.\-]+)\]$")
NOT_DASHERIZED = "Names in the API are dasherized: “{name}” in {parameter} has an underscore (write “{dashed}”)."
NOT_INCLUDED = "This endpoint cannot include “{path}”."
NO_SUCH_TYPE = "This endpoint shows no resources of type “{type}”."
NO_SUCH_MEMBER = "The {type} resource has no member “{name}”."


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


def resource_types(serializer_class) -> dict[str, type]:
    """The resource types an endpoint may show: its serializer's and, through ``included_serializers``, those it
    may include, each with its serializer class."""
    found: dict[str, type] = {}

    def walk(cls) -> None:
        try:
            kind = get_resource_type_from_serializer(cls)
        except AttributeError:
            return
        if kind in found:
            return
        found[kind] = cls
        for included in (getattr(cls, "included_serializers", None) or {}).values():
            walk(included)

    walk(serializer_class)
    return found


def validate_fields(request, serializer_class) -> None:
    """``fields[type]`` names a type the endpoint may show and members of it; a misspelt one would silently show
    less than asked for (or, for a misspelt type, everything)."""
    wanted = {n[len("fields[") : -1]: v for n, v in request.query_params.items() if n.startswith("fields[")}
    if not wanted:
        return
    types = resource_types(serializer_class)
    for kind, value in wanted.items():
        parameter = f"fields[{kind}]"
        if kind not in types:
            raise InvalidQueryParameter(NO_SUCH_TYPE.format(type=kind), parameter)
        members = {format_field_name(name) for name in types[kind]().fields}
        for name in value.split(","):
            if name and name not in members:
                raise InvalidQueryParameter(NO_SUCH_MEMBER.format(type=kind, name=name), parameter)
