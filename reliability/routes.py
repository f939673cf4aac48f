"""Every route of the URL configuration, read from ``get_resolver()``: the permission matrix is generated from it."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def iter_routes(resolver: URLResolver | None = None, prefix: str = ""):
    """``(route, pattern)`` for every endpoint, ``route`` as written in the urls.py files (``v1/events/<id:pk>``)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from iter_routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def fill(route: str, values: dict[str, object]) -> str:
    """The route's path with its parameters replaced by ``values[name]``."""
    return "/" + PARAMETER.sub(lambda m: str(values[m.group("name")]), route)
