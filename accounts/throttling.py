"""A fixed-window request budget per client address (accounts.clientip) for public pages outside the API
(registration, password reset); the API uses DRF's throttles, keyed the same way."""

from django.core.cache import cache

from accounts.clientip import client_ip


def within_budget(request, scope: str, limit: int, period: int) -> bool:
    """Count this request against `limit` per `period` seconds for the client; False once over it."""
    key = f"throttle:{scope}:{client_ip(request)}"
    cache.add(key, 0, period)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, period)
        count = 1
    return count <= limit
