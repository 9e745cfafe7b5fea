"""A webhook storm through gunicorn on loopback: Stripe's retries and out-of-order events,
all at once, against real worker processes and the real database."""

import http.client
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bookings.models import Booking, BookingEvent, Payment, StripeEvent
from bookings.payments import checkout
from tests.factories import BookingFactory, StudioFactory
from tests.fake_stripe import sign
from tests.live_server import run_gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]


def request(port: int, method: str, path: str, body: bytes = b"", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_webhook_storm_confirms_once(fake_stripe, test_database_url, settings, tmp_path):
    StudioFactory()
    booking = BookingFactory(status=Booking.Status.HELD)
    session_id = checkout.checkout_start(booking=booking).rsplit("/", 1)[-1]
    completed = fake_stripe.pay(session_id, deliver=False)
    session = completed["data"]["object"]
    expired = {**session, "status": "expired", "payment_status": "unpaid"}
    distinct = (
        [fake_stripe.event("checkout.session.completed", session) for _ in range(6)]
        + [fake_stripe.event("checkout.session.async_payment_succeeded", session) for _ in range(2)]
        + [fake_stripe.event("checkout.session.expired", expired) for _ in range(2)]
    )
    storm = [completed] * 40 + distinct
    random.Random(4).shuffle(storm)
    payloads = [json.dumps(event, indent=2).encode() for event in storm]

    env = {
        "TEST_PAYMENTS_MODE": "stripe",
        "STRIPE_SECRET_KEY": fake_stripe.api_key,
        "STRIPE_WEBHOOK_SECRET": fake_stripe.webhook_secret,
        "STRIPE_API_BASE": fake_stripe.url,
        "SITE_URL": "http://127.0.0.1",
    }
    with run_gunicorn(
        database_url=test_database_url,
        log_path=tmp_path / "gunicorn.log",
        env=env,
        workers=2,
        threads=4,
    ) as server:
        port = int(server.url.rsplit(":", 1)[1])
        start = threading.Barrier(len(payloads))

        def post(payload: bytes) -> int:
            start.wait()
            headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
            return request(port, "POST", "/stripe/webhook/", payload, headers)[0]

        with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
            statuses = list(pool.map(post, payloads))

    assert statuses == [200] * 50
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert BookingEvent.objects.filter(booking=booking, to_status="confirmed").count() == 1
    payment = Payment.objects.get()
    assert (payment.booking_id, payment.status) == (booking.pk, Payment.Status.SUCCEEDED)
    assert StripeEvent.objects.count() == 11
    assert fake_stripe.calls("POST", "/v1/refunds") == []
    outcomes = list(StripeEvent.objects.values_list("outcome", flat=True))
    assert outcomes.count("confirmed") == 1
