"""The core domain: users (who log in by e-mail) and events with their roles (one owner, many organizers)."""

import re
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.db.models import F, Q, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.dispatch.dispatcher import NO_RECEIVERS
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


#: Descriptors of a column attribute that store a value in ``__dict__`` and nothing else at creation time.
_PLAIN_COLUMN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _silent(signal, sender) -> bool:
    """Whether no receiver listens to ``signal`` from ``sender``: ``Signal.send``'s own short-cut (no receivers,
    or "none for this sender" cached), then ``has_listeners`` (which fills that cache); ~0.1 µs, not ~4."""
    return (
        not signal.receivers
        or signal.sender_receivers_cache.get(sender) is NO_RECEIVERS
        or not signal.has_listeners(sender)
    )


class FastLoadModel(models.Model):
    """A model whose rows from the database become instances without running ``Model.__init__``.

    Django's ``from_db`` calls ``cls(*values)``: argument handling, a ``setattr`` per field through its descriptor
    and the ``pre_init``/``post_init`` signals, ~10 µs for a 16-column row. A page of 50 tickets with their event
    (``select_related``) builds 100 instances, ~0.5 ms of a ~7 ms request. When every column was loaded, no
    ``pre_init``/``post_init`` receiver listens and every column's descriptor only stores the value (Django's own
    ``DeferredAttribute`` and foreign-key attribute, which is all ``__init__`` does with them), the instance is
    filled directly: the same ``__dict__`` and ``_state`` as ``__init__`` leaves. Anything else (deferred columns,
    a signal receiver, a custom descriptor) takes Django's path.
    """

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        attnames = cls.__dict__.get("_fast_load_attnames")
        if attnames is None:
            attnames = cls._fast_load_attnames = cls._plain_attnames()
        if (
            not attnames
            or len(values) != len(attnames)
            or not _silent(signals.pre_init, cls)
            or not _silent(signals.post_init, cls)
        ):
            return super().from_db(db, field_names, values)
        new = cls.__new__(cls)
        state = ModelState()
        state.adding = False
        state.db = db
        attributes = new.__dict__
        attributes["_state"] = state
        attributes.update(zip(attnames, values, strict=True))
        return new

    @classmethod
    def _plain_attnames(cls) -> tuple[str, ...]:
        """The concrete fields' attribute names, or ``()`` when one of them needs ``__init__``'s ``setattr``."""
        attnames = tuple(field.attname for field in cls._meta.concrete_fields)
        plain = all(type(cls.__dict__.get(name)) in _PLAIN_COLUMN_DESCRIPTORS for name in attnames)
        return attnames if plain else ()


class RuleValidatedModel(FastLoadModel):
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
        return self.filter(Q(owner=user) | Q(organizers=user)).distinct()


class Event(FastLoadModel):
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
