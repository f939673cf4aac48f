"""API views of users, log-in tokens and passwords, events and organizer invitations."""

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, permissions, renderers, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from . import rules
from .access import managed_events
from .addresses import clean_email, email_key
from .api.authentication import JWTAuthentication
from .api.documents import UNKNOWN_KEY, pointer_segment
from .api.exceptions import STATUS_OF_KIND, error_object, status_of
from .api.parsers import JSONParser
from .api.permissions import ReadPublicWriteManagers
from .api.throttling import GuardedScopedRateThrottle, RefreshThrottle, SignUpThrottle
from .api.views import ErrorDocumentsMixin, RelationshipView, ResourceViewSet, StrictQueryMixin
from .errors import Kind, Problem, RuleError
from .lockout import cool_off_seconds, locked_out_message
from .models import Event, InvitationStatus, OrganizerInvitation, User
from .serializers import EventSerializer, OrganizerInvitationSerializer, UserSerializer

WRONG_CREDENTIALS = "E-mail address or password is wrong."
REFRESH_TOKEN_INVALID = "The refresh token is invalid or expired."
RESET_MAIL_MAYBE_SENT = (
    "If an account may log in with this e-mail address, a message with a reset token is on its way to it."
)
PASSWORD_RESET_DONE = "Your password has been changed; log in with the new one."
EMAIL_VERIFIED = "Your e-mail address is verified."
VERIFICATION_MAIL_MAYBE_SENT = "A message with a verification token is on its way to your address."
INVITATION_EMAIL_FIXED = "An invitation's e-mail address is fixed; revoke it and invite the right address."
NEW_INVITATION_IS_PENDING = "A new invitation is pending; only the person invited accepts or declines it."
PASSWORD_MAX_LENGTH = 128  # as at sign-up (UserSerializer)
NOT_AN_OBJECT = "Send a JSON object."


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
        serializer.instance = rules.sign_up(
            email=data["email"],
            password=data["password"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
        )


def body_pointer(key: str | None) -> str:
    """The JSON pointer of a key of a plain JSON body (``""``: the body as a whole)."""
    return f"/{pointer_segment(key)}" if key else ""


class TokenView(ErrorDocumentsMixin, APIView):
    """The auth endpoints take and give plain JSON (``application/json``), as Open Event's do; their errors are
    JSON:API error documents like every error under ``/v1``."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser]
    renderer_classes = [renderers.JSONRenderer]
    throttle_classes = [GuardedScopedRateThrottle]
    throttle_scope = "auth"

    #: The keys each method's JSON object holds; any other key is a 422 at it (``/passwrd``), as a misspelt member
    #: is everywhere in the API. Each view declares its methods (``eventsite/tests/test_documents.py`` checks).
    body_keys: dict[str, tuple[str, ...]] = {}

    def get_authenticate_header(self, request):
        # Wrong credentials are a 401 (DRF makes it a 403 for views without an authentication scheme).
        return 'JWT realm="api"'

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        allowed = self.body_keys.get(request.method.lower())
        if allowed is None:
            return
        data = request.data
        if not isinstance(data, dict):
            raise exceptions.ValidationError({"": [ErrorDetail(NOT_AN_OBJECT, "not_an_object")]})
        unknown = [key for key in data if key not in allowed]
        if unknown:
            raise exceptions.ValidationError(
                {key: [ErrorDetail(UNKNOWN_KEY.format(name=key), "unknown_key")] for key in unknown}
            )

    def handle_exception(self, exc):
        """Each problem with the body is one error whose pointer names its key (``/new_password``)."""
        if isinstance(exc, RuleError):
            status_code = status_of(exc.problems)
            errors = [
                error_object(STATUS_OF_KIND[p.kind], p.code, p.message, body_pointer(p.field)) for p in exc.problems
            ]
            return Response({"errors": errors}, status=status_code)
        if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
            errors = [
                error_object(422, getattr(message, "code", None) or "invalid", str(message), body_pointer(name))
                for name, messages in exc.detail.items()
                for message in (messages if isinstance(messages, list) else [messages])
            ]
            return Response({"errors": errors}, status=422)
        return super().handle_exception(exc)

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

    body_keys = {"post": ("email", "password")}

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

    body_keys = {"post": ("refresh_token",)}

    throttle_classes = [RefreshThrottle]  # fails open: a refresh needs a signed token, nothing to guess

    def post(self, request):
        raw = self.field("refresh_token")
        try:
            refresh = RefreshToken(raw)
            # The same checks as every request's token (eventsite.api.authentication): the user exists, is active,
            # has the password the token was issued under, and was not deactivated since.
            JWTAuthentication().get_user(refresh)
        except (TokenError, exceptions.AuthenticationFailed) as error:
            raise exceptions.AuthenticationFailed(REFRESH_TOKEN_INVALID) from error
        return Response({"access_token": str(refresh.access_token)}, status=status.HTTP_200_OK)


class AccountView(TokenView):
    """Password endpoints: plain JSON like the log-in, each error with a pointer to its member (``/new_password``)."""

    def text(self, name: str, max_length: int) -> str:
        value = self.field(name)
        if len(value) > max_length:
            raise exceptions.ValidationError({name: [f"At most {max_length} characters."]})
        return value

    def new_password(self) -> str:
        return self.text("new_password", PASSWORD_MAX_LENGTH)


@extend_schema_view(
    post=extend_schema(
        request=inline_serializer(
            "PasswordChange",
            {"old_password": drf_serializers.CharField(), "new_password": drf_serializers.CharField()},
        ),
        responses={
            200: OpenApiResponse(TOKENS, description="New tokens: every token issued before is refused from now on"),
        },
    )
)
class ChangePasswordView(AccountView):
    """``POST /v1/auth/change-password`` {"old_password", "new_password"} (logged in) → new tokens."""

    body_keys = {"post": ("old_password", "new_password")}

    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        old_password, new_password = self.text("old_password", 4096), self.new_password()
        try:
            rules.change_password(
                user=request.user, old_password=old_password, new_password=new_password, request=request
            )
        except RuleError:
            if getattr(request, "axes_locked_out", False):  # the log-in's lock-out, as the log-in answers it
                raise exceptions.Throttled(wait=cool_off_seconds(), detail=locked_out_message()) from None
            raise
        refresh = RefreshToken.for_user(request.user)
        return Response({"access_token": str(refresh.access_token), "refresh_token": str(refresh)})


@extend_schema_view(
    post=extend_schema(
        request=inline_serializer("PasswordResetRequest", {"email": drf_serializers.EmailField()}),
        responses={
            202: OpenApiResponse(
                inline_serializer("PasswordResetRequested", {"detail": drf_serializers.CharField()}),
                description="The same answer whether or not the address has an account",
            ),
        },
    ),
    patch=extend_schema(
        request=inline_serializer(
            "PasswordReset",
            {
                "uid": drf_serializers.CharField(),
                "token": drf_serializers.CharField(),
                "new_password": drf_serializers.CharField(),
            },
        ),
        responses={
            200: OpenApiResponse(
                inline_serializer("PasswordResetDone", {"detail": drf_serializers.CharField()}),
                description="The password is changed; every token issued before is refused from now on",
            ),
        },
    ),
)
class ResetPasswordView(AccountView):
    """``POST /v1/auth/reset-password`` {"email"} mails a reset token; ``PATCH`` {"uid", "token", "new_password"}
    sets the new password with it."""

    body_keys = {"post": ("email",), "patch": ("uid", "token", "new_password")}

    def post(self, request):
        email = self.text("email", 254)
        try:
            email = clean_email(email)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"email": list(error.messages)}) from error
        rules.request_password_reset(email=email)
        return Response({"detail": RESET_MAIL_MAYBE_SENT}, status=status.HTTP_202_ACCEPTED)

    def patch(self, request):
        uid, token, new_password = self.text("uid", 64), self.text("token", 128), self.new_password()
        rules.reset_password(uid=uid, token=token, new_password=new_password)
        return Response({"detail": PASSWORD_RESET_DONE})


@extend_schema_view(
    post=extend_schema(
        request=inline_serializer("EmailVerification", {"token": drf_serializers.CharField()}),
        responses={
            200: OpenApiResponse(
                inline_serializer("EmailVerified", {"detail": drf_serializers.CharField()}),
                description="The account's address is verified (again: nothing changes)",
            ),
        },
    )
)
class VerifyEmailView(AccountView):
    """``POST /v1/auth/verify-email`` {"token"} (logged in): the token mailed to the account's address proves it.

    Logged in, so that the holder of the mailbox who receives a token for an account somebody else made with
    their address cannot verify that account for them by following the mail."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    body_keys = {"post": ("token",)}

    def post(self, request):
        rules.verify_email(user=request.user, token=self.text("token", 512))
        return Response({"detail": EMAIL_VERIFIED})


@extend_schema_view(
    post=extend_schema(
        request=None,
        responses={
            202: OpenApiResponse(
                inline_serializer("VerificationMailRequested", {"detail": drf_serializers.CharField()}),
                description="A new token is mailed (at most one per EMAIL_VERIFICATION_MAIL_INTERVAL)",
            ),
            200: OpenApiResponse(
                inline_serializer("AlreadyVerified", {"detail": drf_serializers.CharField()}),
                description="The address is verified already; nothing is mailed",
            ),
        },
    )
)
class ResendVerificationView(AccountView):
    """``POST /v1/auth/verify-email/resend`` (logged in, no body): mail a new verification token."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    body_keys = {"post": ()}

    def post(self, request):
        if not rules.request_email_verification(user=request.user):
            return Response({"detail": EMAIL_VERIFIED})
        return Response({"detail": VERIFICATION_MAIL_MAYBE_SENT}, status=status.HTTP_202_ACCEPTED)


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
    """``/v1/events/{id}/relationships/organizers``: who organizes the event (owner and organizers read it); the
    owner (or an admin) removes organizers. Nobody is added here: organizers join by invitation."""

    related_type = "user"
    queryset = Event.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return managed_events(self.request.user)

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method not in permissions.SAFE_METHODS and not (
            request.user.is_superuser or obj.owner_id == request.user.pk
        ):
            raise exceptions.PermissionDenied(rules.ONLY_OWNER_CHANGES_ORGANIZERS)

    # Refused whoever asks, so not in the API's schema (no client should be offered them).
    @extend_schema(exclude=True)
    def post(self, request, *args, **kwargs):
        return self.refuse_adding()

    @extend_schema(exclude=True)
    def patch(self, request, *args, **kwargs):
        return self.refuse_adding()

    def refuse_adding(self):
        """Adding by id made anyone an organizer without asking them (and showed the owner their e-mail)."""
        get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])  # others' events stay "not found"
        raise exceptions.PermissionDenied(rules.ORGANIZERS_JOIN_BY_INVITATION)

    def linked_queryset(self, parent):
        return User.objects.filter(is_active=True)

    def current(self, parent):
        return parent.organizers.all()

    def remove(self, parent, objs):
        rules.remove_organizers(event=parent, users=objs)


class OrganizerInvitationViewSet(ResourceViewSet):
    """Organizer invitations (see ``eventsite.rules``).

    - ``POST /v1/events/{event_pk}/organizer-invitations`` {"email"}: the owner (or an admin) invites; 201, or 200
      with the pending invitation of the same address (nothing mailed again).
    - ``GET /v1/organizer-invitations[/{id}]``: the requester's own invitations (by their account's e-mail, any
      letter case) and those of the events they own; admins all. Others' are 404.
    - ``PATCH /v1/organizer-invitations/{id}``: ``status`` ``accepted`` or ``declined`` by the invitee,
      ``revoked`` by the owner or an admin.
    """

    queryset = OrganizerInvitation.objects.none()  # describes the model to the schema; requests use base_queryset()
    serializer_class = OrganizerInvitationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = {"status": ("exact",), "event": ("exact",)}
    ordering_fields = ("created_at", "responded_at")
    ordering = ("-created_at", "-id")
    select_for_includes = {"event": ["event"]}
    http_method_names = ["get", "post", "patch", "head", "options"]
    throttle_scope = "organizer_invitations"  # per account: each invitation is a mail to an address typed by them

    def get_throttles(self):
        return [GuardedScopedRateThrottle()] if self.action == "create" else []

    def base_queryset(self):
        return OrganizerInvitation.objects.visible_to(self.request.user)

    def create(self, request, event_pk: int):
        event = get_object_or_404(Event, pk=event_pk)
        if not rules.may_invite(request.user, event):
            raise exceptions.PermissionDenied(rules.ONLY_OWNER_CHANGES_ORGANIZERS)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("status", InvitationStatus.PENDING) != InvitationStatus.PENDING:
            raise RuleError(Problem("status", NEW_INVITATION_IS_PENDING, "new_invitation_is_pending"))
        invitation, created = rules.invite_organizer(event=event, email=data["email"], invited_by=request.user)
        body = self.get_serializer(invitation).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        invitation = self.get_object()
        serializer = self.get_serializer(invitation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "email" in data and email_key(data["email"]) != invitation.email_key:
            raise RuleError(Problem("email", INVITATION_EMAIL_FIXED, "invitation_email_fixed", Kind.CONFLICT))
        wanted = data.get("status", invitation.status)
        if wanted != invitation.status:
            self.answer(invitation, wanted)
        return Response(self.get_serializer(self.get_queryset().get(pk=invitation.pk)).data)

    def answer(self, invitation: OrganizerInvitation, wanted: str) -> None:
        user = self.request.user
        if wanted in (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED):
            if not rules.is_invitee(user, invitation):
                raise exceptions.PermissionDenied(rules.ONLY_INVITEE_ANSWERS)
            answer = rules.accept_invitation if wanted == InvitationStatus.ACCEPTED else rules.decline_invitation
            answer(invitation=invitation, user=user)
        elif wanted == InvitationStatus.REVOKED:
            if not rules.may_invite(user, invitation.event):
                raise exceptions.PermissionDenied(rules.ONLY_OWNER_CHANGES_ORGANIZERS)
            rules.revoke_invitation(invitation=invitation)
        else:  # back to pending
            message = rules.INVITATION_NOT_PENDING.format(status=invitation.status)
            raise RuleError(Problem("status", message, "invitation_not_pending", Kind.CONFLICT))
