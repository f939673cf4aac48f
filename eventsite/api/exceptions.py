"""Every API error as a JSON:API error document: one handler, so no view formats an error by hand.

- ``RuleError`` from the rules modules: each problem becomes an error object whose status comes from its
  kind (422 invalid, 409 conflict, 404 not found) and whose ``source.pointer`` names the member it is about.
- DRF validation errors from serializers are 422 (the document was understood; its content is wrong).
- Bad query parameters are 400 with ``source.parameter``; a body that is not a JSON:API document is 400.
- A database that is unreachable is 503; an integrity error that slipped past the rules is 409.
- ``DocumentError``: problems found in the request document itself (an unknown member, a bad linkage item),
  each with the JSON pointer of the offending member or item.
- A failed log-in (no token, a bad or expired one) is one error object, whatever the authentication library
  put in its detail.

Every error object holds JSON:API's members only (``status``, ``code``, ``title``, ``detail``, ``source``...);
anything else a library adds goes under ``meta``.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import ListSerializer
from rest_framework_json_api import exceptions as jsonapi_exceptions
from rest_framework_json_api.utils import format_field_name, is_relationship_field

from eventsite.errors import Kind, RuleError

logger = logging.getLogger(__name__)

STATUS_OF_KIND = {Kind.INVALID: 422, Kind.CONFLICT: 409, Kind.NOT_FOUND: 404}
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Server error",
    503: "Service unavailable",
}


class InvalidQueryParameter(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_query_parameter"

    def __init__(self, detail: str, parameter: str | None = None):
        super().__init__(detail)
        self.parameter = parameter


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; try again shortly."
    default_code = "service_unavailable"


@dataclass(frozen=True)
class DocumentProblem:
    pointer: str
    detail: str
    code: str
    status: int = 422


class DocumentError(exceptions.APIException):
    """Problems in the request document, one error object each at its pointer. Not a ``ValidationError``, so
    a serializer field may raise it and DRF passes it through instead of nesting it under the field's name."""

    def __init__(self, problems: list[DocumentProblem] | DocumentProblem):
        self.problems = [problems] if isinstance(problems, DocumentProblem) else list(problems)
        statuses = {p.status for p in self.problems}
        self.status_code = 404 if 404 in statuses else 409 if 409 in statuses else max(statuses)
        super().__init__("; ".join(p.detail for p in self.problems), self.problems[0].code)


#: The members JSON:API allows in an error object.
ERROR_MEMBERS = frozenset({"id", "links", "status", "code", "title", "detail", "source", "meta"})


def jsonapi_error(error: dict) -> dict:
    """An error object with JSON:API's members only; whatever else it holds is moved under ``meta``."""
    extra = {key: error.pop(key) for key in list(error) if key not in ERROR_MEMBERS}
    if extra:
        error["meta"] = {**error.get("meta", {}), **extra}
    return error


def authentication_error(exc: exceptions.APIException) -> dict:
    """One error object for a failed log-in. simplejwt's detail for a bad token is a dict with ``detail``,
    ``code`` and a list of ``messages`` (one per token class tried), which would otherwise become three."""
    detail, code = exc.detail, None
    if isinstance(detail, dict):
        code = detail.get("code")
        detail = detail.get("detail", "")
    elif isinstance(detail, list):
        detail = " ".join(map(str, detail))
    code = str(code or getattr(detail, "code", None) or exc.default_code)
    return error_object(exc.status_code, code, str(detail))


def error_object(status_code: int, code: str, detail: str, pointer: str | None = None, **source) -> dict:
    error = {"status": str(status_code), "code": code, "title": TITLES.get(status_code, ""), "detail": str(detail)}
    if pointer is not None:
        source["pointer"] = pointer
    if source:
        error["source"] = source
    return error


def errors_response(errors: list[dict], status_code: int, view=None) -> Response:
    if view is not None and jsonapi_exceptions.rendered_with_json_api(view):
        view.resource_name = "errors"  # DJA's renderer then writes {"errors": [...]}
        return Response(errors, status=status_code)
    return Response({"errors": errors}, status=status_code)


def pointer_for(view, field: str | None) -> str:
    """The JSON:API member a model field or relation is shown as, found from the view's serializer."""
    if field is None:
        return "/data"
    if getattr(view, "is_relationship_view", False):
        return "/data"
    if "/" in field:  # a path into a member, e.g. "tickets/0/quantity"
        head, rest = field.split("/", 1)
        return f"{pointer_for(view, head)}/{rest}"
    serializer = None
    try:
        serializer = view.get_serializer()
    except Exception:
        serializer = None
    if isinstance(serializer, ListSerializer):
        serializer = serializer.child
    if serializer is not None:
        fields = serializer.fields.items()
        for matches in (lambda name, m: name == field or m.source == field, lambda name, m: m.source == f"{field}_id"):
            for name, member in fields:
                if matches(name, member):
                    section = "relationships" if is_relationship_field(member) else "attributes"
                    return f"/data/{section}/{format_field_name(name)}"
    return f"/data/attributes/{format_field_name(field)}"


