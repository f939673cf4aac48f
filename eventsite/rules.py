"""The rules of events (when they run, in which time zone and currency, who runs them) and of accounts
(organizers by invitation, passwords, deactivation)."""

import hashlib
import re
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from . import background, mail, recording
from .addresses import canonical_email, email_key
from .currencies import ISO_4217
from .errors import Kind, Problem, RuleError, raise_if
from .models import EMAIL_TAKEN, Event, InvitationStatus, OrganizerInvitation, User

NAME_BLANK = "An event needs a name."
EVENT_ENDS_BEFORE_START = "An event must end after it starts."
TIMEZONE_UNKNOWN = "“{value}” is not a known time zone (e.g. Europe/Berlin)."
CURRENCY_UNKNOWN = "“{value}” is not an ISO 4217 currency code (e.g. EUR)."
OWNER_IS_NOT_AN_ORGANIZER = "The owner runs the event already; only other people are invited as organizers."
ONLY_OWNER_CHANGES_ORGANIZERS = "Only the event's owner invites and removes organizers."
ORGANIZERS_JOIN_BY_INVITATION = (
    "Organizers are not added by id: invite them by e-mail address (POST /v1/events/{id}/organizer-invitations) "
    "and they accept the invitation themselves."
)
ALREADY_AN_ORGANIZER = "This address belongs to an organizer of the event already."
TOO_MANY_PENDING_INVITATIONS = (
    "The event has {limit} invitations waiting for an answer; revoke some or wait for answers before inviting more."
)
INVITATION_NOT_PENDING = "This invitation is {status}; only a pending invitation can be answered or revoked."
ONLY_INVITEE_ANSWERS = "Only the person invited accepts or declines an invitation."
OLD_PASSWORD_WRONG = "The current password is wrong."
RESET_TOKEN_INVALID = "This reset token is invalid, used or expired; ask for a new one."
EMAIL_NOT_VERIFIED = (
    "Confirm your e-mail address first: send the token we mailed you to POST /v1/auth/verify-email "
    "(a new one: POST /v1/auth/verify-email/resend)."
)
VERIFICATION_TOKEN_INVALID = (
    "This verification token is invalid, expired or for another account or address; ask for a new one."
)

#: Pending invitations one event may have at once: each is a mail to an address its owner typed.
MAX_PENDING_INVITATIONS = 50
EVENT_HAS_ORDERS = "The event has orders and cannot be deleted."


def event_problems(event: Event) -> list[Problem]:
    """Every rule of an event about to be saved, each with its one message (the API and the admin show it)."""
    problems = []
    if not event.name or not event.name.strip():
        problems.append(Problem("name", NAME_BLANK, "name_blank"))
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        problems.append(Problem("ends_at", EVENT_ENDS_BEFORE_START, "ends_before_start"))
    if event.timezone not in zoneinfo.available_timezones():
        problems.append(Problem("timezone", TIMEZONE_UNKNOWN.format(value=event.timezone), "timezone_unknown"))
    if event.payment_currency not in ISO_4217:
        problems.append(
            Problem(
                "payment_currency",
                CURRENCY_UNKNOWN.format(value=event.payment_currency),
                "currency_unknown",
            )
        )
    return problems


@transaction.atomic
def create_event(*, owner: User, **fields: Any) -> Event:
    return save_event(Event(owner=owner, **fields))


@transaction.atomic
def update_event(event: Event, /, **changes: Any) -> Event:
    """Change the named fields; ``event`` is positional-only so that no field name can clash with it."""
    for name, value in changes.items():
        setattr(event, name, value)
    return save_event(event)


@transaction.atomic
def save_event(event: Event) -> Event:
    """Create or change an event as given (the admin's form has set its fields): every write of an event comes
    here, so none skips a rule."""
    raise_if(event_problems(event))
    event.save()
    return event


@transaction.atomic
def remove_organizers(*, event: Event, users: list[User]) -> None:
    leaving = list(event.organizers.filter(pk__in=[u.pk for u in users]).values_list("pk", "email"))
    event.organizers.remove(*users)
    recording.organizers_changed(event, removed=leaving)


@transaction.atomic
def delete_event(*, event: Event) -> None:
    """Deleting an event deletes its tickets and codes with it (they mean nothing without it), unless sold."""
    if event.orders.exists():
        raise_if([Problem(None, EVENT_HAS_ORDERS, "event_has_orders", Kind.CONFLICT)])
    event.delete()


