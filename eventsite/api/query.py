"""Strict query parameters: anything JSON:API does not define, or a repeated one, is a 400."""

import re

from .exceptions import InvalidQueryParameter

QUERY_PARAMETER = re.compile(r"^(sort|include)$|^(?P<family>filter|fields|page)\[[\w.\-]+\]$")


def validate_query_parameters(request, allowed_families: set[str]) -> None:
    for name in request.query_params:
        match = QUERY_PARAMETER.match(name)
        family = match and (match.group("family") or match.group(1))
        if not match or family not in allowed_families:
            raise InvalidQueryParameter(f"This endpoint does not take the query parameter {name}.", name)
        if len(request.query_params.getlist(name)) > 1:
            raise InvalidQueryParameter(f"The query parameter {name} is given more than once.", name)
