"""drf-spectacular (0.30) and drf-spectacular-jsonapi (0.6) internals we rely on.

Neither library has a public hook for these three answers of an operation's schema, so the schema class
overrides their private methods here, each forwarding to a public-named method of ``eventsite.api.schema``:

- ``_get_response_bodies``: the responses of an operation (we add the error documents every view may answer
  with, and a relationship DELETE's 200 with the linkage left);
- ``_get_response_for_code``: one response (a view that writes its whole document itself gives a raw schema,
  which drf-spectacular-jsonapi would frame again in ``data``);
- ``_resolve_path_parameters``: drf-spectacular-jsonapi's version assumes DRF-JSONAPI's generic
  ``relationships/<related_field>`` route; ours name each relationship, so for them drf-spectacular's own.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular_jsonapi.schemas.openapi import JsonApiAutoSchema


class SchemaSeam(JsonApiAutoSchema):
    """Each private method forwards to a public-named one (default: the libraries' answer), which
    ``eventsite.api.schema`` overrides."""

    def _get_response_bodies(self, direction="response"):
        return self.response_bodies(direction)

    def response_bodies(self, direction: str) -> dict:
        """drf-spectacular-jsonapi's responses of this operation."""
        return super()._get_response_bodies(direction)

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        return self.response_for_code(serializer, status_code, media_types, direction)

    def response_for_code(self, serializer, status_code, media_types, direction, framed: bool = True) -> dict:
        """One response: drf-spectacular-jsonapi's (``framed``: a resource document) or drf-spectacular's own."""
        if framed:
            return super()._get_response_for_code(serializer, status_code, media_types, direction)
        return AutoSchema._get_response_for_code(self, serializer, status_code, media_types, direction)

    def _resolve_path_parameters(self, variables):
        return self.path_parameters(variables)

    def path_parameters(self, variables, generic_relationship_route: bool = True) -> list:
        """drf-spectacular-jsonapi's path parameters (for DRF-JSONAPI's generic relationship route), or else
        drf-spectacular's own."""
        if generic_relationship_route:
            return super()._resolve_path_parameters(variables)
        return AutoSchema._resolve_path_parameters(self, variables)
