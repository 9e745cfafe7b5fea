"""Paying the deposit on a Stripe Checkout Session, and acting on what Stripe says of it.

`checkout_start` opens (or reuses) the attempt's session. Stripe's answer, whether it comes by
webhook (payments.events), by the success page asking (`checkout_session_refresh`), by the
lapsed-hold sweep or by reconciliation, goes through the same functions here. Each locks the
booking row first, acts only from the state it expects, and so can be repeated and reordered.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..actors import Actor
from ..errors import (
    HoldLapsed,
    PaymentUnavailable,
    SlotUnavailable,
    TransitionRefused,
)
from ..models import Booking, Payment, Refund
from ..money import format_money, from_stripe
from ..notifications.kinds import Kind
from ..notifications.outbox import notify_after_commit
from ..services import booking_confirm, booking_expire
from . import gateway
from .outcomes import Outcome
from .refunds import request_refund, settle
from .stripe_objects import locate, metadata_of, new_attempt_row, object_id, stripe_deposits

logger = logging.getLogger(__name__)

Status = Payment.Status
BookingStatus = Booking.Status


# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is created;
# the margin covers clock skew and the time the request itself takes.
CHECKOUT_MIN_LIFETIME = timedelta(minutes=30)
CHECKOUT_EXPIRY_MARGIN = timedelta(minutes=1)


# Starting a Stripe Checkout


def checkout_expiry(*, hold_expires_at: datetime, now: datetime) -> datetime:
    """When an attempt's Checkout Session expires: with the hold, or 31 minutes from now if the
    hold has less left than Stripe's minimum (the lapsed-hold sweep then expires it early)."""
    hold_end = hold_expires_at.replace(microsecond=0)
    earliest = now + CHECKOUT_MIN_LIFETIME + CHECKOUT_EXPIRY_MARGIN
    if hold_end >= earliest:
        return hold_end
    return (earliest + timedelta(seconds=1)).replace(microsecond=0)


