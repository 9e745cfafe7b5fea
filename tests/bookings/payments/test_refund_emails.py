"""The client is told "refund requested" when it is requested, "refunded" only once Stripe
says the refund succeeded: in the late-payment email, the cancellation email, refund_issued,
the pages and the desk. Each email goes once (the log's key: booking, kind, revision, resend)."""

from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone

from bookings import links, services
from bookings.models import Booking, NotificationLog, Refund
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db

CLIENT = "ada@example.com"


def to_client() -> list:
    return [message for message in mail.outbox if message.to == [CLIENT]]


def subjects() -> list[str]:
    return [message.subject for message in to_client()]


def money_emails_logged(booking) -> list[str]:
    """The emails about the client's money recorded for the booking, one row per email."""
    kinds = ["cancelled", "late_payment", "refund_issued"]
    logged = NotificationLog.objects.filter(booking=booking, kind__in=kinds)
    return sorted(logged.values_list("kind", flat=True))


def take_the_time(held) -> None:
    """The hold lapsed and another client booked the same time."""
    held.status = Booking.Status.EXPIRED
    held.hold_expires_at = timezone.now() - timedelta(minutes=5)
    held.save()
    BookingFactory(
        photographer=held.photographer,
        session_type=held.session_type,
        starts_at=held.starts_at,
        ends_at=held.ends_at,
        blocked=DateTimeTZRange(held.starts_at, held.ends_at, "[)"),
        client_email="other@example.com",
    )


def stripe_says(fake_stripe, refund: Refund, status: str) -> dict:
    return fake_stripe.event(
        "refund.updated", {**fake_stripe.refunds[refund.stripe_refund_id], "status": status}
    )


def test_a_late_payment_is_told_it_is_being_refunded_then_told_once_it_has_been(
    fake_stripe, held, paid, post_event
):
    # Given the time went to another client, and Stripe takes a while over refunds
    take_the_time(held)
    fake_stripe.refund_status = "pending"

    # When the late payment arrives
    post_event(paid)

    # Then the client is told it is being refunded, not that it has been
    (late,) = to_client()
    assert late.subject.startswith("We couldn't keep your time on ")
    assert "payment refunded" not in late.subject
    assert (
        "Your payment of £50.00 is being refunded in full to the card you paid with. We'll "
        "email you again once the refund has gone through"
    ) in late.body
    assert "We've refunded" not in late.body
    assert "someone else had booked" in late.body
    refund = Refund.objects.get()
    assert refund.status == "pending"

    # When Stripe says it succeeded, and says so again
    post_event(stripe_says(fake_stripe, refund, "succeeded"))
    post_event(stripe_says(fake_stripe, refund, "succeeded"))

    # Then one more email, the refund issued
    assert len(to_client()) == 2
    issued = to_client()[1]
    assert issued.subject == "Your refund of £50.00 is on its way"
    assert "We've refunded £50.00 to the card you paid with." in issued.body
    assert money_emails_logged(held) == ["late_payment", "refund_issued"]


def test_a_late_payment_for_a_cancelled_booking_says_it_was_cancelled(
    fake_stripe, held, paid, post_event
):
    held.status = Booking.Status.CANCELLED
    held.hold_expires_at = None
    held.save()
    fake_stripe.refund_status = "pending"

    post_event(paid)

    (late,) = to_client()
    assert "had been cancelled, so there is no session to pay for" in late.body
    assert "someone else had booked" not in late.body


def test_the_page_after_a_late_payment_says_it_is_being_refunded(client, fake_stripe, held, paid):
    take_the_time(held)
    session_id = paid["data"]["object"]["id"]

    page = unescape(
        client.get(
            reverse("bookings:confirmed", args=[held.public_id]), {"session_id": session_id}
        ).content.decode()
    )

    assert "That time was taken before your payment arrived" in page
    assert "Your payment of £50.00 is being refunded in full: we've emailed you" in page
    assert "We have refunded" not in page


def test_a_cancellation_while_the_refund_is_pending_tells_the_truth_everywhere(
    client, fake_stripe, confirmed_payment, post_event, django_capture_on_commit_callbacks
):
    booking = confirmed_payment.booking
    fake_stripe.refund_status = "pending"
    mail.outbox.clear()
    manage = links.manage_path(booking)

    # When the client cancels inside the refund window
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage + "cancel/", {"confirm": "on"}, follow=True)

    # Then they are told it is requested, on the page and in the email, and not yet refunded
    assert (
        "Your session is cancelled. Your refund of £50.00 has been requested; we'll email you "
        "once it has gone through."
    ) in unescape(response.content.decode())
    (cancelled,) = to_client()
    assert cancelled.subject.startswith("Your session on ")
    assert "Your refund of £50.00 is on its way: we've asked for it to go back to the card" in (
        cancelled.body
    )
    assert "has been refunded" not in cancelled.body
    page = unescape(client.get(manage).content.decode())
    assert (
        "<dt>Refund</dt><dd>£50.00 on its way: we'll email you once it has gone through</dd>"
        in (page)
    )
    assert "<dt>Refunded</dt>" not in page
    owner = UserFactory(username="owner", is_superuser=True)
    client.force_login(owner)
    desk = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "Deposit paid £50.00 · refund of £50.00 on its way" in unescape(desk)
    assert "refunded £50.00" not in desk

    # When Stripe says the refund succeeded
    post_event(stripe_says(fake_stripe, Refund.objects.get(), "succeeded"))

    # Then the client hears it once, and the pages say refunded
    assert subjects()[1:] == ["Your refund of £50.00 is on its way"]
    client.logout()
    page = unescape(client.get(manage).content.decode())
    assert "<dt>Refunded</dt><dd>£50.00</dd>" in page
    assert "on its way" not in page
    assert money_emails_logged(booking) == ["cancelled", "refund_issued"]


def test_a_cancellation_outside_the_window_says_the_deposit_is_kept(
    fake_stripe, confirmed_payment, django_capture_on_commit_callbacks
):
    booking = confirmed_payment.booking
    booking.starts_at = timezone.now() + timedelta(hours=30)
    booking.ends_at = booking.starts_at + timedelta(hours=1)
    booking.blocked = DateTimeTZRange(booking.starts_at, booking.ends_at, "[)")
    booking.save()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking, actor="client")

    (cancelled,) = to_client()
    assert (
        "As set out in the cancellation policy you accepted, the deposit of £50.00 is kept."
        in cancelled.body
    )
    assert "refund" not in cancelled.body.split("The attached file")[1].split("When:")[0]
