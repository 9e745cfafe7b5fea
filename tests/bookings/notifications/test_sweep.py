"""The periodic sweep: each reminder claimed once when it is due, and a safety net for emails
whose job was lost, whose worker died or whose back-off has passed."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from bookings import services
from bookings.models import Booking, NotificationLog
from bookings.notifications import sending, sweep
from bookings.notifications.outbox import Status
from studio.models import Studio
from tests.bookings.notifications.helpers import DAY, ZONE, book, confirmed_booking, local, log_rows
from tests.factories import BookingFactory, NotificationLogFactory, PhotographerFactory

pytestmark = pytest.mark.django_db


# Reminders


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


# The sweep as a safety net


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


def test_the_sweep_writes_a_missing_confirmation_for_a_recently_confirmed_booking(studio):
    booking = BookingFactory(confirmed_at=timezone.now() - timedelta(hours=1))
    BookingFactory(confirmed_at=timezone.now() - timedelta(days=5))  # long ago: left alone

    result = sweep.notifications_sweep()

    assert result["confirmations_backfilled"] == 1
    assert [message.to for message in mail.outbox] == [
        [booking.client_email],
        [booking.photographer.email],
    ]


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
