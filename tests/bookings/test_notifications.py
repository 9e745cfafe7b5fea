"""Emails about bookings: which go out, when, with what in them, and never twice.

Tasks run eagerly in this process and mail lands in Django's in-memory outbox; the tests with a
real worker, Redis and SMTP server are in test_notifications_delivery.py.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from email.message import MIMEPart
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import services
from bookings.links import token_is_valid
from bookings.models import Booking, NotificationLog
from bookings.notifications import compose, outbox, sending, sweep
from bookings.notifications.outbox import Status
from bookings.payments.offline import payment_deposit_succeeded
from studio.models import Studio
from tests.factories import (
    BookingFactory,
    CancellationPolicyFactory,
    NotificationLogFactory,
    PhotographerFactory,
    SessionTypeFactory,
    StudioFactory,
    UserFactory,
)
from tests.servers import free_port

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Europe/London")
# Twenty days from today, so the tests hold whatever the date they run on.
DAY = (timezone.now().astimezone(ZONE) + timedelta(days=20)).date()
DIRECTIONS = "Ring the bell marked Northlight; we're on the second floor."


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Studio wall-clock time on `day` as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def studio() -> Studio:
    return StudioFactory(
        time_zone="Europe/London",
        street_address="14 Canal Wharf",
        locality="Manchester",
        postal_code="M1 2AB",
        country="United Kingdom",
        directions=DIRECTIONS,
        phone="+44 161 496 0000",
        reminder_offsets_hours=[48, 2],
    )


@pytest.fixture
def setup(studio):
    photographer = PhotographerFactory(name="Maya Okafor", email="maya@studio.example")
    session_type = SessionTypeFactory(
        name="Professional headshot", slug="professional-headshot", photographers=[photographer]
    )
    return photographer, session_type, CancellationPolicyFactory()


CLIENT = services.ClientDetails(name="Ada Client", email="ada@example.com", phone="+44 1")


def book(setup, start: datetime, *, answers: dict | None = None, capture=None) -> Booking:
    """A held booking, confirmed through the services; after-commit work runs if captured."""
    photographer, session_type, policy = setup
    booking = services.booking_create_hold(
        session_type=session_type,
        start=start,
        photographer=photographer,
        client=CLIENT,
        intake_answers=answers or {},
        policy=policy,
    )
    if capture is None:
        return services.booking_confirm(booking=booking)
    with capture(execute=True):
        return services.booking_confirm(booking=booking)


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


def html_of(message) -> str:
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def assert_manage_link(text: str, booking: Booking) -> None:
    """`text` holds the booking's signed manage link (its token is timestamped)."""
    found = re.search(
        rf"{re.escape(settings.SITE_URL)}/book/manage/([0-9a-f-]+)/([^/\s\"]+)/", text
    )
    assert found, "no manage link"
    public_id, token = found.groups()
    assert public_id == str(booking.public_id)
    assert token_is_valid(booking.public_id, token)


def log_rows(booking: Booking) -> list[tuple]:
    return sorted(
        NotificationLog.objects.filter(booking=booking).values_list(
            "kind", "revision", "resend", "status"
        )
    )


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
        ("late_payment_refunded", "We couldn't keep your time on "),
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


# What every email carries


def kinds_for_rendering() -> list[str]:
    return [
        "confirmation",
        "reminder_48h",
        "rescheduled",
        "cancelled",
        "refund_issued",
        "late_payment_refunded",
        "photographer_booked",
        "photographer_rescheduled",
        "photographer_cancelled",
        "photographer_released",
    ]


@pytest.mark.parametrize("kind", kinds_for_rendering())
def test_every_email_has_both_parts_the_zone_the_address_directions_and_the_manage_link(
    studio, kind
):
    start = local(date(2027, 1, 12), 10)  # winter: GMT
    booking = BookingFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    log = NotificationLogFactory(booking=booking, kind=kind)

    message = compose.build_message(log, studio=Studio.load(), now=start - timedelta(days=3))

    html = html_of(message)
    for part in (message.body, html):
        assert "Tuesday 12 January 2027" in part
        assert "10:00–11:00" in part
        assert "10:00–11:00 GMT (Europe/London)" in part
        assert "14 Canal Wharf" in part and "M1 2AB Manchester" in part
        assert "Ring the bell marked Northlight" in part.replace("&#x27;", "'")
        assert_manage_link(part, booking)
    assert "<style" not in html  # inlined
    assert 'style="' in html
    for remote in ("src=", "<link", "url(", "@import"):
        assert remote not in html
    assert message.extra_headers["X-Studio-Notification"] == str(log.pk)


