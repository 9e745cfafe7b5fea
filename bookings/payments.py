"""Deposits, refunds and balances, whichever gateway takes them.

Without Stripe keys (development) a clearly labelled demo gateway confirms bookings through
the same service, `booking_confirm`, that Stripe payments use. With keys, the client pays on a
Stripe Checkout Session (`checkout_start`), and Stripe's answer, whether it comes by webhook
(bookings.webhooks), by the success page asking, by the lapsed-hold sweep or by reconciliation,
goes through the same functions here: `checkout_session_paid`, `checkout_session_expired`,
`charge_refunded`, `refund_object_apply`. Each locks the booking row first, acts only from the
state it expects, and so can be repeated and reordered (the table is in bookings/webhooks.py).

Stripe calls never run inside a transaction: refunds are decided in one (a `requested` Refund
row) and sent after commit by a Celery task with the row's idempotency key; a periodic sweep
sends any the broker lost.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from studio.queue import enqueue_after_commit

from . import stripe_gateway
from .models import Booking, BookingEvent, Payment, Refund
from .money import format_money, from_stripe
from .notifications import notify_after_commit
from .services import (
    BookingError,
    SlotUnavailable,
    TransitionRefused,
    booking_confirm,
    booking_expire,
)

logger = logging.getLogger(__name__)

Status = Payment.Status
BookingStatus = Booking.Status

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is created;
# the margin covers clock skew and the time the request itself takes.
CHECKOUT_MIN_LIFETIME = timedelta(minutes=30)
CHECKOUT_EXPIRY_MARGIN = timedelta(minutes=1)
REFUND_SEND_ATTEMPTS = 10
REFUND_STATUS_RANK = {
    Refund.Status.REQUESTED: 0,
    Refund.Status.PENDING: 1,
    Refund.Status.REQUIRES_ACTION: 2,
    Refund.Status.SUCCEEDED: 3,
    Refund.Status.FAILED: 4,
    Refund.Status.CANCELED: 4,
}


class PaymentUnavailable(BookingError):
    """Stripe could not be reached or refused; the hold stays, the client may try again."""


class HoldLapsed(BookingError):
    pass


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


# The demo gateway (development without Stripe keys)


@transaction.atomic
def payment_deposit_succeeded(
    *,
    booking: Booking,
    provider: str,
    amount: int,
    currency: str,
    actor: str = "system",
    checkout_session_id: str | None = None,
    payment_intent_id: str | None = None,
) -> Payment:
    """Record a paid deposit and confirm its booking (SlotUnavailable if the time was taken)."""
    payment = Payment.objects.create(
        booking=booking,
        provider=provider,
        kind=Payment.Kind.DEPOSIT,
        status=Status.SUCCEEDED,
        amount=amount,
        currency=currency,
        checkout_session_id=checkout_session_id,
        payment_intent_id=payment_intent_id,
        paid_at=timezone.now(),
    )
    booking_confirm(booking=booking, actor=actor, note=f"deposit paid ({provider})")
    return payment


def payment_demo_deposit(*, booking: Booking) -> Payment:
    if stripe_enabled():
        raise PermissionError("The demo gateway is off when Stripe is configured.")
    return payment_deposit_succeeded(
        booking=booking,
        provider=Payment.Provider.DEMO,
        amount=booking.deposit_amount,
        currency=booking.currency,
        actor="client",
    )


# Starting a Stripe Checkout


def checkout_expiry(*, hold_expires_at: datetime, now: datetime) -> datetime:
    """When an attempt's Checkout Session expires: with the hold, or 31 minutes from now if the
    hold has less left than Stripe's minimum (the lapsed-hold sweep then expires it early)."""
    hold_end = hold_expires_at.replace(microsecond=0)
    earliest = now + CHECKOUT_MIN_LIFETIME + CHECKOUT_EXPIRY_MARGIN
    if hold_end >= earliest:
        return hold_end
    return (earliest + timedelta(seconds=1)).replace(microsecond=0)


def _stripe_deposits(booking: Booking):
    return booking.payments.filter(provider=Payment.Provider.STRIPE, kind=Payment.Kind.DEPOSIT)


