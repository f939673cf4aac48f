"""The core domain: users (who log in by e-mail) and events with their roles (one owner, many organizers)."""

import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .addresses import KEY_MAX_LENGTH, AddressValidator, canonical_email, email_key

# Look-alike characters are left out so that an identifier read aloud or copied by hand stays right.
IDENTIFIER_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
IDENTIFIER_LENGTH = 8

EMAIL_TAKEN = "An account with this e-mail address exists already."


def generate_identifier() -> str:
    return "".join(secrets.choice(IDENTIFIER_ALPHABET) for _ in range(IDENTIFIER_LENGTH))


class AddressField(models.EmailField):
    """An e-mail address, checked by ``eventsite.addresses`` (ASCII before the ``@``, as Django means it)."""

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
        # The operator typed their own address (createsuperuser, the demo): it counts as verified.
        extra_fields.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **extra_fields)

    @classmethod
    def normalize_email(cls, email):
        """The stored form of an address (``eventsite.addresses.canonical_email``: NFKC, domain lower-cased)."""
        return canonical_email(email or "")

    def get_by_natural_key(self, username):
        # One account per key: Alice@X.org, alice@x.org and \u212alice@x.org (a Kelvin sign) are one account.
        return self.get(email_key=email_key(username))

    def with_email(self, email: str) -> "models.QuerySet":
        """The account of this address, in any letter case or compatibility form (at most one)."""
        return self.filter(email_key=email_key(email))


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
    # Kept by save() from ``email`` (eventsite.addresses.email_key). Null only for an account whose key an older
    # account already held when keys were introduced (migration 0005): it cannot log in until its address changes.
    email_key = models.CharField(max_length=KEY_MAX_LENGTH, null=True, editable=False)  # noqa: DJ001
    email_verified_at = models.DateTimeField(
        "e-mail verified at",
        null=True,
        blank=True,
        editable=False,
        help_text="When the holder proved they receive mail at this address; cleared when the address changes.",
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("email"), name="user_email_unique_ci"),
            models.UniqueConstraint(fields=["email_key"], name="user_email_key_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)
        # The admin's forms: another spelling of an existing address is that account's (the unique key would
        # otherwise refuse the write with an error instead of a message).
        if type(self).objects.with_email(self.email).exclude(pk=self.pk).exists():
            raise ValidationError({"email": EMAIL_TAKEN})

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def save(self, *args, **kwargs):
        """Keep ``email_key`` with ``email``; a new address is unverified until its holder proves it again."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "email" in update_fields:
            key = email_key(self.email)
            if self.pk is not None and self.email_verified_at is not None:
                stored = type(self).objects.filter(pk=self.pk).values_list("email_key", flat=True).first()
                if stored is not None and stored != key:
                    self.email_verified_at = None
            self.email_key = key
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "email_key", "email_verified_at"}
        super().save(*args, **kwargs)


class EventQuerySet(models.QuerySet):
    def owned_or_organized_by(self, user_id: int) -> "EventQuerySet":
        """The events this user owns or organizes, whatever their flags (``access.managed_events`` checks those).

        Their ids are a UNION of two index look-ups: "owner or organizer" as one OR across a join made PostgreSQL
        read every event (2.7 ms at 10,000 events, on every request of an organizer; 0.3 ms this way)."""
        owned = Event.objects.filter(owner_id=user_id).order_by().values("pk")
        organized = Event.organizers.through.objects.filter(user_id=user_id).order_by().values("event_id")
        return self.filter(pk__in=owned.union(organized))


class Event(RuleValidatedModel):
    """An event; its rules (dates, time zone, currency) are ``eventsite.rules.event_problems``, checked on every
    write by ``eventsite.rules.save_event`` (API, admin and commands alike)."""

    name = models.CharField(max_length=255)
    identifier = models.CharField(max_length=16, unique=True, default=generate_identifier, editable=False)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC")
    payment_currency = models.CharField(max_length=3, default="USD")
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


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "pending"
    ACCEPTED = "accepted", "accepted"
    DECLINED = "declined", "declined"
    REVOKED = "revoked", "revoked"


class OrganizerInvitationQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:  # save() keeps the key; a bulk write bypasses it
            obj.email_key = email_key(obj.email)
        return super().bulk_create(objs, *args, **kwargs)

    def addressed_to(self, email: str) -> "OrganizerInvitationQuerySet":
        """Addressed to ``email`` in any letter case or compatibility form (``eventsite.addresses.email_key``)."""
        return self.filter(email_key=email_key(email))

    def addressed_to_user(self, user) -> "OrganizerInvitationQuerySet":
        """Addressed to this account, if it may see them: active, and its address verified. An unverified account
        is anybody who typed the address at sign-up; it learns nothing of the invitations to that address."""
        if not (user.is_authenticated and user.is_active and user.email_verified_at is not None):
            return self.none()
        return self.addressed_to(user.email)

    def visible_to(self, user) -> "OrganizerInvitationQuerySet":
        """The invitee's own invitations (matched by their account's verified e-mail address) and those of the
        events the user owns; admins see all.

        Co-organizers do not see an event's invitations: an address that has not answered is known to the owner
        who typed it, and to nobody else.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        own = Q(event__owner_id=user.pk)
        if user.email_verified_at is not None:
            own |= Q(email_key=email_key(user.email))
        return self.filter(own)


class OrganizerInvitation(models.Model):
    """An event's owner asks someone, by e-mail address, to organize the event; only they can say yes.

    Until then the address is all there is: whether it has an account is nobody's business but its own.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="organizer_invitations")
    email = AddressField("e-mail address")
    email_key = models.CharField(max_length=KEY_MAX_LENGTH, default="", editable=False)  # kept by save()
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
                fields=["email_key", "event"],
                condition=Q(status=InvitationStatus.PENDING),
                name="organizer_invitation_one_pending_per_key",
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

    def save(self, *args, **kwargs):
        self.email_key = email_key(self.email)
        if kwargs.get("update_fields") is not None and "email" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "email_key"}
        super().save(*args, **kwargs)


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
