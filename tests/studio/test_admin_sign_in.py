"""Signing in to the desk: rate-limited against guessing; optional two-factor codes."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import StudioFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def studio():
    return StudioFactory()


def sign_in(client, username, password, code=""):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "otp_token": code}
    )


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_staff_without_two_factor_sign_in_with_a_password():
    from django.test import Client

    client = Client()
    UserFactory(username="maya")

    response = sign_in(client, "maya", PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_with_two_factor_need_the_code(client):
    user = UserFactory(username="maya")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    without = sign_in(client, "maya", PASSWORD)
    assert "Enter the 6-digit code" in without.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302

    wrong = sign_in(
        client, "maya", PASSWORD, "000000" if current_code(device) != "000000" else "111111"
    )
    assert "Enter the 6-digit code" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code delays the next try; the client would wait

    right = sign_in(client, "maya", PASSWORD, current_code(device))
    assert right.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_turning_two_factor_on_requires_a_valid_code(client):
    user = UserFactory(username="maya")
    client.force_login(user)

    page = client.get(reverse("admin:two-factor"))
    device = TOTPDevice.objects.get(user=user)
    refused = client.post(reverse("admin:two-factor"), {"token": "12345"})
    device.refresh_from_db()
    assert "<svg" in page.content.decode()
    assert "That code didn&#x27;t match" in refused.content.decode()
    assert device.confirmed is False
    device.throttle_reset()

    client.post(reverse("admin:two-factor"), {"token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed is True


def test_repeated_wrong_passwords_lock_the_username_out(client):
    UserFactory(username="maya")

    for _ in range(5):
        sign_in(client, "maya", "wrong")
    locked = sign_in(client, "maya", PASSWORD)

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
