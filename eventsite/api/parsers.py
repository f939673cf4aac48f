"""Request bodies: JSON:API documents (and plain JSON for the auth endpoints), read defensively.

DRF-JSONAPI's parser assumes a well-formed document; a list where an object belongs, or a deeply nested
body, would surface as a 500. Here any such body is a 400 naming the problem, and a body larger than
``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 before it is parsed. A resource object sent to create or update a
resource is then checked against the endpoint's serializer (``documents.checked``: unknown members, null).
"""

import io

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework import exceptions, parsers, status
from rest_framework_json_api import parsers as jsonapi_parsers
from rest_framework_json_api.utils import get_resource_name

from . import documents


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def read_bounded(stream) -> io.BytesIO:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = stream.read(limit + 1) if stream is not None else b""
    if len(body) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return io.BytesIO(body)


class BoundedJSONMixin:
    def parse(self, stream, media_type=None, parser_context=None):
        stream = read_bounded(stream)
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("The JSON document is nested too deeply.") from error


class JSONParser(BoundedJSONMixin, parsers.JSONParser):
    pass


class JSONAPIParser(BoundedJSONMixin, jsonapi_parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # JSON:API: a media type parameter other than ``profile`` (we support no ``ext``) is a 415.
        _, params = parse_header_parameters(media_type or "")
        if set(params) - {"profile", "charset"}:
            raise exceptions.UnsupportedMediaType(media_type)
        return super().parse(stream, media_type=media_type, parser_context=parser_context)

    def parse_data(self, result, parser_context):
        if isinstance(result, dict):
            data = result.get("data")
            items = data if isinstance(data, list) else [data]
            for item in items:
                if item is not None and not isinstance(item, dict):
                    raise exceptions.ParseError("“data” must hold resource objects or resource identifiers.")
                if isinstance(item, dict):
                    for member in ("attributes", "relationships", "meta"):
                        if member in item and not isinstance(item[member], dict):
                            raise exceptions.ParseError(f"“{member}” must be an object.")
                    for name, relation in (item.get("relationships") or {}).items():
                        if not isinstance(relation, dict) or "data" not in relation:
                            raise exceptions.ParseError(f"The relationship “{name}” needs a “data” member.")
        parsed = super().parse_data(result, parser_context)
        from rest_framework_json_api.views import RelationshipView  # imports DRF's views, which import this module

        view = (parser_context or {}).get("view")
        request = (parser_context or {}).get("request")
        if (
            request is None
            or request.method not in ("POST", "PATCH")
            or isinstance(view, RelationshipView)
            or not hasattr(view, "get_serializer")
        ):
            return parsed
        return documents.checked(
            parsed,
            result["data"],
            view.get_serializer(),
            resource_type=str(get_resource_name(parser_context)),
            creating=request.method == "POST",
        )
