"""Every number a client sends is bounded before any work (issue 12, attack 8): code generation's ``length`` of
300,000,000 built a 300 MB string before it was refused, in the API and the admin form alike.

The members are generated from the declarations: every writable integer or decimal member of every serializer of
the project (nested lines included) and of the admin's forms gets huge values; each answer is a 4xx with a pointer
to the member (a form error in the admin), nothing is written, and the memory the request allocates stays small
(tracemalloc's peak). A serializer with numeric members but no row here fails ("add a row")."""

import json
import tracemalloc
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework import serializers as drf
from rest_framework.test import APIClient

from discounts.models import DiscountCode
from eventsite.rules import MAX_COUNT
from eventsite.tests.factories import TicketFactory
from eventsite.tests.forms import form_data
from orders.models import Order
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

#: Larger than any bound, in the shapes a client may send them: just above the largest count, a bigint, past a
#: bigint, the attack's length, and a number of 4,000 digits (Python reads at most 4,300).
HUGE = [MAX_COUNT + 1, 10**18, 2**63, 300_000_000_000, int("9" * 4000)]
HUGE_MONEY = ["1e400000000", 10**12, "9" * 4000]
#: A request may allocate this much (it is ~1 MB for the largest refused body); 300 MB strings need not apply.
MEMORY_LIMIT = 8 * 1024 * 1024


def peak_memory(call):
    """``call()``'s result and the most memory it held at once beyond what was held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = call()
        return result, tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def numeric_members(serializer, prefix=()) -> list[tuple[tuple, drf.Field]]:
    """Writable integer and decimal members, as paths into the attributes (``("tickets", 0, "quantity")``)."""
    found = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, drf.ListSerializer):
            found += numeric_members(field.child, (*prefix, name, 0))
        elif isinstance(field, drf.IntegerField | drf.DecimalField):
            found.append(((*prefix, name), field))
    return found


def dasherize(path: tuple) -> tuple:
    return tuple(p.replace("_", "-") if isinstance(p, str) else p for p in path)


# (serializer, method, url, body(ids) -> document, where the attributes are, media type). Bodies are valid
# requests, so a refusal is about the number.
def ticket_document(ids):
    return {
        "data": {
            "type": "ticket",
            "attributes": {"name": "Bounded", "ticket-type": "paid", "price": "10.00"},
            "relationships": {"event": {"data": {"type": "event", "id": str(ids["event"])}}},
        }
    }


def code_document(ids):
    return {
        "data": {
            "type": "discount-code",
            "attributes": {"code": "BOUNDED", "value": "5.00", "discount-type": "amount", "used-for": "event"},
            "relationships": {"event": {"data": {"type": "event", "id": str(ids["event"])}}},
        }
    }


def generation_document(ids):
    attributes = {"count": 2, "length": 8, "discount-type": "amount", "value": "5.00", "used-for": "event"}
    return {"data": {"type": "code-generation", "attributes": attributes}}


def order_document(ids):
    return {"data": {"type": "order", "attributes": {"tickets": [{"id": str(ids["ticket"]), "quantity": 1}]}}}


def quote_document(ids):
    return {"tickets": [{"id": str(ids["ticket"]), "quantity": 1}]}


JSONAPI = "application/vnd.api+json"
ROUTES = {
    "tickets.serializers.TicketSerializer": ("/v1/tickets", ticket_document, JSONAPI),
    "discounts.serializers.DiscountCodeSerializer": ("/v1/discount-codes", code_document, JSONAPI),
    "discounts.campaign_views.CodeGenerationSerializer": (
        "/v1/events/{event}/code-generations",
        generation_document,
        JSONAPI,
    ),
    "orders.serializers.OrderSerializer": ("/v1/orders", order_document, JSONAPI),
    "orders.serializers.QuoteRequestSerializer": ("/v1/orders/calculate-amount", quote_document, "application/json"),
}
#: Serializers that only describe responses to the schema, or take no number.
NOT_REQUESTS = {
    "orders.report_views.CodeReportSerializer",
    "orders.report_views.TicketFiguresSerializer",
    "orders.report_views.DayUsesSerializer",
    "orders.serializers.LineSerializer",  # the lines of orders and quotes, reached through them
    "discounts.serializers.PublicDiscountCodeSerializer",  # the public check answers GET only
}


def project_serializers() -> dict[str, type]:
    """Every serializer class of the project's apps (the URL configuration imports every view, and so them)."""
    import eventsite.urls  # noqa: F401

    found, todo = {}, [drf.BaseSerializer]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        module = cls.__module__
        if module.split(".")[0] in {"eventsite", "discounts", "tickets", "orders"} and ".tests" not in module:
            found[f"{module}.{cls.__qualname__}"] = cls
    return found