# --- Organizers, by invitation ------------------------------------------------------------------------------------
# Nobody becomes an organizer without saying yes: the owner invites an e-mail address, whoever holds an account
# with that address (any letter case or compatibility form, ``eventsite.addresses.email_key``) **and has proved
# it** (``User.email_verified_at``) accepts or declines. Sign-up does not prove an address: without the proof,
# anybody who signed up with the invitee's address would receive their invitations. Whether an address has an
# account is never revealed.


def may_invite(user, event: Event) -> bool:
    """Who invites organizers and revokes invitations: the event's owner with a verified address (an invitation
    is a mail from us to an address they typed), and admins."""
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser or (event.owner_id == user.pk and user.email_verified_at is not None))


def is_invitee(user, invitation: OrganizerInvitation) -> bool:
    """Whether the invitation is addressed to this account's verified e-mail address."""
    return OrganizerInvitation.objects.filter(pk=invitation.pk).addressed_to_user(user).exists()


def invitation_problems(*, event: Event, email: str) -> list[Problem]:
    """Why ``email`` cannot be invited to organize ``event`` now (the admin form asks before the rule runs)."""
    if event.pk is None:  # an event being created (admin): nobody runs it yet, nothing is pending
        return []
    key = email_key(email)
    if Event.objects.filter(pk=event.pk, owner__email_key=key).exists():
        return [Problem("email", OWNER_IS_NOT_AN_ORGANIZER, "owner_is_not_an_organizer", Kind.CONFLICT)]
    if event.organizers.filter(email_key=key).exists():
        return [Problem("email", ALREADY_AN_ORGANIZER, "already_an_organizer", Kind.CONFLICT)]
    pending = event.organizer_invitations.filter(status=InvitationStatus.PENDING)
    if pending.count() >= MAX_PENDING_INVITATIONS and not pending.addressed_to(email).exists():
        message = TOO_MANY_PENDING_INVITATIONS.format(limit=MAX_PENDING_INVITATIONS)
        return [Problem("email", message, "too_many_pending_invitations", Kind.CONFLICT)]
    return []


@transaction.atomic
def invite_organizer(*, event: Event, email: str, invited_by: User) -> tuple[OrganizerInvitation, bool]:
    """Invite ``email`` to organize ``event`` and mail it; ``(invitation, created)``.

    Idempotent: a pending invitation of the same address (any letter case) is returned as it is and not mailed
    again (revoke it and invite anew to send another). The event's row is locked, so two concurrent invitations
    of one address make one invitation and one mail. The answer is the same whether or not the address has an
    account.
    """
    email = canonical_email(email)
    Event.objects.select_for_update().filter(pk=event.pk).values_list("pk").get()
    raise_if(invitation_problems(event=event, email=email))
    existing = event.organizer_invitations.filter(status=InvitationStatus.PENDING).addressed_to(email).first()
    if existing is not None:
        return existing, False
    invitation = OrganizerInvitation.objects.create(event=event, email=email, invited_by=invited_by)
    pk = invitation.pk
    transaction.on_commit(lambda: background.run_later(mail.send_organizer_invitation, pk), robust=True)
    return invitation, True


def _answer(invitation: OrganizerInvitation, status: InvitationStatus) -> OrganizerInvitation:
    """Lock the invitation and move it from pending to ``status``; answering the same way twice is a no-op."""
    locked = OrganizerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status == status:
        return locked
    if locked.status != InvitationStatus.PENDING:
        message = INVITATION_NOT_PENDING.format(status=locked.status)
        raise RuleError(Problem("status", message, "invitation_not_pending", Kind.CONFLICT))
    locked.status = status
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "responded_at"])
    return locked


def _refuse_unless_invitee(user: User, invitation: OrganizerInvitation) -> None:
    if is_invitee(user, invitation):
        return
    if user.is_authenticated and user.email_verified_at is None and invitation.email_key == email_key(user.email):
        raise RuleError(Problem("status", EMAIL_NOT_VERIFIED, "email_not_verified", Kind.CONFLICT))
    raise RuleError(Problem("status", ONLY_INVITEE_ANSWERS, "only_invitee_answers", Kind.CONFLICT))


