"""The emails about a booking, on its admin page: what went, what failed, and sending the
confirmation again."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone

from bookings.models import Booking, NotificationLog
from tests.bookings.desk.helpers import photographer_login
from tests.factories import (
    BookingFactory,
    NotificationLogFactory,
    PhotographerFactory,
    StudioFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = NotificationLog.Status


@pytest.fixture
def studio():
    return StudioFactory(time_zone="Europe/London")


@pytest.fixture
def owner(client, studio):
    client.force_login(UserFactory(username="owner", is_superuser=True))
    return client


def log_rows(booking):
    return list(
        NotificationLog.objects.filter(booking=booking)
        .order_by("kind", "revision", "resend")
        .values_list("kind", "revision", "resend", "status")
    )


def act(client, booking, action, capture):
    with capture(execute=True):
        return client.post(
            reverse("admin:bookings_booking_act", args=[booking.pk, action]), follow=True
        )


def email_rows(html: str) -> list[dict[str, str]]:
    """The rows of the booking page's "Emails" table, column by column."""
    group = html[html.index('id="notifications-group"') :]
    group = group[: group.index("</fieldset>")]
    return [
        dict(re.findall(r'<td class="field-(\w+)">\s*<p>(.*?)</p>', row, re.S))
        for row in group.split('<tr class="form-row has_original"')[1:]
    ]


def test_the_booking_page_lists_its_emails_sent_and_failed(owner):
    booking = BookingFactory(client_email="priya@example.com", revision=2)
    sent_at = timezone.now() - timedelta(hours=2)
    NotificationLogFactory(
        booking=booking, revision=1, status=Status.SENT, attempts=1, sent_at=sent_at
    )
    NotificationLogFactory(
        booking=booking,
        kind="reminder_48h",
        status=Status.FAILED,
        attempts=8,
        last_error="SMTPRecipientsRefused: mailbox unavailable",
        last_error_at=timezone.now(),
    )
    NotificationLogFactory(recipient="someone-else@example.com")  # another booking's email

    response = owner.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="notifications-heading"[^>]*>\s*Emails\s*</h2>', html)
    assert email_rows(html) == [
        {
            "kind_label": "Confirmation",
            "revision": "1",
            "recipient": "priya@example.com",
            "status": "Sent",
            "attempts": "1",
            "sent_at": formats.localize(timezone.template_localtime(sent_at)),
            "last_error": "-",
        },
        {
            "kind_label": "Reminder (48 h before)",
            "revision": "2",
            "recipient": "priya@example.com",
            "status": "Failed; gave up",
            "attempts": "8",
            "sent_at": "-",
            "last_error": "SMTPRecipientsRefused: mailbox unavailable",
        },
    ]
    assert "someone-else@example.com" not in html
    assert 'name="notifications-0-recipient"' not in html  # read-only, nothing to submit


def test_a_photographer_sees_the_emails_of_their_own_bookings_only(client, studio):
    maya = photographer_login(client)
    mine = BookingFactory(photographer=maya, client_email="mine@example.com")
    theirs = BookingFactory(photographer=PhotographerFactory(), client_email="theirs@example.com")
    NotificationLogFactory(booking=mine, status=Status.SENT)
    NotificationLogFactory(booking=theirs, status=Status.SENT)

    own_page = client.get(reverse("admin:bookings_booking_change", args=[mine.pk]))
    other_page = client.get(reverse("admin:bookings_booking_change", args=[theirs.pk]))
    email_log = client.get(reverse("admin:bookings_notificationlog_changelist"))

    assert own_page.status_code == 200
    assert [row["recipient"] for row in email_rows(own_page.content.decode())] == [
        "mine@example.com"
    ]
    assert other_page.status_code == 302  # not in their queryset: back to the list
    assert "mine@example.com" in email_log.content.decode()
    assert "theirs@example.com" not in email_log.content.decode()