@transaction.atomic
def _claim_attempt(booking: Booking, now: datetime) -> Payment:
    """The attempt to pay with: the open one, or a new row with its parameters fixed."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != BookingStatus.HELD or booking.hold_expires_at <= now:
        raise HoldLapsed("This hold has lapsed.")
    latest = _stripe_deposits(booking).order_by("-attempt").first()
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
        checkout_expires_at=checkout_expiry(hold_expires_at=booking.hold_expires_at, now=now),
    )


def checkout_start(*, booking: Booking, now: datetime | None = None) -> str | None:
    """The Checkout URL to send the client to, or None if the booking is no longer waiting
    for its deposit (paid meanwhile). Raises HoldLapsed, or PaymentUnavailable (hold kept)."""
    for _ in range(2):
        payment = _claim_attempt(booking, now or timezone.now())
        if payment.checkout_session_id:
            # Back again (the back button, a second tab): reuse the open session if it is.
            try:
                session = stripe_gateway.retrieve_checkout_session(payment.checkout_session_id)
            except stripe_gateway.GatewayError as error:
                raise PaymentUnavailable(error.message) from error
            if session.get("status") == "open" and session.get("url"):
                return session["url"]
            checkout_session_sync(session)
            booking.refresh_from_db()
            if booking.status != BookingStatus.HELD:
                return None
            continue
        try:
            session = stripe_gateway.create_checkout_session(booking, payment)
        except stripe_gateway.GatewayError as error:
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


# Stripe's answers: one code path for webhooks, the success page, sweeps and reconciliation


def _id(value) -> str | None:
    """An id field that may come expanded ({"id": ...}) or not."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _metadata(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _attempt_of(obj: dict) -> int | None:
    try:
        return int(_metadata(obj).get("attempt"))
    except (TypeError, ValueError):
        return None


def _locked_booking(obj: dict) -> Booking | None:
    reference = _metadata(obj).get("booking") or obj.get("client_reference_id")
    try:
        public_id = uuid.UUID(str(reference))
    except ValueError:
        return None
    return Booking.objects.select_for_update().filter(public_id=public_id).first()


def _locate(obj: dict, *, session_id: str | None = None) -> tuple[Booking | None, Payment | None]:
    """The booking (locked first) and the Stripe deposit payment an object is about."""
    payment_intent = _id(obj.get("payment_intent"))
    booking = _locked_booking(obj)
    if booking is None and payment_intent:
        known = Payment.objects.filter(payment_intent_id=payment_intent).first()
        if known is not None:
            booking = Booking.objects.select_for_update().get(pk=known.booking_id)
    if booking is None:
        return None, None
    rows = _stripe_deposits(booking).select_for_update()
    if session_id and (found := rows.filter(checkout_session_id=session_id).first()):
        return booking, found
    if payment_intent and (found := rows.filter(payment_intent_id=payment_intent).first()):
        return booking, found
    attempt = _attempt_of(obj)
    if attempt is not None:
        found = rows.filter(attempt=attempt).first()
        if found and (session_id is None or found.checkout_session_id in (None, session_id)):
            return booking, found
    return booking, None


def _new_attempt_row(booking: Booking, obj: dict, **fields) -> Payment:
    """A payment Stripe tells us of that we have no row for (kept so no money goes unseen)."""
    latest = _stripe_deposits(booking).order_by("-attempt").first()
    attempt = _attempt_of(obj)
    if attempt is None or _stripe_deposits(booking).filter(attempt=attempt).exists():
        attempt = (latest.attempt + 1) if latest else 1
    return Payment(
        booking=booking,
        provider=Payment.Provider.STRIPE,
        kind=Payment.Kind.DEPOSIT,
        status=Status.PENDING,
        attempt=attempt,
        **fields,
    )


def _settle(payment: Payment) -> None:
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


def _request_refund(payment: Payment, *, reason: str, actor: str) -> Refund | None:
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
    from .tasks import stripe_refund_send

    enqueue_after_commit(stripe_refund_send, refund.pk)
    return refund


