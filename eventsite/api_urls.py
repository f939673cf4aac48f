"""``/v1/``: the JSON:API. Each app lists its own routes; this file only puts them under one prefix."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from . import views
from .api.docs import DocsView, SchemaView
from .errorpages import page_not_found

events = views.EventViewSet
users = views.UserViewSet
invitations = views.OrganizerInvitationViewSet

urlpatterns = [
    path("schema", SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the page runs under a CSP without inline scripts.
    path("docs", DocsView.as_view(url_name="schema"), name="docs"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/token/refresh", views.RefreshView.as_view(), name="auth-token-refresh"),
    path("auth/change-password", views.ChangePasswordView.as_view(), name="auth-change-password"),
    path("auth/reset-password", views.ResetPasswordView.as_view(), name="auth-reset-password"),
    path("auth/verify-email", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    path("auth/verify-email/resend", views.ResendVerificationView.as_view(), name="auth-verify-email-resend"),
    path("users", users.as_view({"post": "create"}), name="user-list"),
    path("users/<id:pk>", users.as_view({"get": "retrieve"}), name="user-detail"),
    path("events", events.as_view({"get": "list", "post": "create"}), name="event-list"),
    path(
        "events/<id:pk>",
        events.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="event-detail",
    ),
    path(
        "events/<id:pk>/relationships/organizers",
        views.EventOrganizersRelationship.as_view(),
        name="event-relationships-organizers",
    ),
    path(
        "events/<id:event_pk>/organizer-invitations",
        invitations.as_view({"post": "create"}),
        name="event-organizer-invitations",
    ),
    path("organizer-invitations", invitations.as_view({"get": "list"}), name="organizer-invitation-list"),
    path(
        "organizer-invitations/<id:pk>",
        invitations.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="organizer-invitation-detail",
    ),
    path("", include("tickets.urls")),
    path("", include("discounts.urls")),
    path("", include("orders.urls")),
    path("", include("history.urls")),
    # Anything else under /v1/ is a JSON:API 404 for every method, with DEBUG on too (Django's debug page is
    # HTML). CSRF-exempt like every API view: the API authenticates by token, never by cookie, and Django's CSRF
    # check would otherwise answer a POST here with its HTML 403 page instead of the 404.
    re_path(r"^.*$", csrf_exempt(page_not_found)),
]
