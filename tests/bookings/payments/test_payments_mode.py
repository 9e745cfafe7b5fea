"""How clients pay, as PAYMENTS_MODE says: Stripe, at the studio, or the development demo.

The demo deposit confirms a booking with no money taken, so it must exist only in demo mode;
with PAYMENTS_MODE=at_studio a booking is confirmed with nothing paid online and the full price
is owed at the studio, and every page, email and desk view says so.
"""

import html
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings import links, tasks
from bookings.models import Booking, Payment
from bookings.payments import offline
from bookings.payments.mode import PaymentsMode
from studio import devservices
from tests.factories import (
    BookingFactory,
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DAY = (timezone.now().astimezone(LONDON).date() + timedelta(days=40)).replace(day=10)
FORM = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 7700 900123",
    "notes": "",
    "policy_version": "1",
    "accept_policy": "on",
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def at(hour: int, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture(autouse=True)
def studio():
    return StudioFactory(time_zone="Europe/London")


@pytest.fixture
def headshot():
    CancellationPolicyFactory(version=1, refund_cutoff_hours=48, reschedule_cutoff_hours=24)
    maya = PhotographerFactory(name="Maya Okafor", slug="maya")
    return SessionTypeFactory(
        name="Headshot",
        slug="headshot",
        price_amount=20000,
        deposit_amount=5000,
        photographers=[maya],
    )


def details_url(start: datetime) -> str:
    query = urlencode({"start": start.isoformat(), "photographer": "maya"})
    return f"{reverse('bookings:details', args=['headshot'])}?{query}"


def remember(client, booking: Booking) -> None:
    session = client.session
    session["bookings"] = [str(booking.public_id)]
    session.save()


# The one setting


def test_the_modes_the_code_knows_are_the_modes_the_settings_accept():
    assert sorted(PaymentsMode) == sorted(django_settings.PAYMENTS_MODES)


# The demo gateway exists only in demo mode


@pytest.mark.parametrize("mode", ["stripe", "at_studio"])
def test_outside_demo_mode_the_demo_deposit_confirms_nothing(client, settings, mode):
    # Given a site without Stripe keys (the audit's case), in a mode that is not the demo
    settings.PAYMENTS_MODE = mode
    settings.STRIPE_SECRET_KEY = ""
    booking = BookingFactory(status=Booking.Status.HELD)
    remember(client, booking)

    # When the client posts the demo deposit's form
    response = client.post(reverse("bookings:deposit-demo", args=[booking.public_id]))

    # Then it is not there, and the booking still waits for its payment
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD
    assert booking.payments.count() == 0
    page = text(client.get(reverse("bookings:deposit", args=[booking.public_id])))
    assert "Demo payment" not in page
    assert "Confirm with demo payment" not in page


@pytest.mark.parametrize("mode", ["stripe", "at_studio"])
def test_outside_demo_mode_the_demo_service_refuses_and_records_nothing(settings, mode):
    settings.PAYMENTS_MODE = mode
    settings.STRIPE_SECRET_KEY = ""
    booking = BookingFactory(status=Booking.Status.HELD)

    with pytest.raises(PermissionError, match="PAYMENTS_MODE=demo"):
        offline.payment_demo_deposit(booking=booking)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("mode", ["demo", "at_studio"])
def test_outside_stripe_mode_checkout_is_closed(client, settings, mode):
    settings.PAYMENTS_MODE = mode
    settings.STRIPE_SECRET_KEY = "sk_test_left_over"
    booking = BookingFactory(status=Booking.Status.HELD)
    remember(client, booking)

    response = client.post(reverse("bookings:deposit-checkout", args=[booking.public_id]))

    assert response.status_code == 404
    assert booking.payments.count() == 0


def test_outside_stripe_mode_the_stripe_housekeeping_stays_away_from_stripe(settings):
    # Given Stripe keys left in the environment of a studio that now takes payment there
    settings.PAYMENTS_MODE = "at_studio"
    settings.STRIPE_SECRET_KEY = "sk_test_left_over"

    # Then the sweeps that only make sense with Stripe Checkout do nothing
    assert tasks.stripe_checkouts_close_lapsed() == 0
    assert tasks.stripe_reconcile_events() == 0
    assert tasks.stripe_refunds_sweep() == 0  # no refund waits to be sent


# Paying at the studio


def test_at_the_studio_a_booking_is_confirmed_with_nothing_paid_and_the_full_price_due(
    client, settings, headshot, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_MODE = "at_studio"

    # The details page says nothing is paid now
    page = text(client.get(details_url(at(10))))
    assert "Nothing to pay now: pay £200.00 at the studio on the day." in page
    assert "deposit" not in page.split('class="booking-summary"')[1].split("</div>")[0]

    # When the client books
    response = client.post(details_url(at(10)), FORM)
    assert response.status_code == 303
    booking = Booking.objects.get()
    assert (booking.status, booking.price_amount, booking.deposit_amount) == ("held", 20000, 0)

    # Then the next step confirms without a payment
    step = text(client.get(response["Location"]))
    assert "Nothing to pay now: <strong>pay £200.00 at the studio</strong> on the day." in step
    assert "Pay £50.00 deposit" not in step
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("bookings:deposit-at-studio", args=[booking.public_id]))
    assert confirmed.status_code == 303
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.payments.count() == 0
    assert booking.events.last().note == "no deposit: £200.00 at the studio"

    # The confirmation page and email say what is owed, and nothing about a paid deposit
    page = text(client.get(confirmed["Location"]))
    assert "Nothing has been paid online: pay £200.00 at the studio on the day." in page
    assert "<dt>Pay at the studio</dt><dd>£200.00</dd>" in page
    assert "Your deposit is paid" not in page
    (email,) = [message for message in mail.outbox if message.to == ["ada@example.com"]]
    assert "Pay £200.00 at the studio on the day." in email.body
    assert "Your deposit of" not in email.body
    assert "deposit" not in email.body.split("View, move or cancel")[0]


def test_the_desk_shows_an_at_studio_booking_owes_its_full_price(client, settings, headshot):
    settings.PAYMENTS_MODE = "at_studio"
    owner = UserFactory(username="owner", is_superuser=True)
    client.force_login(owner)
    booking = BookingFactory(
        session_type=headshot,
        photographer=headshot.photographers.get(),
        starts_at=at(10),
        ends_at=at(11),
        deposit_amount=0,
        client_name="Priya Shah",
    )

    booking_page = text(client.get(reverse("admin:bookings_booking_change", args=[booking.pk])))
    day_sheet = text(client.get(reverse("admin:day-sheet"), {"date": DAY.isoformat()}))

    assert (
        "No deposit: the full price is paid at the studio · due at the session £200.00"
        in booking_page
    )
    assert (
        '<strong>£200.00</strong><br><span class="desk-muted">full price: no deposit was taken'
        in day_sheet
    )


def test_at_the_studio_the_manage_page_says_what_is_owed_and_cancelling_costs_nothing(
    client, settings, headshot
):
    settings.PAYMENTS_MODE = "at_studio"
    booking = BookingFactory(
        session_type=headshot,
        photographer=headshot.photographers.get(),
        starts_at=at(10),
        ends_at=at(11),
        deposit_amount=0,
    )

    manage = text(client.get(links.manage_path(booking)))
    cancel = text(client.get(links.manage_path(booking) + "cancel/"))

    assert "<dt>To pay at the studio</dt><dd>£200.00 (no deposit was taken)</dd>" in manage
    assert "Nothing has been paid, so cancelling costs nothing." in manage
    assert "Nothing has been paid for this booking, so there is nothing to refund" in cancel
    assert "Your deposit of" not in cancel


def test_a_hold_with_a_deposit_cannot_be_confirmed_as_paid_at_the_studio(client, settings):
    # Given a hold made while deposits were taken, and the studio now takes payment there
    settings.PAYMENTS_MODE = "at_studio"
    booking = BookingFactory(status=Booking.Status.HELD, deposit_amount=5000)
    remember(client, booking)

    page = text(client.get(reverse("bookings:deposit", args=[booking.public_id])))
    response = client.post(reverse("bookings:deposit-at-studio", args=[booking.public_id]))

    assert "We no longer take deposits online, so this hold can't be paid." in page
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD


def test_a_lapsed_hold_is_not_confirmed_at_the_studio(client, settings):
    settings.PAYMENTS_MODE = "at_studio"
    booking = BookingFactory(status=Booking.Status.HELD, deposit_amount=0)
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    remember(client, booking)

    response = client.post(reverse("bookings:deposit-at-studio", args=[booking.public_id]))

    assert response.status_code == 410
    assert "This hold has lapsed" in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD


# Development


def test_make_run_uses_the_demo_deposit_only_without_stripe_keys():
    keys = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}

    without_keys = devservices.development_settings({"SECRET_KEY": "k"})
    with_keys = devservices.development_settings({"SECRET_KEY": "k", **keys})
    chosen = devservices.development_settings({"SECRET_KEY": "k", "PAYMENTS_MODE": "at_studio"})

    assert (without_keys["PAYMENTS_MODE"], without_keys["DEBUG"]) == ("demo", "true")
    assert with_keys["PAYMENTS_MODE"] == "stripe"
    assert chosen["PAYMENTS_MODE"] == "at_studio"
