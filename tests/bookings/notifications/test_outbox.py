"""Which emails each booking change writes, to whom, written with the change and sent only
after commit; and sending one again from the admin."""

from datetime import timedelta
from email.message import MIMEPart

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import services
from bookings.models import Booking, NotificationLog
from bookings.notifications import outbox
from bookings.notifications.outbox import Status
from bookings.payments.offline import payment_deposit_succeeded
from tests.bookings.notifications.helpers import CLIENT, DAY, ZONE, book, local, log_rows
from tests.factories import BookingFactory, NotificationLogFactory, PhotographerFactory, UserFactory

pytestmark = pytest.mark.django_db


def to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def invitation(message) -> MIMEPart:
    (part,) = [
        part
        for part in message.attachments
        if isinstance(part, MIMEPart) and part.get_content_type() == "text/calendar"
    ]
    return part


def event_of(message):
    calendar = Calendar.from_ical(invitation(message).get_content())
    (event,) = calendar.events
    return calendar, event


# Confirmation


def test_confirming_emails_the_client_and_the_photographer_once(
    setup, django_capture_on_commit_callbacks
):
    booking = book(setup, local(DAY, 10), capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_confirm(booking=booking)  # a replayed webhook

    (client,) = to("ada@example.com")
    (photographer,) = to("maya@studio.example")
    day = DAY.strftime("%A ") + str(DAY.day) + DAY.strftime(" %B %Y")
    assert client.subject == f"You're booked: Professional headshot on {day}"
    assert client.reply_to == ["hello@northlight.example"]
    assert invitation(client).get_param("method") == "REQUEST"
    assert photographer.subject == f"New booking: Ada Client, {day}"
    assert photographer.reply_to == ["ada@example.com"]
    assert log_rows(booking) == [
        ("confirmation", 1, 0, "sent"),
        ("photographer_booked", 1, 0, "sent"),
    ]
    assert len(mail.outbox) == 2


def test_the_rows_are_written_with_the_change_and_sent_only_after_commit(setup):
    booking = book(setup, local(DAY, 10))  # the test's transaction never commits

    assert log_rows(booking) == [
        ("confirmation", 1, 0, "pending"),
        ("photographer_booked", 1, 0, "pending"),
    ]
    assert mail.outbox == []


def test_a_photographer_without_an_email_address_gets_no_notice(
    setup, django_capture_on_commit_callbacks
):
    photographer, _, _ = setup
    photographer.email = ""
    photographer.save()

    booking = book(setup, local(DAY, 10), capture=django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert log_rows(booking) == [("confirmation", 1, 0, "sent")]


def test_a_session_booked_inside_a_reminder_offset_records_that_reminder_as_skipped(
    setup, django_capture_on_commit_callbacks
):
    tomorrow = timezone.now().astimezone(ZONE).date() + timedelta(days=1)
    start = local(tomorrow, 12)  # between 12 and 36 hours ahead

    booking = book(setup, start, capture=django_capture_on_commit_callbacks)

    skipped = NotificationLog.objects.get(booking=booking, kind="reminder_48h")
    assert (skipped.status, skipped.note) == (
        "skipped",
        "The session was booked or moved less than 48 hours before it.",
    )
    assert not NotificationLog.objects.filter(booking=booking, kind="reminder_2h").exists()


def test_an_unknown_kind_is_refused(setup):
    booking = BookingFactory()

    with pytest.raises(ValueError, match="Unknown notification kind 'reminder'"):
        outbox.notify_after_commit(booking=booking, kind="reminder")


# Moving and cancelling


def test_moving_a_session_emails_the_new_time_with_an_updated_invitation(
    setup, django_capture_on_commit_callbacks
):
    booking = book(setup, local(DAY, 10), capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reschedule(booking=booking, start=local(DAY, 14), actor="client")

    (client,) = to("ada@example.com")
    (photographer,) = to("maya@studio.example")
    assert client.subject.startswith("Your session has moved to ")
    assert f"Was:        {DAY:%A} {DAY.day} {DAY:%B %Y}, 10:00–11:00\n" in client.body
    assert f"When:       {DAY:%A} {DAY.day} {DAY:%B %Y}, 14:00–15:00 " in client.body
    calendar, event = event_of(client)
    assert (str(calendar["method"]), event["sequence"]) == ("REQUEST", 2)
    assert event.start == local(DAY, 14)
    assert photographer.subject.startswith("Booking moved: Ada Client, now ")
    assert ("rescheduled", 2, 0, "sent") in log_rows(booking)


def test_moving_a_session_to_a_colleague_tells_the_first_photographer_it_left_them(
    setup, django_capture_on_commit_callbacks
):
    _, session_type, _ = setup
    colleague = PhotographerFactory(name="Sam Lee", email="sam@studio.example")
    session_type.photographers.add(colleague)
    booking = book(setup, local(DAY, 10), capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reschedule(
            booking=booking, start=local(DAY, 11), actor="staff", photographer=colleague
        )

    (released,) = to("maya@studio.example")
    (taken_over,) = to("sam@studio.example")
    assert released.subject.startswith("Booking moved to a colleague: Ada Client, ")
    assert "is now with Sam Lee" in released.body
    assert "10:00–11:00" in released.body  # the time Maya had
    assert "has come to you from Maya Okafor" in taken_over.body


def test_cancelling_sends_a_cancellation_that_removes_the_event(
    setup, django_capture_on_commit_callbacks
):
    booking = book(setup, local(DAY, 10), capture=django_capture_on_commit_callbacks)
    payment_deposit_succeeded(  # a demo deposit: refunded at once on cancelling
        booking=booking, provider="demo", amount=5000, currency="GBP"
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking, actor="client")

    (client,) = to("ada@example.com")
    (photographer,) = to("maya@studio.example")
    calendar, event = event_of(client)
    assert invitation(client).get_param("method") == "CANCEL"
    assert (str(calendar["method"]), str(event["status"])) == ("CANCEL", "CANCELLED")
    assert "Your deposit of £50.00 has been refunded" in client.body
    assert photographer.subject.startswith("Booking cancelled: Ada Client, ")


def test_cancelling_a_hold_that_was_never_confirmed_sends_nothing(
    setup, django_capture_on_commit_callbacks
):
    photographer, session_type, policy = setup
    held = services.booking_create_hold(
        session_type=session_type,
        start=local(DAY, 10),
        photographer=photographer,
        client=CLIENT,
        intake_answers={},
        policy=policy,
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=held, actor="staff")

    assert mail.outbox == []
    assert log_rows(held) == []


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("refund_issued", "Your refund of £50.00 is on its way"),
        ("late_payment", "We couldn't keep your time on "),
    ],
)
def test_refund_notices_go_to_the_client_only(
    studio, kind, subject, django_capture_on_commit_callbacks
):
    booking = BookingFactory(status=Booking.Status.EXPIRED, starts_at=local(DAY, 10))

    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify_after_commit(booking=booking, kind=kind)

    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject.startswith(subject)


# Admin: the rows as the studio sees them, and sending one again


@pytest.fixture
def admin_client_logged_in(client):
    client.force_login(UserFactory(username="owner", is_superuser=True))
    return client


def test_the_admin_lists_emails_with_their_failures(studio, admin_client_logged_in):
    log = NotificationLogFactory(
        status=Status.RETRY,
        attempts=2,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        last_error_at=timezone.now(),
    )

    listing = admin_client_logged_in.get(reverse("admin:bookings_notificationlog_changelist"))
    detail = admin_client_logged_in.get(
        reverse("admin:bookings_notificationlog_change", args=[log.pk])
    )

    for response in (listing, detail):
        assert response.status_code == 200
        assert "SMTPServerDisconnected: Connection unexpectedly closed" in response.text
        assert "Failed; will try again" in response.text


def test_the_admin_sends_an_email_again_on_purpose_as_a_new_copy(
    studio, admin_client_logged_in, django_capture_on_commit_callbacks
):
    log = NotificationLogFactory(status=Status.SENT, sent_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(
            reverse("admin:bookings_notificationlog_changelist"),
            {"action": "send_again", "_selected_action": [log.pk]},
            follow=True,
        )

    assert "1 email(s) queued to send again." in response.text
    assert log_rows(log.booking) == [
        ("confirmation", 1, 0, "sent"),
        ("confirmation", 1, 1, "sent"),
    ]
    copy = NotificationLog.objects.get(resend=1)
    assert copy.note == "Sent again by owner"
    assert len(mail.outbox) == 1


def test_the_admin_will_not_resend_a_reminder_of_a_time_that_has_moved(
    studio, admin_client_logged_in
):
    booking = BookingFactory(revision=2)
    log = NotificationLogFactory(booking=booking, kind="reminder_48h", revision=1, status="sent")

    response = admin_client_logged_in.post(
        reverse("admin:bookings_notificationlog_changelist"),
        {"action": "send_again", "_selected_action": [log.pk]},
        follow=True,
    )

    assert "The session has moved; a reminder of the new time goes instead." in response.text
    assert NotificationLog.objects.count() == 1
