"""The Stripe webhook: signatures, duplicates, every ordering, late payments, refund events."""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from itertools import permutations

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from bookings.models import Booking, BookingEvent, Payment, Refund, StripeEvent
from bookings.payments import events
from tests.factories import BookingFactory, StripeDepositFactory
from tests.fake_stripe import WEBHOOK_SECRET, sign

pytestmark = pytest.mark.django_db

URL = "/stripe/webhook/"


def confirmations(booking) -> int:
    return BookingEvent.objects.filter(booking=booking, to_status="confirmed").count()


def snapshot(booking) -> tuple:
    booking.refresh_from_db()
    return (
        booking.status,
        list(booking.payments.values_list("status", "paid_at", "refunded_amount")),
        StripeEvent.objects.count(),
        BookingEvent.objects.count(),
    )


# Signatures


def test_a_signature_made_like_stripes_is_accepted(client, held, paid):
    payload = json.dumps(paid).encode()
    timestamp = int(time.time())
    digest = hmac.new(
        WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()

    response = client.post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={digest}",
    )

    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED


def resigned_compact(payload: bytes) -> tuple[bytes, str]:
    """Signed as sent, then re-serialised (as a proxy or framework parsing JSON would)."""
    header = sign(payload)
    return json.dumps(json.loads(payload), separators=(",", ":")).encode(), header


def tampered(payload: bytes) -> tuple[bytes, str]:
    header = sign(payload)
    return payload.replace(b'"amount_total": 5000', b'"amount_total": 1'), header


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda payload: (payload, None), id="missing"),
        pytest.param(lambda payload: (payload, sign(payload, "whsec_wrong")), id="wrong-secret"),
        pytest.param(
            lambda payload: (payload, sign(payload, timestamp=int(time.time()) - 301)), id="old"
        ),
        pytest.param(resigned_compact, id="re-serialised"),
        pytest.param(tampered, id="tampered"),
        pytest.param(lambda payload: (payload, "t=1,v1=abc,v0=def"), id="garbage"),
    ],
)
def test_a_bad_signature_gets_400_and_changes_nothing(client, held, paid, forge):
    payload = json.dumps(paid, indent=2).encode()
    body, header = forge(payload)
    before = snapshot(held)

    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    response = client.post(URL, data=body, content_type="application/json", **extra)

    assert response.status_code == 400
    assert snapshot(held) == before


def test_without_a_configured_secret_nothing_is_accepted(client, held, paid, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = json.dumps(paid).encode()

    response = client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
    )

    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_a_signed_body_that_is_not_an_event_gets_400(client, fake_stripe):
    payload = b'{"hello": "world"}'

    response = client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
    )

    assert response.status_code == 400


def test_only_post(client, fake_stripe):
    assert client.get(URL).status_code == 405


# Recording and deduplication


def test_the_event_is_recorded_with_the_change_it_caused(held, paid, post_event):
    response = post_event(paid)

    assert response.status_code == 200
    assert response.json()["outcome"] == "confirmed"
    record = StripeEvent.objects.get()
    assert (record.event_id, record.type, record.source, record.outcome) == (
        paid["id"],
        "checkout.session.completed",
        "webhook",
        "confirmed",
    )
    assert record.processed_at is not None
    payment = held.payments.get()
    assert (payment.status, payment.provider, payment.amount) == ("succeeded", "stripe", 5000)
    assert payment.payment_intent_id == paid["data"]["object"]["payment_intent"]


def test_a_duplicate_answers_2xx_and_changes_nothing(held, paid, post_event):
    post_event(paid)
    before = snapshot(held)

    again = post_event(paid)

    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert snapshot(held) == before
    assert confirmations(held) == 1


def test_if_the_change_fails_the_event_is_not_recorded_and_stripe_retries(
    held, paid, post_event, monkeypatch, client
):
    def broken(event):
        raise RuntimeError("database fell over")

    monkeypatch.setitem(events.HANDLERS, "checkout.session.completed", broken)
    client.raise_request_exception = False

    assert post_event(paid).status_code == 500
    assert StripeEvent.objects.count() == 0

    monkeypatch.undo()
    assert post_event(paid).json()["outcome"] == "confirmed"


def test_unknown_event_types_answer_2xx_and_are_not_recorded(held, paid, post_event):
    paid["type"] = "customer.created"

    response = post_event(paid)

    assert response.status_code == 200
    assert StripeEvent.objects.count() == 0
    held.refresh_from_db()
    assert held.status == Booking.Status.HELD


