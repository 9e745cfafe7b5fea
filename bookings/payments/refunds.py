"""Refunds: decided inside a transaction (a `requested` Refund row), sent to Stripe after commit.

Stripe calls never run inside a transaction: the Celery job sends the row with its idempotency
key, a periodic sweep sends any the broker lost, and what Stripe reports (its answer, refund.*
and charge.refunded events) moves the row and its payment forward, whatever order it comes in.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from studio.queue import enqueue_after_commit

from ..actors import Actor
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


REFUND_SEND_ATTEMPTS = 10
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


def request_refund(payment: Payment, *, reason: str, actor: str) -> Refund | None:
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
    refund = Refund.objects.create(
        payment=payment,
        amount=due,
        currency=payment.currency,
        reason=reason,
        actor=actor,
        idempotency_key=f"deposit-refund:{payment.booking.public_id}:{payment.attempt}:{number}",
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
    became_live = previous not in Refund.LIVE_STATUSES and refund.status in Refund.LIVE_STATUSES
    if became_live and refund.reason != Refund.Reason.LATE_PAYMENT:
        notify_after_commit(booking=booking, kind=Kind.REFUND_ISSUED)
    return f"refund {refund.status}"


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


def refund_send(*, refund_id: int) -> str:
    """Send one requested refund to Stripe (the Celery task and the sweep call this)."""
    refund = Refund.objects.select_related("payment__booking").filter(pk=refund_id).first()
    if refund is None or refund.status != Refund.Status.REQUESTED:
        return Outcome.NOTHING_TO_SEND
    if not refund.payment.payment_intent_id:
        return _refund_not_sent(refund, "The payment has no Stripe payment intent.", final=True)
    try:
        result = gateway.create_refund(refund)
    except gateway.GatewayError as error:
        return _refund_not_sent(refund, error.message, final=not error.transient)
    return refund_object_apply(result)


@transaction.atomic
def _refund_not_sent(refund: Refund, message: str, *, final: bool) -> str:
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != Refund.Status.REQUESTED:
        return Outcome.ALREADY_SENT
    refund.send_attempts += 1
    refund.failure_reason = message[:300]
    if final or refund.send_attempts >= REFUND_SEND_ATTEMPTS:
        refund.status = Refund.Status.FAILED
        logger.error("refund %s could not be sent to Stripe: %s", refund.pk, message)
    refund.save(update_fields=["send_attempts", "failure_reason", "status", "updated_at"])
    return Outcome.SEND_FAILED if refund.status == Refund.Status.FAILED else Outcome.WILL_RETRY


def refunds_send_requested(*, older_than: timedelta = timedelta(minutes=2), batch=100) -> int:
    """The sweep behind the refund task: send what the broker lost or Stripe refused for now."""
    cutoff = timezone.now() - older_than
    pending = Refund.objects.filter(status=Refund.Status.REQUESTED, updated_at__lte=cutoff)
    ids = list(pending.order_by("pk").values_list("pk", flat=True)[:batch])
    for refund_id in ids:
        refund_send(refund_id=refund_id)
    return len(ids)