def checkout_session_sync(session: dict) -> str:
    """Act on a Checkout Session as Stripe reports it now (retrieved, or inside an event)."""
    if session.get("status") == "complete" and session.get("payment_status") in (
        "paid",
        "no_payment_required",
    ):
        return checkout_session_paid(session)
    if session.get("status") == "expired":
        return checkout_session_expired(session)
    return "not paid (yet)"


@transaction.atomic
def checkout_session_paid(session: dict) -> str:
    """The deposit was paid: record it once and confirm the booking if its time is free;
    otherwise (taken meanwhile, or the booking was cancelled) refund it once and tell the client.
    """
    booking, payment = _locate(session, session_id=session["id"])
    if booking is None:
        return "ignored: not one of our bookings"
    amount, currency = from_stripe(int(session.get("amount_total") or 0), session["currency"])
    if payment is None:
        payment = _new_attempt_row(booking, session, amount=amount, currency=currency)
    if payment.paid_at is not None:
        return "ignored: already recorded"
    if (amount, currency) != (booking.deposit_amount, booking.currency):
        logger.warning(
            "booking %s: Stripe took %s, the deposit is %s",
            booking.public_id,
            format_money(amount, currency),
            booking.deposit_display,
        )
    payment.amount, payment.currency = amount, currency
    payment.checkout_session_id = session["id"]
    payment.payment_intent_id = _id(session.get("payment_intent")) or payment.payment_intent_id
    payment.paid_at = timezone.now()
    _settle(payment)
    payment.save()

    paid_before = (
        booking.payments.filter(kind=Payment.Kind.DEPOSIT, paid_at__isnull=False)
        .exclude(pk=payment.pk)
        .exclude(status=Status.REFUNDED)
    )
    if paid_before.exists():
        _request_refund(payment, reason=Refund.Reason.DUPLICATE, actor="system")
        return "paid twice: refund requested"
    try:
        booking_confirm(booking=booking, actor="system", note="deposit paid (stripe)")
    except (SlotUnavailable, TransitionRefused):
        if _request_refund(payment, reason=Refund.Reason.LATE_PAYMENT, actor="system"):
            notify_after_commit(booking=booking, kind="late_payment_refunded")
        return "paid too late: refund requested"
    return "confirmed"


@transaction.atomic
def checkout_session_expired(session: dict) -> str:
    """The session expired unpaid: the attempt is over, and the hold released unless
    another attempt is still open."""
    booking, payment = _locate(session, session_id=session["id"])
    if booking is None or payment is None:
        return "ignored: unknown session"
    if payment.paid_at is not None:
        return "ignored: this attempt was paid"
    if payment.status != Status.EXPIRED:
        payment.status = Status.EXPIRED
        payment.checkout_session_id = session["id"]
        payment.save(update_fields=["status", "checkout_session_id", "updated_at"])
    still_open = _stripe_deposits(booking).filter(status=Status.PENDING).exclude(pk=payment.pk)
    if booking.status == BookingStatus.HELD and not still_open.exists():
        booking_expire(booking=booking, now=max(timezone.now(), booking.hold_expires_at))
        return "hold released"
    return "attempt expired"


@transaction.atomic
def charge_refunded(charge: dict, *, reported_at: datetime) -> str:
    """charge.refunded: keep the charge's refunded total if this report is the latest."""
    booking, payment = _locate(charge)
    if booking is None:
        return "ignored: not one of our payments"
    amount_refunded, _ = from_stripe(int(charge.get("amount_refunded") or 0), charge["currency"])
    if payment is None:
        amount, currency = from_stripe(int(charge.get("amount") or 0), charge["currency"])
        payment = _new_attempt_row(
            booking,
            charge,
            amount=amount,
            currency=currency,
            payment_intent_id=_id(charge.get("payment_intent")),
        )
    latest = payment.charge_reported_at
    if (
        latest is None
        or reported_at > latest
        or (reported_at == latest and amount_refunded > (payment.charge_amount_refunded or 0))
    ):
        payment.charge_amount_refunded = amount_refunded
        payment.charge_reported_at = reported_at
    payment.payment_intent_id = payment.payment_intent_id or _id(charge.get("payment_intent"))
    _settle(payment)
    payment.save()
    return f"charge refunded {format_money(amount_refunded, payment.currency)} in all"