@transaction.atomic
def accept_invitation(*, invitation: OrganizerInvitation, user: User) -> OrganizerInvitation:
    """The invitee, with their address verified, says yes and becomes an organizer of the event."""
    user = User.objects.select_for_update().get(pk=user.pk)  # its address and its proof, as committed
    _refuse_unless_invitee(user, invitation)
    if invitation.event.owner_id == user.pk:
        raise RuleError(Problem("status", OWNER_IS_NOT_AN_ORGANIZER, "owner_is_not_an_organizer", Kind.CONFLICT))
    answered = _answer(invitation, InvitationStatus.ACCEPTED)
    invitation.event.organizers.add(user)
    recording.organizers_changed(invitation.event, added=[(user.pk, user.email)])
    return answered


@transaction.atomic
def decline_invitation(*, invitation: OrganizerInvitation, user: User) -> OrganizerInvitation:
    _refuse_unless_invitee(user, invitation)
    return _answer(invitation, InvitationStatus.DECLINED)


@transaction.atomic
def revoke_invitation(*, invitation: OrganizerInvitation) -> OrganizerInvitation:
    """The owner takes a pending invitation back (a typo, a change of mind); it can no longer be accepted."""
    return _answer(invitation, InvitationStatus.REVOKED)


# --- Passwords and tokens -----------------------------------------------------------------------------------------
# API tokens carry a digest of the password hash they were issued under (SIMPLE_JWT["CHECK_REVOKE_TOKEN"]), so a
# new password, set here, in the admin or by ``manage.py changepassword``, ends every earlier token; deactivation
# ends them through ``User.tokens_revoked_at`` (eventsite/api/authentication.py checks both).


def password_problems(user: User, password: str, field: str) -> list[Problem]:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), each message a problem of ``field``."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [Problem(field, message, "password_invalid") for message in error.messages]
    return []


def change_password(*, user: User, old_password: str, new_password: str, request) -> None:
    """Set a new password after checking the current one.

    The current password is checked by ``authenticate()``, as a log-in is: a wrong one counts
    towards the log-in lock-out of this account's address from this client (``eventsite.lockout``), and a locked
    pair is refused without looking (the caller reads ``request.axes_locked_out``). A stolen access token thus
    gets no more guesses at the password than the log-in gives.
    """
    # Outside the transaction: a refused guess must stay counted when the refusal rolls the transaction back.
    checked = authenticate(request=request, username=user.get_username(), password=old_password)
    if checked is None or checked.pk != user.pk:
        raise RuleError(Problem("old_password", OLD_PASSWORD_WRONG, "old_password_wrong"))
    with transaction.atomic():
        raise_if(password_problems(user, new_password, "new_password"))
        user.set_password(new_password)
        user.save(update_fields=["password"])


def reset_uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def _user_of_reset_uid(uid: str) -> User | None:
    """The active user a reset's uid names, its row locked (a token is used once, even by concurrent requests)."""
    try:
        pk = urlsafe_base64_decode(uid).decode("ascii") if len(uid) <= 32 else ""
    except (ValueError, UnicodeDecodeError):
        return None
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
        return None
    return User.objects.select_for_update().filter(pk=int(pk), is_active=True).first()


def request_password_reset(*, email: str) -> None:
    """Mail a reset token to the account with this address, if one may log in; do nothing otherwise.

    The request does the same work for every address: it counts the address and hands its key to a background
    job (``eventsite.background``), which looks the account up and mails. Nothing in the request depends on
    whether the address has an account, so neither the answer nor its timing tells. At most one mail per address
    (its key: any spelling counts as one) per PASSWORD_RESET_MAIL_INTERVAL, so nobody floods an inbox through it.
    """
    key = email_key(email)
    if not cache.add(_mail_interval_key("password-reset", key), 1, timeout=settings.PASSWORD_RESET_MAIL_INTERVAL):
        return
    background.run_later(mail.send_password_reset_to, key)


