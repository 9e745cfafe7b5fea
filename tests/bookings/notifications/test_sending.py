"""Sending one email: claimed once, skipped when it no longer makes sense, retried with
back-off after a failure and marked failed after the last attempt."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from bookings.models import Booking
from bookings.notifications import sending, sweep
from bookings.notifications.outbox import Status
from studio.models import Studio
from tests.bookings.notifications.helpers import DAY, confirmed_booking, local
from tests.factories import NotificationLogFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db


# Claims


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


def test_a_cancelled_booking_gets_no_reminder_even_once_claimed(studio):
    start = local(DAY, 10)
    booking = confirmed_booking(start)
    (log_id,) = sweep.reminders_claim_due(now=start - timedelta(hours=47))
    booking.status = Booking.Status.CANCELLED
    booking.save()

    result = sending.notification_send(log_id=log_id, now=start - timedelta(hours=47))

    assert (result.outcome, result.detail) == ("skipped", "The booking is cancelled.")
    assert mail.outbox == []


# Failures and back-off


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


def test_sending_a_reminder_takes_three_queries(studio, django_assert_num_queries):
    start = local(DAY, 10)
    log = NotificationLogFactory(booking=confirmed_booking(start), kind="reminder_48h")
    Studio.load()

    with django_assert_num_queries(3):
        result = sending.notification_send(log_id=log.pk, now=start - timedelta(hours=47))

    assert result.outcome == "sent"