def test_preparation_advice_follows_the_session_type_and_the_clients_answers(studio):
    actor = SessionTypeFactory(slug="actor-portfolio")
    booking = BookingFactory(
        session_type=actor,
        intake_answers={
            "Do you wear glasses in daily life?": "Yes",
            "What will you use the photos for?": "Acting or casting",
        },
    )

    advice = compose.preparation_advice(booking)

    assert advice == [
        *compose.PREPARATION_ADVICE["actor-portfolio"],
        compose.INTAKE_ADVICE[0][2],
        compose.INTAKE_ADVICE[2][2],
    ]
    log = NotificationLogFactory(booking=booking, kind="reminder_48h")
    message = compose.build_message(log, studio=Studio.load())
    assert compose.INTAKE_ADVICE[0][2] in message.body
    assert "http://127.0.0.1:8000/blog/" in message.body


# Reminders


def confirmed_booking(start: datetime, *, confirmed_at: datetime | None = None, **fields):
    """A booking confirmed earlier, whose confirmation went out then."""
    booking = BookingFactory(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        confirmed_at=confirmed_at or start - timedelta(days=10),
        **fields,
    )
    NotificationLogFactory(booking=booking, status=Status.SENT, sent_at=booking.confirmed_at)
    return booking


def test_the_sweep_sends_each_due_reminder_once(studio):
    start = local(DAY, 10)
    due = [confirmed_booking(start, client_email=f"due{n}@example.com") for n in range(3)]
    confirmed_booking(start + timedelta(days=3), client_email="later@example.com")
    cancelled = confirmed_booking(start, client_email="gone@example.com")
    cancelled.status = Booking.Status.CANCELLED
    cancelled.save()
    at_48h = start - timedelta(hours=48)

    first = sweep.notifications_sweep(now=at_48h)
    second = sweep.notifications_sweep(now=at_48h + timedelta(minutes=1))

    assert first == {"reminders_claimed": 3, "confirmations_backfilled": 0, "queued": 3}
    assert second == {"reminders_claimed": 0, "confirmations_backfilled": 0, "queued": 0}
    assert sorted(message.to[0] for message in mail.outbox) == [
        "due0@example.com",
        "due1@example.com",
        "due2@example.com",
    ]
    relative = f"on {DAY:%A} {DAY.day} {DAY:%B} at 10:00"
    assert sorted(message.subject for message in mail.outbox) == sorted(
        f"Reminder: your {booking.session_type.name} is {relative}" for booking in due
    )
    assert sorted(
        NotificationLog.objects.filter(kind__startswith="reminder").values_list(
            "booking__client_email", "status"
        )
    ) == [("due0@example.com", "sent"), ("due1@example.com", "sent"), ("due2@example.com", "sent")]


def test_a_reminder_is_not_due_a_minute_early(studio):
    start = local(DAY, 10)
    confirmed_booking(start)

    result = sweep.notifications_sweep(now=start - timedelta(hours=48, minutes=1))

    assert result["reminders_claimed"] == 0
    assert mail.outbox == []


def test_a_reminder_whose_time_had_passed_when_the_booking_was_confirmed_is_skipped(studio):
    start = local(DAY, 10)
    booking = confirmed_booking(start, confirmed_at=start - timedelta(hours=30))

    sweep.notifications_sweep(now=start - timedelta(hours=29))
    sweep.notifications_sweep(now=start - timedelta(hours=2))

    assert log_rows(booking) == [("confirmation", 1, 0, "sent"), ("reminder_2h", 1, 0, "sent")]
    assert len(mail.outbox) == 1


def test_when_several_reminders_are_due_at_once_only_the_nearest_goes(studio):
    start = local(DAY, 10)
    booking = confirmed_booking(start)

    sweep.notifications_sweep(now=start - timedelta(hours=1))  # the sweep was down

    assert log_rows(booking) == [
        ("confirmation", 1, 0, "sent"),
        ("reminder_2h", 1, 0, "sent"),
        ("reminder_48h", 1, 0, "skipped"),
    ]
    assert NotificationLog.objects.get(kind="reminder_48h").note == (
        "A reminder nearer the session went instead."
    )
    assert len(mail.outbox) == 1


def test_a_cancelled_booking_gets_no_reminder_even_once_claimed(studio):
    start = local(DAY, 10)
    booking = confirmed_booking(start)
    (log_id,) = sweep.reminders_claim_due(now=start - timedelta(hours=47))
    booking.status = Booking.Status.CANCELLED
    booking.save()

    result = sending.notification_send(log_id=log_id, now=start - timedelta(hours=47))

    assert (result.outcome, result.detail) == ("skipped", "The booking is cancelled.")
    assert mail.outbox == []