@transaction.atomic
def refund_object_apply(obj: dict) -> str:
    """A Refund as Stripe reports it (API answer or refund.* event): moves its row forward."""
    booking, payment = _locate(obj)
    if payment is None:
        return "ignored: not one of our payments"
    refund = Refund.objects.select_for_update().filter(stripe_refund_id=obj["id"]).first()
    key = _metadata(obj).get("refund")
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
    moves_forward = REFUND_STATUS_RANK.get(new, -1) > REFUND_STATUS_RANK[previous]
    if new in REFUND_STATUS_RANK and (moves_forward or not heard_before):
        refund.status = new
        if new in Refund.LIVE_STATUSES:
            refund.failure_reason = ""
        if new in (Refund.Status.FAILED, Refund.Status.CANCELED):
            refund.failure_reason = (obj.get("failure_reason") or new)[:300]
            logger.error("refund %s on booking %s %s", obj["id"], booking.public_id, new)
    refund.save()
    _settle(payment)
    payment.save()
    became_live = previous not in Refund.LIVE_STATUSES and refund.status in Refund.LIVE_STATUSES
    if became_live and refund.reason != Refund.Reason.LATE_PAYMENT:
        notify_after_commit(booking=booking, kind="refund_issued")
    return f"refund {refund.status}"


def checkout_session_refresh(*, booking: Booking, session_id: str) -> None:
    """The success page: ask Stripe about the client's session, so a late webhook doesn't
    leave them waiting (the session comes from Stripe's API, never from the URL alone)."""
    payment = _stripe_deposits(booking).filter(checkout_session_id=session_id).first()
    if payment is None or payment.paid_at is not None or payment.status != Status.PENDING:
        return
    try:
        session = stripe_gateway.retrieve_checkout_session(session_id)
    except stripe_gateway.GatewayError:
        return
    if _metadata(session).get("booking") != str(booking.public_id):
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
            session = stripe_gateway.expire_checkout_session(payment.checkout_session_id)
        except stripe_gateway.GatewayError as error:
            if error.transient:
                continue  # the next sweep tries again
            try:  # Stripe refused: the session is already complete or expired
                session = stripe_gateway.retrieve_checkout_session(payment.checkout_session_id)
            except stripe_gateway.GatewayError:
                continue
        if checkout_session_sync(session) == "not paid (yet)":
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


# Refunds


def _cancelled_by(booking: Booking) -> str:
    return (
        booking.events.filter(to_status=BookingStatus.CANCELLED)
        .order_by("-at", "-id")
        .values_list("actor", flat=True)
        .first()
        or "system"
    )


def deposit_refund(*, booking: Booking) -> None:
    """Refund the booking's paid deposits (called by booking_cancel, inside its transaction).

    Demo payments are marked refunded at once (no money ever moved); Stripe ones get a
    `requested` Refund row, sent to the Refund API after commit.
    """
    actor = None
    for payment in booking.payments.select_for_update().filter(
        kind=Payment.Kind.DEPOSIT, paid_at__isnull=False
    ):
        if payment.provider == Payment.Provider.DEMO and payment.status == Status.SUCCEEDED:
            payment.status = Status.REFUNDED
            payment.refunded_amount = payment.amount
            payment.save(update_fields=["status", "refunded_amount", "updated_at"])
        elif payment.provider == Payment.Provider.STRIPE:
            actor = actor or _cancelled_by(booking)
            _request_refund(payment, reason=Refund.Reason.CANCELLATION, actor=actor)


def refund_send(*, refund_id: int) -> str:
    """Send one requested refund to Stripe (the Celery task and the sweep call this)."""
    refund = Refund.objects.select_related("payment__booking").filter(pk=refund_id).first()
    if refund is None or refund.status != Refund.Status.REQUESTED:
        return "nothing to send"
    if not refund.payment.payment_intent_id:
        return _refund_not_sent(refund, "The payment has no Stripe payment intent.", final=True)
    try:
        result = stripe_gateway.create_refund(refund)
    except stripe_gateway.GatewayError as error:
        return _refund_not_sent(refund, error.message, final=not error.transient)
    return refund_object_apply(result)