def _mail_interval_key(kind: str, key: str) -> str:
    return f"{kind}-mail:" + hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def reset_password(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password with a mailed token; the token dies with the password it was made for."""
    user = _user_of_reset_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise RuleError(Problem("token", RESET_TOKEN_INVALID, "reset_token_invalid"))
    raise_if(password_problems(user, new_password, "new_password"))
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


# --- Accounts and their addresses ---------------------------------------------------------------------------------
# Sign-up proves nothing about the address typed. The account proves it by sending back, while logged in, a token
# mailed to the address: signed (SECRET_KEY), naming the account and its address key, and expiring after
# EMAIL_VERIFICATION_TIMEOUT. Until then it may log in, buy, run its own events and change its password, but it
# neither sees nor answers invitations to that address (so it cannot become an organizer of anyone else's event),
# does not reach the admin through one, and does not invite others.

VERIFICATION_SALT = "eventsite.email-verification"


@transaction.atomic
def sign_up(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """Make an account (unverified) and mail it a verification token. An address whose key an account has
    already (any letter case or compatibility form) is refused."""
    email = canonical_email(email)
    if User.objects.with_email(email).exists():
        raise RuleError(Problem("email", EMAIL_TAKEN, "email_taken", Kind.CONFLICT))
    user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name)
    pk = user.pk
    transaction.on_commit(lambda: background.run_later(mail.send_email_verification, pk), robust=True)
    return user


def _address_digest(user: User) -> str:
    return hashlib.sha256(email_key(user.email).encode()).hexdigest()[:32]


def email_verification_token(user: User) -> str:
    """A signed, timestamped token for this account and its current address (a new address kills it)."""
    return signing.TimestampSigner(salt=VERIFICATION_SALT).sign_object({"u": user.pk, "a": _address_digest(user)})


@transaction.atomic
def verify_email(*, user: User, token: str) -> User:
    """Mark the account's address as proven, with a token mailed to it; the token must be this account's, for
    its present address, and younger than EMAIL_VERIFICATION_TIMEOUT. Verifying again changes nothing."""
    user = User.objects.select_for_update().get(pk=user.pk)
    try:
        claims = signing.TimestampSigner(salt=VERIFICATION_SALT).unsign_object(
            token, max_age=settings.EMAIL_VERIFICATION_TIMEOUT
        )
    except signing.BadSignature:
        claims = None
    if not (isinstance(claims, dict) and claims.get("u") == user.pk and claims.get("a") == _address_digest(user)):
        raise RuleError(Problem("token", VERIFICATION_TOKEN_INVALID, "verification_token_invalid"))
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def request_email_verification(*, user: User) -> bool:
    """Mail the account a new verification token; ``False`` if its address is verified already (nothing sent).
    At most one mail per account per EMAIL_VERIFICATION_MAIL_INTERVAL (a mailbox is not flooded through it)."""
    if user.email_verified_at is not None:
        return False
    key = _mail_interval_key("email-verification", str(user.pk))
    if cache.add(key, 1, timeout=settings.EMAIL_VERIFICATION_MAIL_INTERVAL):
        background.run_later(mail.send_email_verification, user.pk)
    return True


@transaction.atomic
def deactivate_user(*, user: User) -> None:
    """The account can no longer log in, and every API token issued until now stays refused even if it is
    reactivated later (reactivation does not bring a stolen token back)."""
    user.is_active = False
    user.tokens_revoked_at = timezone.now()
    user.save(update_fields=["is_active", "tokens_revoked_at"])


# Exports ------------------------------------------------------------------------------------------------------

#: A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection"); tab and carriage
#: return too, since some programs skip them before looking for one.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def spreadsheet_safe(cell: str) -> str:
    """A cell for an exported file that no spreadsheet runs as a formula: one starting with a formula character
    is written after an apostrophe (the spreadsheet's own "this is text" mark), unless it is plainly a number,
    so that ``-5.00`` stays a negative number. Every writer of CSV (the admin's export, ``export_codes``) calls
    this, and imports take the apostrophe off again (:func:`spreadsheet_text`)."""
    if cell.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def spreadsheet_text(cell: str) -> str:
    """The value of a cell written by :func:`spreadsheet_safe` (an imported file may be one we exported)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_TRIGGERS):
        return cell[1:]
    return cell


# Numbers ------------------------------------------------------------------------------------------------------

#: The largest count the service keeps (tickets, uses, quantities, positions): PostgreSQL's ``integer``, on every
#: database (SQLite would store up to 2**63 - 1 and then disagree with PostgreSQL, which fails on the write).
MAX_COUNT = 2_147_483_647
COUNT_TOO_LARGE = "At most {max:,} here."


def count_problems(field: str, value: int | None) -> list[Problem]:
    """A count a client sent fits what the service keeps: refused with a pointer, never a failed write."""
    if value is not None and value > MAX_COUNT:
        return [Problem(field, COUNT_TOO_LARGE.format(max=MAX_COUNT), "number_too_large")]
    return []
