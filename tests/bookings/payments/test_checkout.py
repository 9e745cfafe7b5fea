"""Starting a Stripe Checkout for the deposit, and the pages around it (fake Stripe over HTTP)."""

import socket
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingEvent, Payment
from bookings.payments import checkout, gateway

pytestmark = pytest.mark.django_db


def checkout_path(booking) -> str:
    return f"/book/deposit/{booking.public_id}/checkout/"


def test_checkout_sends_exactly_the_session_the_issue_asks_for(client, fake_stripe, held):
    response = client.post(checkout_path(held))

    assert response.status_code == 303
    [call] = fake_stripe.calls("POST", "/v1/checkout/sessions")
    payment = held.payments.get()
    assert response["Location"] == f"{fake_stripe.url}/pay/{payment.checkout_session_id}"
    public_id = str(held.public_id)
    metadata = {"booking": public_id, "attempt": "1"}
    assert call.idempotency_key == f"deposit-checkout:{public_id}:1"
    assert call.params == {
        "mode": "payment",
        "payment_method_types": ["card"],
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": "5000",
                    "product_data": {
                        "name": f"Deposit: {held.session_type.name}",
                        "description": (
                            f"{held.starts_at:%Y-%m-%d %H:%M} UTC with {held.photographer.name}"
                        ),
                    },
                },
                "quantity": "1",
            }
        ],
        "client_reference_id": public_id,
        "customer_email": "ada@example.com",
        "metadata": metadata,
        "payment_intent_data": {
            "metadata": metadata,
            "description": f"Deposit for booking {public_id}",
        },
        "expires_at": str(int(held.hold_expires_at.timestamp())),
        "success_url": (
            f"http://testserver/book/confirmed/{public_id}/?session_id={{CHECKOUT_SESSION_ID}}"
        ),
        "cancel_url": f"http://testserver/book/deposit/{public_id}/?cancelled=1",
    }
    assert (payment.status, payment.provider, payment.amount, payment.currency) == (
        Payment.Status.PENDING,
        Payment.Provider.STRIPE,
        5000,
        "GBP",
    )


def test_the_session_expires_with_the_hold_and_no_sooner_than_stripe_allows(fake_stripe, held):
    now = timezone.now()
    checkout.checkout_start(booking=held, now=now)

    expires_at = int(fake_stripe.calls("POST", "/v1/checkout/sessions")[0].params["expires_at"])
    assert now.timestamp() + 30 * 60 < expires_at <= held.hold_expires_at.timestamp()


def test_a_client_who_waited_gets_stripes_minimum_and_the_sweep_closes_it(fake_stripe, held):
    """With less than 31 minutes of hold left, the session outlives the hold by a little;
    bookings.tasks closes it when the hold lapses (tested in test_sweeps)."""
    now = timezone.now()
    held.hold_expires_at = now + timedelta(minutes=12)
    held.save()

    checkout.checkout_start(booking=held, now=now)

    expires_at = int(fake_stripe.calls("POST", "/v1/checkout/sessions")[0].params["expires_at"])
    assert now.timestamp() + 31 * 60 <= expires_at <= now.timestamp() + 32 * 60


def test_coming_back_to_pay_reuses_the_open_session(client, fake_stripe, held):
    first = client.post(checkout_path(held))
    second = client.post(checkout_path(held))

    assert second.status_code == 303
    assert second["Location"] == first["Location"]
    assert len(fake_stripe.calls("POST", "/v1/checkout/sessions")) == 1
    assert len([r for r in fake_stripe.requests if r.method == "GET"]) == 1
    assert held.payments.count() == 1


def test_a_repeated_create_is_answered_by_stripes_idempotency(fake_stripe, held):
    """Two clicks racing on one attempt send the same key and parameters: one session."""
    payment = checkout._claim_attempt(held, timezone.now())

    first = gateway.create_checkout_session(held, payment)
    second = gateway.create_checkout_session(held, payment)

    assert first["id"] == second["id"]
    assert len(fake_stripe.sessions) == 1


def test_the_same_key_with_other_parameters_is_refused_like_stripe_does(fake_stripe, held):
    payment = checkout._claim_attempt(held, timezone.now())
    gateway.create_checkout_session(held, payment)
    payment.amount = 4000

    with pytest.raises(gateway.GatewayError) as refused:
        gateway.create_checkout_session(held, payment)

    assert "same parameters" in refused.value.message
    assert not refused.value.transient


