"""The history of changes: one ``Entry`` per change of a discount code, a ticket or an event's organizers.

An entry outlives what it describes: it names its event and objects by id (no foreign key that would cascade)
and keeps a label of each (a code's text, a ticket's name) as it was, so a deleted code's history stays readable
by its event's owner and organizers. Entries are written by ``history.services.record`` only, called by the rules
modules at the one place each change happens.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Door(models.TextChoices):
    """How a change came in: set once per request, command or campaign tool (``history.context.acting``)."""

    ADMIN = "admin", "admin"
    API = "api", "API"
    COMMAND = "command", "management command"
    CSV_IMPORT = "csv_import", "CSV import"
    GENERATION = "generation", "code generation"
    OTHER = "other", "other (a shell or script)"


class Action(models.TextChoices):
    CREATED = "created", "created"
    CHANGED = "changed", "changed"
    DELETED = "deleted", "deleted"


class ObjectType(models.TextChoices):
    """The objects with a history, named as the API names their resources."""

    DISCOUNT_CODE = "discount-code", "discount code"
    TICKET = "ticket", "ticket"
    EVENT = "event", "event"


class EntryQuerySet(models.QuerySet):
    def about(self, object_type: str, object_id: int) -> "EntryQuerySet":
        """Entries that name this object: its own, and those of a change that listed it (tickets attached to a
        code are in the code's entry, and the ticket's history shows it)."""
        return self.filter(mentions__object_type=object_type, mentions__object_id=object_id)

    def newest_first(self) -> "EntryQuerySet":
        return self.order_by("-at", "-id")


class Entry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=255, help_text="Who: the user's e-mail address then, or the command that made the change."
    )
    door = models.CharField(max_length=16, choices=Door.choices)
    # The event's id, not a foreign key: the entry outlives the event's codes and tickets (and the event).
    event_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=32, choices=ObjectType.choices)
    object_id = models.BigIntegerField(null=True, blank=True, help_text="Empty for a change of many (a generation).")
    object_label = models.CharField(max_length=255)
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text='Field → {"old", "new"}; a set (tickets, organizers, codes) → {"added", "removed"} as {id, label}.',
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "history entry"
        verbose_name_plural = "history entries"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["event_id", "-at", "-id"], name="history_entry_event_at_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(door__in=Door.values), name="history_entry_door_valid"),
            models.CheckConstraint(condition=models.Q(action__in=Action.values), name="history_entry_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.object_label} {self.action} by {self.actor_label} ({self.get_door_display()})"


class Mention(models.Model):
    """An object an entry is about: its own object, and each ticket or code a change listed (one bulk insert)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="mentions")
    object_type = models.CharField(max_length=32, choices=ObjectType.choices)
    object_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"], name="history_mention_object_idx")]
        constraints = [
            models.UniqueConstraint(fields=["entry", "object_type", "object_id"], name="history_mention_unique")
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id}"
