"""API authentication: hashed, per-client tokens with an expiry; staff tokens also expire when idle."""

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.models import ApiToken
from accounts.tokens import token_digest


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`. The key is looked up by its SHA-256 digest (accounts.tokens). A token
    is refused once revoked or past its expiry; a bureau staff member's token, like their session, also
    stops working after STAFF_IDLE_TIMEOUT_SECONDS (30 minutes) without a request: asking for a new token
    (with the password, and the TOTP code where two-factor login applies) issues a fresh one. The last
    use is written at most once a minute."""

    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("令牌无效或已吊销 / invalid or revoked token")
        user, now = token.user, timezone.now()
        if not user.is_active:
            raise exceptions.AuthenticationFailed("用户已停用 / user inactive or deleted")
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                "令牌已过期,请重新获取令牌 / the token has expired; request a new one"
            )
        idle = (now - (token.last_used_at or token.created_at)).total_seconds()
        if (user.is_bureau_staff or user.is_superuser) and idle > settings.STAFF_IDLE_TIMEOUT_SECONDS:
            raise exceptions.AuthenticationFailed(
                "令牌已因30分钟未使用而失效,请重新获取令牌 / the token expired after 30 idle minutes; request a new one"
            )
        if token.last_used_at is None or idle > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token
