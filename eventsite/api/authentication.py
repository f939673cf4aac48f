"""Log-in by JWT: simplejwt's, with the requester looked up by a prepared query (``eventsite.prepared``).

Every authenticated API request looks its user up; building and compiling that ``User.objects.get(pk=...)`` was
a tenth of the CPU of a page of the hottest endpoint. Everything else (token checks, the answers for a missing
or inactive user) is simplejwt's own: ``get_user`` is simplejwt's with the look-up swapped.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from eventsite.prepared import PreparedQuery

USER_BY_ID = PreparedQuery(lambda pk: get_user_model().objects.filter(pk=pk))


def user_pk(claim) -> int | None:
    """The user id of a token's claim as simplejwt writes it (the id as a string of digits), else None."""
    if isinstance(claim, str) and claim.isascii() and claim.isdigit() and len(claim) <= 18:
        return int(claim)
    return None


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token):
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
