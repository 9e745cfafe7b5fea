"""The booking pages and endpoints, from the client's side: what each answers, and what it writes.

Times are computed from today's date so that the pages (which use the real clock) always treat
them as future: DAY is the 10th of a month that starts at least five days from now.
"""

import html
import re
import time as clock
import uuid
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import links, services
from bookings.models import Booking, CancellationPolicy, IntakeQuestion, Payment
from studio.models import Studio
from tests.factories import (
    BookingFactory,
    CancellationPolicyFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = timezone.now().astimezone(LONDON).date()
MONTH = (TODAY + timedelta(days=35)).replace(day=1)  # a whole month, all of it in the future
DAY = MONTH + timedelta(days=9)

FORM = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 7700 900123",
    "notes": "",
    "policy_version": "1",
    "accept_policy": "on",
}
SLOT_GONE = (
    "Sorry — that time was just booked or is no longer open for online booking. "
    "Please pick another."
)


def at(hour: int, minute: int = 0, day: date = DAY, zone: ZoneInfo = LONDON) -> datetime:
    """A local wall-clock time in the studio's zone, as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def text(response) -> str:
    return html.unescape(response.content.decode())


def details_url(start, photographer: str = "maya", slug: str = "headshot") -> str:
    start = start.isoformat() if isinstance(start, datetime) else start
    query = urlencode({"start": start, "photographer": photographer})
    return f"{reverse('bookings:details', args=[slug])}?{query}"


def slots_url(start, end, slug: str = "headshot") -> str:
    return (
        f"{reverse('bookings:slots-json', args=[slug])}?{urlencode({'start': start, 'end': end})}"
    )


def page_url(day: date = DAY, slug: str = "headshot") -> str:
    return f"{reverse('bookings:session-type', args=[slug])}?date={day.isoformat()}"


def local_times(response) -> list[str]:
    return [entry["local"].strftime("%H:%M") for entry in response.context["times"]]


@pytest.fixture(autouse=True)
def studio():
    return StudioFactory(time_zone="Europe/London", phone="+44 161 555 0142")


@pytest.fixture(autouse=True)
def policy():
    return CancellationPolicyFactory(
        version=1,
        text="Cancel 48 hours ahead for a refund.",
        refund_cutoff_hours=48,
        reschedule_cutoff_hours=24,
    )


@pytest.fixture
def maya():
    return PhotographerFactory(name="Maya Okafor", slug="maya")  # 09:00–17:00 every day


@pytest.fixture
def headshot(maya):
    return SessionTypeFactory(
        name="Headshot",
        slug="headshot",
        summary="One look, three images.",
        duration_minutes=60,
        slot_step_minutes=30,
        price_amount=19500,
        deposit_amount=5000,
        photographers=[maya],
    )


def booked(session_type, photographer, start, **fields) -> Booking:
    """A booking written directly, to fill the calendar."""
    return BookingFactory(
        session_type=session_type,
        photographer=photographer,
        starts_at=start,
        ends_at=start + session_type.duration,
        policy=CancellationPolicy.objects.current(),
        **fields,
    )


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


# The list of sessions and a session type's day picker


def test_list_shows_bookable_session_types_with_length_price_and_deposit(client, headshot):
    SessionTypeFactory(name="Retired session", active=False)

    response = client.get(reverse("bookings:list"))

    assert response.status_code == 200
    assert list(response.context["session_types"]) == [headshot]
    page = text(response)
    assert "Headshot" in page
    assert "<dt>Length</dt><dd>1 h</dd>" in page
    assert "<dt>Price</dt><dd>£195.00</dd>" in page
    assert "<dt>Deposit today</dt><dd>£50.00</dd>" in page
    assert "Retired session" not in page
    assert f'href="{reverse("bookings:session-type", args=["headshot"])}"' in page


def test_day_picker_shows_the_free_times_of_the_requested_day(client, headshot, maya):
    booked(headshot, maya, at(10))

    response = client.get(page_url(DAY))

    assert response.status_code == 200
    assert response.context["day"] == DAY
    assert response.context["month"] == MONTH
    # 09:30 and 10:30 would overlap the 10:00–11:00 session; 16:00 is the last that ends by 17:00.
    assert local_times(response) == [
        "09:00",
        "11:00",
        "11:30",
        "12:00",
        "12:30",
        "13:00",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
    ]
    page = response.content.decode()
    assert "All times are in the studio's time zone, <strong>Europe/London</strong>." in page
    start = quote(at(9).isoformat(), safe="/")
    assert f'href="/book/headshot/details/?start={start}&amp;photographer=maya"' in page
    assert f'aria-current="date">{DAY.day}</a>' in page


def test_a_time_two_photographers_have_free_is_offered_once_as_any_available(
    client, headshot, maya
):
    sam = PhotographerFactory(name="Sam Lee", slug="sam")
    headshot.photographers.add(sam)
    booked(headshot, maya, at(10))

    response = client.get(page_url(DAY))

    by_time = {
        entry["local"].strftime("%H:%M"): (entry["photographer"], entry["label"])
        for entry in response.context["times"]
    }
    assert by_time["09:00"] == ("any", "any available photographer")
    assert by_time["10:00"] == ("sam", "Sam Lee")


def test_an_unreadable_date_is_refused_with_a_reason(client, headshot):
    response = client.get(reverse("bookings:session-type", args=["headshot"]) + "?date=10/01")

    assert response.status_code == 400
    assert "That date isn't one we recognise; please pick a day from the calendar." in text(
        response
    )


def test_a_date_outside_the_booking_window_explains_the_window(client, headshot):
    far = TODAY + timedelta(days=400)

    response = client.get(page_url(far))

    first, last = TODAY, TODAY + timedelta(days=365)
    assert response.status_code == 200
    assert (
        f"Online booking is open from {first.day} {first:%B %Y} to {last.day} {last:%B %Y}; "
        "please pick a day in that range."
    ) in text(response)


@pytest.mark.parametrize("slug", ["no-such-session", "inactive"])
def test_unknown_or_inactive_session_types_are_not_found(client, slug):
    SessionTypeFactory(slug="inactive", active=False)

    assert client.get(reverse("bookings:session-type", args=[slug])).status_code == 404
    assert client.get(slots_url(DAY, DAY, slug=slug)).status_code == 404
    assert client.get(details_url(at(10), slug=slug)).status_code == 404


# slots.json


def test_slots_json_lists_free_slots_in_the_studio_zone_with_offsets(
    client, studio, headshot, maya
):
    studio.time_zone = "Asia/Kolkata"  # UTC+05:30 all year
    studio.save()
    kolkata = ZoneInfo("Asia/Kolkata")
    booked(headshot, maya, at(10, zone=kolkata))

    response = client.get(slots_url(DAY, DAY))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    starts = ["09:00"] + [f"{hour:02}:{minute:02}" for hour in range(11, 16) for minute in (0, 30)]
    starts.append("16:00")
    assert response.json() == {
        "time_zone": "Asia/Kolkata",
        "slots": [
            {
                "start": f"{DAY}T{start}:00+05:30",
                "end": f"{DAY}T{int(start[:2]) + 1:02}{start[2:]}:00+05:30",
                "photographer": "maya",
            }
            for start in starts
        ],
    }


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({}, "start and end are required dates in the form YYYY-MM-DD."),
        ({"start": DAY.isoformat()}, "start and end are required dates in the form YYYY-MM-DD."),
        (
            {"start": "tomorrow", "end": DAY.isoformat()},
            "start and end are required dates in the form YYYY-MM-DD.",
        ),
        (
            {"start": DAY.isoformat(), "end": f"{DAY.year}-13-01"},
            "start and end are required dates in the form YYYY-MM-DD.",
        ),
        (
            {"start": DAY.isoformat(), "end": (DAY - timedelta(days=1)).isoformat()},
            "end must not be before start.",
        ),
        (
            {"start": DAY.isoformat(), "end": (DAY + timedelta(days=62)).isoformat()},
            "Ask for at most 62 days at a time.",
        ),
    ],
    ids=["missing", "no-end", "malformed-start", "malformed-end", "reversed", "63-days"],
)
def test_slots_json_refuses_bad_ranges_with_a_reason(client, headshot, query, reason):
    response = client.get(f"{reverse('bookings:slots-json', args=['headshot'])}?{urlencode(query)}")

    assert response.status_code == 400
    assert response.json() == {"error": reason}


def test_slots_json_accepts_the_longest_range(client, headshot):
    response = client.get(slots_url(DAY, DAY + timedelta(days=61)))

    assert response.status_code == 200
    assert len(response.json()["slots"]) == 62 * 15


# The details form


def test_details_form_shows_the_chosen_time_price_and_current_policy(client, headshot):
    response = client.get(details_url(at(10)))

    assert response.status_code == 200
    page = text(response)
    assert f"{DAY:%A} {DAY.day} {DAY:%B %Y}, 10:00</time>–11:00 (Europe/London)" in page
    assert "<strong>Headshot</strong> with Maya Okafor" in page
    assert "£195.00, of which £50.00 is paid now as a deposit." in page
    assert "Cancellation policy (version 1)" in page
    assert "Cancel 48 hours ahead for a refund." in page
    assert '<input type="hidden" name="policy_version" value="1">' in page
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_submitting_valid_details_holds_the_slot_and_goes_to_the_deposit(
    client, headshot, maya, policy
):
    IntakeQuestion.objects.create(
        session_type=headshot,
        label="What will you use the photos for?",
        kind=IntakeQuestion.Kind.CHOICE,
        choices="LinkedIn\nCompany website",
        required=True,
    )
    question = headshot.intake_questions.get()

    response = client.post(
        details_url(at(10)),
        {**FORM, "notes": "Bringing two shirts.", question.field_name: "LinkedIn"},
    )

    booking = Booking.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("bookings:deposit", args=[booking.public_id])
    assert booking.status == Booking.Status.HELD
    assert (booking.starts_at, booking.ends_at, booking.photographer) == (at(10), at(11), maya)
    assert (booking.client_name, booking.client_email, booking.client_phone, booking.notes) == (
        "Ada Lovelace",
        "ada@example.com",
        "+44 7700 900123",
        "Bringing two shirts.",
    )
    assert booking.intake_answers == {"What will you use the photos for?": "LinkedIn"}
    assert (booking.price_amount, booking.deposit_amount, booking.policy) == (19500, 5000, policy)
    assert client.session["bookings"] == [str(booking.public_id)]


def test_any_available_photographer_is_accepted(client, headshot, maya):
    response = client.post(details_url(at(10), photographer="any"), FORM)

    assert response.status_code == 303
    assert Booking.objects.get().photographer == maya


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        (
            {"name": "A" * 101},
            "name",
            "Ensure this value has at most 100 characters (it has 101).",
        ),
        ({"email": "ada-at-example"}, "email", "Enter a valid email address."),
        (
            {"phone": "call me maybe"},
            "phone",
            "Enter a phone number using digits, spaces and + ( ) - only.",
        ),
        (
            {"notes": "x" * 2001},
            "notes",
            "Ensure this value has at most 2000 characters (it has 2001).",
        ),
        ({"accept_policy": ""}, "accept_policy", "Please accept the cancellation policy to book."),
        ({"intake": ""}, "intake", "This field is required."),
        (
            {"intake": "Billboard"},
            "intake",
            "Select a valid choice. Billboard is not one of the available choices.",
        ),
    ],
    ids=[
        "no-name",
        "long-name",
        "bad-email",
        "bad-phone",
        "long-notes",
        "policy-not-accepted",
        "required-answer-missing",
        "answer-not-a-choice",
    ],
)
def test_invalid_details_are_refused_with_messages_and_nothing_is_written(
    client, headshot, changes, field, message
):
    question = IntakeQuestion.objects.create(
        session_type=headshot,
        label="What will you use the photos for?",
        kind=IntakeQuestion.Kind.CHOICE,
        choices="LinkedIn\nCompany website",
        required=True,
    )
    data = {**FORM, question.field_name: "LinkedIn", **changes}
    if "intake" in data:
        data[question.field_name] = data.pop("intake")
    field = question.field_name if field == "intake" else field

    response = client.post(details_url(at(10)), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    page = text(response)
    assert "Please correct the 1 problem marked below." in page
    assert message in page
    assert Booking.objects.count() == 0


def test_a_slot_taken_before_the_form_opens_is_refused_clearly(client, headshot, maya):
    booked(headshot, maya, at(10))

    response = client.get(details_url(at(10)))

    assert response.status_code == 409
    assert "That time is no longer available" in text(response)
    assert SLOT_GONE in text(response)


def test_a_slot_taken_while_the_client_types_is_refused_clearly(client, headshot, maya, policy):
    assert client.get(details_url(at(10))).status_code == 200
    services.booking_create_hold(
        session_type=headshot,
        start=at(10, 30),
        photographer=maya,
        client=services.ClientDetails(name="Bo", email="bo@example.com", phone="+44 1234 567"),
        intake_answers={},
        policy=policy,
    )

    response = client.post(details_url(at(10)), FORM)

    assert response.status_code == 409
    page = text(response)
    assert SLOT_GONE in page
    assert f'href="/book/headshot/?date={DAY.isoformat()}">See other times that day</a>' in page
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    "start",
    [
        "tomorrow",
        "",
        at(10).replace(tzinfo=None).isoformat(),  # no offset: ambiguous
        "2027-02-30T10:00:00+00:00",
        at(10).isoformat() + "x" * 30,
    ],
    ids=["words", "empty", "naive", "impossible-date", "too-long"],
)
def test_a_malformed_start_is_refused(client, headshot, start):
    for response in (client.get(details_url(start)), client.post(details_url(start), FORM)):
        assert response.status_code == 400
        assert "The link doesn't name a time we recognise. Please pick a time again." in text(
            response
        )
    assert Booking.objects.count() == 0


def test_a_start_off_the_sessions_grid_is_refused_as_invalid(client, headshot):
    for start in (at(10, 15), at(8), at(16, 30)):  # between steps; before hours; ends too late
        for response in (client.get(details_url(start)), client.post(details_url(start), FORM)):
            assert response.status_code == 400, start
            assert "That time isn't valid" in text(response)
            assert "isn't one of this session's times" in text(response)
    assert Booking.objects.count() == 0


def test_a_session_time_that_has_passed_is_closed_rather_than_invalid(client, headshot):
    last_week = at(10, day=TODAY - timedelta(days=7))

    response = client.get(details_url(last_week))

    assert response.status_code == 409
    assert SLOT_GONE in text(response)


@pytest.mark.parametrize("slug", ["nobody", "sam"])
def test_a_photographer_who_does_not_offer_the_session_is_refused(client, headshot, slug):
    PhotographerFactory(slug="sam")  # exists, but does not offer headshots

    for response in (
        client.get(details_url(at(10), photographer=slug)),
        client.post(details_url(at(10), photographer=slug), FORM),
    ):
        assert response.status_code == 400
        assert "The link names a photographer who doesn't offer this session." in text(response)
    assert Booking.objects.count() == 0


def accept_checkbox(response) -> str:
    return re.search(r'<input[^>]*name="accept_policy"[^>]*>', response.content.decode()).group()


def test_a_policy_changed_while_booking_must_be_read_and_accepted_again(client, headshot):
    assert client.get(details_url(at(10))).status_code == 200
    current = services.cancellation_policy_publish(
        text="Cancel 72 hours ahead for a refund.",
        refund_cutoff_hours=72,
        reschedule_cutoff_hours=24,
    )

    refused = client.post(details_url(at(10)), FORM)  # accepted version 1

    assert refused.status_code == 400
    page = text(refused)
    assert (
        "Our cancellation policy changed while you were booking. Please read the current "
        "version below and accept it again."
    ) in page
    assert "Cancellation policy (version 2)" in page
    assert "Cancel 72 hours ahead for a refund." in page
    assert "checked" not in accept_checkbox(refused)
    assert Booking.objects.count() == 0

    accepted = client.post(details_url(at(10)), {**FORM, "policy_version": "2"})

    assert accepted.status_code == 303
    assert Booking.objects.get().policy == current


def test_booking_is_paused_without_a_published_policy(client, headshot, policy):
    policy.delete()

    response = client.get(details_url(at(10)))

    assert response.status_code == 503
    assert "Online booking is paused" in text(response)


# Deposit and confirmation


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


# Manage links


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


# Query counts: loading availability costs the same however full the calendar is


def fill_calendar(session_type, photographer, count: int, *, skip: int = 0) -> None:
    """`count` one-hour bookings spread over MONTH's first four weeks, four a day at most."""
    for index in range(skip, skip + count):
        day = MONTH + timedelta(days=index % 28)
        booked(session_type, photographer, at(9 + 2 * (index // 28), day=day))


def split_queries(captured: CaptureQueriesContext) -> tuple[int, int]:
    """(queries of the page itself, reads of the studio's profile).

    The profile is cached (Studio.load()); on a busy machine a cache read can time out and fall
    back to the database, so it is counted apart: at most one read either way."""
    profile = sum('"studio_studio"' in query["sql"] for query in captured.captured_queries)
    return len(captured) - profile, profile


def test_day_picker_and_slots_json_queries_do_not_grow_with_bookings(client, headshot, maya):
    json_url = slots_url(MONTH, MONTH + timedelta(days=27))

    def measure() -> dict[str, object]:
        cache.delete_pattern("page:*")  # whole-page copies cleared: count the real work
        Studio.load()  # warm the cached profile, as on a running site
        with CaptureQueriesContext(connection) as page_queries:
            assert client.get(page_url(DAY)).status_code == 200
        with CaptureQueriesContext(connection) as json_queries:
            response = client.get(json_url)
        assert response.status_code == 200
        return {
            "page": split_queries(page_queries),
            "json": split_queries(json_queries),
            "slots": len(response.json()["slots"]),
        }

    fill_calendar(headshot, maya, 3)
    few = measure()
    fill_calendar(headshot, maya, 27, skip=3)
    many = measure()

    # The session type, then working hours, bookings and time off: 4 each, whatever the load.
    assert few["page"][0] == many["page"][0] == 4
    assert few["json"][0] == many["json"][0] == 4
    assert all(counts[1] <= 1 for counts in (few["page"], few["json"], many["page"], many["json"]))
    assert many["slots"] < few["slots"]  # the extra bookings were in range and loaded