def status_of(problems) -> int:
    """The status of an answer to several problems: 404 if one is "not found", else 409 if one is a conflict,
    else 422 (each error object keeps its own status)."""
    statuses = {STATUS_OF_KIND[p.kind] for p in problems}
    return 404 if 404 in statuses else 409 if 409 in statuses else 422


def rule_error_response(exc: RuleError, view) -> Response:
    problems = exc.problems
    status_code = status_of(problems)
    errors = []
    for problem in problems:
        pointer = None if problem.kind is Kind.NOT_FOUND else pointer_for(view, problem.field)
        errors.append(error_object(STATUS_OF_KIND[problem.kind], problem.code, problem.message, pointer))
    return errors_response(errors, status_code, view)


#: Methods whose requests have no body: nothing in their errors can point into one (nor in a DELETE's without one).
BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Exceptions about the document (its content, or its shape: a missing ``data`` is pointed at as ``/data``); any
#: other (405, 406, 415, 429, 403...) is about the request as a whole, and DRF-JSONAPI's pointer ``/data`` on it
#: would name a member that is not at fault.
DOCUMENT_EXCEPTIONS = (
    exceptions.ValidationError,
    exceptions.ParseError,
    DjangoValidationError,
    DocumentError,
    RuleError,
)


def has_no_body(request) -> bool:
    if request.method in BODYLESS_METHODS:
        return True
    if request.method != "DELETE":
        return False
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) == 0
    except ValueError:
        return False


def exception_handler(exc, context):
    view = context.get("view")
    request = context.get("request")
    response = _handle(exc, context, view)
    if response is not None and isinstance(response.data, (list, dict)):
        errors = response.data if isinstance(response.data, list) else response.data.get("errors", [])
        bodyless = request is not None and has_no_body(request)
        for error in errors:
            if isinstance(error, dict):
                jsonapi_error(error)
                if bodyless or not isinstance(exc, DOCUMENT_EXCEPTIONS):
                    drop_pointer(error)
    return response


def drop_pointer(error: dict) -> None:
    """Leave ``source.parameter`` (a query parameter), drop ``source.pointer`` (see ``exception_handler``)."""
    source = error.get("source")
    if isinstance(source, dict) and "pointer" in source:
        del source["pointer"]
        if not source:
            del error["source"]


def _handle(exc, context, view):
    if isinstance(exc, RuleError):
        return rule_error_response(exc, view)
    if isinstance(exc, DocumentError):
        errors = [error_object(p.status, p.code, p.detail, p.pointer) for p in exc.problems]
        return errors_response(errors, exc.status_code, view)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response = errors_response([authentication_error(exc)], exc.status_code, view)
        if exc.status_code == 401:
            response["WWW-Authenticate"] = 'JWT realm="api", Bearer realm="api"'
        return response
    if isinstance(exc, InvalidQueryParameter):
        return errors_response(
            [error_object(400, exc.default_code, exc.detail, parameter=exc.parameter)]
            if exc.parameter
            else [error_object(400, exc.default_code, exc.detail)],
            400,
            view,
        )
    if isinstance(exc, DjangoValidationError):
        messages = exc.messages
        return errors_response([error_object(422, "invalid", m, "/data") for m in messages], 422, view)
    if isinstance(exc, IntegrityError):
        logger.warning("integrity error reached the API: %s", exc)
        return errors_response(
            [error_object(409, "conflict", "The change clashes with data changed at the same time; try again.")],
            409,
            view,
        )
    if isinstance(exc, (OperationalError, InterfaceError, DatabaseError)):
        logger.error("database unavailable: %s", exc)
        exc = ServiceUnavailable()
    if isinstance(exc, (Http404, exceptions.NotFound)):
        detail = getattr(exc, "detail", None) or "Not found."
        if isinstance(exc, Http404):
            detail = "Not found."
        return errors_response([error_object(404, "not_found", detail)], 404, view)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = jsonapi_exceptions.exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.status_code = 422
    errors = response.data if isinstance(response.data, list) else response.data.get("errors", [])
    for error in errors:
        error["status"] = str(response.status_code)
        pointer = error.get("source", {}).get("pointer", "")
        if pointer.endswith("/non_field_errors"):  # DRF's name for "the member as a whole"
            error["source"]["pointer"] = pointer.removesuffix("/non_field_errors")
        error.setdefault("title", TITLES.get(response.status_code, ""))
        if isinstance(exc, exceptions.ValidationError):
            error.setdefault("code", "invalid")
    return response
