"""The mails this site sends: organizer invitations and password resets.

Rules call these through ``transaction.on_commit(..., robust=True)``: a mail leaves only once what it announces is
committed, and a mail server that fails is logged without undoing or failing the request. They go through Django's
e-mail backend (``EMAIL_BACKEND`` / ``EMAIL_URL``; the console by default).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from .models import OrganizerInvitation, User

SUBJECT_LENGTH = 150


def one_line(text: str) -> str:
    """A header value: an event's name may hold line breaks, which Django refuses in a subject (header injection)."""
    text = " ".join(text.split())
    return text if len(text) <= SUBJECT_LENGTH else text[: SUBJECT_LENGTH - 1] + "…"


def send_organizer_invitation(invitation_id: int) -> None:
    invitation = OrganizerInvitation.objects.select_related("event").filter(pk=invitation_id).first()
    if invitation is None:  # revoked and its event deleted before the commit hooks ran
        return
    event = invitation.event
    starts = timezone.localtime(event.starts_at, timezone=_zone(event.timezone)).strftime("%Y-%m-%d %H:%M %Z")
    body = render_to_string(
        "mail/organizer_invitation.txt",
        {"invitation": invitation, "event": event, "starts": starts, "site": settings.SITE_URL},
    )
    send_mail(one_line(f"Invitation to organize “{event.name}”"), body, None, [invitation.email])


def send_password_reset(user_id: int, uid: str, token: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    hours = settings.PASSWORD_RESET_TIMEOUT / 3600
    valid_for = f"{hours:g} hour{'s' if hours != 1 else ''}"
    body = render_to_string(
        "mail/password_reset.txt",
        {"user": user, "uid": uid, "token": token, "valid_for": valid_for, "site": settings.SITE_URL},
    )
    send_mail("Reset your eventsite password", body, None, [user.email])


def _zone(name: str):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