@transaction.atomic
def _refund_not_sent(refund: Refund, message: str, *, final: bool) -> str:
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != Refund.Status.REQUESTED:
        return "already sent"
    refund.send_attempts += 1
    refund.failure_reason = message[:300]
    if final or refund.send_attempts >= REFUND_SEND_ATTEMPTS:
        refund.status = Refund.Status.FAILED
        logger.error("refund %s could not be sent to Stripe: %s", refund.pk, message)
    refund.save(update_fields=["send_attempts", "failure_reason", "status", "updated_at"])
    return "failed" if refund.status == Refund.Status.FAILED else "will retry"


def refunds_send_requested(*, older_than: timedelta = timedelta(minutes=2), batch=100) -> int:
    """The sweep behind the refund task: send what the broker lost or Stripe refused for now."""
    cutoff = timezone.now() - older_than
    pending = Refund.objects.filter(status=Refund.Status.REQUESTED, updated_at__lte=cutoff)
    ids = list(pending.order_by("pk").values_list("pk", flat=True)[:batch])
    for refund_id in ids:
        refund_send(refund_id=refund_id)
    return len(ids)


# What a booking has paid and owes


@dataclass(frozen=True)
class MoneySummary:
    currency: str
    deposit_paid: int
    refunded: int
    refund_requested: int
    balance_paid: int
    balance_due: int

    def display(self, amount: int) -> str:
        return format_money(amount, self.currency)

    def __str__(self) -> str:
        parts = [f"Deposit paid {self.display(self.deposit_paid)}"]
        if self.refunded:
            parts.append(f"refunded {self.display(self.refunded)}")
        if self.refund_requested:
            parts.append(f"refund of {self.display(self.refund_requested)} on its way")
        if self.balance_paid:
            parts.append(f"balance paid {self.display(self.balance_paid)}")
        parts.append(f"due at the session {self.display(self.balance_due)}")
        return " · ".join(parts)


PAID_STATUSES = (Status.SUCCEEDED, Status.REFUNDED, Status.PARTIALLY_REFUNDED)


def booking_money(booking: Booking) -> MoneySummary:
    payments = list(booking.payments.filter(status__in=PAID_STATUSES))
    deposits = [p for p in payments if p.kind == Payment.Kind.DEPOSIT]
    deposit_paid = sum(p.amount for p in deposits)
    refunded = sum(p.refunded_amount for p in payments)
    requested = (
        Refund.objects.filter(payment__booking=booking, status=Refund.Status.REQUESTED).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    balance_paid = sum(p.amount for p in payments if p.kind == Payment.Kind.BALANCE)
    owing = booking.status in (
        BookingStatus.CONFIRMED,
        BookingStatus.COMPLETED,
        BookingStatus.NO_SHOW,
    )
    kept = sum(p.amount - p.refunded_amount for p in payments)
    return MoneySummary(
        currency=booking.currency,
        deposit_paid=deposit_paid,
        refunded=refunded,
        refund_requested=requested,
        balance_paid=balance_paid,
        balance_due=max(0, booking.price_amount - kept) if owing else 0,
    )


@transaction.atomic
def payment_record_balance(*, booking: Booking, actor: str) -> Payment:
    """The client paid the rest at the studio: record it as a balance payment."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
        raise TransitionRefused("Only a confirmed or completed session has a balance to record.")
    due = booking_money(booking).balance_due
    if due <= 0:
        raise TransitionRefused("Nothing is left to pay on this booking.")
    payment = Payment.objects.create(
        booking=booking,
        provider=Payment.Provider.STUDIO,
        kind=Payment.Kind.BALANCE,
        status=Status.SUCCEEDED,
        amount=due,
        currency=booking.currency,
        paid_at=timezone.now(),
    )
    BookingEvent.objects.create(
        booking=booking,
        from_status=booking.status,
        to_status=booking.status,
        actor=actor,
        note=f"balance {format_money(due, booking.currency)} paid at the studio",
    )
    return payment
