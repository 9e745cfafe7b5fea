"""For every folder of the bookings tests: fixtures for the Stripe tests (a running fake Stripe
and a way to post signed webhooks), and pytest's assertion rewriting for the shared helpers."""

import json

import pytest

from tests.fake_stripe import WEBHOOK_SECRET, running, sign

# Helpers that several test modules share assert too: rewritten like the tests, for pytest's
# detailed failure messages.
pytest.register_assert_rewrite("tests.bookings.notifications.helpers")

WEBHOOK_URL = "/stripe/webhook/"


@pytest.fixture
def fake_stripe(settings):
    """The site in Stripe mode, its API calls going to a fresh fake (no webhook delivery:
    tests post the fake's events themselves, or leave them for reconciliation)."""
    settings.SITE_URL = "http://testserver"
    with running(settings) as fake:
        yield fake


@pytest.fixture
def post_event(client, django_capture_on_commit_callbacks):
    """POST an event to the webhook as Stripe would, running what is queued after commit."""

    def post(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
        payload = json.dumps(event, indent=2).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                WEBHOOK_URL,
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(payload, secret, timestamp),
            )

    return post


@pytest.fixture
def notifications(monkeypatch):
    """Every notify_after_commit the payments code makes, as (kind, booking public id)."""
    from bookings.payments import checkout, refunds

    made: list[tuple[str, str]] = []

    def record(*, booking, kind: str) -> None:
        made.append((kind, str(booking.public_id)))

    monkeypatch.setattr(checkout, "notify_after_commit", record)
    monkeypatch.setattr(refunds, "notify_after_commit", record)
    return made


@pytest.fixture
def held(client):
    """A booking held for this browser's client, waiting for its deposit (35 minutes left)."""
    from bookings.models import Booking
    from tests.factories import BookingFactory, StudioFactory

    StudioFactory()
    booking = BookingFactory(status=Booking.Status.HELD)
    session = client.session
    session["bookings"] = [str(booking.public_id)]
    session.save()
    return booking


@pytest.fixture
def checkout(fake_stripe):
    """Start a real Checkout for a booking through the site's code; returns the session id."""
    from bookings.payments import checkout

    def start(booking) -> str:
        url = checkout.checkout_start(booking=booking)
        return url.rsplit("/", 1)[-1]

    return start


@pytest.fixture
def paid(fake_stripe, held, checkout):
    """The client paid on Stripe; the checkout.session.completed event is not delivered yet."""
    session_id = checkout(held)
    return fake_stripe.pay(session_id, deliver=False)


@pytest.fixture
def confirmed_payment(held, paid, post_event):
    """The held booking, confirmed by its webhook: its Stripe deposit payment."""
    post_event(paid)
    held.refresh_from_db()
    return held.payments.get()