def test_the_booking_page_offers_resend_confirmation_as_a_button(owner):
    booking = BookingFactory()

    html = owner.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()

    assert 'form="act-resend_confirmation"' in html
    assert ">Resend confirmation</button>" in html


def test_resend_confirmation_sends_a_new_copy_of_the_latest_confirmation(
    owner, django_capture_on_commit_callbacks
):
    booking = BookingFactory(revision=2, client_email="priya@example.com")
    NotificationLogFactory(booking=booking, revision=1, status=Status.SENT)
    NotificationLogFactory(booking=booking, revision=2, status=Status.SENT)

    response = act(owner, booking, "resend_confirmation", django_capture_on_commit_callbacks)

    assert "Confirmation queued to send again: 1 booking(s)." in response.content.decode()
    assert log_rows(booking) == [
        ("confirmation", 1, 0, "sent"),
        ("confirmation", 2, 0, "sent"),
        ("confirmation", 2, 1, "sent"),
    ]
    assert NotificationLog.objects.get(resend=1).note == "Sent again by owner"
    assert [message.to for message in mail.outbox] == [["priya@example.com"]]


def test_resend_confirmation_as_a_list_action_on_several_bookings(
    owner, django_capture_on_commit_callbacks
):
    first, second = BookingFactory(), BookingFactory(starts_at=timezone.now() + timedelta(days=8))
    NotificationLogFactory(booking=first, status=Status.SENT)
    NotificationLogFactory(booking=second, status=Status.FAILED, attempts=8)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            reverse("admin:bookings_booking_changelist"),
            {"action": "resend_confirmation", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )

    assert "Confirmation queued to send again: 2 booking(s)." in response.content.decode()
    assert NotificationLog.objects.filter(resend=1).count() == 2


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Booking.Status.CANCELLED, "this one is cancelled."),
        (Booking.Status.HELD, "this one is held, awaiting deposit."),
    ],
)
def test_resend_confirmation_is_refused_unless_the_booking_is_confirmed(
    owner, django_capture_on_commit_callbacks, status, reason
):
    booking = BookingFactory(status=status)
    NotificationLogFactory(booking=booking, status=Status.SENT)

    response = act(owner, booking, "resend_confirmation", django_capture_on_commit_callbacks)

    html = response.content.decode()
    assert "Only a confirmed booking&#x27;s confirmation can be sent again" in html
    assert reason in html
    assert "Nothing was changed." in html
    assert log_rows(booking) == [("confirmation", 1, 0, "sent")]
    assert mail.outbox == []


def test_resend_confirmation_is_refused_when_none_was_recorded_yet(
    owner, django_capture_on_commit_callbacks
):
    booking = BookingFactory()

    response = act(owner, booking, "resend_confirmation", django_capture_on_commit_callbacks)

    html = response.content.decode()
    assert "No confirmation email has been recorded for this booking yet." in html
    assert "Nothing was changed." in html
    assert log_rows(booking) == []
    assert mail.outbox == []


def test_resend_confirmation_is_refused_while_the_first_one_still_waits(
    owner, django_capture_on_commit_callbacks
):
    booking = BookingFactory()
    NotificationLogFactory(booking=booking, status=Status.PENDING)

    response = act(owner, booking, "resend_confirmation", django_capture_on_commit_callbacks)

    html = response.content.decode()
    assert (
        "The confirmation cannot be sent again: It has not been sent yet; it will go out shortly."
        in html
    )
    assert "Nothing was changed." in html
    assert log_rows(booking) == [("confirmation", 1, 0, "pending")]


def test_a_photographer_cannot_resend_another_photographers_confirmation(
    client, studio, django_capture_on_commit_callbacks
):
    photographer_login(client)
    theirs = BookingFactory(photographer=PhotographerFactory())
    NotificationLogFactory(booking=theirs, status=Status.SENT)

    response = act(client, theirs, "resend_confirmation", django_capture_on_commit_callbacks)

    assert response.status_code == 403
    assert log_rows(theirs) == [("confirmation", 1, 0, "sent")]
    assert mail.outbox == []