def test_an_event_about_someone_elses_session_is_acknowledged_and_ignored(fake_stripe, post_event):
    event = fake_stripe.event(
        "checkout.session.completed",
        {
            "id": "cs_test_other_app",
            "object": "checkout.session",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": 100,
            "currency": "usd",
            "metadata": {},
            "client_reference_id": None,
        },
    )

    response = post_event(event)

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: not one of our bookings"


# Every ordering of {completed, expired, refunded, a late duplicate}

EVENTS = ("completed", "expired", "refunded")
ORDERINGS = sorted({order for dup in EVENTS for order in permutations((*EVENTS, dup))})


def scenario_events(fake_stripe, completed: dict) -> dict[str, dict]:
    session = completed["data"]["object"]
    intent_id = session["payment_intent"]
    expired = {**session, "status": "expired", "payment_status": "unpaid", "url": None}
    charge = {**fake_stripe.charge(intent_id), "amount_refunded": 5000, "refunded": True}
    return {
        "completed": completed,
        "expired": fake_stripe.event("checkout.session.expired", expired),
        "refunded": fake_stripe.event("charge.refunded", charge),
    }


@pytest.mark.parametrize("order", ORDERINGS, ids="-".join)
def test_time_still_free_every_ordering_ends_confirmed_and_refunded(
    order, fake_stripe, held, paid, post_event, notifications
):
    events = scenario_events(fake_stripe, paid)

    answers = [post_event(events[name]) for name in order]

    assert [answer.status_code for answer in answers] == [200] * 4
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert confirmations(held) == 1
    payment = held.payments.get()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.REFUNDED, 5000)
    assert payment.paid_at is not None
    assert fake_stripe.calls("POST", "/v1/refunds") == []
    assert StripeEvent.objects.count() == 3
    assert notifications == []


def take_the_time(held):
    """The hold lapsed and another client booked the same time."""
    held.status = Booking.Status.EXPIRED
    held.hold_expires_at = timezone.now() - timedelta(minutes=5)
    held.save()
    return BookingFactory(
        photographer=held.photographer,
        session_type=held.session_type,
        starts_at=held.starts_at,
        ends_at=held.ends_at,
        blocked=DateTimeTZRange(held.starts_at, held.ends_at, "[)"),
        client_email="other@example.com",
    )


@pytest.mark.parametrize("order", ORDERINGS, ids="-".join)
def test_time_taken_every_ordering_ends_expired_and_refunded_once(
    order, fake_stripe, held, paid, post_event, notifications
):
    other = take_the_time(held)
    events = scenario_events(fake_stripe, paid)

    answers = [post_event(events[name]) for name in order]

    assert [answer.status_code for answer in answers] == [200] * 4
    held.refresh_from_db()
    other.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED
    assert other.status == Booking.Status.CONFIRMED
    assert confirmations(held) == 0
    payment = held.payments.get()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.REFUNDED, 5000)
    expected_requests = 1 if order.index("completed") < order.index("refunded") else 0
    assert len(fake_stripe.calls("POST", "/v1/refunds")) == expected_requests
    told = [("late_payment", str(held.public_id)), ("refund_issued", str(held.public_id))]
    assert notifications == told * expected_requests


# Late payments


def test_a_payment_after_the_time_was_taken_is_refunded_once(
    fake_stripe, held, paid, post_event, notifications
):
    take_the_time(held)

    response = post_event(paid)

    assert response.json()["outcome"] == "paid too late: refund requested"
    [call] = fake_stripe.calls("POST", "/v1/refunds")
    public_id = str(held.public_id)
    key = f"deposit-refund:{public_id}:1:1"
    assert call.idempotency_key == key
    assert call.params == {
        "payment_intent": paid["data"]["object"]["payment_intent"],
        "amount": "5000",
        "metadata": {"booking": public_id, "attempt": "1", "refund": key},
    }
    refund = Refund.objects.get()
    assert (refund.status, refund.reason, refund.amount) == ("succeeded", "late_payment", 5000)
    assert held.payments.get().status == Payment.Status.REFUNDED
    assert notifications == [("late_payment", public_id), ("refund_issued", public_id)]

    # A replay of the event, the same news in another event, and the success page: no more.
    post_event(paid)
    post_event(
        fake_stripe.event("checkout.session.async_payment_succeeded", paid["data"]["object"])
    )
    for refund_event in [
        e for e in fake_stripe.events if e["type"].startswith(("refund", "charge"))
    ]:
        post_event(refund_event)

    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 1
    assert Refund.objects.count() == 1
    assert held.payments.count() == 1
    assert notifications == [("late_payment", public_id), ("refund_issued", public_id)]


