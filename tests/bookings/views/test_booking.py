"""The details form that holds a slot: what it shows, what it accepts, and how it refuses
bad input, a slot taken meanwhile or a changed policy."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import Booking, IntakeQuestion
from tests.bookings.views.helpers import DAY, FORM, TODAY, at, booked, details_url, text
from tests.factories import PhotographerFactory

pytestmark = pytest.mark.django_db


SLOT_GONE = (
    "Sorry — that time was just booked or is no longer open for online booking. "
    "Please pick another."
)


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
