"""Emails about bookings, each sent once, whatever happens to workers, Redis or the mail server.

The database is the source of truth. Every email is a `NotificationLog` row, unique per
(booking, kind, revision, resend), written before anything is sent:

- State changes call `notify_after_commit(booking=..., kind=...)` inside their transaction: the
  rows are written with the change (or not at all), and a sending job is queued after commit.
- Reminders are claimed by the periodic sweep (`notifications_sweep`, every minute from beat):
  it finds confirmed bookings whose reminder time has come and inserts their rows; the unique
  constraint makes two sweeps, or a sweep run twice, claim each reminder once. The revision is
  part of the key, so a moved session is reminded of its new time only. No ETA or countdown
  tasks are used: on Redis those are delivered again after the visibility timeout.
- The same sweep queues a job for any row that still waits: one whose job was never queued
  (Redis was down), a failed attempt whose back-off has passed, or a claim whose worker died.

Sending one row (`notification_send`, run by the `bookings.tasks.notification_send` task):

1. Claim: one conditional UPDATE moves the row to "sending" with a lease (`claimed_until`) and
   a fresh claim token. A second delivery of the same job, or a second worker, finds nothing to
   claim and stops. Workers ack late and requeue on worker loss; a worker killed before it sends
   leaves its claim to expire, and the next sweep (or the redelivered job) sends the email.
2. Check it still makes sense (no reminder for a cancelled or moved session) or mark it skipped.
3. Build and send the message, then record it as sent at once, with the claim token.

The one window for a duplicate: a worker killed (or the database unreachable) after the mail
server accepted the message and before step 3's UPDATE is recorded. Nothing else happens in
between — the message is built and the database connection open before sending starts — so
the window is a single UPDATE. Closing it entirely would need the mail server to deduplicate.

A failed attempt is recorded on the row (what, when, why), and retried with back-off by the
sweep (1, 2, 4 … 60 minutes) up to MAX_ATTEMPTS; after that the row is "failed" and stays
visible in admin, where "send again" makes a new copy on purpose (`notification_resend`).

Reminder timing rule: "N hours before" means N real hours before the session's instant (UTC
arithmetic), so across a daylight-saving change the reminder's wall-clock time shifts by an hour.
A reminder whose time had already passed when the booking was confirmed or moved is skipped,
and if several reminders of one booking are due at once (the sweep was down), only the nearest
to the session is sent.
"""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, IntegerField, Max, OuterRef, Q, Value
from django.utils import timezone
from kombu.exceptions import OperationalError

from studio.models import Studio

from . import emails
from .models import Booking, NotificationLog

logger = logging.getLogger(__name__)

Status = NotificationLog.Status

# What each public kind sends: client emails and the photographer's notices alongside.
KINDS: dict[str, tuple[str, ...]] = {
    "confirmation": ("confirmation", "photographer_booked"),
    "rescheduled": ("rescheduled", "photographer_rescheduled"),
    "cancelled": ("cancelled", "photographer_cancelled"),
    "refund_issued": ("refund_issued",),
    "late_payment_refunded": ("late_payment_refunded",),
}

MAX_ATTEMPTS = 8
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(minutes=60)
# A waiting row whose job was queued this long ago without result is queued again.
REDISPATCH_AFTER = timedelta(minutes=5)
# Confirmed bookings this recent without a confirmation row get one from the sweep.
CONFIRMATION_BACKFILL = timedelta(days=2)
SWEEP_BATCH = 500
SWEEP_MAX_BATCHES = 10


def claim_lease() -> timedelta:
    """How long a claim holds: longer than a task may run (CELERY_TASK_TIME_LIMIT)."""
    seconds = getattr(settings, "NOTIFICATION_CLAIM_SECONDS", None)
    if seconds is None:
        seconds = (settings.CELERY_TASK_TIME_LIMIT or 300) + 60
    return timedelta(seconds=seconds)


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def reminder_kind(hours: int) -> str:
    return f"reminder_{hours}h"


# Queuing


def _enqueue(log_ids: list[int]) -> list[int]:
    """Queue a sending job per row; returns the ids the broker accepted."""
    from .tasks import notification_send

    accepted = []
    for log_id in log_ids:
        try:
            notification_send.apply_async(args=[log_id], retry=False)
        except (OperationalError, ConnectionError, OSError):
            logger.warning("broker unreachable; the sweep will send notification %s", log_id)
            break
        accepted.append(log_id)
    return accepted


def _dispatch_after_commit(log_ids: list[int]) -> None:
    """Like studio.queue.enqueue_after_commit, and it also notes which jobs the broker took,
    so that the sweep queues the others at once rather than after REDISPATCH_AFTER."""

    def dispatch() -> None:
        accepted = _enqueue(log_ids)
        if accepted:
            NotificationLog.objects.filter(pk__in=accepted, dispatched_at__isnull=True).update(
                dispatched_at=timezone.now()
            )

    if log_ids:
        transaction.on_commit(dispatch, robust=True)


