"""Refunds: decided inside a transaction (a `requested` Refund row), sent to Stripe after commit.

Stripe calls never run inside a transaction: the Celery job sends the row with its idempotency
key, a periodic sweep sends any the broker lost, and what Stripe reports (its answer, refund.*
and charge.refunded events) moves the row and its payment forward, whatever order it comes in.

While Stripe cannot be reached the sweep sends the row again with back-off (5 minutes, doubling,
at most every 4 hours) for 5 days. A refund that needs a person (Stripe refused it or its API
key, the 5 days ran out, or Stripe says it failed or waits for an action) alerts the studio by
email, once, and is listed on the desk, where the owner can try it again (`refund_retry`).
The client is told "refunded" (refund_issued) only when Stripe says the refund succeeded.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from studio.queue import enqueue_after_commit

from ..actors import Actor
from ..errors import RefundRetryRefused
from ..jobs import Job
from ..models import Booking, Payment, Refund
from ..money import format_money, from_stripe
from ..notifications.kinds import Kind
from ..notifications.outbox import notify_after_commit
from . import gateway
from .outcomes import Outcome
from .stripe_objects import locate, metadata_of, new_attempt_row, object_id

logger = logging.getLogger(__name__)

Status = Payment.Status
BookingStatus = Booking.Status


# The job sends a new refund at once; the sweep sends it after this if the job was lost (the
# broker was away or restarted empty). A second send is harmless: Stripe answers a repeated
# idempotency key with the first refund.
REFUND_SWEEP_GRACE = timedelta(minutes=1)
# After a failed send: wait 5 minutes, then twice as long each time, never more than 4 hours,
# and give up (a person is told) once Stripe has been unreachable for 5 days.
REFUND_RETRY_FIRST = timedelta(minutes=5)
REFUND_RETRY_LONGEST = timedelta(hours=4)
REFUND_GIVE_UP_AFTER = timedelta(days=5)
REFUND_STATUS_RANK: dict[str, int] = {
    Refund.Status.REQUESTED: 0,
    Refund.Status.PENDING: 1,
    Refund.Status.REQUIRES_ACTION: 2,
    Refund.Status.SUCCEEDED: 3,
    Refund.Status.FAILED: 4,
    Refund.Status.CANCELED: 4,
}


def settle(payment: Payment) -> None:
    """Derive a paid payment's refunded amount and status from what Stripe has reported.

    Refunds Stripe has told us of (rows with a Stripe id) are the truth, counted while pending
    or succeeded; until there are any, the charge's refunded total from charge.refunded is used.
    Both are order-independent: refund rows only move forward, and the charge total kept is
    the one from the latest event.
    """
    if payment.paid_at is None:
        return
    known = payment.refunds.filter(stripe_refund_id__isnull=False) if payment.pk else None
    if known is not None and known.exists():
        refunded = (
            known.filter(status__in=Refund.LIVE_STATUSES).aggregate(total=Sum("amount"))["total"]
            or 0
        )
    else:
        refunded = payment.charge_amount_refunded or 0
    payment.refunded_amount = min(refunded, payment.amount)
    if payment.amount and payment.refunded_amount >= payment.amount:
        payment.status = Status.REFUNDED
    elif payment.refunded_amount:
        payment.status = Status.PARTIALLY_REFUNDED
    else:
        payment.status = Status.SUCCEEDED


def refund_retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed send before the next one."""
    return min(REFUND_RETRY_FIRST * 2 ** max(attempts - 1, 0), REFUND_RETRY_LONGEST)


def request_refund(
    payment: Payment, *, reason: str, actor: str, retry_of: Refund | None = None
) -> Refund | None:
    """Decide to refund what is left of a payment; sent after commit. None if nothing is left."""
    requested = (
        payment.refunds.filter(status=Refund.Status.REQUESTED).aggregate(total=Sum("amount"))[
            "total"
        ]
        or 0
    )
    due = payment.amount - payment.refunded_amount - requested
    if due <= 0:
        return None
    number = payment.refunds.count() + 1
    now = timezone.now()
    refund = Refund.objects.create(
        payment=payment,
        amount=due,
        currency=payment.currency,
        reason=reason,
        actor=actor,
        idempotency_key=f"deposit-refund:{payment.booking.public_id}:{payment.attempt}:{number}",
        next_attempt_at=now + REFUND_SWEEP_GRACE,
        give_up_at=now + REFUND_GIVE_UP_AFTER,
        retry_of=retry_of,
    )
    enqueue_after_commit(Job.REFUND_SEND, refund.pk)
    return refund


