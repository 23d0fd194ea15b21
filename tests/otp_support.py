"""TOTP codes for tests, computed from the device's secret with django-otp's own functions (as an
authenticator app would). A code is valid once per 30-second step; `code_for` picks the next step the
device will still accept, so two logins within one step both pass."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def device_for(user, *, confirmed: bool = True) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=confirmed)


def code_for(device: TOTPDevice) -> str:
    """The code of the earliest time step the device still accepts (after its last used one)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    now_t = totp.t()
    wanted = max(now_t, device.last_t + 1)
    while wanted > now_t + device.tolerance:  # already used this step and the next: wait for a new one
        time.sleep(1)
        totp.time = time.time()
        now_t = totp.t()
    totp.drift = device.drift + (wanted - now_t)
    return f"{totp.token():0{device.digits}d}"