def test_every_serializer_that_takes_a_number_has_a_row():
    missing = [
        name
        for name, cls in project_serializers().items()
        if name not in ROUTES and name not in NOT_REQUESTS and numeric_members(cls())
    ]
    assert not missing, f"add a row to ROUTES for {missing}"


def cases():
    serializers = project_serializers()
    for name in ROUTES:
        for path, field in numeric_members(serializers[name]()):
            values = HUGE_MONEY if isinstance(field, drf.DecimalField) else HUGE
            for value in values:
                shown = str(value) if len(str(value)) < 20 else f"{str(value)[:6]}…({len(str(value))})"
                where = ".".join(map(str, path))
                yield pytest.param(name, path, value, id=f"{name.rsplit('.', 1)[1]}-{where}-{shown}")


@pytest.fixture
def world(event, organizer):
    ticket = TicketFactory(event=event, name="General", price=Decimal("50.00"))
    return {"event": event.pk, "ticket": ticket.pk, "user": organizer}


def counts():
    return (Ticket.objects.count(), DiscountCode.objects.count(), Order.objects.count())


@pytest.mark.parametrize(("serializer", "member", "value"), list(cases()))
def test_a_huge_number_is_refused_before_any_work(world, serializer, member, value, api):
    url, document, media = ROUTES[serializer]
    body = document(world)
    target = body if media != JSONAPI else body["data"]["attributes"]
    path = dasherize(member)
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    client = APIClient()
    if media == JSONAPI:
        client = api(world["user"]).client
    text = json.dumps(body)
    before = counts()
    send = lambda: client.post(url.format(**world), data=text, content_type=media)  # noqa: E731
    send()  # warm: the first request of a kind fills caches that are no one's concern here
    response, peak = peak_memory(send)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response.status_code != 413
    assert counts() == before
    assert peak < MEMORY_LIMIT, f"{peak / 2**20:.1f} MiB for one request"
    pointers = {e.get("source", {}).get("pointer", "") for e in response.json()["errors"]}
    where = "/data/attributes/" if media == JSONAPI else "/"
    assert where + "/".join(map(str, path)) in pointers, pointers


QUERIES = [("/v1/tickets", {"page[size]": str(value)}) for value in (MAX_COUNT + 1, 10**18, "9" * 4000)] + [
    ("/v1/tickets", {"page[number]": "9" * 4000}),
    ("/v1/tickets", {"page[number]": str(10**18)}),
    ("/v1/tickets", {"filter[event]": str(10**30)}),
    ("/v1/tickets", {"filter[discount-code]": "1e400000000"}),
    ("/v1/discount-codes", {"filter[event]": str(10**30)}),
    ("/v1/orders", {"filter[event]": str(10**30)}),
    ("/v1/events/{event}/discount-code-report", {"page[size]": str(10**18)}),
    ("/v1/events/{event}/history", {"page[number]": str(10**18)}),
    ("/v1/events/{event}/history", {"filter[door]": "x" * 4000}),
]


@pytest.mark.parametrize(("url", "params"), QUERIES)
def test_a_huge_query_parameter_is_refused_or_matches_nothing(world, api, url, params):
    client = api(world["user"])
    url = url.format(**world)
    client.get(url, params)
    response, peak = peak_memory(lambda: client.get(url, params))
    assert response.status_code in (200, 400, 404), response.content[:300]
    if response.status_code == 200:
        assert response.json()["data"] == []
    assert peak < MEMORY_LIMIT


