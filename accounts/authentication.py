"""API authentication: tokens that expire like staff sessions."""
from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.models import TokenUse


class IdleExpiringTokenAuthentication(TokenAuthentication):
    """Token authentication in which a bureau staff member's token, like their session, stops working
    after STAFF_IDLE_TIMEOUT_SECONDS (30 minutes) without a request; asking for a token again (with the
    password, under the same lockout) revives it. The last use is written at most once a minute."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if user.is_bureau_staff or user.is_superuser:
            now = timezone.now()
            use = TokenUse.objects.filter(token=token).first()
            idle = (now - (use.last_used if use else token.created)).total_seconds()
            if idle > settings.STAFF_IDLE_TIMEOUT_SECONDS:
                raise exceptions.AuthenticationFailed(
                    "令牌已因30分钟未使用而失效,请重新获取令牌 / the token expired after 30 idle minutes; request a new one")
            if use is None or idle > 60:
                TokenUse.objects.update_or_create(token=token, defaults={"last_used": now})
        return user, token
