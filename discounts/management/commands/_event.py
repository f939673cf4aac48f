"""The event a campaign command works on, named by its identifier (as shown in the admin) or its id."""

from django.core.management.base import CommandError

from eventsite.models import Event


def find_event(name: str) -> Event:
    event = Event.objects.filter(identifier=name).first()
    if event is None and name.isdigit():
        event = Event.objects.filter(pk=int(name)).first()
    if event is None:
        raise CommandError(f"There is no event “{name}” (give its identifier or id).")
    return event


def rule_error(error) -> CommandError:
    return CommandError("\n".join(error.messages))