def test_a_huge_idempotency_key_is_refused(world, api):
    body = order_document(world)
    response, peak = peak_memory(
        lambda: api(world["user"]).post("/v1/orders", body, HTTP_IDEMPOTENCY_KEY="k" * 100_000)
    )
    assert response.status_code == 422
    assert not Order.objects.exists()
    assert peak < MEMORY_LIMIT


# The admin's forms --------------------------------------------------------------------------------------------


def integer_fields(form_class) -> list[str]:
    from django import forms

    return [
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.IntegerField | forms.DecimalField) and not field.disabled
    ]


def generation_form_cases():
    from django import forms

    from discounts.admin_campaigns import GenerateCodesForm

    for name in integer_fields(GenerateCodesForm):
        money = isinstance(GenerateCodesForm.base_fields[name], forms.DecimalField)
        for value in HUGE_MONEY if money else (MAX_COUNT + 1, 10**18, "9" * 4000):
            yield pytest.param(name, value, id=f"{name}-{str(value)[:12]}")


@pytest.mark.parametrize(("field", "value"), list(generation_form_cases()))
def test_the_admin_generation_form_refuses_a_huge_number(client, world, field, value):
    from discounts.admin_campaigns import GenerateCodesForm

    client.force_login(world["user"])
    url = reverse("admin:discounts_discountcode_generate")
    data = {
        "event": world["event"],
        "count": 2,
        "prefix": "",
        "length": 8,
        "alphabet": "ABCDEFGHJK",
        "used_for": "event",
        "type": "amount",
        "value": "5",
        "tickets_number": "",
        "min_quantity": "1",
        "max_quantity": "",
        "is_active": "on",
    } | {field: str(value)}
    assert set(integer_fields(GenerateCodesForm)) <= set(data)
    client.post(url, data)  # warm
    response, peak = peak_memory(lambda: client.post(url, data))
    assert response.status_code == 200  # the form again, not a redirect to the new codes
    assert field in response.context["form"].errors
    assert not DiscountCode.objects.exists()
    assert peak < MEMORY_LIMIT


@pytest.mark.parametrize(("model", "form_id"), [(DiscountCode, "discountcode_form"), (Ticket, "ticket_form")])
def test_the_admin_add_forms_refuse_a_huge_number(client, rf, world, model, form_id):
    """Each integer field of the admin's add form (as the organizer gets it) with a number above the largest."""
    from django import forms
    from django.contrib import admin

    request = rf.get("/")
    request.user = world["user"]
    fields = integer_fields(admin.site._registry[model].get_form(request))
    assert fields
    client.force_login(world["user"])
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    valid = form_data(client.get(url).content.decode(), form_id) | {
        "event": [str(world["event"])],
        "code": ["BOUNDED"],
        "name": ["Bounded"],
        "value": ["5"],
        "price": ["10"],
        "used_for": ["event"],
    }
    form = admin.site._registry[model].get_form(request)()
    for field in fields:
        before = counts()
        value = HUGE_MONEY[1] if isinstance(form.fields[field], forms.DecimalField) else MAX_COUNT + 1
        response = client.post(url, valid | {field: [str(value)]})
        assert response.status_code == 200, (field, response.status_code)  # the form again, with the error
        assert field in response.context["adminform"].form.errors, field
        assert counts() == before


def test_the_attack_a_length_of_300_million_is_refused_at_once(client, world, api):
    """Issue 12, attack 8, as it was tried: ``length`` 300,000,000 in the API and in the admin's form."""
    body = generation_document(world)
    body["data"]["attributes"]["length"] = 300_000_000
    url = f"/v1/events/{world['event']}/code-generations"
    response, peak = peak_memory(lambda: api(world["user"]).post(url, body))
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/length"
    assert peak < MEMORY_LIMIT

    client.force_login(world["user"])
    data = {"event": world["event"], "count": 2, "length": 300_000_000, "alphabet": "ABCDEFGHJK"}
    data |= {"used_for": "event", "type": "amount", "value": "5", "min_quantity": "1", "is_active": "on"}
    response, peak = peak_memory(lambda: client.post(reverse("admin:discounts_discountcode_generate"), data))
    assert "length" in response.context["form"].errors
    assert not DiscountCode.objects.exists()
    assert peak < MEMORY_LIMIT
