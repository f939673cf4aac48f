"""OpenAPI generation (drf-spectacular with drf-spectacular-jsonapi), adapted to our relationship views.

drf-spectacular-jsonapi expects DRF-JSONAPI's generic ``relationships/<related_field>`` route; ours name
each relationship in the URL (so no other relation of a model is reachable), which it need not enumerate.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular_jsonapi.schemas.converters import JsonApiRelationshipObject, JsonApiResourceObject
from rest_framework_json_api.relations import ManySerializerMethodResourceRelatedField

from eventsite.seams.spectacular import SchemaSeam

ERROR_STATUSES = {
    "400": "Malformed document or query parameter",
    "401": "No valid token",
    "403": "Not allowed",
    "404": "Not found (also for rows the requester may not see)",
    "405": "Method not allowed",
    "409": "Conflict",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "422": "A rule refused the content",
    "429": "Throttled",
    "503": "Database or rate limiting unavailable",
}
ERROR_DOCUMENT = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "status": {"type": "string"},
                    "code": {"type": "string"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "source": {
                        "type": "object",
                        "properties": {"pointer": {"type": "string"}, "parameter": {"type": "string"}},
                    },
                },
            },
        }
    },
}


class RelationshipObject(JsonApiRelationshipObject):
    """A to-many relationship computed by a serializer method (the public check's ``tickets``) has an array of
    linkage too: drf-spectacular-jsonapi only recognises DRF's ``ManyRelatedField`` as to-many."""

    def __dict__(self):  # drf-spectacular-jsonapi hands the converted schema out through this method
        schema = super().__dict__()
        data = schema["properties"]["data"]
        if isinstance(self.field, ManySerializerMethodResourceRelatedField) and data.get("type") != "array":
            schema["properties"]["data"] = {"type": "array", "items": data}
        return schema


class ResourceObject(JsonApiResourceObject):
    related_field_converter_class = RelationshipObject


class SchemaWithFixedRelationships(SchemaSeam):
    json_api_resource_object_converter_class = ResourceObject

    def response_bodies(self, direction):
        """Every operation documents the error documents eventsite.api.exceptions may answer with. A DELETE on a
        relationship answers 200 with the linkage left, as a POST does (eventsite.api.views.RelationshipView)."""
        if self.method == "DELETE" and getattr(self.view, "is_relationship_view", False):
            serializers = self.get_response_serializers()
            responses = {"200": self.response_for_code(serializers, "200", None, direction)}
        else:
            responses = super().response_bodies(direction)
        content = {media: {"schema": ERROR_DOCUMENT} for media in ("application/vnd.api+json", "application/json")}
        for status, description in ERROR_STATUSES.items():
            responses.setdefault(status, {"content": content, "description": description})
        return responses

    def response_for_code(self, serializer, status_code, media_types, direction, framed=True):
        """A raw schema (a dict) describes the whole document a view writes itself: not framed again in ``data``."""
        raw = isinstance(getattr(serializer, "response", serializer), dict)
        return super().response_for_code(serializer, status_code, media_types, direction, framed=framed and not raw)

    def path_parameters(self, variables, generic_relationship_route=True):
        return super().path_parameters(variables, generic_relationship_route and "related_field" in variables)


class JWTScheme(OpenApiAuthenticationExtension):
    """Both ``Authorization: JWT <token>`` (Open Event's scheme) and ``Bearer <token>`` are accepted."""

    target_class = "eventsite.api.authentication.JWTAuthentication"
    name = "jwt"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from /v1/auth/login, as `Bearer <token>` or `JWT <token>`.",
        }


def _is_identifier(node) -> bool:
    props = node.get("properties") if isinstance(node, dict) else None
    return isinstance(props, dict) and "type" in props and "id" in props and set(props) <= {"type", "id", "meta"}


def _fix_linkage(data: dict) -> None:
    """A relationship's ``data``: ids are strings in JSON:API; a to-one linkage may be null."""
    if data.get("type") == "array":
        data = data.get("items", {})
    elif data.get("type") == "object":
        data["nullable"] = True
    if isinstance(data, dict) and "properties" in data and "id" in data["properties"]:
        data["properties"]["id"] = {"type": "string"}


def _walk(node) -> None:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            relationships = props.get("relationships", {}).get("properties", {})
            for relation in relationships.values():
                for variant in [relation, *relation.get("anyOf", []), *relation.get("oneOf", [])]:
                    data = variant.get("properties", {}).get("data") if isinstance(variant, dict) else None
                    if isinstance(data, dict):
                        _fix_linkage(data)
            # a resource object (``type`` + ``attributes``) has a string ``id`` in responses
            if "type" in props and "attributes" in props and node.get("additionalProperties") is False:
                props.setdefault("id", {"type": "string"})
                if props["id"].get("type") == "integer":
                    props["id"] = {"type": "string"}
        if _is_identifier(node) and node["properties"]["id"].get("type") == "integer":
            node["properties"]["id"] = {"type": "string"}
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def fix_jsonapi_ids(result, generator, request, public):
    """Postprocessing hook for what drf-spectacular-jsonapi gets wrong, found by the fuzzer
    (reliability/tests/test_fuzz.py): linkage ids are strings, not integers; an empty to-one linkage is ``null``;
    a response resource may lack any attribute or relationship (sparse fieldsets); responses carry the ``id``."""
    schemas = result.get("components", {}).get("schemas", {})
    _walk(schemas)
    for name, schema in schemas.items():
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        if not name.endswith("Request"):
            # responses: sparse fieldsets (``fields[type]``) may leave out any attribute or relationship
            for member in ("attributes", "relationships"):
                if isinstance(props.get(member), dict):
                    props[member].pop("required", None)
        if name.endswith("RelationShips") and "oneOf" in schema:
            # an empty to-one relationship's linkage is null (anyOf: the null alternative need not exclude others)
            schema["anyOf"] = [*schema.pop("oneOf"), {"type": "object", "nullable": True, "enum": [None]}]
            # our relationship views name the relationship in the URL, and drf-spectacular-jsonapi gives their
            # linkage the parent's type (``event`` for an event's organizers, who are ``user``s): any type then
            for variant in schema["anyOf"]:
                target = variant.get("items", variant)
                if isinstance(target.get("properties", {}).get("type"), dict):
                    target["properties"]["type"] = {"type": "string"}
    _frame_relationship_requests(result.get("paths", {}))
    return result


def _frame_relationship_requests(paths: dict) -> None:
    """A request to ``/relationships/<name>`` is a document (``{"data": linkage}``), not the bare linkage that
    drf-spectacular-jsonapi documents; a to-many relationship's DELETE takes the same document as its POST."""
    for path, operations in paths.items():
        if "/relationships/" not in path:
            continue
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            for media in content.values():
                if "RelationShips" in media.get("schema", {}).get("$ref", ""):
                    media["schema"] = {"type": "object", "required": ["data"], "properties": {"data": media["schema"]}}
        if "post" in operations and "delete" in operations and "requestBody" in operations["post"]:
            operations["delete"].setdefault("requestBody", operations["post"]["requestBody"])