@transaction.atomic
def _claim_attempt(booking: Booking, now: datetime) -> Payment:
    """The attempt to pay with: the open one, or a new row with its parameters fixed."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    hold_expires_at = booking.hold_expires_at
    if not booking.is_waiting_for_deposit(now) or hold_expires_at is None:
        raise HoldLapsed("This hold has lapsed.")
    latest = stripe_deposits(booking).order_by("-attempt").first()
    if (
        latest is not None
        and latest.status == Status.PENDING
        and latest.checkout_expires_at > now + CHECKOUT_EXPIRY_MARGIN
    ):
        return latest
    return Payment.objects.create(
        booking=booking,
        provider=Payment.Provider.STRIPE,
        kind=Payment.Kind.DEPOSIT,
        status=Status.PENDING,
        amount=booking.deposit_amount,
        currency=booking.currency,
        attempt=(latest.attempt + 1) if latest else 1,
        checkout_expires_at=checkout_expiry(hold_expires_at=hold_expires_at, now=now),
    )


def checkout_start(*, booking: Booking, now: datetime | None = None) -> str | None:
    """The Checkout URL to send the client to, or None if the booking is no longer waiting
    for its deposit (paid meanwhile). Raises HoldLapsed, or PaymentUnavailable (hold kept)."""
    for _ in range(2):
        payment = _claim_attempt(booking, now or timezone.now())
        if payment.checkout_session_id:
            # Back again (the back button, a second tab): reuse the open session if it is.
            try:
                session = gateway.retrieve_checkout_session(payment.checkout_session_id)
            except gateway.GatewayError as error:
                raise PaymentUnavailable(error.message) from error
            if session.get("status") == "open" and session.get("url"):
                return session["url"]
            checkout_session_sync(session)
            booking.refresh_from_db()
            if booking.status != BookingStatus.HELD:
                return None
            continue
        try:
            session = gateway.create_checkout_session(booking, payment)
        except gateway.GatewayError as error:
            # A failed request's result may be stored under its idempotency key: the next
            # try is a new attempt with a new key.
            Payment.objects.filter(
                pk=payment.pk, status=Status.PENDING, checkout_session_id__isnull=True
            ).update(status=Status.FAILED, updated_at=timezone.now())
            raise PaymentUnavailable(error.message) from error
        Payment.objects.filter(pk=payment.pk, checkout_session_id__isnull=True).update(
            checkout_session_id=session["id"], updated_at=timezone.now()
        )
        return session["url"]
    raise PaymentUnavailable("The payment page could not be opened.")


def checkout_session_sync(session: dict) -> str:
    """Act on a Checkout Session as Stripe reports it now (retrieved, or inside an event)."""
    if session.get("status") == "complete" and session.get("payment_status") in (
        "paid",
        "no_payment_required",
    ):
        return checkout_session_paid(session)
    if session.get("status") == "expired":
        return checkout_session_expired(session)
    return Outcome.NOT_PAID_YET


@transaction.atomic
def checkout_session_paid(session: dict) -> str:
    """The deposit was paid: record it once and confirm the booking if its time is free;
    otherwise (taken meanwhile, or the booking was cancelled) refund it once and tell the client.
    """
    booking, payment = locate(session, session_id=session["id"])
    if booking is None:
        return Outcome.NOT_OUR_BOOKING
    amount, currency = from_stripe(int(session.get("amount_total") or 0), session["currency"])
    if payment is None:
        payment = new_attempt_row(booking, session, amount=amount, currency=currency)
    if payment.paid_at is not None:
        return Outcome.ALREADY_RECORDED
    if (amount, currency) != (booking.deposit_amount, booking.currency):
        logger.warning(
            "booking %s: Stripe took %s, the deposit is %s",
            booking.public_id,
            format_money(amount, currency),
            booking.deposit_display,
        )
    payment.amount, payment.currency = amount, currency
    payment.checkout_session_id = session["id"]
    payment.payment_intent_id = (
        object_id(session.get("payment_intent")) or payment.payment_intent_id
    )
    payment.paid_at = timezone.now()
    settle(payment)
    payment.save()

    paid_before = (
        booking.payments.filter(kind=Payment.Kind.DEPOSIT, paid_at__isnull=False)
        .exclude(pk=payment.pk)
        .exclude(status=Status.REFUNDED)
    )
    if paid_before.exists():
        request_refund(payment, reason=Refund.Reason.DUPLICATE, actor=Actor.SYSTEM)
        return Outcome.PAID_TWICE
    try:
        booking_confirm(booking=booking, actor=Actor.SYSTEM, note="deposit paid (stripe)")
    except (SlotUnavailable, TransitionRefused):
        if request_refund(payment, reason=Refund.Reason.LATE_PAYMENT, actor=Actor.SYSTEM):
            notify_after_commit(booking=booking, kind=Kind.LATE_PAYMENT)
        return Outcome.PAID_TOO_LATE
    return Outcome.CONFIRMED


@transaction.atomic
def checkout_session_expired(session: dict) -> str:
    """The session expired unpaid: the attempt is over, and the hold released unless
    another attempt is still open."""
    booking, payment = locate(session, session_id=session["id"])
    if booking is None or payment is None:
        return Outcome.UNKNOWN_SESSION
    if payment.paid_at is not None:
        return Outcome.ATTEMPT_WAS_PAID
    if payment.status != Status.EXPIRED:
        payment.status = Status.EXPIRED
        payment.checkout_session_id = session["id"]
        payment.save(update_fields=["status", "checkout_session_id", "updated_at"])
    still_open = stripe_deposits(booking).filter(status=Status.PENDING).exclude(pk=payment.pk)
    if booking.status == BookingStatus.HELD and not still_open.exists():
        lapsed_at = booking.hold_expires_at or timezone.now()
        booking_expire(booking=booking, now=max(timezone.now(), lapsed_at))
        return Outcome.HOLD_RELEASED
    return Outcome.ATTEMPT_EXPIRED


def checkout_session_refresh(*, booking: Booking, session_id: str) -> None:
    """The success page: ask Stripe about the client's session, so a late webhook doesn't
    leave them waiting (the session comes from Stripe's API, never from the URL alone)."""
    payment = stripe_deposits(booking).filter(checkout_session_id=session_id).first()
    if payment is None or payment.paid_at is not None or payment.status != Status.PENDING:
        return
    try:
        session = gateway.retrieve_checkout_session(session_id)
    except gateway.GatewayError:
        return
    if metadata_of(session).get("booking") != str(booking.public_id):
        return
    checkout_session_sync(session)


def checkout_sessions_close_lapsed(
    *, booking_ids: list[int] | None = None, now: datetime | None = None, batch: int = 100
) -> int:
    """Expire the Checkout Sessions of holds that lapsed on our side first (the periodic sweep).

    If Stripe says a session already completed, the payment is processed like its webhook:
    the booking is confirmed only if its time is still free, otherwise refunded.
    """
    now = now or timezone.now()
    lapsed = _open_attempts_of_lapsed_holds(now)
    if booking_ids is not None:
        lapsed = lapsed.filter(booking_id__in=booking_ids)
    closed = 0
    for payment in lapsed.order_by("pk")[:batch]:
        if not payment.checkout_session_id:
            Payment.objects.filter(
                pk=payment.pk, status=Status.PENDING, checkout_session_id__isnull=True
            ).update(status=Status.FAILED, updated_at=now)
            continue
        try:
            session = gateway.expire_checkout_session(payment.checkout_session_id)
        except gateway.GatewayError as error:
            if error.transient:
                continue  # the next sweep tries again
            try:  # Stripe refused: the session is already complete or expired
                session = gateway.retrieve_checkout_session(payment.checkout_session_id)
            except gateway.GatewayError:
                continue
        if checkout_session_sync(session) == Outcome.NOT_PAID_YET:
            # Complete but unpaid (a delayed method): the attempt is over for this hold. Should
            # the money arrive after all, async_payment_succeeded still records it.
            Payment.objects.filter(pk=payment.pk, status=Status.PENDING).update(
                status=Status.FAILED, updated_at=now
            )
        closed += 1
    return closed


def _open_attempts_of_lapsed_holds(now: datetime):
    return Payment.objects.filter(
        provider=Payment.Provider.STRIPE, kind=Payment.Kind.DEPOSIT, status=Status.PENDING
    ).filter(~Q(booking__status=BookingStatus.HELD) | Q(booking__hold_expires_at__lte=now))
