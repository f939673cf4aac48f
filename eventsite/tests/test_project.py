"""Project-level promises: migrations reverse cleanly, the demo loads, users log in by e-mail."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest

from discounts.models import DiscountCode
from eventsite.models import Event, User


@pytest.mark.django_db(transaction=True)
def test_every_migration_reverses_to_zero_and_applies_again():
    for app in ("tickets", "discounts", "eventsite"):
        call_command("migrate", app, "zero", verbosity=0)
    tables = set(connection.introspection.table_names())
    assert not {"tickets_ticket", "discounts_discountcode", "eventsite_event"} & tables
    call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert {"tickets_ticket", "discounts_discountcode", "eventsite_event"} <= set(
        connection.introspection.table_names()
    )


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_demo_loads_a_ticket_code_with_two_tickets_and_prints_a_login(capsys, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-pass-123")
    call_command("demo")
    call_command("demo")  # a second run adds nothing
    out = capsys.readouterr().out
    assert "Admin login: admin@example.com / demo-pass-123" in out
    assert Event.objects.count() == 1
    early = DiscountCode.objects.get(code="EARLY10")
    assert sorted(early.tickets.values_list("name", flat=True)) == ["Early bird", "Student"]
    assert DiscountCode.objects.get(code="TEAM20").tickets.count() == 0
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_superuser and admin.check_password("demo-pass-123") and admin.email_verified_at is not None


@pytest.mark.django_db
def test_createsuperuser_without_prompts_by_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    call_command("createsuperuser", "--noinput", "--email", "a@b.c", verbosity=0)
    user = User.objects.get(email="a@b.c")
    assert user.is_superuser and user.check_password("a-long-enough-password")
    assert user.email_verified_at is not None  # the operator typed their own address


@pytest.mark.django_db
def test_e_mail_login_ignores_letter_case(client):
    User.objects.create_user(email="Alice@Example.org", password="pw-123-abc-xyz")
    # django-axes (the admin log-in's guard) needs the request that logs in.
    assert client.login(request=HttpRequest(), username="alice@example.org", password="pw-123-abc-xyz")
