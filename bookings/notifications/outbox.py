"""Writing the emails a booking change calls for, and queueing their sending jobs after commit;
sending one again on purpose."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from studio.models import Studio
from studio.queue import enqueue_now

from ..errors import ResendRefused
from ..jobs import Job
from ..models import Booking, NotificationLog
from .kinds import PHOTOGRAPHER_KINDS, SENT_FOR, STUDIO_KINDS, Kind, reminder_kind
from .relevance import irrelevance

Status = NotificationLog.Status


# A waiting row whose job was queued REDISPATCH_AFTER ago without result is queued again: the
# broker may have restarted empty. While it still waits (no worker, or one far behind), each
# new copy waits as long again as the row had waited when it was last queued, up to
# REDISPATCH_MAX, so a stalled queue is not filled with copies. Copies are harmless: the first
# to claim the row sends it, the others find it claimed or sent (sending.notification_send).
REDISPATCH_AFTER = timedelta(minutes=1)
REDISPATCH_MAX = timedelta(minutes=5)


# Queuing


def enqueue_sends(log_ids: list[int]) -> list[int]:
    """Queue a sending job per row; returns the ids the broker accepted."""
    accepted = []
    for log_id in log_ids:
        if not enqueue_now(Job.NOTIFICATION_SEND, log_id):
            break  # the broker is away: the sweep queues the rest
        accepted.append(log_id)
    return accepted


def _dispatch_after_commit(log_ids: list[int]) -> None:
    """Like studio.queue.enqueue_after_commit, and it also notes which jobs the broker took,
    so that the sweep queues the others at once rather than after REDISPATCH_AFTER."""

    def dispatch() -> None:
        accepted = enqueue_sends(log_ids)
        if accepted:
            NotificationLog.objects.filter(pk__in=accepted, dispatched_at__isnull=True).update(
                dispatched_at=timezone.now()
            )

    if log_ids:
        transaction.on_commit(dispatch, robust=True)


# Writing rows


def recipient_for(booking: Booking, kind: str) -> str:
    if kind in PHOTOGRAPHER_KINDS:
        return booking.photographer.email
    if kind in STUDIO_KINDS:
        return Studio.load().email
    return booking.client_email


def _row(booking: Booking, kind: str, *, now: datetime, **fields) -> NotificationLog:
    values = {
        "recipient": recipient_for(booking, kind),
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
        .exclude(kind=Kind.PHOTOGRAPHER_RELEASED)
        .order_by("-revision", "-id")
    )
    last = earlier.first()
    photographer_row = earlier.filter(kind__in=PHOTOGRAPHER_KINDS).first()
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
    rescheduled, cancelled, refund_issued, late_payment, and refund_attention (to the studio).
    The photographer's notice goes alongside the first three.
    """
    if kind not in SENT_FOR:
        raise ValueError(f"Unknown notification kind {kind!r}; expected one of {sorted(SENT_FOR)}")
    if kind in {Kind.RESCHEDULED, Kind.CANCELLED} and booking.confirmed_at is None:
        return  # a hold that was never confirmed: the client was never told of it
    now = timezone.now()
    studio = Studio.load()
    context = {"photographer": booking.photographer.name}
    rows = []
    if kind == Kind.RESCHEDULED:
        previous = _previous(booking)
        if previous["starts_at"]:
            context["previous_starts_at"] = previous["starts_at"].isoformat()
        old_address = previous["photographer_email"]
        if old_address and old_address != booking.photographer.email:
            context["previous_photographer"] = previous["photographer_name"]
            rows.append(
                _row(
                    booking,
                    Kind.PHOTOGRAPHER_RELEASED,
                    now=now,
                    recipient=old_address,
                    session_starts_at=previous["starts_at"] or booking.starts_at,
                    context={**context, "new_photographer": booking.photographer.name},
                )
            )
    for each in SENT_FOR[kind]:
        if recipient_for(booking, each):
            rows.append(_row(booking, each, now=now, context=context))
    if kind in {Kind.CONFIRMATION, Kind.RESCHEDULED}:
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


# Sending again on purpose


@transaction.atomic
def notification_resend(*, log: NotificationLog, actor: str) -> NotificationLog:
    """Send an email again on purpose (from admin), as a new row: the next `resend` copy."""
    original = (
        NotificationLog.objects.select_for_update(of=("self",))
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
        if original.kind == Kind.PHOTOGRAPHER_RELEASED
        else recipient_for(booking, original.kind)
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
