"""Refunds when a booking is cancelled (by the client or the studio): through Stripe's Refund
API, sent again by the sweep when Stripe or the broker fails, and at once for demo deposits."""

from datetime import timedelta
from html import unescape

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone

from bookings import links, services
from bookings.errors import TransitionRefused
from bookings.models import Booking, Payment, Refund
from bookings.payments import offline, refunds

pytestmark = pytest.mark.django_db


def cancel_as_client(client, booking, capture):
    with capture(execute=True):
        return client.post(links.manage_path(booking) + "cancel/", {"confirm": "on"}, follow=True)


def test_a_client_cancelling_in_time_is_refunded_through_the_refund_api(
    client, fake_stripe, confirmed_payment, django_capture_on_commit_callbacks, notifications
):
    booking = confirmed_payment.booking
    page = unescape(client.get(links.manage_path(booking) + "cancel/").content.decode())
    assert "will be refunded to the card you paid with" in page

    response = cancel_as_client(client, booking, django_capture_on_commit_callbacks)

    assert (
        "Your refund of £50.00 has been requested; we'll email you once it has gone through."
        in unescape(response.content.decode())
    )
    [call] = fake_stripe.calls("POST", "/v1/refunds")
    public_id = str(booking.public_id)
    key = f"deposit-refund:{public_id}:1:1"
    assert call.idempotency_key == key
    assert call.params == {
        "payment_intent": confirmed_payment.payment_intent_id,
        "amount": "5000",
        "metadata": {"booking": public_id, "attempt": "1", "refund": key},
        "reason": "requested_by_customer",
    }
    refund = Refund.objects.get()
    assert (refund.status, refund.reason, refund.actor) == ("succeeded", "cancellation", "client")
    assert refund.stripe_refund_id.startswith("re_test_")
    confirmed_payment.refresh_from_db()
    assert (confirmed_payment.status, confirmed_payment.refunded_amount) == ("refunded", 5000)
    assert notifications == [("refund_issued", public_id)]


def test_outside_the_window_the_page_says_the_deposit_is_kept_and_it_is(
    client, fake_stripe, confirmed_payment, django_capture_on_commit_callbacks
):
    booking = confirmed_payment.booking
    booking.starts_at = timezone.now() + timedelta(hours=30)
    booking.ends_at = booking.starts_at + timedelta(hours=1)
    booking.blocked = DateTimeTZRange(booking.starts_at, booking.ends_at, "[)")
    booking.save()

    page = unescape(client.get(links.manage_path(booking) + "cancel/").content.decode())
    assert "will not be refunded" in page

    response = cancel_as_client(client, booking, django_capture_on_commit_callbacks)

    assert "the deposit is kept" in unescape(response.content.decode())
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert fake_stripe.calls("POST", "/v1/refunds") == []
    assert Refund.objects.count() == 0


def test_the_photographer_cancels_and_refunds_from_admin(
    admin_client, fake_stripe, confirmed_payment, django_capture_on_commit_callbacks
):
    booking = confirmed_payment.booking

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:bookings_booking_changelist"),
            {"action": "cancel_with_refund", "_selected_action": [booking.pk]},
            follow=True,
        )

    assert "Cancelled with refund: 1 booking(s)." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    [call] = fake_stripe.calls("POST", "/v1/refunds")
    assert "reason" not in call.params  # the studio cancelled, not the customer
    assert Refund.objects.get().actor == "admin"


def test_a_refund_stripe_cannot_take_now_is_sent_again_by_the_sweep_with_the_same_key(
    fake_stripe, confirmed_payment, django_capture_on_commit_callbacks
):
    fake_stripe.fail_next("POST", "/v1/refunds", status=503, message="Try again later.")
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=confirmed_payment.booking, actor="client")

    refund = Refund.objects.get()
    assert (refund.status, refund.send_attempts) == ("requested", 1)

    assert refunds.refunds_send_requested(now=timezone.now() + refunds.REFUND_RETRY_FIRST) == 1

    refund.refresh_from_db()
    assert refund.status == "succeeded"
    first, second = fake_stripe.calls("POST", "/v1/refunds")
    assert first.idempotency_key == second.idempotency_key == refund.idempotency_key
    assert first.params == second.params


def test_a_refund_lost_with_the_broker_is_sent_by_the_sweep(fake_stripe, confirmed_payment):
    services.booking_cancel(booking=confirmed_payment.booking, actor="client")  # no on_commit

    assert fake_stripe.calls("POST", "/v1/refunds") == []
    assert refunds.refunds_send_requested(now=timezone.now() + timedelta(seconds=30)) == 0
    assert refunds.refunds_send_requested(now=timezone.now() + timedelta(seconds=61)) == 1

    assert Refund.objects.get().status == "succeeded"
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 1


def test_a_refund_stripe_refuses_is_marked_failed_for_the_studio(
    fake_stripe, confirmed_payment, django_capture_on_commit_callbacks, notifications
):
    fake_stripe.fail_next(
        "POST", "/v1/refunds", status=400, type="invalid_request_error", message="No can do."
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=confirmed_payment.booking, actor="client")

    refund = Refund.objects.get()
    assert (refund.status, refund.failure_reason) == ("failed", "No can do.")
    confirmed_payment.refresh_from_db()
    assert confirmed_payment.status == Payment.Status.SUCCEEDED
    assert notifications == [("refund_attention", str(confirmed_payment.booking.public_id))]
    assert refunds.refunds_send_requested(now=timezone.now() + timedelta(days=30)) == 0


def test_cancelling_twice_never_refunds_twice(fake_stripe, confirmed_payment):
    booking = confirmed_payment.booking
    services.booking_cancel(booking=booking, actor="client")
    with pytest.raises(TransitionRefused):
        services.booking_cancel(booking=booking, actor="client")
    refunds.deposit_refund(booking=booking)  # called again directly: nothing left to refund

    assert Refund.objects.count() == 1


def test_demo_deposits_are_still_refunded_at_once(settings):
    from tests.factories import BookingFactory, StudioFactory

    StudioFactory()
    settings.STRIPE_SECRET_KEY = ""
    booking = BookingFactory(status=Booking.Status.HELD)
    payment = offline.payment_demo_deposit(booking=booking)

    services.booking_cancel(booking=booking, actor="client")

    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("refunded", 5000)


def test_stripes_word_replaces_a_refund_we_had_given_up_on(
    fake_stripe, confirmed_payment, django_capture_on_commit_callbacks, post_event, notifications
):
    """The send was marked failed here (an error came back), yet Stripe made the refund."""
    fake_stripe.fail_next("POST", "/v1/refunds", status=400, message="Timed out.")
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=confirmed_payment.booking, actor="client")
    refund = Refund.objects.get()
    assert refund.status == "failed"

    post_event(
        fake_stripe.event(
            "refund.updated",
            {
                "id": "re_test_made_anyway",
                "object": "refund",
                "amount": 5000,
                "currency": "gbp",
                "payment_intent": confirmed_payment.payment_intent_id,
                "metadata": {"refund": refund.idempotency_key},
                "status": "succeeded",
            },
        )
    )

    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("succeeded", "")
    confirmed_payment.refresh_from_db()
    assert confirmed_payment.status == Payment.Status.REFUNDED
    public_id = str(confirmed_payment.booking.public_id)
    assert notifications == [("refund_attention", public_id), ("refund_issued", public_id)]