@transaction.atomic
def charge_refunded(charge: dict, *, reported_at: datetime) -> str:
    """charge.refunded: keep the charge's refunded total if this report is the latest."""
    booking, payment = locate(charge)
    if booking is None:
        return Outcome.NOT_OUR_PAYMENT
    amount_refunded, _ = from_stripe(int(charge.get("amount_refunded") or 0), charge["currency"])
    if payment is None:
        amount, currency = from_stripe(int(charge.get("amount") or 0), charge["currency"])
        payment = new_attempt_row(
            booking,
            charge,
            amount=amount,
            currency=currency,
            payment_intent_id=object_id(charge.get("payment_intent")),
        )
    latest = payment.charge_reported_at
    if (
        latest is None
        or reported_at > latest
        or (reported_at == latest and amount_refunded > (payment.charge_amount_refunded or 0))
    ):
        payment.charge_amount_refunded = amount_refunded
        payment.charge_reported_at = reported_at
    payment.payment_intent_id = payment.payment_intent_id or object_id(charge.get("payment_intent"))
    settle(payment)
    payment.save()
    return f"charge refunded {format_money(amount_refunded, payment.currency)} in all"


@transaction.atomic
def refund_object_apply(obj: dict) -> str:
    """A Refund as Stripe reports it (API answer or refund.* event): moves its row forward."""
    booking, payment = locate(obj)
    if booking is None or payment is None:
        return Outcome.NOT_OUR_PAYMENT
    refund = Refund.objects.select_for_update().filter(stripe_refund_id=obj["id"]).first()
    key = metadata_of(obj).get("refund")
    if refund is None and key:
        refund = Refund.objects.select_for_update().filter(idempotency_key=key).first()
    if refund is None:
        amount, currency = from_stripe(int(obj.get("amount") or 0), obj["currency"])
        refund = Refund(
            payment=payment, amount=amount, currency=currency, reason=Refund.Reason.EXTERNAL
        )
    heard_before = refund.stripe_refund_id is not None
    refund.stripe_refund_id = obj["id"]
    previous, new = refund.status, obj.get("status")
    # Forward only, once Stripe has spoken; before that (a row we gave up sending, say) Stripe's
    # word replaces ours.
    moves_forward = REFUND_STATUS_RANK.get(str(new), -1) > REFUND_STATUS_RANK[previous]
    if new in REFUND_STATUS_RANK and (moves_forward or not heard_before):
        refund.status = new
        if new in Refund.LIVE_STATUSES:
            refund.failure_reason = ""
        if new in (Refund.Status.FAILED, Refund.Status.CANCELED):
            refund.failure_reason = (obj.get("failure_reason") or new)[:300]
            logger.error("refund %s on booking %s %s", obj["id"], booking.public_id, new)
    refund.save()
    settle(payment)
    payment.save()
    if previous != refund.status:
        _tell_of_change(refund, booking)
    return f"refund {refund.status}"


def _tell_of_change(refund: Refund, booking: Booking) -> None:
    """The client hears of a refund once it has gone through; the studio, if it needs them."""
    if refund.status == Refund.Status.SUCCEEDED:
        notify_after_commit(booking=booking, kind=Kind.REFUND_ISSUED)
    elif refund.status in (Refund.Status.FAILED, Refund.Status.REQUIRES_ACTION):
        notify_after_commit(booking=booking, kind=Kind.REFUND_ATTENTION)


# Refunds


def _cancelled_by(booking: Booking) -> str:
    return (
        booking.events.filter(to_status=BookingStatus.CANCELLED)
        .order_by("-at", "-id")
        .values_list("actor", flat=True)
        .first()
        or Actor.SYSTEM
    )


def deposit_refund(*, booking: Booking) -> None:
    """Refund the booking's paid deposits (called by booking_cancel, inside its transaction).

    Demo payments are marked refunded at once (no money ever moved); Stripe ones get a
    `requested` Refund row, sent to the Refund API after commit.
    """
    actor = None
    for payment in (
        booking.payments.select_for_update()
        .filter(kind=Payment.Kind.DEPOSIT, paid_at__isnull=False)
        .order_by("pk")
    ):
        if payment.provider == Payment.Provider.DEMO and payment.status == Status.SUCCEEDED:
            payment.status = Status.REFUNDED
            payment.refunded_amount = payment.amount
            payment.save(update_fields=["status", "refunded_amount", "updated_at"])
        elif payment.provider == Payment.Provider.STRIPE:
            actor = actor or _cancelled_by(booking)
            request_refund(payment, reason=Refund.Reason.CANCELLATION, actor=actor)