# Writing rows


def _recipient(booking: Booking, kind: str) -> str:
    if kind in emails.PHOTOGRAPHER_KINDS:
        return booking.photographer.email
    return booking.client_email


def _row(booking: Booking, kind: str, *, now: datetime, **fields) -> NotificationLog:
    values = {
        "recipient": _recipient(booking, kind),
        "session_starts_at": booking.starts_at,
        "status": Status.PENDING,
        "not_before": now,
        "created_at": now,
        **fields,
    }
    return NotificationLog(booking=booking, kind=kind, revision=booking.revision, **values)


def _skipped_reminders(booking: Booking, *, studio: Studio, now: datetime) -> list:
    """Reminders whose time has already passed for a session just booked or moved."""
    return [
        _row(
            booking,
            reminder_kind(hours),
            now=now,
            status=Status.SKIPPED,
            note=f"The session was booked or moved less than {hours} hours before it.",
        )
        for hours in sorted(set(studio.reminder_offsets_hours))
        if booking.starts_at - timedelta(hours=hours) <= now
    ]


def _previous(booking: Booking) -> dict:
    """What the booking looked like before this move, from the emails about it."""
    earlier = (
        NotificationLog.objects.filter(booking=booking, revision__lt=booking.revision)
        .exclude(kind="photographer_released")
        .order_by("-revision", "-id")
    )
    last = earlier.first()
    photographer_row = earlier.filter(kind__in=emails.PHOTOGRAPHER_KINDS).first()
    return {
        "starts_at": last.session_starts_at if last else None,
        "photographer_email": photographer_row.recipient if photographer_row else "",
        "photographer_name": (photographer_row.context.get("photographer", "") or "")
        if photographer_row
        else "",
    }


