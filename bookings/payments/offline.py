"""Payments taken outside Stripe: bookings paid for at the studio, balances paid there, and the
development demo deposit.

With PAYMENTS_MODE=at_studio (or a session type without a deposit) a booking is confirmed with
nothing paid online, and the full price is due on the day. In development (PAYMENTS_MODE=demo,
which the settings refuse without DEBUG) a clearly labelled demo gateway confirms bookings through
the same service, `booking_confirm`, that Stripe payments use.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..actors import Actor
from ..errors import HoldLapsed, TransitionRefused
from ..models import Booking, Payment
from ..money import format_money
from ..services import booking_confirm, booking_event_record
from .ledger import booking_money
from .mode import demo_enabled

Status = Payment.Status
BookingStatus = Booking.Status


# Nothing to pay online


@transaction.atomic
def booking_confirm_without_deposit(*, booking: Booking, now: datetime | None = None) -> Booking:
    """Confirm a held booking whose terms carry no deposit: the client pays at the studio."""
    now = now or timezone.now()
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status == BookingStatus.CONFIRMED:
        return booking
    if booking.deposit_amount:
        raise TransitionRefused("This booking's deposit has to be paid before it is confirmed.")
    if not booking.is_waiting_for_deposit(now):
        raise HoldLapsed("This hold has lapsed.")
    return booking_confirm(
        booking=booking,
        actor=Actor.CLIENT,
        note=f"no deposit: {format_money(booking.price_amount, booking.currency)} at the studio",
    )


# The demo gateway (development only: PAYMENTS_MODE=demo)


@transaction.atomic
def payment_deposit_succeeded(
    *,
    booking: Booking,
    provider: str,
    amount: int,
    currency: str,
    actor: str = Actor.SYSTEM,
    checkout_session_id: str | None = None,
    payment_intent_id: str | None = None,
) -> Payment:
    """Record a paid deposit and confirm its booking (SlotUnavailable if the time was taken)."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)  # the booking before its rows
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
    if not demo_enabled():
        raise PermissionError("The demo gateway is on only with PAYMENTS_MODE=demo.")
    return payment_deposit_succeeded(
        booking=booking,
        provider=Payment.Provider.DEMO,
        amount=booking.deposit_amount,
        currency=booking.currency,
        actor=Actor.CLIENT,
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
    booking_event_record(
        booking=booking,
        from_status=booking.status,
        actor=actor,
        note=f"balance {format_money(due, booking.currency)} paid at the studio",
    )
    return payment
