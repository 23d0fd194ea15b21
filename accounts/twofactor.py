"""Two-factor login (TOTP, django-otp) for finance staff and administrators.

The login page checks the password; for a user who needs a second factor the session then holds only
the pending user's id (PENDING_KEY) and the person is sent to the code page; `django.contrib.auth.login`
runs only after a valid code. A user without a confirmed device enrols on first login: the page shows
the secret (base32 and an otpauth:// URI, as text: no external QR service) and the first valid code
confirms the device. django-otp throttles wrong codes per device (growing delays)."""

from __future__ import annotations

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

PENDING_KEY = "twofactor_pending_user"
PENDING_BACKEND_KEY = "twofactor_pending_backend"
DEVICE_NAME = "TOTP"


def needs_second_factor(user) -> bool:
    return bool(user.is_superuser or user.role in settings.TWO_FACTOR_ROLES)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user) -> TOTPDevice:
    """The user's unconfirmed device (the secret shown while enrolling), created once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def verify(device: TOTPDevice, code: str) -> bool:
    code = (code or "").strip().replace(" ", "")
    return code.isdigit() and len(code) == device.digits and device.verify_token(code)


def base32_secret(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()
