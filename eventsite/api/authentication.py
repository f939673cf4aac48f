"""Log-in by JWT: simplejwt's, with the requester looked up by a prepared query (``eventsite.prepared``), and one
check of a token's user shared by every request and by the token refresh.

Every authenticated API request looks its user up; building and compiling that ``User.objects.get(pk=...)`` was
a tenth of the CPU of a page of the hottest endpoint. ``get_user`` is simplejwt's own, called as is (token
checks, the answers for a missing or inactive user, a password changed since the token was issued, and any check
a later simplejwt adds): only the model it asks (its public ``user_model``) is a stand-in whose
``objects.get(id=...)`` runs the prepared query; anything else it asks of the stand-in goes to the real model.
On top of simplejwt: a token issued before the account was deactivated stays refused (``User.tokens_revoked_at``),
even once the account is active again.

simplejwt's refresh (``TokenRefreshSerializer`` in 5.5.1) checks only that the user exists and is active: it
ignores ``CHECK_REVOKE_TOKEN``, so a refresh token would outlive a password change, and a deleted user's refresh
token is an uncaught ``DoesNotExist``. ``eventsite.views.RefreshView`` therefore asks ``get_user`` here instead.
"""

from django.contrib.auth import get_user_model
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from eventsite.prepared import PreparedQuery

USER_BY_ID = PreparedQuery(lambda pk: get_user_model().objects.filter(pk=pk))

TOKEN_REVOKED = "This token was issued before the account was deactivated; log in again."


def user_pk(claim) -> int | None:
    """The user id of a token's claim as simplejwt writes it (the id as a string of digits), else None."""
    if isinstance(claim, str) and claim.isascii() and claim.isdigit() and len(claim) <= 18:
        return int(claim)
    return None


def refuse_if_revoked(validated_token, user) -> None:
    """A token issued (``iat``, whole seconds) before ``tokens_revoked_at`` is refused. A token of the very second
    of a deactivation is refused too: never an old token accepted, at worst a new one refused for a second."""
    revoked_at = getattr(user, "tokens_revoked_at", None)
    if revoked_at is None:
        return
    issued = validated_token.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, int | float) or issued < revoked_at.timestamp():
        raise AuthenticationFailed(TOKEN_REVOKED, code="token_revoked")


class PreparedUsers:
    """The user model as simplejwt's ``get_user`` uses it (``user_model.objects.get(id=<claim>)`` and
    ``user_model.DoesNotExist``), the look-up by id prepared; every other use reaches the model itself."""

    def __init__(self, model):
        self.model = model
        self.objects = self

    def __getattr__(self, name):
        return getattr(self.model, name)

    def get(self, **lookup):
        pk = user_pk(lookup["id"]) if len(lookup) == 1 and "id" in lookup else None
        if pk is None:  # not a claim simplejwt issues for us (an int, say): the model's own look-up answers
            return self.model.objects.get(**lookup)
        found = USER_BY_ID.objects(pk=pk)
        if not found:
            raise self.model.DoesNotExist
        return found[0]


class JWTAuthentication(authentication.JWTAuthentication):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = PreparedUsers(self.user_model)

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        refuse_if_revoked(validated_token, user)
        return user
