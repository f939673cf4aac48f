"""The door of management commands: a command that changes codes, tickets or events derives from this."""

from django.core.management.base import BaseCommand

from .context import acting
from .models import Door


class RecordedCommand(BaseCommand):
    """Changes made by the command are recorded with ``Door.COMMAND`` and ``manage.py <name>`` as the actor (a
    CSV import or a generation it starts keeps the actor and records its own door)."""

    def execute(self, *args, **options):
        name = type(self).__module__.rsplit(".", 1)[-1]
        with acting(door=Door.COMMAND, user=None, label=f"manage.py {name}"):
            return super().execute(*args, **options)