def test_a_stripe_error_shows_a_clear_message_and_keeps_the_hold(client, fake_stripe, held):
    fake_stripe.fail_next("POST", "/v1/checkout/sessions", status=500)

    response = client.post(checkout_path(held))

    assert response.status_code == 503
    page = unescape(response.content.decode())
    assert "couldn't open the secure payment page" in page
    assert "Nothing has been charged" in page
    held.refresh_from_db()
    assert held.status == Booking.Status.HELD
    assert held.payments.get().status == Payment.Status.FAILED

    retried = client.post(checkout_path(held))

    assert retried.status_code == 303
    keys = [call.idempotency_key for call in fake_stripe.calls("POST", "/v1/checkout/sessions")]
    assert keys == [f"deposit-checkout:{held.public_id}:1", f"deposit-checkout:{held.public_id}:2"]


def test_stripe_unreachable_is_the_same_clear_message(client, fake_stripe, held, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"

    response = client.post(checkout_path(held))

    assert response.status_code == 503
    assert "didn't answer" in unescape(response.content.decode())
    held.refresh_from_db()
    assert held.status == Booking.Status.HELD


def test_a_lapsed_hold_is_not_sent_to_stripe(client, fake_stripe, held):
    held.hold_expires_at = timezone.now() - timedelta(seconds=1)
    held.save()

    response = client.post(checkout_path(held))

    assert response.status_code == 410
    assert fake_stripe.requests == []


def test_the_success_page_asks_stripe_when_the_webhook_is_late(
    client, fake_stripe, held, checkout, post_event
):
    session_id = checkout(held)
    event = fake_stripe.pay(session_id, deliver=False)

    response = client.get(f"/book/confirmed/{held.public_id}/?session_id={session_id}")

    assert "You're booked in" in unescape(response.content.decode())
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    payment = held.payments.get()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.payment_intent_id == fake_stripe.session(session_id)["payment_intent"]
    assert len(fake_stripe.calls("GET", f"/v1/checkout/sessions/{session_id}")) == 1

    late = post_event(event)

    assert late.status_code == 200
    assert late.json()["outcome"] == "ignored: already recorded"
    assert held.payments.count() == 1
    assert BookingEvent.objects.filter(booking=held, to_status="confirmed").count() == 1


def test_until_stripe_says_paid_the_page_says_so_and_refreshes(client, fake_stripe, held, checkout):
    session_id = checkout(held)

    response = client.get(f"/book/confirmed/{held.public_id}/?session_id={session_id}")

    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert "We're confirming your payment…" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "<script>" not in page
    held.refresh_from_db()
    assert held.status == Booking.Status.HELD


def test_once_confirmed_the_success_page_does_not_ask_stripe(
    client, fake_stripe, held, checkout, post_event
):
    session_id = checkout(held)
    post_event(fake_stripe.pay(session_id, deliver=False))
    asked = len(fake_stripe.requests)

    response = client.get(f"/book/confirmed/{held.public_id}/?session_id={session_id}")

    assert "You're booked in" in unescape(response.content.decode())
    assert len(fake_stripe.requests) == asked


def test_a_session_id_from_elsewhere_proves_nothing(client, fake_stripe, held, checkout):
    stranger_session = checkout(held)
    fake_stripe.pay(stranger_session, deliver=False)
    held.payments.update(checkout_session_id="cs_test_someone_else")

    response = client.get(f"/book/confirmed/{held.public_id}/?session_id={stranger_session}")

    assert response.status_code == 302
    assert response["Location"] == f"/book/deposit/{held.public_id}/"
    held.refresh_from_db()
    assert held.status == Booking.Status.HELD


def test_coming_back_from_checkout_without_paying(client, fake_stripe, held):
    response = client.get(f"/book/deposit/{held.public_id}/?cancelled=1")

    page = unescape(response.content.decode())
    assert "Payment not completed, and nothing was charged" in page
    assert f'action="/book/deposit/{held.public_id}/checkout/"' in page
    assert "Demo payment" not in page


def test_without_keys_the_demo_step_stays_and_checkout_is_off(client, held, settings):
    settings.STRIPE_SECRET_KEY = ""

    page = unescape(client.get(f"/book/deposit/{held.public_id}/").content.decode())

    assert "Demo payment" in page
    assert "No money moves" in page
    assert client.post(checkout_path(held)).status_code == 404
