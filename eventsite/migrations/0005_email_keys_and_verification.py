"""E-mail addresses compared by one key (NFKC and full case folding, ``eventsite.addresses.email_key``) instead of
the database's ``LOWER`` (ASCII-only on SQLite, so ``\u212aelvin@…`` with a Kelvin sign and ``kelvin@…`` were two
accounts), and accounts verify their address before they may organize.

Upgrading:

- every user and invitation gets its key. Where two existing accounts share a key (possible before on SQLite),
  the older keeps it and the younger gets none (logged): it cannot log in until an admin changes its address.
  Where two pending invitations of one event share a key, the younger is revoked (logged).
- **verified**: superusers and staff only (their addresses were typed by the operator, ``createsuperuser`` or
  the admin). Every other existing account is unverified: until this version anyone could sign up with anyone's
  address, so an existing account proves nothing about its address; its holder asks for a mail
  (``POST /v1/auth/verify-email/resend``). Invitations they already accepted stand.

Going back drops the keys and the verification and restores the ``LOWER(email)`` uniqueness of pending
invitations (revoked duplicates stay revoked).
"""

import logging
import unicodedata

from django.db import migrations, models
from django.utils import timezone

logger = logging.getLogger("eventsite.migrations")


def _key(address: str) -> str:
    # eventsite.addresses.email_key as of this migration (a migration keeps its own copy of the rule).
    text = unicodedata.normalize("NFKC", address.strip())
    local, at, domain = text.rpartition("@")
    canonical = f"{local}@{domain.lower()}" if at else text
    return unicodedata.normalize("NFKC", canonical.casefold())


def add_keys(apps, schema_editor):
    User = apps.get_model("eventsite", "User")
    OrganizerInvitation = apps.get_model("eventsite", "OrganizerInvitation")
    now = timezone.now()
    taken: dict[str, int] = {}
    for user in User.objects.order_by("date_joined", "pk").only("pk", "email", "is_staff", "is_superuser"):
        key = _key(user.email)
        if key in taken:
            logger.warning("user %s shares its e-mail key with user %s: left without a key", user.pk, taken[key])
            key = None
        else:
            taken[key] = user.pk
        verified = now if (user.is_staff or user.is_superuser) else None
        User.objects.filter(pk=user.pk).update(email_key=key, email_verified_at=verified)
    pending: set[tuple[str, int]] = set()
    for invitation in OrganizerInvitation.objects.order_by("created_at", "pk").only(
        "pk", "email", "event_id", "status"
    ):
        key = _key(invitation.email)
        changes = {"email_key": key}
        if invitation.status == "pending":
            if (key, invitation.event_id) in pending:
                logger.warning("invitation %s duplicates a pending one of its event: revoked", invitation.pk)
                changes.update(status="revoked", responded_at=now)
            pending.add((key, invitation.event_id))
        OrganizerInvitation.objects.filter(pk=invitation.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("eventsite", "0004_organizerinvitation"),
    ]

    operations = [
        migrations.AddField(
            model_name="organizerinvitation",
            name="email_key",
            field=models.CharField(default="", editable=False, max_length=762),
        ),
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=762, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the holder proved they receive mail at this address; cleared when the address changes.",
                null=True,
                verbose_name="e-mail verified at",
            ),
        ),
        migrations.RunPython(add_keys, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(
            model_name="organizerinvitation",
            name="organizer_invitation_one_pending_per_address",
        ),
        migrations.AddConstraint(
            model_name="organizerinvitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("email_key", "event"),
                name="organizer_invitation_one_pending_per_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(fields=("email_key",), name="user_email_key_unique"),
        ),
    ]