def refund_send(*, refund_id: int, now: datetime | None = None) -> str:
    """Send one requested refund to Stripe (the Celery task and the sweep call this)."""
    refund = Refund.objects.select_related("payment__booking").filter(pk=refund_id).first()
    if refund is None or refund.status != Refund.Status.REQUESTED:
        return Outcome.NOTHING_TO_SEND
    if not refund.payment.payment_intent_id:
        return _refund_not_sent(
            refund, "The payment has no Stripe payment intent.", final=True, now=now
        )
    try:
        result = gateway.create_refund(refund)
    except gateway.GatewayError as error:
        return _refund_not_sent(refund, error.message, final=not error.transient, now=now)
    return refund_object_apply(result)


@transaction.atomic
def _refund_not_sent(
    refund: Refund, message: str, *, final: bool, now: datetime | None = None
) -> str:
    """Stripe refused (final) or could not be reached: try again later, or give up and say so."""
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != Refund.Status.REQUESTED:
        return Outcome.ALREADY_SENT
    now = now or timezone.now()
    give_up_at = refund.give_up_at or refund.created_at + REFUND_GIVE_UP_AFTER
    refund.send_attempts += 1
    refund.failure_reason = message[:300]
    if final or now >= give_up_at:
        refund.status = Refund.Status.FAILED
        logger.error("refund %s could not be sent to Stripe: %s", refund.pk, message)
        booking = Booking.objects.get(pk=refund.payment.booking_id)
        notify_after_commit(booking=booking, kind=Kind.REFUND_ATTENTION)
    else:
        refund.next_attempt_at = min(now + refund_retry_delay(refund.send_attempts), give_up_at)
    refund.save(
        update_fields=[
            "send_attempts",
            "failure_reason",
            "status",
            "next_attempt_at",
            "updated_at",
        ]
    )
    return Outcome.SEND_FAILED if refund.status == Refund.Status.FAILED else Outcome.WILL_RETRY


def refunds_send_requested(*, now: datetime | None = None, batch: int = 100) -> int:
    """The sweep behind the refund task: send what is due (the broker lost its job, or its
    back-off after a failed send has passed)."""
    now = now or timezone.now()
    due = Refund.objects.filter(status=Refund.Status.REQUESTED, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:batch])
    for refund_id in ids:
        refund_send(refund_id=refund_id, now=now)
    return len(ids)


# Trying again, from the desk


@transaction.atomic
def refund_retry(*, refund: Refund, actor: str) -> Refund:
    """Try a failed refund again: a new refund of what is left, sent after commit.

    The failed row stays as it is (what happened), linked to the new one; the link is unique,
    so a failed refund is tried again once however many times the button is pressed. A refund
    Stripe is waiting on (requires action) is not: a second one could refund the client twice.
    """
    # Locked in the order every other change takes: booking, payment, refund.
    booking_id = Payment.objects.values_list("booking_id", flat=True).get(pk=refund.payment_id)
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status == Refund.Status.REQUIRES_ACTION:
        raise RefundRetryRefused(
            "Stripe is waiting for an action on this refund in its Dashboard; a second refund "
            "could pay the client twice. Finish it there."
        )
    if refund.status != Refund.Status.FAILED:
        raise RefundRetryRefused(
            f"This refund is {refund.get_status_display().lower()}: only a failed refund can "
            "be tried again."
        )
    if Refund.objects.filter(retry_of=refund).exists():
        raise RefundRetryRefused("This refund has been tried again already.")
    retry = request_refund(payment, reason=refund.reason, actor=actor, retry_of=refund)
    if retry is None:
        raise RefundRetryRefused("Nothing is left to refund on this payment.")
    logger.info("refund %s on booking %s tried again by %s", refund.pk, booking.public_id, actor)
    return retry


def booking_refunds_retry(*, booking: Booking, actor: str) -> list[Refund]:
    """Try again every failed refund of a booking (the booking page's action)."""
    failed = list(
        Refund.objects.needing_attention()
        .filter(payment__booking=booking, status=Refund.Status.FAILED)
        .order_by("pk")
    )
    if not failed:
        raise RefundRetryRefused("No refund on this booking has failed.")
    return [refund_retry(refund=refund, actor=actor) for refund in failed]
