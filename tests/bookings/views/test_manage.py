"""The client's signed manage link: seeing the booking, cancelling and moving it, and
refusing tampered, expired or borrowed links."""

import time as clock
import uuid
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from bookings import links
from bookings.models import Booking, Payment
from tests.bookings.views.helpers import DAY, LONDON, at, booked, local_times, text

pytestmark = pytest.mark.django_db


def confirmed_with_deposit(session_type, photographer, start) -> Booking:
    booking = booked(session_type, photographer, start, status=Booking.Status.CONFIRMED)
    Payment.objects.create(
        booking=booking,
        provider=Payment.Provider.DEMO,
        status=Payment.Status.SUCCEEDED,
        amount=booking.deposit_amount,
        currency=booking.currency,
        paid_at=timezone.now(),
    )
    return booking


def manage_url(booking, token=None, action="manage") -> str:
    return reverse(
        f"bookings:{action}", args=[booking.public_id, token or links.manage_token(booking)]
    )


def token_signed_ago(booking, age: timedelta) -> str:
    """A manage token signed `age` ago, with the real key and salt."""

    class SignedInThePast(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(clock.time() - age.total_seconds()))

    value = str(booking.public_id)
    return SignedInThePast(salt=links.SALT).sign(value)[len(value) + 1 :]


def test_the_manage_page_shows_the_booking_and_what_the_client_may_do(client, headshot, maya):
    booking = confirmed_with_deposit(headshot, maya, at(10))

    response = client.get(manage_url(booking))

    assert response.status_code == 200
    page = text(response)
    assert 'Status: <strong class="status status-confirmed">Confirmed</strong>' in page
    assert f"{DAY:%A} {DAY.day} {DAY:%B %Y}, 10:00</time>–11:00 (Europe/London)" in page
    assert "<dt>Deposit</dt><dd>£50.00 — paid (demo)</dd>" in page
    assert f'href="{manage_url(booking, action="reschedule")}">Move to another time</a>' in page
    assert f'href="{manage_url(booking, action="cancel")}">Cancel my session</a>' in page
    refund_cutoff = (at(10) - timedelta(hours=48)).astimezone(LONDON)
    assert (
        f"Cancel before {refund_cutoff.day} {refund_cutoff:%B, %H:%M} and your deposit is refunded."
    ) in page
    assert '<meta name="robots" content="noindex">' in page


def test_tampered_expired_and_borrowed_manage_links_are_refused_alike(client, headshot, maya):
    booking = confirmed_with_deposit(headshot, maya, at(10))
    other = confirmed_with_deposit(headshot, maya, at(14))
    token = links.manage_token(booking)
    timestamp, signature = token.split(":")
    tampered = f"{timestamp}:{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    expired = token_signed_ago(booking, links.MAX_AGE + timedelta(days=1))
    still_valid = token_signed_ago(booking, links.MAX_AGE - timedelta(days=1))
    assert client.get(manage_url(booking, still_valid)).status_code == 200

    refused = [
        client.get(url)
        for bad_token in (tampered, expired, links.manage_token(other))
        for url in (
            manage_url(booking, bad_token),
            manage_url(booking, bad_token, action="cancel"),
            manage_url(booking, bad_token, action="reschedule"),
        )
    ]
    refused.append(client.get(reverse("bookings:manage", args=[uuid.uuid4(), token])))
    refused.append(client.post(manage_url(booking, tampered, action="cancel"), {"confirm": "on"}))

    assert [response.status_code for response in refused] == [404] * 11
    assert len({response.content for response in refused}) == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_cancelling_inside_the_refund_window_says_so_first_and_refunds(client, headshot, maya):
    booking = confirmed_with_deposit(headshot, maya, at(10))

    form = client.get(manage_url(booking, action="cancel"))
    assert form.status_code == 200
    assert "Your deposit of £50.00 will be refunded to the card you paid with." in text(form)

    response = client.post(manage_url(booking, action="cancel"), {"confirm": "on"})

    assert response.status_code == 303
    assert response["Location"] == manage_url(booking)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    payment = booking.payments.get()
    assert (payment.status, payment.refunded_amount) == ("refunded", 5000)
    assert "Your session is cancelled. Your deposit of £50.00 has been refunded." in text(
        client.get(response["Location"])
    )


