"""API views of users, log-in tokens and events."""

from django.contrib.auth import authenticate, user_logged_in
from django.db import transaction
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, permissions, renderers, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from . import rules
from .api.parsers import JSONParser
from .api.permissions import ReadPublicWriteManagers
from .api.throttling import GuardedScopedRateThrottle, RefreshThrottle, SignUpThrottle
from .api.views import RelationshipView, ResourceViewSet, StrictQueryMixin
from .errors import Kind, Problem, RuleError
from .lockout import cool_off_seconds, locked_out_message
from .models import Event, User
from .serializers import EventSerializer, UserSerializer

EMAIL_TAKEN = "An account with this e-mail address exists already."
WRONG_CREDENTIALS = "E-mail address or password is wrong."


class UserViewSet(StrictQueryMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """``POST /v1/users`` signs up (public); ``GET /v1/users/{id}`` shows oneself (admins: anyone)."""

    serializer_class = UserSerializer
    queryset = User.objects.none()

    def get_permissions(self):
        if self.action == "create":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        # Accounts cost nothing but a request: signing up is throttled per client (SIGNUP_RATE).
        return [SignUpThrottle()] if self.action == "create" else []

    def get_queryset(self):
        user = self.request.user
        if user.is_superuser:
            return User.objects.all()
        return User.objects.filter(pk=user.pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        with transaction.atomic():
            if User.objects.filter(email__iexact=data["email"]).exists():
                raise RuleError(Problem("email", EMAIL_TAKEN, "email_taken", Kind.CONFLICT))
            serializer.instance = User.objects.create_user(
                email=data["email"],
                password=data["password"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )


class TokenView(APIView):
    """The auth endpoints take and give plain JSON (``application/json``), as Open Event's do."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser]
    renderer_classes = [renderers.JSONRenderer]
    throttle_classes = [GuardedScopedRateThrottle]
    throttle_scope = "auth"

    def get_authenticate_header(self, request):
        # Wrong credentials are a 401 (DRF makes it a 403 for views without an authentication scheme).
        return 'JWT realm="api"'

    def field(self, name: str) -> str:
        data = self.request.data
        value = data.get(name) if isinstance(data, dict) else None
        if not isinstance(value, str) or not value:
            raise exceptions.ValidationError({name: ["This field is required."]})
        if "\x00" in value:  # PostgreSQL refuses a NUL in a query: an answer, not a 500
            raise exceptions.ValidationError({name: ["Null characters are not allowed."]})
        return value


TOKENS = inline_serializer(
    "Tokens", {"access_token": drf_serializers.CharField(), "refresh_token": drf_serializers.CharField()}
)


@extend_schema_view(
    post=extend_schema(
        request=inline_serializer(
            "Credentials", {"email": drf_serializers.EmailField(), "password": drf_serializers.CharField()}
        ),
        responses={
            200: TOKENS,
            401: OpenApiResponse(description="Wrong credentials"),
            429: OpenApiResponse(description="Too many log-ins from this client, or this e-mail address locked out"),
        },
    )
)
class LoginView(TokenView):
    """``POST /v1/auth/login`` {"email", "password"} → {"access_token", "refresh_token"}."""

    def post(self, request):
        email, password = self.field("email"), self.field("password")
        user = authenticate(request=request, username=email, password=password)
        if getattr(request, "axes_locked_out", False):  # eventsite.lockout: the admin's policy, as JSON
            raise exceptions.Throttled(wait=cool_off_seconds(), detail=locked_out_message())
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(WRONG_CREDENTIALS)
        # What django.contrib.auth.login() tells for the admin: the lock-out's count starts again, last_login moves.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        refresh = RefreshToken.for_user(user)
        return Response({"access_token": str(refresh.access_token), "refresh_token": str(refresh)})


@extend_schema_view(
    post=extend_schema(
        request=inline_serializer("RefreshToken", {"refresh_token": drf_serializers.CharField()}),
        responses={200: inline_serializer("AccessToken", {"access_token": drf_serializers.CharField()}), 401: None},
    )
)
class RefreshView(TokenView):
    """``POST /v1/auth/token/refresh`` {"refresh_token"} → {"access_token"}."""

    throttle_classes = [RefreshThrottle]  # fails open: a refresh needs a signed token, nothing to guess

    def post(self, request):
        serializer = TokenRefreshSerializer(data={"refresh": self.field("refresh_token")})
        try:
            serializer.is_valid(raise_exception=True)
        except (TokenError, exceptions.ValidationError) as error:
            raise exceptions.AuthenticationFailed("The refresh token is invalid or expired.") from error
        return Response({"access_token": serializer.validated_data["access"]}, status=status.HTTP_200_OK)


class EventViewSet(ResourceViewSet):
    queryset = Event.objects.none()  # describes the model to the schema; requests use base_queryset()
    serializer_class = EventSerializer
    permission_classes = [ReadPublicWriteManagers]
    filterset_fields = {"identifier": ("exact",), "name": ("exact", "icontains"), "payment_currency": ("exact",)}
    ordering_fields = ("starts_at", "ends_at", "name", "created_at")
    ordering = ("starts_at", "id")

    def base_queryset(self):
        return Event.objects.all()

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if self.action == "destroy" and not (request.user.is_superuser or obj.owner_id == request.user.pk):
            raise exceptions.PermissionDenied("Only the event's owner deletes it.")

    def perform_create(self, serializer):
        serializer.instance = rules.create_event(owner=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = rules.update_event(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        rules.delete_event(event=instance)


class EventOrganizersRelationship(RelationshipView):
    """``/v1/events/{id}/relationships/organizers``: the owner (or an admin) adds and removes organizers."""

    related_type = "user"
    queryset = Event.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        if user.is_superuser:
            return Event.objects.all()
        return Event.objects.filter(Q(owner=user) | Q(organizers=user)).distinct()

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method not in permissions.SAFE_METHODS and not (
            request.user.is_superuser or obj.owner_id == request.user.pk
        ):
            raise exceptions.PermissionDenied(rules.ONLY_OWNER_CHANGES_ORGANIZERS)

    def linked_queryset(self, parent):
        return User.objects.filter(is_active=True)

    def current(self, parent):
        return parent.organizers.all()

    def add(self, parent, objs):
        rules.add_organizers(event=parent, users=objs)

    def remove(self, parent, objs):
        rules.remove_organizers(event=parent, users=objs)
