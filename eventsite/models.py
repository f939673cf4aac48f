"""The core domain: users (who log in by e-mail) and events with their roles (one owner, many organizers)."""

import re
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Lower
from django.utils import timezone

from .currencies import ISO_4217

# Look-alike characters are left out so that an identifier read aloud or copied by hand stays right.
IDENTIFIER_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
IDENTIFIER_LENGTH = 8

EVENT_ENDS_BEFORE_START = "An event must end after it starts."


def generate_identifier() -> str:
    return "".join(secrets.choice(IDENTIFIER_ALPHABET) for _ in range(IDENTIFIER_LENGTH))


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("“%(value)s” is not a known time zone (e.g. Europe/Berlin).", params={"value": value})


def validate_currency(value: str) -> None:
    if value not in ISO_4217:
        raise ValidationError("“%(value)s” is not an ISO 4217 currency code (e.g. EUR).", params={"value": value})


class AddressValidator(EmailValidator):
    """Django's e-mail check, but a one-letter top-level label is allowed (``a@b.c``, as internal domains use)."""

    domain_regex = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{1,63}(?<!-)\Z", re.IGNORECASE)


class AddressField(models.EmailField):
    default_validators = [AddressValidator()]


class RuleValidatedModel(models.Model):
    """A model whose rules live in a rules module, not in ``Model.full_clean``'s constraint checks."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        """Skipped in ``full_clean``: the rules module checks the same things with one message per rule.

        The constraints stay in the database as the last guard against a write that bypasses the rules.
        """


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        # E-mail addresses are compared case-insensitively, so Alice@X.org and alice@x.org are one account.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = AddressField("e-mail address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can log in to the admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    tokens_revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="API tokens issued before this moment are refused (set when the account is deactivated).",
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)


class EventQuerySet(models.QuerySet):
    def managed_by(self, user) -> "EventQuerySet":
        """Events whose tickets and codes this user may manage: superusers all, others their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.owned_or_organized_by(user.pk)

    def owned_or_organized_by(self, user_id: int) -> "EventQuerySet":
        """The events this user owns or organizes, whatever their flags (``managed_by`` checks those)."""
        return self.filter(Q(owner_id=user_id) | Q(organizers__id=user_id)).distinct()


class Event(models.Model):
    name = models.CharField(max_length=255)
    identifier = models.CharField(max_length=16, unique=True, default=generate_identifier, editable=False)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    payment_currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_events")
    organizers = models.ManyToManyField(User, blank=True, related_name="organized_events")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": EVENT_ENDS_BEFORE_START})

    def is_managed_by(self, user) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser or self.owner_id == user.pk:
            return True
        return self.organizers.filter(pk=user.pk).exists()


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "pending"
    ACCEPTED = "accepted", "accepted"
    DECLINED = "declined", "declined"
    REVOKED = "revoked", "revoked"


class OrganizerInvitationQuerySet(models.QuerySet):
    def _to_address(self, email: str) -> tuple["OrganizerInvitationQuerySet", Q]:
        """The queryset and a condition "addressed to ``email`` in any letter case", compared by the database's
        ``LOWER`` on both sides as the unique index on ``Lower(email)`` compares (the two never disagree, and
        the index serves the look-up)."""
        return self.alias(email_lower=Lower("email")), Q(email_lower=Lower(Value(email)))

    def addressed_to(self, email: str) -> "OrganizerInvitationQuerySet":
        queryset, condition = self._to_address(email)
        return queryset.filter(condition)

    def visible_to(self, user) -> "OrganizerInvitationQuerySet":
        """The invitee's own invitations (matched by their account's e-mail address) and those of the events the
        user owns; admins see all.

        Co-organizers do not see an event's invitations: an address that has not answered is known to the owner
        who typed it, and to nobody else.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        queryset, condition = self._to_address(user.email)
        return queryset.filter(condition | Q(event__owner_id=user.pk))


class OrganizerInvitation(models.Model):
    """An event's owner asks someone, by e-mail address, to organize the event; only they can say yes.

    Until then the address is all there is: whether it has an account is nobody's business but its own.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="organizer_invitations")
    email = AddressField("e-mail address")
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="sent_organizer_invitations"
    )
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True, help_text="When it stopped being pending.")

    objects = OrganizerInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "event",
                condition=Q(status=InvitationStatus.PENDING),
                name="organizer_invitation_one_pending_per_address",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values), name="organizer_invitation_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status=InvitationStatus.PENDING, responded_at__isnull=True)
                | (~Q(status=InvitationStatus.PENDING) & Q(responded_at__isnull=False)),
                name="organizer_invitation_responded_unless_pending",
            ),
        ]

    def __str__(self) -> str:
        # No address: this text lands in the event's history, which its co-organizers read.
        return f"invitation {self.pk} to organize {self.event}"


class ThrottleCount(models.Model):
    """How many requests one throttle budget (a scope and a client, network or account) let through in its current
    window: where the throttles count when there is no Redis (``eventsite/throttle_counts.py``). Only ever written
    by one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per request and budget, never through the ORM."""

    ident = models.CharField(max_length=255, primary_key=True)
    hits = models.IntegerField()
    expires = models.BigIntegerField(db_index=True, help_text="When the window ends, in ms since the epoch.")

    class Meta:
        db_table = "eventsite_throttle_count"

    def __str__(self) -> str:
        return f"{self.ident}: {self.hits}"
