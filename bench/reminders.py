"""The reminder sweep over 10,000 confirmed bookings with 1,000 reminders due.

Prints the queries each claiming batch takes (a fixed number, whatever the batch size), how
many emails per second go through the real sending path (the sweep queues a job per email,
Celery runs them eagerly here, each claims its row, sends to Django's in-memory mail backend and
records the send: two commits per email, which the database's flush time dominates), and how
many per second are prepared (rendered, CSS inlined, .ics attached) once the rows are loaded.

    make bench BENCH_ARGS=reminders
    BENCH_SMALL=1 make bench BENCH_ARGS=reminders     # 1,000 bookings, 100 due

It runs on a scratch database (bench_reminders) on the same PostgreSQL server, dropped after.
"""

import logging
import os
import time
from datetime import timedelta

BOOKINGS = 10_000
DUE = 1_000
PHOTOGRAPHERS = 50
BATCH = 500


def _configure() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # locmem mail, eager tasks
    os.environ.setdefault("CACHE_KEY_PREFIX", "bench")
    import django

    django.setup()
    logging.disable(logging.INFO)  # one log line per eager task otherwise


def _populate(*, bookings: int, due: int, now) -> None:
    from django.contrib.auth import get_user_model
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    from bookings.models import (
        Booking,
        CancellationPolicy,
        NotificationLog,
        Photographer,
        SessionType,
    )
    from studio.models import Studio

    Studio.objects.create(
        pk=1,
        name="Northlight Headshots",
        email="hello@northlight.example",
        street_address="14 Canal Wharf",
        locality="Manchester",
        directions="Ring the bell marked Northlight; second floor.",
        reminder_offsets_hours=[48, 2],
    )
    policy = CancellationPolicy.objects.create(version=1, text="Cancel 48 hours ahead.")
    session_type = SessionType.objects.create(
        name="Professional headshot",
        slug="professional-headshot",
        summary="Two looks",
        duration_minutes=60,
        price_amount=19500,
        deposit_amount=5000,
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench{n}", is_staff=True) for n in range(PHOTOGRAPHERS)
    )
    photographers = Photographer.objects.bulk_create(
        Photographer(
            user=user, name=f"Photographer {n}", slug=f"p{n}", email=f"p{n}@studio.example"
        )
        for n, user in enumerate(users)
    )
    rows = []
    for n in range(bookings):
        photographer = photographers[n % PHOTOGRAPHERS]
        slot = n // PHOTOGRAPHERS
        if n < due:  # inside the 48-hour window, outside the 2-hour one
            start = now + timedelta(hours=3 + 2 * slot)
        else:
            start = now + timedelta(days=3, hours=2 * slot)
        rows.append(
            Booking(
                session_type=session_type,
                photographer=photographer,
                status=Booking.Status.CONFIRMED,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                blocked=DateTimeTZRange(start, start + timedelta(hours=1), "[)"),
                client_name=f"Client {n}",
                client_email=f"client{n}@example.com",
                client_phone="+44 7700 900123",
                intake_answers={"Do you wear glasses in daily life?": "Yes" if n % 3 else "No"},
                price_amount=19500,
                deposit_amount=5000,
                currency="GBP",
                policy=policy,
                policy_accepted_at=now - timedelta(days=10),
                confirmed_at=now - timedelta(days=10),
            )
        )
    created = Booking.objects.bulk_create(rows, batch_size=2000)
    NotificationLog.objects.bulk_create(
        (
            NotificationLog(
                booking=booking,
                kind="confirmation",
                revision=1,
                recipient=booking.client_email,
                session_starts_at=booking.starts_at,
                status=NotificationLog.Status.SENT,
                sent_at=booking.confirmed_at,
                created_at=booking.confirmed_at,
            )
            for booking in created
        ),
        batch_size=2000,
    )


def _run(*, bookings: int, due: int) -> list[tuple]:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bookings.models import NotificationLog
    from bookings.notifications import compose, sweep
    from studio.models import Studio

    now = timezone.now()
    _populate(bookings=bookings, due=due, now=now)
    Studio.load()
    mail.outbox = []

    per_batch, claimed = [], 0
    started = time.perf_counter()
    while True:
        with CaptureQueriesContext(connection) as queries:
            ids = sweep.reminders_claim_due(now=now, batch=BATCH)
        per_batch.append(len(queries))
        claimed += len(ids)
        if not ids:
            break
    claim_seconds = time.perf_counter() - started

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        queued = sweep.notifications_dispatch_waiting(now=now, batch=due + 1)
        send_seconds = time.perf_counter() - started
    sent = NotificationLog.objects.filter(kind="reminder_48h", status="sent").count()
    assert claimed == queued == sent == len(mail.outbox) == due, (claimed, queued, sent)

    with CaptureQueriesContext(connection) as prepare_queries:
        started = time.perf_counter()
        studio = Studio.load()
        logs = NotificationLog.objects.filter(kind="reminder_48h").select_related(
            "booking__session_type", "booking__photographer", "booking__policy"
        )
        prepared = [compose.build_message(log, studio=studio, now=now) for log in logs]
        prepare_seconds = time.perf_counter() - started

    with CaptureQueriesContext(connection) as idle_queries:
        started = time.perf_counter()
        idle = sweep.notifications_sweep(now=now)
        idle_seconds = time.perf_counter() - started
    assert idle == {"reminders_claimed": 0, "confirmations_backfilled": 0, "queued": 0}

    return [
        (
            f"claim due reminders (batches of {BATCH})",
            claimed,
            claim_seconds,
            sum(per_batch),
            f"{'/'.join(map(str, per_batch))} per batch",
            f"{claimed / claim_seconds:,.0f} claims/s",
        ),
        (
            "queue, prepare and send (locmem)",
            sent,
            send_seconds,
            len(queries),
            f"{(len(queries) - 2) / sent:.1f} per email",
            f"{sent / send_seconds:,.0f} emails/s",
        ),
        (
            "prepare only (render, inline CSS)",
            len(prepared),
            prepare_seconds,
            len(prepare_queries),
            "1 for all",
            f"{len(prepared) / prepare_seconds:,.0f} emails/s",
        ),
        ("sweep again, nothing due", 0, idle_seconds, len(idle_queries), "—", "—"),
    ]


def main() -> None:
    _configure()
    from django.db import connection

    small = os.environ.get("BENCH_SMALL") == "1"
    bookings, due = (1_000, 100) if small else (BOOKINGS, DUE)
    connection.settings_dict["TEST"]["NAME"] = "bench_reminders"
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rows = _run(bookings=bookings, due=due)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)

    print(f"\nReminder sweep: {bookings:,} confirmed bookings, {due:,} reminders due (48 h, 2 h)")
    header = ("phase", "items", "seconds", "queries", "queries", "rate")
    widths = (38, 7, 9, 9, 22, 16)
    print("  ".join(title.ljust(width) for title, width in zip(header, widths, strict=True)))
    for phase, items, seconds, queries, per, rate in rows:
        cells = (phase, f"{items:,}", f"{seconds:.3f}", f"{queries:,}", per, rate)
        print("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)))