def test_cancelling_late_says_so_first_and_keeps_the_deposit(client, headshot, maya):
    soon = (timezone.now() + timedelta(hours=30)).replace(second=0, microsecond=0)
    booking = confirmed_with_deposit(headshot, maya, soon)

    form = client.get(manage_url(booking, action="cancel"))
    assert form.status_code == 200
    assert (
        "You are inside the 48-hour window of the cancellation policy you accepted, so your "
        "deposit of £50.00 <strong>will not be refunded</strong>."
    ) in text(form)

    response = client.post(manage_url(booking, action="cancel"), {"confirm": "on"})

    assert response.status_code == 303
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    payment = booking.payments.get()
    assert (payment.status, payment.refunded_amount) == ("succeeded", 0)
    assert "Your session is cancelled. As per the policy, the deposit is kept." in text(
        client.get(response["Location"])
    )


def test_cancelling_needs_the_box_ticked(client, headshot, maya):
    booking = confirmed_with_deposit(headshot, maya, at(10))

    response = client.post(manage_url(booking, action="cancel"), {})

    assert response.status_code == 400
    assert "Please tick the box to confirm." in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_after_cancelling_the_link_shows_the_status_and_refuses_every_action(
    client, headshot, maya
):
    booking = confirmed_with_deposit(headshot, maya, at(10))
    client.post(manage_url(booking, action="cancel"), {"confirm": "on"})

    page = client.get(manage_url(booking))

    assert page.status_code == 200
    assert 'Status: <strong class="status status-cancelled">Cancelled</strong>' in text(page)
    assert manage_url(booking, action="cancel") not in text(page)
    assert manage_url(booking, action="reschedule") not in text(page)
    cancel_refused = "This booking can't be cancelled online any more."
    move_refused = "This booking can't be moved online any more."
    for attempt, refusal in (
        (lambda: client.get(manage_url(booking, action="cancel")), cancel_refused),
        (
            lambda: client.post(manage_url(booking, action="cancel"), {"confirm": "on"}),
            cancel_refused,
        ),
        (lambda: client.get(manage_url(booking, action="reschedule")), move_refused),
        (
            lambda: client.post(
                manage_url(booking, action="reschedule"), {"start": at(15).isoformat()}
            ),
            move_refused,
        ),
    ):
        response = attempt()
        assert response.status_code == 303
        assert response["Location"] == manage_url(booking)
        assert refusal in text(client.get(response["Location"]))
    booking.refresh_from_db()
    assert (booking.status, booking.starts_at, booking.revision) == ("cancelled", at(10), 1)


def test_rescheduling_offers_free_times_including_ones_overlapping_the_current_booking(
    client, headshot, maya
):
    booking = confirmed_with_deposit(headshot, maya, at(10))
    booked(headshot, maya, at(14))

    response = client.get(manage_url(booking, action="reschedule") + f"?date={DAY.isoformat()}")

    assert response.status_code == 200
    times = local_times(response)
    assert {"09:30", "10:00", "10:30"} <= set(times)
    assert {"13:30", "14:00", "14:30"}.isdisjoint(times)
    assert f'name="start" value="{at(15).isoformat()}"' in text(response)


def test_rescheduling_to_a_free_time_moves_the_booking_and_bumps_its_revision(
    client, headshot, maya
):
    booking = confirmed_with_deposit(headshot, maya, at(10))

    response = client.post(manage_url(booking, action="reschedule"), {"start": at(15).isoformat()})

    assert response.status_code == 303
    assert response["Location"] == manage_url(booking)
    booking.refresh_from_db()
    assert (booking.starts_at, booking.ends_at, booking.revision) == (at(15), at(16), 2)
    page = text(client.get(response["Location"]))
    assert "Your session has been moved. The new time is below." in page
    assert f"{DAY.day} {DAY:%B %Y}, 15:00</time>–16:00" in page


def test_rescheduling_to_a_taken_time_is_refused_clearly(client, headshot, maya):
    booking = confirmed_with_deposit(headshot, maya, at(10))
    booked(headshot, maya, at(14))

    response = client.post(manage_url(booking, action="reschedule"), {"start": at(14).isoformat()})

    assert response.status_code == 303
    assert response["Location"] == (
        manage_url(booking, action="reschedule") + f"?date={DAY.isoformat()}"
    )
    assert "That time was just booked — please pick another." in text(
        client.get(response["Location"])
    )
    booking.refresh_from_db()
    assert (booking.starts_at, booking.revision) == (at(10), 1)


def test_rescheduling_without_a_readable_time_asks_to_pick_one(client, headshot, maya):
    booking = confirmed_with_deposit(headshot, maya, at(10))

    response = client.post(manage_url(booking, action="reschedule"), {"start": "soon"})

    assert response.status_code == 303
    assert response["Location"] == manage_url(booking, action="reschedule")
    assert "Please pick one of the times shown." in text(client.get(response["Location"]))
