"""Log-in by JWT: simplejwt's, with the requester looked up by a prepared query (``eventsite.prepared``), and one
check of a token's user shared by every request and by the token refresh.

Every authenticated API request looks its user up; building and compiling that ``User.objects.get(pk=...)`` was
a tenth of the CPU of a page of the hottest endpoint. Everything else (token checks, the answers for a missing
or inactive user, a password changed since the token was issued) is simplejwt's own: ``get_user`` is simplejwt's
with the look-up swapped. On top of simplejwt: a token issued before the account was deactivated stays refused
(``User.tokens_revoked_at``), even once the account is active again.

simplejwt's refresh (``TokenRefreshSerializer`` in 5.5.1) checks only that the user exists and is active: it
ignores ``CHECK_REVOKE_TOKEN``, so a refresh token would outlive a password change, and a deleted user's refresh
token is an uncaught ``DoesNotExist``. ``eventsite.views.RefreshView`` therefore asks ``get_user`` here instead.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

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


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token):
        user = self._user(validated_token)
        refuse_if_revoked(validated_token, user)
        return user

    def _user(self, validated_token):
        pk = user_pk(validated_token.get(api_settings.USER_ID_CLAIM))
        if pk is None or api_settings.USER_ID_FIELD != "id":
            return super().get_user(validated_token)  # not a claim simplejwt issues for us: its own path answers
        found = USER_BY_ID.objects(pk=pk)
        if not found:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        (user,) = found
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user