def test_a_late_payment_whose_time_is_still_free_confirms(held, paid, post_event):
    held.status = Booking.Status.EXPIRED
    held.hold_expires_at = timezone.now() - timedelta(minutes=5)
    held.save()

    assert post_event(paid).json()["outcome"] == "confirmed"

    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED


def test_a_payment_for_a_cancelled_booking_is_refunded(
    fake_stripe, held, paid, post_event, notifications
):
    held.status = Booking.Status.CANCELLED
    held.hold_expires_at = None
    held.save()

    post_event(paid)

    assert len(fake_stripe.calls("POST", "/v1/refunds")) == 1
    assert notifications == [
        ("late_payment", str(held.public_id)),
        ("refund_issued", str(held.public_id)),
    ]


def test_a_second_paid_attempt_is_refunded_as_a_duplicate(
    fake_stripe, held, paid, post_event, notifications
):
    post_event(paid)
    second = StripeDepositFactory(booking=held, attempt=2, checkout_session_id=None)
    session = {
        **paid["data"]["object"],
        "id": "cs_test_second",
        "metadata": {"booking": str(held.public_id), "attempt": "2"},
    }
    intent = fake_stripe.payment_intents[session["payment_intent"]]
    fake_stripe.payment_intents["pi_test_second"] = {**intent, "amount_refunded": 0}
    session["payment_intent"] = "pi_test_second"

    response = post_event(fake_stripe.event("checkout.session.completed", session))

    assert response.json()["outcome"] == "paid twice: refund requested"
    [call] = fake_stripe.calls("POST", "/v1/refunds")
    assert (call.params["payment_intent"], call.params["reason"]) == ("pi_test_second", "duplicate")
    second.refresh_from_db()
    assert second.status == Payment.Status.REFUNDED
    assert confirmations(held) == 1
    assert notifications == [("refund_issued", str(held.public_id))]


# Refund events


def refund_object(payment, *, status: str, refund_id: str = "re_test_1", metadata=None) -> dict:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": 5000,
        "currency": "gbp",
        "payment_intent": payment.payment_intent_id,
        "metadata": metadata or {},
        "status": status,
        "failure_reason": "expired_or_canceled_card" if status == "failed" else None,
    }


def test_a_refund_made_in_stripes_dashboard_is_recorded(
    fake_stripe, confirmed_payment, post_event, notifications
):
    post_event(
        fake_stripe.event("refund.created", refund_object(confirmed_payment, status="pending"))
    )

    confirmed_payment.refresh_from_db()
    refund = confirmed_payment.refunds.get()
    assert (refund.reason, refund.status, refund.stripe_refund_id) == (
        "external",
        "pending",
        "re_test_1",
    )
    assert (confirmed_payment.status, confirmed_payment.refunded_amount) == ("refunded", 5000)
    assert notifications == []  # pending at Stripe: the client hears once it has gone through


def test_a_failed_refund_gives_the_payment_back_and_never_unfails(
    fake_stripe, confirmed_payment, post_event
):
    succeeded = fake_stripe.event(
        "refund.updated", refund_object(confirmed_payment, status="succeeded")
    )
    failed = fake_stripe.event("refund.failed", refund_object(confirmed_payment, status="failed"))
    post_event(succeeded)
    post_event(failed)
    post_event(
        fake_stripe.event("refund.updated", refund_object(confirmed_payment, status="succeeded"))
    )

    confirmed_payment.refresh_from_db()
    refund = confirmed_payment.refunds.get()
    assert (refund.status, refund.failure_reason) == ("failed", "expired_or_canceled_card")
    assert (confirmed_payment.status, confirmed_payment.refunded_amount) == ("succeeded", 0)


def test_refund_events_win_over_an_earlier_charge_report(
    fake_stripe, confirmed_payment, post_event
):
    """charge.refunded says 5000 refunded; the refund later fails: the refund rows decide."""
    charge = {**fake_stripe.charge(confirmed_payment.payment_intent_id), "amount_refunded": 5000}
    post_event(
        fake_stripe.event("refund.failed", refund_object(confirmed_payment, status="failed"))
    )
    post_event(fake_stripe.event("charge.refunded", charge))

    confirmed_payment.refresh_from_db()
    assert (confirmed_payment.status, confirmed_payment.refunded_amount) == ("succeeded", 0)


def test_a_partial_refund_reported_by_the_charge(fake_stripe, confirmed_payment, post_event):
    charge = {**fake_stripe.charge(confirmed_payment.payment_intent_id), "amount_refunded": 2000}

    post_event(fake_stripe.event("charge.refunded", charge))

    confirmed_payment.refresh_from_db()
    assert (confirmed_payment.status, confirmed_payment.refunded_amount) == (
        "partially_refunded",
        2000,
    )
