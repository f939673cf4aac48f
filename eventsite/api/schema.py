"""OpenAPI generation (drf-spectacular with drf-spectacular-jsonapi), adapted to our relationship views.

drf-spectacular-jsonapi expects DRF-JSONAPI's generic ``relationships/<related_field>`` route; ours name
each relationship in the URL (so no other relation of a model is reachable), which it need not enumerate.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular_jsonapi.schemas.openapi import JsonApiAutoSchema


class SchemaWithFixedRelationships(JsonApiAutoSchema):
    def _resolve_path_parameters(self, variables):
        if "related_field" not in variables:
            return AutoSchema._resolve_path_parameters(self, variables)
        return super()._resolve_path_parameters(variables)


class JWTScheme(OpenApiAuthenticationExtension):
    """Both ``Authorization: JWT <token>`` (Open Event's scheme) and ``Bearer <token>`` are accepted."""

    target_class = "rest_framework_simplejwt.authentication.JWTAuthentication"
    name = "jwt"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from /v1/auth/login, as `Bearer <token>` or `JWT <token>`.",
        }
