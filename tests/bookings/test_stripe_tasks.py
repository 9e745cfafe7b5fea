"""The periodic Stripe work: closing the sessions of lapsed holds, refunds, reconciliation."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from bookings import tasks
from bookings.models import Booking, BookingEvent, Payment, StripeEvent
from bookings.payments.events import HANDLERS
from tests.factories import BookingFactory, StripeDepositFactory

pytestmark = pytest.mark.django_db


def lapse(booking, status=Booking.Status.HELD):
    booking.status = status
    booking.hold_expires_at = timezone.now() - timedelta(seconds=1)
    booking.save()


def take_the_time(booking):
    return BookingFactory(
        photographer=booking.photographer,
        session_type=booking.session_type,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        blocked=DateTimeTZRange(booking.starts_at, booking.ends_at, "[)"),
    )


def test_when_a_hold_lapses_its_checkout_session_is_expired(
    fake_stripe, held, checkout, django_capture_on_commit_callbacks
):
    session_id = checkout(held)
    lapse(held)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.bookings_expire_lapsed() == 1

    assert len(fake_stripe.calls("POST", f"/v1/checkout/sessions/{session_id}/expire")) == 1
    assert fake_stripe.session(session_id)["status"] == "expired"
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert held.payments.get().status == Payment.Status.EXPIRED


def test_the_sweep_also_closes_holds_expired_elsewhere(fake_stripe, held, checkout):
    session_id = checkout(held)
    lapse(held, status=Booking.Status.EXPIRED)  # e.g. another client's hold took the time

    assert tasks.stripe_checkouts_close_lapsed() == 1

    assert fake_stripe.session(session_id)["status"] == "expired"
    assert held.payments.get().status == Payment.Status.EXPIRED


def test_a_session_that_completed_meanwhile_confirms_if_the_time_is_free(
    fake_stripe, held, checkout
):
    session_id = checkout(held)
    fake_stripe.pay(session_id, deliver=False)
    lapse(held, status=Booking.Status.EXPIRED)

    tasks.stripe_checkouts_close_lapsed()

    assert fake_stripe.calls("POST", f"/v1/checkout/sessions/{session_id}/expire")[0].status == 400
    assert len(fake_stripe.calls("GET", f"/v1/checkout/sessions/{session_id}")) == 1
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert held.payments.get().status == Payment.Status.SUCCEEDED


def test_a_session_that_completed_after_the_time_was_taken_is_refunded(
    fake_stripe, held, checkout, notifications, django_capture_on_commit_callbacks
):
    session_id = checkout(held)
    fake_stripe.pay(session_id, deliver=False)
    lapse(held, status=Booking.Status.EXPIRED)
    take_the_time(held)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.stripe_checkouts_close_lapsed()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.stripe_checkouts_close_lapsed()  # the next minute: nothing left to do

    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert held.payments.get().status == Payment.Status.REFUNDED
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 1
    assert notifications == [("late_payment_refunded", str(held.public_id))]


def test_if_stripe_cannot_answer_the_next_sweep_tries_again(fake_stripe, held, checkout):
    session_id = checkout(held)
    lapse(held)
    fake_stripe.fail_next("POST", f"/v1/checkout/sessions/{session_id}/expire", status=503)

    assert tasks.stripe_checkouts_close_lapsed() == 0
    assert held.payments.get().status == Payment.Status.PENDING

    assert tasks.stripe_checkouts_close_lapsed() == 1
    assert held.payments.get().status == Payment.Status.EXPIRED


def test_a_session_complete_but_unpaid_ends_the_attempt_instead_of_asking_forever(
    fake_stripe, held, checkout
):
    session_id = checkout(held)
    fake_stripe.sessions[session_id]["object"].update(status="complete", payment_status="unpaid")
    lapse(held, status=Booking.Status.EXPIRED)

    tasks.stripe_checkouts_close_lapsed()
    asked = len(fake_stripe.requests)
    tasks.stripe_checkouts_close_lapsed()

    assert held.payments.get().status == Payment.Status.FAILED
    assert len(fake_stripe.requests) == asked


def test_an_attempt_that_never_reached_stripe_is_closed_without_asking(fake_stripe, held):
    StripeDepositFactory(booking=held, checkout_session_id=None)
    lapse(held)

    tasks.stripe_checkouts_close_lapsed()

    assert held.payments.get().status == Payment.Status.FAILED
    assert fake_stripe.requests == []


def test_open_holds_are_left_alone(fake_stripe, held, checkout):
    checkout(held)

    assert tasks.stripe_checkouts_close_lapsed() == 0
    assert len(fake_stripe.requests) == 1


def test_reconciliation_processes_events_whose_delivery_failed(
    fake_stripe, held, checkout, post_event
):
    session_id = checkout(held)
    event = fake_stripe.pay(session_id, deliver=False)
    before = int(timezone.now().timestamp())

    assert tasks.stripe_reconcile_events() == 1

    [call] = fake_stripe.calls("GET", "/v1/events")
    assert call.params["delivery_success"] == "false"
    assert call.params["types"] == sorted(HANDLERS)
    assert call.params["limit"] == "100"
    since = int(call.params["created"]["gte"])
    assert before - 3 * 86400 - 5 <= since <= before - 3 * 86400 + 5
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert StripeEvent.objects.get().source == "reconciliation"

    # Stripe's own retry arrives later, and reconciliation runs again: nothing more happens.
    assert post_event(event).json()["outcome"] == "duplicate"
    assert tasks.stripe_reconcile_events() == 0
    assert BookingEvent.objects.filter(booking=held, to_status="confirmed").count() == 1


def test_reconciliation_reads_every_page(fake_stripe):
    for number in range(130):
        fake_stripe.event(
            "charge.refunded",
            {"id": f"ch_{number}", "object": "charge", "currency": "gbp", "metadata": {}},
        )

    assert tasks.stripe_reconcile_events() == 130

    assert len(fake_stripe.calls("GET", "/v1/events")) == 2
    assert StripeEvent.objects.count() == 130


def test_without_stripe_keys_the_stripe_tasks_do_nothing(settings):
    settings.STRIPE_SECRET_KEY = ""

    assert tasks.stripe_checkouts_close_lapsed() == 0
    assert tasks.stripe_refunds_sweep() == 0
    assert tasks.stripe_reconcile_events() == 0


def test_beat_runs_each_stripe_task():
    scheduled = {
        entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }

    assert scheduled["bookings.tasks.stripe_checkouts_close_lapsed"] == timedelta(minutes=1)
    assert scheduled["bookings.tasks.stripe_refunds_sweep"] == timedelta(minutes=1)
    assert scheduled["bookings.tasks.stripe_reconcile_events"] == timedelta(minutes=15)
