import django.db.models.deletion
import django.db.models.functions.text
import eventsite.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Organizers join by invitation: the owner invites an e-mail address, its holder accepts or declines."""

    dependencies = [
        ("eventsite", "0003_user_tokens_revoked_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrganizerInvitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", eventsite.models.AddressField(max_length=254, verbose_name="e-mail address")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "pending"),
                            ("accepted", "accepted"),
                            ("declined", "declined"),
                            ("revoked", "revoked"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "responded_at",
                    models.DateTimeField(blank=True, help_text="When it stopped being pending.", null=True),
                ),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="organizer_invitations",
                        to="eventsite.event",
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="sent_organizer_invitations",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"),
                        models.F("event"),
                        condition=models.Q(("status", "pending")),
                        name="organizer_invitation_one_pending_per_address",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["pending", "accepted", "declined", "revoked"])),
                        name="organizer_invitation_status_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("responded_at__isnull", True), ("status", "pending")),
                            models.Q(models.Q(("status", "pending"), _negated=True), ("responded_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="organizer_invitation_responded_unless_pending",
                    ),
                ],
            },
        ),
    ]