def test_a_moved_session_is_reminded_of_its_new_time_only(
    setup, django_capture_on_commit_callbacks
):
    booking = book(setup, local(DAY, 10), capture=django_capture_on_commit_callbacks)
    old_48h = local(DAY, 10) - timedelta(hours=48)
    (stale,) = sweep.reminders_claim_due(now=old_48h)  # claimed, not yet sent
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_reschedule(booking=booking, start=local(DAY, 15), actor="staff")
    mail.outbox.clear()

    stale_result = sending.notification_send(log_id=stale, now=old_48h)
    sweep.notifications_sweep(now=local(DAY, 15) - timedelta(hours=48))

    assert stale_result.detail == "The session has moved; a reminder of the new time goes instead."
    (reminder,) = mail.outbox
    assert "15:00–16:00" in reminder.body
    assert ("reminder_48h", 2, 0, "sent") in log_rows(booking)
    assert ("reminder_48h", 1, 0, "skipped") in log_rows(booking)


def next_dst_change(after: datetime) -> date:
    """The first local date after `after` on which London's UTC offset changes."""
    day = after.astimezone(ZONE).date() + timedelta(days=3)
    while True:
        before = datetime.combine(day, time(0), tzinfo=ZONE).utcoffset()
        if datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZONE).utcoffset() != before:
            return day
        day += timedelta(days=1)


def test_reminders_across_a_daylight_saving_change_come_48_real_hours_before(studio):
    # The clocks change in the night after `change`; the session is the next day at 10:00.
    change = next_dst_change(timezone.now())
    session_day = change + timedelta(days=1)
    start = local(session_day, 10)
    confirmed_booking(start)
    remind_at = start - timedelta(hours=48)

    early = sweep.notifications_sweep(now=remind_at - timedelta(seconds=1))
    on_time = sweep.notifications_sweep(now=remind_at)

    assert (early["reminders_claimed"], on_time["reminders_claimed"]) == (0, 1)
    # 48 real hours: on the wall clock the reminder is an hour off the session's 10:00,
    # earlier when the clocks went forward in between, later when they went back.
    shift = start.astimezone(ZONE).utcoffset() - remind_at.astimezone(ZONE).utcoffset()
    assert remind_at.astimezone(ZONE).hour == 10 - shift // timedelta(hours=1)
    assert shift != timedelta(0)
    (message,) = mail.outbox
    zone_then = start.astimezone(ZONE).tzname()
    day_line = f"{session_day:%A} {session_day.day} {session_day:%B %Y}"
    assert f"When:       {day_line}, 10:00–11:00 {zone_then} (Europe/London)" in message.body


# Claims, failures and the sweep as a safety net


def test_sending_one_row_twice_sends_one_email(studio):
    log = NotificationLogFactory()

    first = sending.notification_send(log_id=log.pk)
    second = sending.notification_send(log_id=log.pk)

    assert (first.outcome, second.outcome) == ("sent", "not claimed")
    assert len(mail.outbox) == 1


def test_a_claim_held_by_a_working_sender_is_left_alone(studio):
    now = timezone.now()
    log = NotificationLogFactory(
        status=Status.SENDING,
        attempts=1,
        claimed_until=now + timedelta(minutes=6),
        dispatched_at=now - timedelta(minutes=10),
    )

    while_held = sending.notification_send(log_id=log.pk)
    swept = sweep.notifications_sweep()

    assert (while_held.outcome, swept["queued"]) == ("not claimed", 0)
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("sending", 1)
    assert mail.outbox == []


def test_a_claim_whose_worker_died_is_sent_by_the_sweep_once_it_expires(studio):
    now = timezone.now()
    log = NotificationLogFactory(
        status=Status.SENDING,
        attempts=1,
        claimed_until=now - timedelta(seconds=1),
        dispatched_at=now - timedelta(minutes=7),
    )

    swept = sweep.notifications_sweep()

    assert swept["queued"] == 1
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_the_sweep_sends_emails_whose_job_never_reached_the_broker(
    setup, django_capture_on_commit_callbacks
):
    booking = book(setup, local(DAY, 10))  # after-commit work lost, as when Redis is down

    result = sweep.notifications_sweep()

    assert result["queued"] == 2
    assert log_rows(booking) == [
        ("confirmation", 1, 0, "sent"),
        ("photographer_booked", 1, 0, "sent"),
    ]


def test_an_email_whose_job_the_broker_lost_is_queued_again_after_a_minute(studio):
    queued = timezone.now()  # the job went to a broker that then restarted empty
    log = NotificationLogFactory(not_before=queued, dispatched_at=queued)

    early = sweep.notifications_sweep(now=queued + timedelta(seconds=30))
    on_time = sweep.notifications_sweep(now=queued + timedelta(seconds=61))
    after = sweep.notifications_sweep(now=queued + timedelta(minutes=10))

    assert (early["queued"], on_time["queued"], after["queued"]) == (0, 1, 0)
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_while_no_worker_takes_them_emails_are_queued_again_less_and_less_often(
    studio, monkeypatch
):
    queued = timezone.now()
    log = NotificationLogFactory(not_before=queued, dispatched_at=queued)
    monkeypatch.setattr(sweep, "enqueue_sends", lambda log_ids: log_ids)  # taken, never run

    copies = [  # the minutes at which the sweep, running every minute for an hour, queued it
        minute
        for minute in range(1, 61)
        if sweep.notifications_dispatch_waiting(now=queued + timedelta(minutes=minute))
    ]

    assert copies == [1, 2, 4, 8, 13, 18, 23, 28, 33, 38, 43, 48, 53, 58]
    log.refresh_from_db()
    assert (log.status, log.attempts, mail.outbox) == ("pending", 0, [])


