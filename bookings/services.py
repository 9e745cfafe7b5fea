"""Every change to a booking's state, each one transaction.

Transitions succeed only from the expected state, so callers (views, admin actions, webhooks,
tasks) can retry or race safely. The exclusion constraint `booking_no_overlap` is the final
word on overlaps; the checks here give clear messages and enforce the rules it cannot express
(working hours, time off, notice, horizon, daily cap) under a lock on the photographer's row.

Lock order. Every transaction in bookings/ that locks rows takes them in this order, so two
of them can only ever wait for each other one way (no deadlock):

1. photographer rows, in id order (`_lock_photographers`), all those a change may need, before
   anything else is locked;
2. booking rows, in id order;
3. a booking's own rows: its payments, refunds and email log rows.

Rows a booking only refers to (its session type and policy) are never locked: a new booking's
foreign-key checks need them (FOR KEY SHARE), so a lock on them makes every new hold wait, or
deadlock. Wherever related rows are selected along with a locked row, the lock names its own
table only: `select_for_update(of=("self",))`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from .actors import Actor
from .errors import SLOT_TAKEN, BookingError, ResendRefused, SlotUnavailable, TransitionRefused
from .models import (
    HOLD_DURATION,
    Booking,
    BookingEvent,
    CancellationPolicy,
    NotificationLog,
    Photographer,
    SessionType,
    TimeOff,
)
from .notifications.kinds import Kind
from .notifications.outbox import notification_resend, notify_after_commit
from .payments.mode import deposits_taken
from .payments.refunds import deposit_refund
from .selectors import find_slot

Status = Booking.Status


@dataclass(frozen=True)
class ClientDetails:
    name: str
    email: str
    phone: str
    notes: str = ""


def booking_event_record(
    *, booking: Booking, from_status: str, actor: str, note: str = ""
) -> BookingEvent:
    """Add a line to the booking's history: the one writer of BookingEvent rows."""
    return BookingEvent.objects.create(
        booking=booking, from_status=from_status, to_status=booking.status, actor=actor, note=note
    )


def _record(booking: Booking, *, from_status: str, actor: str, note: str = "") -> None:
    booking_event_record(booking=booking, from_status=from_status, actor=actor, note=note)


def _expire(lapsed: list[Booking]) -> list[int]:
    """Release holds already locked and known to have lapsed: the one writer of hold expiry.

    Saving the row bumps the availability version (VersionedContent), so the freed time shows.
    """
    for booking in lapsed:
        booking.status = Status.EXPIRED
        booking.save(update_fields=["status", "updated_at"])
        _record(booking, from_status=Status.HELD, actor=Actor.SYSTEM, note="hold lapsed")
    return [booking.pk for booking in lapsed]


def _blocked_range(session_type: SessionType, start: datetime, end: datetime) -> DateTimeTZRange:
    return DateTimeTZRange(
        start - timedelta(minutes=session_type.buffer_before_minutes),
        end + timedelta(minutes=session_type.buffer_after_minutes),
        "[)",
    )


def _expire_lapsed_overlapping(photographer_id: int, blocked: DateTimeTZRange, now: datetime):
    _expire(
        list(
            Booking.objects.select_for_update()
            .filter(
                photographer_id=photographer_id,
                status=Status.HELD,
                hold_expires_at__lte=now,
                blocked__overlap=blocked,
            )
            .order_by("pk")
        )
    )


def _lock_photographers(photographer_ids: list[int]) -> dict[int, Photographer]:
    """Lock these photographers' rows, in id order: the first step of the lock order.

    The lock serialises the changes to each photographer's calendar, so the daily cap and the
    other rules are checked against a calendar nobody else is changing.
    """
    locked = Photographer.objects.select_for_update().filter(pk__in=photographer_ids)
    return {photographer.pk: photographer for photographer in locked.order_by("pk")}


def _candidates(session_type: SessionType, photographer: Photographer | None):
    if photographer is not None:
        return [photographer.pk]
    return list(
        session_type.photographers.filter(active=True)
        .order_by("order", "pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def booking_create_hold(
    *,
    session_type: SessionType,
    start: datetime,
    photographer: Photographer | None,
    client: ClientDetails,
    intake_answers: dict[str, str],
    policy: CancellationPolicy,
    now: datetime | None = None,
) -> Booking:
    """Hold a free slot for HOLD_DURATION while the client pays the deposit.

    With `photographer=None` ("any available") the first photographer free at that time takes it.
    The booking's terms are fixed here: the session type's price, and its deposit unless the
    studio takes payment at the studio (PAYMENTS_MODE=at_studio), when the deposit is nil.
    """
    now = now or timezone.now()
    deposit_amount = session_type.deposit_amount if deposits_taken() else 0
    candidates = _candidates(session_type, photographer)
    photographers = _lock_photographers(candidates)
    for photographer_id in candidates:
        locked = photographers.get(photographer_id)
        if locked is None:
            continue  # removed meanwhile
        slot = find_slot(session_type=session_type, start=start, photographer=locked, now=now)
        if slot is None:
            continue
        blocked = _blocked_range(session_type, slot.start, slot.end)
        _expire_lapsed_overlapping(locked.pk, blocked, now)
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    session_type=session_type,
                    photographer=locked,
                    status=Status.HELD,
                    starts_at=slot.start,
                    ends_at=slot.end,
                    blocked=blocked,
                    hold_expires_at=now + HOLD_DURATION,
                    client_name=client.name,
                    client_email=client.email,
                    client_phone=client.phone,
                    notes=client.notes,
                    intake_answers=intake_answers,
                    price_amount=session_type.price_amount,
                    deposit_amount=deposit_amount,
                    currency=session_type.currency,
                    policy=policy,
                    policy_accepted_at=now,
                )
        except IntegrityError:
            continue
        _record(booking, from_status="", actor=Actor.CLIENT)
        return booking
    raise SlotUnavailable(SLOT_TAKEN)


