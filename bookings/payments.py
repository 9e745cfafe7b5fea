"""Deposits and refunds, whichever gateway takes them.

Without Stripe keys (development) a clearly labelled demo gateway confirms bookings through
the same service, `payment_deposit_succeeded`, that the Stripe webhook uses.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Booking, Payment
from .services import booking_confirm


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


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
        status=Payment.Status.SUCCEEDED,
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


def deposit_refund(*, booking: Booking) -> None:
    """Refund the booking's paid deposits (demo payments at once; no money ever moved)."""
    for payment in booking.payments.select_for_update().filter(
        kind=Payment.Kind.DEPOSIT, status=Payment.Status.SUCCEEDED
    ):
        if payment.provider == Payment.Provider.DEMO:
            payment.status = Payment.Status.REFUNDED
            payment.refunded_amount = payment.amount
            payment.save(update_fields=["status", "refunded_amount", "updated_at"])
