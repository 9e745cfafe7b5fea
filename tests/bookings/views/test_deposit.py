"""The deposit step (the demo gateway) and the confirmation page, for the browser that
booked only."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings import links
from bookings.models import Booking
from tests.bookings.views.helpers import DAY, FORM, at, details_url, text

pytestmark = pytest.mark.django_db


def hold_through_the_form(client) -> Booking:
    response = client.post(details_url(at(10)), FORM)
    assert response.status_code == 303
    return Booking.objects.get()


def test_the_demo_deposit_confirms_and_shows_the_confirmation(client, headshot):
    booking = hold_through_the_form(client)

    deposit_page = client.get(reverse("bookings:deposit", args=[booking.public_id]))
    assert deposit_page.status_code == 200
    assert "Deposit due now: <strong>£50.00</strong>" in text(deposit_page)
    assert "No money moves." in text(deposit_page)

    response = client.post(reverse("bookings:deposit-demo", args=[booking.public_id]))

    assert response.status_code == 303
    assert response["Location"] == reverse("bookings:confirmed", args=[booking.public_id])
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    payment = booking.payments.get()
    assert (payment.provider, payment.status, payment.amount, payment.currency) == (
        "demo",
        "succeeded",
        5000,
        "GBP",
    )
    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    page = text(confirmation)
    assert "You're booked in" in page
    assert "Thank you, Ada Lovelace." in page
    assert f"{DAY:%A} {DAY.day} {DAY:%B %Y}, 10:00</time> (Europe/London)" in page
    assert "<dt>Balance at the studio</dt><dd>£145.00</dd>" in page
    assert f'href="{links.manage_path(booking)}"' in page


def test_deposit_and_confirmation_pages_are_only_for_the_browser_that_booked(client, headshot):
    booking = hold_through_the_form(client)
    stranger = Client()

    assert stranger.get(reverse("bookings:deposit", args=[booking.public_id])).status_code == 404
    assert (
        stranger.post(reverse("bookings:deposit-demo", args=[booking.public_id])).status_code == 404
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD

    client.post(reverse("bookings:deposit-demo", args=[booking.public_id]))

    assert stranger.get(reverse("bookings:confirmed", args=[booking.public_id])).status_code == 404
    assert client.get(reverse("bookings:confirmed", args=[booking.public_id])).status_code == 200


def test_a_lapsed_hold_asks_the_client_to_book_again(client, headshot):
    booking = hold_through_the_form(client)
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = client.get(reverse("bookings:deposit", args=[booking.public_id]))

    assert response.status_code == 410
    assert "This hold has lapsed" in text(response)