@transaction.atomic
def booking_confirm(*, booking: Booking, actor: str = Actor.SYSTEM, note: str = "") -> Booking:
    """Confirm a held booking once its deposit is paid. Idempotent.

    A payment can arrive after its hold lapsed: the booking is then confirmed only if its
    time is still free, otherwise SlotUnavailable is raised (and the caller refunds).
    """
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status == Status.CONFIRMED:
        return booking
    if booking.status not in (Status.HELD, Status.EXPIRED):
        raise TransitionRefused(
            f"A booking that is {booking.get_status_display().lower()} cannot be confirmed."
        )
    previous = booking.status
    booking.status = Status.CONFIRMED
    booking.confirmed_at = timezone.now()
    booking.hold_expires_at = None
    try:
        with transaction.atomic():
            booking.save(update_fields=["status", "confirmed_at", "hold_expires_at", "updated_at"])
    except IntegrityError as error:
        raise SlotUnavailable(SLOT_TAKEN) from error
    _record(booking, from_status=previous, actor=actor, note=note)
    notify_after_commit(booking=booking, kind=Kind.CONFIRMATION)
    return booking


@transaction.atomic
def booking_expire(*, booking: Booking, now: datetime | None = None) -> bool:
    """Release a lapsed hold. Returns whether this call expired it."""
    now = now or timezone.now()
    lapsed = list(
        Booking.objects.select_for_update().filter(
            pk=booking.pk, status=Status.HELD, hold_expires_at__lte=now
        )
    )
    if not _expire(lapsed):
        return False
    booking.refresh_from_db()
    return True


def bookings_expire_lapsed(*, now: datetime | None = None, batch: int = 500) -> list[int]:
    """Expire every lapsed hold (the periodic sweep). Returns the expired bookings' ids."""
    now = now or timezone.now()
    with transaction.atomic():
        return _expire(
            list(
                Booking.objects.select_for_update(skip_locked=True).filter(
                    status=Status.HELD, hold_expires_at__lte=now
                )[:batch]
            )
        )


def refund_is_due(booking: Booking, now: datetime) -> bool:
    """Cancelling now, inside the accepted policy's refund window?"""
    return now <= booking.starts_at - timedelta(hours=booking.policy.refund_cutoff_hours)


def client_may_cancel(booking: Booking, now: datetime) -> bool:
    return booking.status == Status.CONFIRMED and now < booking.starts_at


def client_may_reschedule(booking: Booking, now: datetime) -> bool:
    cutoff = booking.starts_at - timedelta(hours=booking.policy.reschedule_cutoff_hours)
    return booking.status == Status.CONFIRMED and now <= cutoff


@dataclass(frozen=True)
class Cancellation:
    booking: Booking
    refund_due: bool


@transaction.atomic
def booking_cancel(
    *,
    booking: Booking,
    actor: str,
    refund: bool | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Cancellation:
    """Cancel a held or confirmed booking.

    `refund=None` applies the policy the client accepted; staff may pass True or False.
    The refund itself goes out after commit (bookings.payments).
    """
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("policy").get(pk=booking.pk)
    )
    if booking.status not in (Status.HELD, Status.CONFIRMED):
        raise TransitionRefused(f"This booking is already {booking.get_status_display().lower()}.")
    if actor == Actor.CLIENT and not client_may_cancel(booking, now):
        raise TransitionRefused("This session can no longer be cancelled online; please call us.")
    refund_due = refund_is_due(booking, now) if refund is None else refund
    previous = booking.status
    booking.status = Status.CANCELLED
    booking.cancelled_at = now
    booking.hold_expires_at = None
    booking.save(update_fields=["status", "cancelled_at", "hold_expires_at", "updated_at"])
    _record(booking, from_status=previous, actor=actor, note=reason)
    if refund_due:
        deposit_refund(booking=booking)
    notify_after_commit(booking=booking, kind=Kind.CANCELLED)
    return Cancellation(booking=booking, refund_due=refund_due)


def _reschedule_candidates(booking: Booking, photographer: Photographer | None) -> list[int]:
    """Who may take the moved session, best first: the one asked for, else its photographer,
    then the session type's others."""
    if photographer is not None:
        return [photographer.pk]
    others = _candidates(booking.session_type, None)
    return [booking.photographer_id] + [pk for pk in others if pk != booking.photographer_id]


