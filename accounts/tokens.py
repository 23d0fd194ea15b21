"""API tokens: issued per client with a name and an expiry, stored as a SHA-256 digest, revocable.

A key is 43 URL-safe characters (32 random bytes), so a fast hash is enough: nobody can guess a key
from its digest, and the lookup is one unique-index probe on the digest."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ServiceError
from accounts.models import ApiToken

NAME_MAX = 64


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def lifetime_days_max() -> int:
    return settings.API_TOKEN_LIFETIME_DAYS


@transaction.atomic
def token_issue(*, actor, user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for one client of `user`; returns the token and its key (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("请填写客户端名称(例如“财务对账脚本”)", "a client name is required", code="name")
    if len(name) > NAME_MAX:
        raise ServiceError(f"客户端名称最多{NAME_MAX}个字符", "the client name is too long", code="name")
    longest = lifetime_days_max()
    days = longest if days is None else days
    if not 1 <= days <= longest:
        raise ServiceError(f"有效期须为1至{longest}天", f"the lifetime must be 1 to {longest} days", code="days")
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with acting(actor):
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=key[:8],
            digest=token_digest(key),
            expires_at=now + dt.timedelta(days=days),
            last_used_at=now,
        )
    return token, key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke one token; only its owner or a portal administrator may."""
    if token.user_id != actor.pk and not actor.is_portal_admin:
        raise ServiceError(
            "只能吊销自己的令牌", "you may only revoke your own tokens", code="permission_denied", status=403
        )
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        with acting(actor):
            token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def tokens_revoke_all(*, actor, user) -> int:
    """Revoke every token of `user` still in force (at logout, on request); returns how many."""
    if user.pk != actor.pk and not actor.is_portal_admin:
        raise ServiceError(
            "只能吊销自己的令牌", "you may only revoke your own tokens", code="permission_denied", status=403
        )
    with acting(actor):
        return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def tokens_of(user):
    """Selector: the user's own tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")
