"""The periodic job: claim due reminders, write missing confirmations, queue every email still
waiting."""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, Exists, F, IntegerField, OuterRef, Q, Value
from django.utils import timezone

from studio.models import Studio

from ..models import Booking, NotificationLog
from .kinds import Kind, reminder_kind
from .outbox import REDISPATCH_AFTER, REDISPATCH_MAX, enqueue_sends, notify_after_commit
from .sending import claimable

Status = NotificationLog.Status


# Confirmed bookings this recent without a confirmation row get one from the sweep.
CONFIRMATION_BACKFILL = timedelta(days=2)
SWEEP_BATCH = 500
SWEEP_MAX_BATCHES = 10


# The sweep


def reminders_claim_due(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> list[int]:
    """Claim up to `batch` due reminders; returns the ids of rows to send.

    Three queries whatever the batch size: the due reminders (one UNION over the offsets), the
    insert (conflicts ignored: another sweep claimed them first), and reading back the ids this
    call inserted.
    """
    now = now or timezone.now()
    offsets = sorted(set(Studio.load().reminder_offsets_hours))
    if not offsets:
        return []
    queries = []
    for hours in offsets:
        ahead = timedelta(hours=hours)
        kind = reminder_kind(hours)
        claimed = NotificationLog.objects.filter(
            booking=OuterRef("pk"), kind=kind, revision=OuterRef("revision"), resend=0
        )
        queries.append(
            Booking.objects.filter(
                status=Booking.Status.CONFIRMED,
                starts_at__gt=now,
                starts_at__lte=now + ahead,
            )
            .filter(Q(confirmed_at__isnull=True) | Q(confirmed_at__lte=F("starts_at") - ahead))
            .filter(~Exists(claimed))
            .annotate(hours=Value(hours, output_field=IntegerField()))
            .values_list("pk", "revision", "starts_at", "client_email", "hours")
            .order_by("starts_at")[:batch]
        )
    due = list(queries[0].union(*queries[1:], all=True)) if len(queries) > 1 else list(queries[0])
    if not due:
        return []
    per_booking: dict[int, list[tuple]] = defaultdict(list)
    for row in due:
        per_booking[row[0]].append(row)
    run = uuid.uuid4()
    rows = []
    for booking_id, reminders in per_booking.items():
        nearest = min(reminders, key=lambda row: row[4])
        for _, revision, starts_at, email, hours in reminders:
            later = hours != nearest[4]
            rows.append(
                NotificationLog(
                    booking_id=booking_id,
                    kind=reminder_kind(hours),
                    revision=revision,
                    recipient=email,
                    session_starts_at=starts_at,
                    status=Status.SKIPPED if later else Status.PENDING,
                    note="A reminder nearer the session went instead." if later else "",
                    not_before=now,
                    created_at=now,
                    claim_token=run,
                )
            )
    NotificationLog.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        NotificationLog.objects.filter(claim_token=run, status=Status.PENDING).values_list(
            "pk", flat=True
        )
    )


def confirmations_backfill(*, now: datetime | None = None) -> int:
    """Write the missing emails for recently confirmed bookings that have none (rare)."""
    now = now or timezone.now()
    missing = Booking.objects.filter(
        status=Booking.Status.CONFIRMED,
        confirmed_at__gte=now - CONFIRMATION_BACKFILL,
        starts_at__gt=now,
    ).filter(
        ~Exists(NotificationLog.objects.filter(booking=OuterRef("pk"), kind=Kind.CONFIRMATION))
    )
    count = 0
    for booking in missing.select_related("photographer")[:SWEEP_BATCH]:
        with transaction.atomic():
            notify_after_commit(booking=booking, kind=Kind.CONFIRMATION)
        count += 1
    return count


def queued_long_enough(now: datetime) -> Q:
    """Rows whose last job may be lost (see outbox.REDISPATCH_AFTER): queued REDISPATCH_AFTER
    ago and at least as long ago as they had waited when queued, or REDISPATCH_MAX ago."""
    return Q(dispatched_at__lte=now - REDISPATCH_MAX) | Q(
        dispatched_at__lte=now - REDISPATCH_AFTER,
        waited_when_queued__lte=F("since_queued"),
    )


def notifications_dispatch_waiting(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Queue a job for every row still waiting whose job is missing, lost or due again."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = list(
            NotificationLog.objects.filter(claimable(now))
            .alias(
                waited_when_queued=F("dispatched_at") - F("not_before"),
                since_queued=Value(now, output_field=DateTimeField()) - F("dispatched_at"),
            )
            .filter(Q(dispatched_at__isnull=True) | queued_long_enough(now))
            .select_for_update(skip_locked=True)
            .order_by("not_before")
            .values_list("pk", flat=True)[:batch]
        )
        NotificationLog.objects.filter(pk__in=waiting).update(dispatched_at=now)
    accepted = set(enqueue_sends(waiting))
    lost = [pk for pk in waiting if pk not in accepted]
    if lost:
        NotificationLog.objects.filter(pk__in=lost, dispatched_at=now).update(dispatched_at=None)
    return len(accepted)


def notifications_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: claim due reminders, backfill confirmations, queue what waits."""
    now = now or timezone.now()
    claimed = 0
    for _ in range(SWEEP_MAX_BATCHES):
        ids = reminders_claim_due(now=now)
        claimed += len(ids)
        if not ids:
            break
    backfilled = confirmations_backfill(now=now)
    queued = notifications_dispatch_waiting(now=now)
    return {"reminders_claimed": claimed, "confirmations_backfilled": backfilled, "queued": queued}