@transaction.atomic
def booking_reschedule(
    *,
    booking: Booking,
    start: datetime,
    actor: str,
    photographer: Photographer | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move a confirmed booking to another free slot; its revision goes up by one."""
    now = now or timezone.now()
    # The photographers come first in the lock order, so who they are is read before the
    # booking is locked; one the booking moved to meanwhile is left out of the candidates.
    unlocked = Booking.objects.select_related("session_type").get(pk=booking.pk)
    photographers = _lock_photographers(_reschedule_candidates(unlocked, photographer))
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("policy", "session_type")
        .get(pk=booking.pk)
    )
    if booking.status != Status.CONFIRMED:
        raise TransitionRefused("Only a confirmed booking can be moved.")
    if actor == Actor.CLIENT and not client_may_reschedule(booking, now):
        raise TransitionRefused("This session can no longer be moved online; please call us.")
    session_type = booking.session_type
    candidates = [pk for pk in _reschedule_candidates(booking, photographer) if pk in photographers]
    previous_start = booking.starts_at
    for photographer_id in candidates:
        locked = photographers[photographer_id]
        slot = find_slot(
            session_type=session_type,
            start=start,
            photographer=locked,
            now=now,
            exclude_booking_id=booking.pk,
        )
        if slot is None:
            continue
        blocked = _blocked_range(session_type, slot.start, slot.end)
        _expire_lapsed_overlapping(locked.pk, blocked, now)
        booking.photographer = locked
        booking.starts_at, booking.ends_at, booking.blocked = slot.start, slot.end, blocked
        booking.revision += 1
        try:
            with transaction.atomic():
                booking.save(
                    update_fields=[
                        "photographer",
                        "starts_at",
                        "ends_at",
                        "blocked",
                        "revision",
                        "updated_at",
                    ]
                )
        except IntegrityError:
            booking.refresh_from_db()
            continue
        _record(
            booking,
            from_status=Status.CONFIRMED,
            actor=actor,
            note=f"moved from {previous_start.isoformat()}",
        )
        notify_after_commit(booking=booking, kind=Kind.RESCHEDULED)
        return booking
    raise SlotUnavailable(SLOT_TAKEN)


def _finish(booking: Booking, *, to_status: str, actor: str, now: datetime | None) -> Booking:
    now = now or timezone.now()
    updated = Booking.objects.filter(
        pk=booking.pk, status=Status.CONFIRMED, starts_at__lte=now
    ).update(status=to_status, updated_at=now)
    booking.refresh_from_db()
    if not updated:
        if booking.status == to_status:
            return booking
        raise TransitionRefused(
            "Only a confirmed session that has started can be marked completed or no-show."
        )
    _record(booking, from_status=Status.CONFIRMED, actor=actor)
    return booking


@transaction.atomic
def booking_mark_completed(*, booking: Booking, actor: str, now: datetime | None = None):
    return _finish(booking, to_status=Status.COMPLETED, actor=actor, now=now)


@transaction.atomic
def booking_mark_no_show(*, booking: Booking, actor: str, now: datetime | None = None):
    return _finish(booking, to_status=Status.NO_SHOW, actor=actor, now=now)


@transaction.atomic
def booking_confirmation_resend(*, booking: Booking, actor: str) -> NotificationLog:
    """Send the client's confirmation email again (a new copy of the latest one)."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Status.CONFIRMED:
        raise BookingError(
            f"Only a confirmed booking's confirmation can be sent again; this one is "
            f"{booking.get_status_display().lower()}."
        )
    latest = (
        NotificationLog.objects.filter(booking=booking, kind=Kind.CONFIRMATION)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None:
        raise BookingError("No confirmation email has been recorded for this booking yet.")
    try:
        return notification_resend(log=latest, actor=actor)
    except ResendRefused as refusal:
        raise BookingError(f"The confirmation cannot be sent again: {refusal}") from refusal


@transaction.atomic
def cancellation_policy_publish(
    *, text: str, refund_cutoff_hours: int, reschedule_cutoff_hours: int
) -> CancellationPolicy:
    """Publish a new version of the policy; bookings keep the version their client accepted."""
    # Serialise publishers so that two admins cannot both take the same version number.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('cancellation_policy_publish'))")
    latest = CancellationPolicy.objects.order_by("-version").first()
    return CancellationPolicy.objects.create(
        version=(latest.version + 1) if latest else 1,
        text=text,
        refund_cutoff_hours=refund_cutoff_hours,
        reschedule_cutoff_hours=reschedule_cutoff_hours,
    )


@transaction.atomic
def time_off_create(
    *, photographer: Photographer, starts_at: datetime, ends_at: datetime, reason: str = ""
):
    """Block out time. Bookings already in that time stay; the caller shows them as conflicts."""
    if ends_at <= starts_at:
        raise BookingError("Time off must end after it starts.")
    return TimeOff.objects.create(
        photographer=photographer, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
