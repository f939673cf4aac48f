"""The mails this site sends: organizer invitations, address verifications and password resets.

Rules hand them over through ``transaction.on_commit(...)`` to ``eventsite.background.run_later``: a mail leaves
only once what it announces is committed, on a thread of its own after the response (a slow mail server neither
slows the answer nor tells from its timing whether an address has an account), and a mail server that fails is
logged without undoing or failing the request. They go through Django's e-mail backend (``EMAIL_BACKEND`` /
``EMAIL_URL``; the console by default).

**Text others wrote.** An event's name is written by its organizer, who may be anybody with an account, and it
reaches inboxes of people who did not ask for it. :func:`inert` makes such text unable to pass for a link or for
our own words, in the subject, the plain text and the HTML alike: one line, no invisible or direction-changing
characters, at most ``QUOTED_LENGTH`` characters, between quotes and labelled as the organizer's, and with every
dot, ``://`` and ``@`` written so that no mail client makes a link of it (``evil[.]example``, ``https[:]//``,
``[at]``). Mails never carry a user's names, which anybody may type at sign-up with someone else's address.
"""

import re
import unicodedata

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives, send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from .models import OrganizerInvitation, User

SUBJECT_LENGTH = 150
#: How much of an organizer's text a mail quotes.
QUOTED_LENGTH = 80

# Characters some software reads as the dot of a domain name (IDNA maps the ideographic and full-width ones).
_DOTS = re.compile(r"[.\u3002\uff0e\uff61]")
_SCHEME = re.compile(r":(?=//)")


def one_line(text: str) -> str:
    """A header value: an event's name may hold line breaks, which Django refuses in a subject (header injection)."""
    text = " ".join(text.split())
    return text if len(text) <= SUBJECT_LENGTH else text[: SUBJECT_LENGTH - 1] + "…"


def inert(text: str, limit: int = QUOTED_LENGTH) -> str:
    """Text someone else wrote, made fit to quote in our mails: one line, NFKC, without control, format (bidi,
    zero-width) or unassigned characters, at most ``limit`` characters, and with nothing a mail client turns into
    a link: ``Reset at https://evil.example`` becomes ``Reset at https[:]//evil[.]example``."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    text = _SCHEME.sub("[:]", _DOTS.sub("[.]", text)).replace("@", "[at]")
    # Capped after the dots are replaced, so a cut cannot leave a dot behind.
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def send_organizer_invitation(invitation_id: int) -> None:
    invitation = OrganizerInvitation.objects.select_related("event").filter(pk=invitation_id).first()
    if invitation is None:  # revoked and its event deleted before the commit hooks ran
        return
    event = invitation.event
    starts = timezone.localtime(event.starts_at, timezone=_zone(event.timezone)).strftime("%Y-%m-%d %H:%M %Z")
    name = inert(event.name)
    context = {"invitation": invitation, "event": event, "name": name, "starts": starts, "site": settings.SITE_URL}
    message = EmailMultiAlternatives(
        one_line(f"Invitation to organize an event on eventsite: “{inert(event.name, 60)}”"),
        render_to_string("mail/organizer_invitation.txt", context),
        None,
        [invitation.email],
    )
    message.attach_alternative(render_to_string("mail/organizer_invitation.html", context), "text/html")
    message.send()


def send_password_reset_to(key: str) -> None:
    """Mail a reset token to the account of this address key, if it may log in; nothing otherwise.

    Runs outside the request (``eventsite.background``): the request did the same work for every address."""
    user = User.objects.filter(email_key=key, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    from .rules import reset_uid

    hours = settings.PASSWORD_RESET_TIMEOUT / 3600
    valid_for = f"{hours:g} hour{'s' if hours != 1 else ''}"
    context = {
        "user": user,
        "uid": reset_uid(user),
        "token": default_token_generator.make_token(user),
        "valid_for": valid_for,
        "site": settings.SITE_URL,
    }
    send_mail(
        "Reset your eventsite password", render_to_string("mail/password_reset.txt", context), None, [user.email]
    )


def send_email_verification(user_id: int) -> None:
    """Mail the account a token that proves, used while logged in, that its holder receives mail at its address."""
    user = User.objects.filter(pk=user_id, is_active=True, email_verified_at__isnull=True).first()
    if user is None:
        return
    from .rules import email_verification_token

    hours = settings.EMAIL_VERIFICATION_TIMEOUT / 3600
    valid_for = f"{hours:g} hour{'s' if hours != 1 else ''}"
    context = {
        "user": user,
        "token": email_verification_token(user),
        "valid_for": valid_for,
        "site": settings.SITE_URL,
    }
    body = render_to_string("mail/email_verification.txt", context)
    send_mail("Confirm your e-mail address on eventsite", body, None, [user.email])


def _zone(name: str):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
