"""The client's address, for the login lockout (django-axes) and the throttles (DRF and the registration
page). Behind NUM_PROXIES trusted reverse proxies the client is the address the outermost trusted proxy
appended to X-Forwarded-For (the NUM_PROXIES-th entry from the right); entries further left were sent by
the client and are ignored. With NUM_PROXIES = 0 (no proxy) X-Forwarded-For is ignored altogether, so
nobody can rotate it to escape a throttle. The same rule as DRF's NUM_PROXIES (REST_FRAMEWORK setting)."""

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.NUM_PROXIES
    if not proxies:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