def notify_after_commit(*, booking: Booking, kind: str) -> None:
    """Record the emails a booking change calls for, and send them after the commit.

    Call it inside the transaction that makes the change. Safe to call twice for the same
    change (the rows are unique per booking, kind and revision). Kinds: confirmation,
    rescheduled, cancelled, refund_issued, late_payment_refunded. The photographer's notice
    goes alongside the first three.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}; expected one of {sorted(KINDS)}")
    if kind in {"rescheduled", "cancelled"} and booking.confirmed_at is None:
        return  # a hold that was never confirmed: the client was never told of it
    now = timezone.now()
    studio = Studio.load()
    context = {"photographer": booking.photographer.name}
    rows = []
    if kind == "rescheduled":
        previous = _previous(booking)
        if previous["starts_at"]:
            context["previous_starts_at"] = previous["starts_at"].isoformat()
        old_address = previous["photographer_email"]
        if old_address and old_address != booking.photographer.email:
            context["previous_photographer"] = previous["photographer_name"]
            rows.append(
                _row(
                    booking,
                    "photographer_released",
                    now=now,
                    recipient=old_address,
                    session_starts_at=previous["starts_at"] or booking.starts_at,
                    context={**context, "new_photographer": booking.photographer.name},
                )
            )
    for each in KINDS[kind]:
        if _recipient(booking, each):
            rows.append(_row(booking, each, now=now, context=context))
    if kind in {"confirmation", "rescheduled"}:
        rows += _skipped_reminders(booking, studio=studio, now=now)
    with transaction.atomic():
        NotificationLog.objects.bulk_create(rows, ignore_conflicts=True)
        waiting = list(
            NotificationLog.objects.filter(
                booking=booking,
                revision=booking.revision,
                resend=0,
                kind__in=[row.kind for row in rows],
                status=Status.PENDING,
                dispatched_at__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _dispatch_after_commit(waiting)


# Is it still worth sending?


def irrelevance(log: NotificationLog, *, now: datetime) -> str:
    """Why this email should no longer go out ('' if it should)."""
    booking = log.booking
    confirmed = booking.status == Booking.Status.CONFIRMED
    if log.kind.startswith("reminder_"):
        if not confirmed:
            return f"The booking is {booking.get_status_display().lower()}."
        if log.revision != booking.revision:
            return "The session has moved; a reminder of the new time goes instead."
        if booking.starts_at <= now:
            return "The session has already started."
        return ""
    if log.kind in {"confirmation", "photographer_booked"} and not confirmed:
        return f"The booking is {booking.get_status_display().lower()}."
    if log.kind in {"rescheduled", "photographer_rescheduled"}:
        if not confirmed:
            return f"The booking is {booking.get_status_display().lower()}."
        if log.revision != booking.revision:
            return "The session has moved again; the latest move is emailed instead."
    if log.kind in {"cancelled", "photographer_cancelled"} and (
        booking.status != Booking.Status.CANCELLED
    ):
        return "The booking is not cancelled."
    return ""


# Sending one


def _claimable(now: datetime) -> Q:
    """Rows a sender may take: waiting ones, retries whose back-off has passed, lapsed claims."""
    return (
        Q(status=Status.PENDING)
        | Q(status=Status.RETRY, not_before__lte=now)
        | Q(status=Status.SENDING, claimed_until__lt=now)
    )


@dataclass(frozen=True)
class SendResult:
    outcome: str  # "sent", "skipped", "retry", "failed", or "not claimed"
    detail: str = ""


def notification_send(*, log_id: int, now: datetime | None = None) -> SendResult:
    """Send one logged email if nobody else has or is; see the module docstring."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = (
        NotificationLog.objects.filter(_claimable(now), pk=log_id).update(
            status=Status.SENDING,
            claim_token=token,
            claimed_until=now + claim_lease(),
            attempts=F("attempts") + 1,
        )
        == 1
    )
    if not claimed:
        return SendResult("not claimed")
    log = NotificationLog.objects.select_related(
        "booking__session_type", "booking__photographer", "booking__policy"
    ).get(pk=log_id)
    mine = NotificationLog.objects.filter(pk=log_id, claim_token=token)
    reason = irrelevance(log, now=now)
    if reason:
        mine.update(status=Status.SKIPPED, note=reason[:200], claimed_until=None)
        return SendResult("skipped", reason)
    try:
        message = emails.build_message(log, studio=Studio.load(), now=now)
        message.send()
    except Exception as error:  # any failure to build or send is recorded and retried
        logger.exception("notification %s (%s) failed", log_id, log.kind)
        gave_up = log.attempts >= MAX_ATTEMPTS
        mine.update(
            status=Status.FAILED if gave_up else Status.RETRY,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            last_error_at=now,
            not_before=now + backoff(log.attempts),
            claimed_until=None,
            dispatched_at=None,
        )
        return SendResult("failed" if gave_up else "retry", str(error))
    # Recorded straight after the server accepted the message: the duplicate window.
    try:
        recorded = mine.update(status=Status.SENT, sent_at=timezone.now(), claimed_until=None)
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        connection.close()  # a dropped connection: reconnect and record once more
        recorded = mine.update(status=Status.SENT, sent_at=timezone.now(), claimed_until=None)
    if not recorded:
        logger.warning("notification %s was sent after its claim had been taken over", log_id)
    return SendResult("sent")


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
    ).filter(~Exists(NotificationLog.objects.filter(booking=OuterRef("pk"), kind="confirmation")))
    count = 0
    for booking in missing.select_related("photographer")[:SWEEP_BATCH]:
        with transaction.atomic():
            notify_after_commit(booking=booking, kind="confirmation")
        count += 1
    return count


def notifications_dispatch_waiting(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Queue a job for every row still waiting whose job is missing, lost or due again."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = list(
            NotificationLog.objects.filter(_claimable(now))
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=now - REDISPATCH_AFTER))
            .select_for_update(skip_locked=True)
            .order_by("not_before")
            .values_list("pk", flat=True)[:batch]
        )
        NotificationLog.objects.filter(pk__in=waiting).update(dispatched_at=now)
    accepted = set(_enqueue(waiting))
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


# Sending again on purpose


class ResendRefused(Exception):
    pass


@transaction.atomic
def notification_resend(*, log: NotificationLog, actor: str) -> NotificationLog:
    """Send an email again on purpose (from admin), as a new row: the next `resend` copy."""
    original = (
        NotificationLog.objects.select_for_update()
        .select_related("booking__photographer")
        .get(pk=log.pk)
    )
    booking = original.booking
    if original.status in NotificationLog.UNSENT_STATUSES:
        raise ResendRefused("It has not been sent yet; it will go out shortly.")
    reason = irrelevance(original, now=timezone.now())
    if reason:
        raise ResendRefused(reason)
    recipient = (
        original.recipient
        if original.kind == "photographer_released"
        else _recipient(booking, original.kind)
    )
    if not recipient:
        raise ResendRefused("There is no address to send it to.")
    last = NotificationLog.objects.filter(
        booking=booking, kind=original.kind, revision=original.revision
    ).aggregate(last=Max("resend"))["last"]
    now = timezone.now()
    copy = NotificationLog.objects.create(
        booking=booking,
        kind=original.kind,
        revision=original.revision,
        resend=(last or 0) + 1,
        recipient=recipient,
        session_starts_at=original.session_starts_at,
        context=original.context,
        not_before=now,
        created_at=now,
        note=f"Sent again by {actor}"[:200],
    )
    _dispatch_after_commit([copy.pk])
    return copy
