"""Database sessions that ignore malformed session cookies. Django's keys are 32 lowercase letters and
digits; a crafted cookie (a NUL byte, say) would otherwise reach PostgreSQL and fail the request with a
500 on every page. An invalid key is treated like no session (found by the schemathesis run)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key) and key.isascii() and key.isalnum())
