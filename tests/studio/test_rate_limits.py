"""Public forms are limited per client IP; a cache outage lets requests through."""

import pytest
from django.urls import reverse

from studio.models import ContactMessage
from tests.factories import StudioFactory

pytestmark = pytest.mark.django_db

MESSAGE = {"name": "Ada", "email": "ada@example.com", "message": "Hello"}


@pytest.fixture(autouse=True)
def studio(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "contact": "2/m"}
    return StudioFactory()


def test_a_client_over_the_limit_gets_a_clear_429_and_nothing_is_stored(client):
    for _ in range(2):
        assert client.post(reverse("contact"), MESSAGE).status_code == 302

    refused = client.post(reverse("contact"), MESSAGE)

    assert refused.status_code == 429
    assert "Please wait a moment" in refused.content.decode()
    assert ContactMessage.objects.count() == 2


def test_limits_are_per_client_address(client):
    for _ in range(2):
        client.post(reverse("contact"), MESSAGE)

    other = client.post(reverse("contact"), MESSAGE, REMOTE_ADDR="203.0.113.9")

    assert other.status_code == 302


def test_the_forwarded_address_counts_only_behind_a_configured_proxy(client, settings):
    for _ in range(2):
        client.post(reverse("contact"), MESSAGE, HTTP_X_FORWARDED_FOR="198.51.100.1")
    spoofed = client.post(reverse("contact"), MESSAGE, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert spoofed.status_code == 429  # the header is ignored: same socket address

    settings.TRUSTED_PROXY_COUNT = 1
    behind_proxy = client.post(reverse("contact"), MESSAGE, HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert behind_proxy.status_code == 302


def test_with_the_cache_unreachable_requests_go_through(client, settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }

    statuses = [client.post(reverse("contact"), MESSAGE).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 302]
    assert ContactMessage.objects.count() == 4
