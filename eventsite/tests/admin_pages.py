"""Every page of the admin, derived from its registry: what the query-budget tests and ``bench/admin.py`` visit.

For every registered ModelAdmin: its changelist (and a search when it has ``search_fields``), the change page of
one object, the add page, its autocomplete endpoint (when it has ``search_fields`` and a registered model points
at it) and every page its own ``get_urls`` adds (the campaign and report pages), their URL parameters filled
from the object (``object_id`` its id, ``event_id`` its event). A new ModelAdmin or a new page of one is listed
without a line here.
"""

from collections.abc import Callable

from django.apps import apps
from django.db.models import ForeignKey, ManyToOneRel, Model
from django.urls import NoReverseMatch, reverse

#: URL names of the admin's own pages of a ModelAdmin (everything else in its get_urls is the project's).
STANDARD_PAGES = ("changelist", "add", "history", "delete", "change")


def registered_models(site) -> list[type[Model]]:
    return [model for model in apps.get_models() if site.is_registered(model)]


def autocomplete_source(site, model):
    """A field of a registered model pointing at ``model`` (a foreign key rather than a reverse relation), or None."""
    sources = [
        f
        for m in registered_models(site)
        for f in m._meta.get_fields()
        if isinstance(f, ForeignKey | ManyToOneRel)
        and f.related_model is model
        and not (isinstance(f, ForeignKey) and f.remote_field.parent_link)
    ]
    return min(sources, key=lambda f: not isinstance(f, ForeignKey), default=None)


def search_term(obj) -> str:
    """A word of the object's text (what a user would type), or a letter."""
    text = str(obj) if obj is not None else "a"
    word = next((w for w in text.replace("@", " ").split() if len(w) >= 2), "a")
    return word[:12]


def admin_pages(site, sample: Callable, variants: dict | None = None) -> list[dict]:
    """``{"model", "page", "url"}`` of every page (``url`` None, with a ``note``, when no object is there to show).

    ``sample(model_admin)`` gives the object of the change page; ``variants`` maps a model's label to extra
    changelist queries ``[(query string, what it is)]``.
    """
    pages = []
    for model in registered_models(site):
        model_admin = site.get_model_admin(model)
        opts = model._meta
        base = f"{site.name}:{opts.app_label}_{opts.model_name}"
        label = opts.label_lower
        obj = sample(model_admin)
        changelist = reverse(f"{base}_changelist")
        pages.append({"model": label, "page": "changelist", "url": changelist})
        if model_admin.search_fields:
            term = search_term(obj)
            pages.append({"model": label, "page": f"changelist ?q={term}", "url": f"{changelist}?q={term}"})
        for query, what in (variants or {}).get(label, []):
            pages.append({"model": label, "page": f"changelist ({what})", "url": f"{changelist}?{query}"})
        if obj is not None:
            pages.append({"model": label, "page": "change", "url": reverse(f"{base}_change", args=[obj.pk])})
        else:
            pages.append({"model": label, "page": "change", "url": None, "note": "no row"})
        pages.append({"model": label, "page": "add", "url": reverse(f"{base}_add")})
        source = autocomplete_source(site, model) if model_admin.search_fields else None
        if source is not None:
            query = (
                f"app_label={source.model._meta.app_label}&model_name={source.model._meta.model_name}"
                f"&field_name={source.name}&term="
            )
            pages.append(
                {
                    "model": label,
                    "page": f"autocomplete (via {source.model._meta.model_name}.{source.name})",
                    "url": reverse(f"{site.name}:autocomplete") + "?" + query,
                }
            )
        prefix = f"{opts.app_label}_{opts.model_name}_"
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if not name or not name.startswith(prefix) or name[len(prefix) :] in STANDARD_PAGES:
                continue
            page = name[len(prefix) :]
            kwargs = {
                param: (obj.pk if param == "object_id" else getattr(obj, param, None)) if obj is not None else None
                for param in pattern.pattern.regex.groupindex
            }
            if any(value is None for value in kwargs.values()):
                pages.append({"model": label, "page": page, "url": None, "note": "no row"})
                continue
            try:
                url = reverse(f"{site.name}:{name}", kwargs=kwargs)
            except NoReverseMatch:
                pages.append({"model": label, "page": page, "url": None, "note": "parameters unknown"})
                continue
            pages.append({"model": label, "page": page, "url": url})
    return pages