def test_the_sweep_writes_a_missing_confirmation_for_a_recently_confirmed_booking(studio):
    booking = BookingFactory(confirmed_at=timezone.now() - timedelta(hours=1))
    BookingFactory(confirmed_at=timezone.now() - timedelta(days=5))  # long ago: left alone

    result = sweep.notifications_sweep()

    assert result["confirmations_backfilled"] == 1
    assert [message.to for message in mail.outbox] == [
        [booking.client_email],
        [booking.photographer.email],
    ]


class MailServer:
    """A local SMTP server that refuses recipients while `refusing` is set."""

    def __init__(self):
        self.refusing = True
        self.received: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_server():
    handler = MailServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    try:
        with override_settings(MAILERS=smtp):
            yield handler
    finally:
        controller.stop()


def test_a_failed_send_is_retried_with_back_off_and_stays_visible(studio, mail_server):
    log = NotificationLogFactory()
    now = timezone.now()

    first = sending.notification_send(log_id=log.pk, now=now)
    too_soon = sending.notification_send(log_id=log.pk, now=now + timedelta(seconds=59))
    second = sending.notification_send(log_id=log.pk, now=now + timedelta(minutes=1))

    assert (first.outcome, too_soon.outcome, second.outcome) == ("retry", "not claimed", "retry")
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("retry", 2)
    assert log.last_error.startswith("SMTPRecipientsRefused: {'ada@example.com': (451, ")
    assert "Mailbox busy, try again later" in log.last_error
    assert log.last_error_at == now + timedelta(minutes=1)
    assert log.not_before == now + timedelta(minutes=1 + 2)

    mail_server.refusing = False
    third = sending.notification_send(log_id=log.pk, now=log.not_before)

    log.refresh_from_db()
    assert (third.outcome, log.status, log.attempts) == ("sent", "sent", 3)
    assert mail_server.received == ["ada@example.com"]


def test_the_sweep_queues_a_retry_only_once_its_back_off_has_passed(studio):
    now = timezone.now()
    waiting = NotificationLogFactory(
        status=Status.RETRY, attempts=1, not_before=now + timedelta(minutes=1)
    )
    due = NotificationLogFactory(
        status=Status.RETRY, attempts=1, not_before=now - timedelta(seconds=1)
    )

    swept = sweep.notifications_sweep()

    assert swept["queued"] == 1
    waiting.refresh_from_db()
    due.refresh_from_db()
    assert (waiting.status, due.status) == ("retry", "sent")


def test_after_the_last_attempt_the_email_is_marked_failed(studio, mail_server):
    log = NotificationLogFactory(attempts=sending.MAX_ATTEMPTS - 1, status=Status.RETRY)

    result = sending.notification_send(log_id=log.pk)

    log.refresh_from_db()
    assert result.outcome == "failed"
    assert (log.status, log.attempts) == ("failed", sending.MAX_ATTEMPTS)
    assert sweep.notifications_sweep(now=timezone.now() + timedelta(days=1))["queued"] == 0


def test_back_off_doubles_up_to_an_hour():
    assert [sending.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]


# Query counts (the benchmark in bench/reminders.py prints the rates)


@pytest.mark.parametrize("due", [4, 40])
def test_claiming_due_reminders_takes_three_queries_whatever_the_batch(
    studio, due, django_assert_num_queries
):
    start = local(DAY, 10)
    photographers = [PhotographerFactory() for _ in range(2)]
    for n in range(due):
        confirmed_booking(start + timedelta(hours=n // 2), photographer=photographers[n % 2])
    Studio.load()  # cached, as in a running worker

    with django_assert_num_queries(3):
        claimed = sweep.reminders_claim_due(now=start - timedelta(hours=28))

    assert len(claimed) == due


def test_sending_a_reminder_takes_three_queries(studio, django_assert_num_queries):
    start = local(DAY, 10)
    log = NotificationLogFactory(booking=confirmed_booking(start), kind="reminder_48h")
    Studio.load()

    with django_assert_num_queries(3):
        result = sending.notification_send(log_id=log.pk, now=start - timedelta(hours=47))

    assert result.outcome == "sent"


# Admin


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
