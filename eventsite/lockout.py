"""One lock-out policy for the admin's and the API's log-in (django-axes, configured in settings).

Failures are counted per e-mail address (its key: letter case and compatibility forms folded) and client address
(``eventsite.clients``): a log-in matches an account whatever the letter case of the address, so the count must
too, or every spelling (``E-user@…``, ``e-USER@…``) would bring fresh tries. Both front ends call
``authenticate(request=...)``, and so does the API's password change when it checks the current password
(``eventsite.rules.change_password``), so their failures add up, and a locked-out pair is refused by all: the admin
with its page, the API with a JSON error (429, ``Retry-After``). A guesser locks out only their own address from
their own client, never the account's owner elsewhere.
"""

from django.conf import settings

from .addresses import email_key

LOCKED_OUT = "Too many failed log-ins for this e-mail address from your address; try again in {minutes} minutes."


def login_key(request, credentials: dict | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the key of the e-mail address tried (``eventsite.addresses.email_key``), the
    same key that finds the account: every spelling of one account's address counts as one."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        data = getattr(request, "data", None) or request.POST  # DRF's parsed body, or the admin's form
        if hasattr(data, "get"):
            value = data.get("username") or data.get("email")
    if not isinstance(value, str):
        return None
    return email_key(value)


def cool_off_seconds() -> int:
    """How long a lock-out lasts; every refused try starts it again (axes' default), so this is exact."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def locked_out_message() -> str:
    return LOCKED_OUT.format(minutes=max(1, cool_off_seconds() // 60))
