"""Django internals we rely on (Django 5.2)."""

from django.db.models import QuerySet


def has_prefetch(queryset: QuerySet) -> bool:
    """Whether ``prefetch_related`` was called on ``queryset``.

    Why: ``eventsite.prepared.PreparedQuery`` runs a queryset's compiled SQL itself, which silently drops a
    prefetch; it refuses such querysets so the mistake shows in tests. Django has no public way to ask (the
    lookups live in ``QuerySet._prefetch_related_lookups``).
    """
    return bool(queryset._prefetch_related_lookups)
